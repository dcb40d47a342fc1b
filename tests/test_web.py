"""The web edition's HTML, the editions' own identities, and site.base_url."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from briefpress.distribute import distribute
from conftest import ROOT, SLUG, run_cli

RICH = Path(__file__).parent / "fixtures" / "rich"
ATOM = "{http://www.w3.org/2005/Atom}"


def build(root: Path, out: Path, formats: str = "html") -> None:
    code, _, err = run_cli("build", "--root", str(root), "--out", str(out), "--format", formats)
    assert code == 0, err


def test_footnotes_link_both_ways_and_the_author_is_in_a_landmark(tmp_path):
    shutil.copytree(RICH, tmp_path / "rich")
    build(tmp_path / "rich", tmp_path / "out")
    html = lxml.html.fromstring((tmp_path / "out/rich/rich.en.html").read_bytes())
    call = html.xpath("//main//a[@role='doc-noteref']")[0]
    note = html.get_element_by_id(call.get("href")[1:])
    back = note.xpath(".//a[@role='doc-backlink']")[0]
    assert back.get("href") == f"#{call.get('id')}" and back.get("aria-label") == "Back to the text"
    assert note.xpath("ancestor::section[@aria-labelledby='notes-title']")
    about = html.xpath("//aside[@aria-labelledby='about-title']")[0]
    assert "Ada Writer studies" in about.text_content()
    assert not html.xpath("//main//aside")  # a complementary landmark at the top level
    assert html.xpath("//figure//img")[0].get("src").startswith("data:image/svg+xml")


def test_web_edition_head_shares_and_links_its_languages(built):
    html = lxml.html.fromstring((built / f"{SLUG}.ko.html").read_bytes())
    meta = {m.get("property") or m.get("name"): m.get("content") for m in html.xpath("//meta")}
    assert meta["viewport"] == "width=device-width, initial-scale=1"
    assert meta["og:title"].startswith("일본과 대한민국의 안보 관계")
    assert meta["description"] == meta["og:description"] == meta["twitter:description"]
    assert meta["og:image"] == f"{SLUG}.ko.cover.png" and meta["og:locale"] == "ko_KR"
    assert meta["twitter:card"] == "summary_large_image"
    alternates = {l.get("hreflang"): l.get("href") for l in html.xpath("//link[@hreflang]")}
    assert alternates == {"en": f"{SLUG}.en.html", "ja": f"{SLUG}.ja.html"}
    downloads = [a.get("href") for a in html.xpath("//nav[@class='downloads']//a")]
    assert downloads == [f"{SLUG}.ko.pdf", f"{SLUG}.ko.epub", f"{SLUG}.en-ko.pdf",
                         f"{SLUG}.en-ko.epub", "index.ko.html"]
    assert html.xpath("//header[@class='site']//a/@href")[0] == "../index.ko.html"
    assert not html.xpath("//script | //link[@rel='stylesheet'] | //*[@src[not(starts-with(., 'data:'))]]")


@pytest.mark.parametrize("pair, title, langs", [
    ("en-ja", "日本と大韓民国の安全保障関係（英語・日本語対訳版）", ["ja", "en"]),
    ("en-ko", "일본과 대한민국의 안보 관계(영어·한국어 대역판)", ["ko", "en"]),
])
def test_bilingual_epub_has_its_own_identity(built, pair, title, langs):
    with zipfile.ZipFile(built / f"{SLUG}.{pair}.epub") as epub:
        assert epub.infolist()[0].filename == "mimetype"
        assert epub.infolist()[0].compress_type == zipfile.ZIP_STORED
        opf = etree.fromstring(epub.read("EPUB/content.opf"))
    dc = {"dc": "http://purl.org/dc/elements/1.1/"}
    assert opf.xpath("//dc:identifier/text()", namespaces=dc) == [f"urn:briefpress:{SLUG}:{pair}"]
    assert opf.xpath("//dc:title/text()", namespaces=dc) == [title]
    assert opf.xpath("//dc:language/text()", namespaces=dc) == langs
    with zipfile.ZipFile(built / f"{SLUG}.{langs[0]}.epub") as single:
        other = etree.fromstring(single.read("EPUB/content.opf"))
    assert other.xpath("//dc:identifier/text()", namespaces=dc) != [f"urn:briefpress:{SLUG}:{pair}"]


@pytest.mark.slow
def test_base_url_makes_urls_absolute_and_ids_stable(project, tmp_path):
    (project / "briefpress.toml").write_text('[site]\nbase_url = "https://example.org/briefs"\n',
                                             encoding="utf-8")
    out = tmp_path / "out"
    build(project, out, "pdf,html")
    distribute(project, out, search=False)
    base = "https://example.org/briefs/"
    html = lxml.html.fromstring((out / SLUG / f"{SLUG}.ja.html").read_bytes())
    assert html.xpath("//meta[@property='og:url']/@content") == [f"{base}{SLUG}/{SLUG}.ja.html"]
    assert html.xpath("//meta[@property='og:image']/@content") == [
        f"{base}{SLUG}/{SLUG}.ja.cover.png"]
    feed = etree.parse(str(out / "feed.xml")).getroot()
    ids = [e.findtext(f"{ATOM}id") for e in feed.findall(f"{ATOM}entry")]
    assert f"{base}{SLUG}/{SLUG}.ja.html" in ids and f"{base}{SLUG}/{SLUG}.en-ja.pdf" in ids
    hrefs = [l.get("href") for l in feed.iter(f"{ATOM}link")]
    assert hrefs and all(h.startswith(base) for h in hrefs)
    sitemap = etree.parse(str(out / "sitemap.xml")).getroot()
    locs = sitemap.xpath("//s:loc/text()", namespaces={"s": sitemap.nsmap[None]})
    assert f"{base}index.ja.html" in locs and all(l.startswith(base) for l in locs)
    alternates = sitemap.xpath("//x:link[@hreflang='ko']/@href",
                               namespaces={"x": "http://www.w3.org/1999/xhtml"})
    assert f"{base}{SLUG}/{SLUG}.ko.html" in alternates


@pytest.mark.parametrize("text, message", [
    ('[site]\nbase_url = "example.org"\n', "briefpress.toml:2: site.base_url must be an absolute"),
    ('[site\n', "briefpress.toml:1: invalid TOML"),
    ('[site]\nbase = "https://x.org/"\n', "briefpress.toml:1: unknown setting(s): base"),
])
def test_bad_configuration_is_refused_with_its_line(project, tmp_path, text, message):
    (project / "briefpress.toml").write_text(text, encoding="utf-8")
    code, _, err = run_cli("build", "--root", str(project), "--out", str(tmp_path / "out"),
                           "--format", "html")
    assert code == 1 and err.startswith(message), err
    assert not (tmp_path / "out" / SLUG / f"{SLUG}.en.html").exists()


@pytest.mark.slow
def test_listing_groups_by_series_once_there_are_many_briefs(project, tmp_path):
    for n in range(8):
        folder = project / "content" / f"gen-{n}"
        folder.mkdir()
        series = "" if n % 3 == 0 else f"series: Series {'AB'[n % 2]}\n"
        (folder / "brief.md").write_text(
            f"---\ntitle: Generated {n}\nlang: en\ndate: 2027-01-{n + 1:02d}\n{series}"
            f"authors:\n  - name: Author {n}\n---\n\nText {n}.\n", encoding="utf-8")
    out = tmp_path / "out"
    build(project, out)
    distribute(project, out, search=False)
    html = lxml.html.fromstring((out / "index.html").read_bytes())
    headings = [h.text_content() for h in html.xpath("//h2[@class='series-heading']")]
    assert headings == ["Series B", "Series A", "Strategic Japan Working Paper Series",
                        "Other briefs"]
    first = html.xpath("//h2[@class='series-heading']")[0].getnext()
    assert first.get("id") == "gen-7"  # newest first within a series
