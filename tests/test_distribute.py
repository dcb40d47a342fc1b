"""Stage 7, distribute: index pages, SHA256SUMS, Atom feed and OPDS catalog, made from
the real outputs of the sample brief (and of generated briefs for the ordering)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import lxml.html
import pytest
from babel.messages.pofile import read_po, write_po
from lxml import etree

from briefpress.catalogs import template_for_templates
from briefpress.distribute import distribute
from briefpress.search import SearchIndex
from briefpress.errors import ResourceError
from conftest import ROOT, SLUG, run_cli

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LANGS = ("en", "ja", "ko")
PAGES = {"en": "index.html", "ja": "index.ja.html", "ko": "index.ko.html"}
EDITIONS = [f"{SLUG}/{SLUG}.{lang}.{ext}" for lang in LANGS for ext in ("pdf", "epub", "html")]
EDITIONS += [f"{SLUG}/{SLUG}.en-{lang}.{ext}" for lang in ("ja", "ko") for ext in ("pdf", "epub")]
COVERS = [f"{SLUG}/{SLUG}.{e}.{size}.png" for e in ("en", "ja", "ko", "en-ja", "en-ko")
          for size in ("cover", "thumb")]

# The index page's own words in Japanese and Korean. They belong in
# locales/{ja,ko}/LC_MESSAGES/templates.po (`briefpress extract`, `briefpress update`,
# then these msgstrs); until they are there, ui_project() adds the missing ones to a copy.
UI_TRANSLATIONS = {
    "ja": {
        "Policy briefs": "ポリシーブリーフ",
        "Language": "言語",
        "All briefs": "ポリシーブリーフ一覧",
        "No briefs have been published yet.": "公開済みのポリシーブリーフはまだありません。",
        "%(language)s edition": "%(language)s版",
        "%(language)s PDF (%(size)s)": "%(language)s PDF（%(size)s）",
        "%(language)s EPUB (%(size)s)": "%(language)s EPUB（%(size)s）",
        "%(language)s web edition (HTML, %(size)s)": "%(language)sウェブ版（HTML、%(size)s）",
        "Bilingual PDF, %(source)s and %(target)s (%(size)s)":
            "対訳版 PDF（%(source)s・%(target)s、%(size)s）",
        "SHA-256 checksums of all files": "全ファイルのSHA-256チェックサム",
        "Atom feed": "Atomフィード",
        "OPDS catalog for e-book readers": "電子書籍リーダー向けOPDSカタログ",
    },
    "ko": {
        "Policy briefs": "정책 브리프",
        "Language": "언어",
        "All briefs": "정책 브리프 목록",
        "No briefs have been published yet.": "아직 발행된 정책 브리프가 없습니다.",
        "%(language)s edition": "%(language)s판",
        "%(language)s PDF (%(size)s)": "%(language)s PDF(%(size)s)",
        "%(language)s EPUB (%(size)s)": "%(language)s EPUB(%(size)s)",
        "%(language)s web edition (HTML, %(size)s)": "%(language)s 웹판(HTML, %(size)s)",
        "Bilingual PDF, %(source)s and %(target)s (%(size)s)":
            "대역판 PDF(%(source)s·%(target)s, %(size)s)",
        "SHA-256 checksums of all files": "전체 파일의 SHA-256 체크섬",
        "Atom feed": "Atom 피드",
        "OPDS catalog for e-book readers": "전자책 리더용 OPDS 카탈로그",
    },
}


def index_msgids() -> set[str]:
    """Every msgid of templates/index.html.j2, as `briefpress extract` finds them."""
    catalog = template_for_templates(ROOT / "templates", dt.datetime(2025, 1, 1))
    return {m.id for m in catalog if m.id and any(
        "index.html.j2" in path for path, _ in m.locations)}


def ui_project(folder: Path) -> Path:
    """A copy of the sample project whose templates catalogs translate the index page."""
    for name in ("content", "locales", "templates"):
        shutil.copytree(ROOT / name, folder / name)
    for lang, strings in UI_TRANSLATIONS.items():
        po = folder / f"locales/{lang}/LC_MESSAGES/templates.po"
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang)
        for msgid, msgstr in strings.items():
            if not (catalog.get(msgid) and catalog.get(msgid).string):
                catalog.add(msgid, msgstr)
        with po.open("wb") as f:
            write_po(f, catalog, width=76)
    return folder


@pytest.fixture(scope="session")
def site(built, tmp_path_factory) -> Path:
    """A copy of the built sample outputs, distributed."""
    out = tmp_path_factory.mktemp("site") / "out"
    shutil.copytree(built.parent, out)
    root = ui_project(tmp_path_factory.mktemp("ui-project"))
    written = distribute(root, out)
    assert sorted(p.relative_to(out).as_posix() for p in written) == sorted(
        ["SHA256SUMS", "feed.xml", "opds.xml", "sitemap.xml", "favicon.svg", "pagefind",
         *PAGES.values(), *(f"{SLUG}/{page}" for page in PAGES.values()), *COVERS])
    return out


def page(out: Path, name: str):
    return lxml.html.fromstring((out / name).read_bytes())


def test_sha256sum_checks_every_edition(site):
    done = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=site,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    listed = [line.split("  ", 1)[1] for line in
              (site / "SHA256SUMS").read_text(encoding="utf-8").splitlines()]
    assert listed == sorted(EDITIONS)  # the editions, not the index pages or feeds


def test_atom_feed_has_one_entry_per_brief_and_language(site):
    feed = etree.parse(str(site / "feed.xml")).getroot()
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{tag}")) == 1, tag
    assert feed.find(f"{ATOM}link[@rel='self']") is not None
    entries = feed.findall(f"{ATOM}entry")
    # Every edition is an entry of its own, the bilingual ones too.
    assert [e.get(XML_LANG) for e in entries] == ["en", "ja", "ja", "ko", "ko"]
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert ids == [f"urn:briefpress:{SLUG}:{e}" for e in ("en", "ja", "en-ja", "ko", "en-ko")]
    for entry in entries:
        for tag in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{tag}")) == 1, tag
        assert entry.findtext(f"{ATOM}updated") == "2026-11-29T00:00:00Z"
        assert entry.find(f"{ATOM}author/{ATOM}name").text
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None
        for link in entry.findall(f"{ATOM}link"):
            assert (site / link.get("href")).is_file(), link.get("href")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert titles[1] == "日本と大韓民国の安全保障関係"
    assert titles[2] == "日本と大韓民国の安全保障関係（英語・日本語対訳版）"
    assert titles[3] == "일본과 대한민국의 안보 관계"
    assert titles[4] == "일본과 대한민국의 안보 관계(영어·한국어 대역판)"
    enclosures = [l.get("href") for l in feed.iter(f"{ATOM}link") if l.get("rel") == "enclosure"]
    assert sorted(enclosures) == sorted(e for e in EDITIONS if not e.endswith(".html"))


def test_opds_catalog_offers_every_epub(site):
    opds = etree.parse(str(site / "opds.xml")).getroot()
    assert opds.tag == f"{ATOM}feed"
    self_link = opds.find(f"{ATOM}link[@rel='self']")
    assert "profile=opds-catalog" in self_link.get("type")
    assert "kind=acquisition" in self_link.get("type")
    epubs = [link.get("href") for link in opds.iter(f"{ATOM}link")
             if link.get("rel") == "http://opds-spec.org/acquisition"
             and link.get("type") == "application/epub+zip"]
    assert sorted(epubs) == sorted(e for e in EDITIONS if e.endswith(".epub"))
    for link in opds.iter(f"{ATOM}link"):
        if link.get("rel") == "http://opds-spec.org/acquisition":
            assert (site / link.get("href")).is_file()
            assert int(link.get("length")) == (site / link.get("href")).stat().st_size
    for entry in opds.findall(f"{ATOM}entry"):
        langs = [l.text for l in entry.findall("{http://purl.org/dc/terms/}language")]
        bilingual = entry.findtext(f"{ATOM}id").rsplit(":", 1)[1].startswith("en-")
        assert langs == (["en", entry.get(XML_LANG)] if bilingual else [entry.get(XML_LANG)])
        rels = {l.get("rel"): l for l in entry.findall(f"{ATOM}link")}
        for rel in ("http://opds-spec.org/image", "http://opds-spec.org/image/thumbnail"):
            assert rels[rel].get("type") == "image/png"
            assert (site / rels[rel].get("href")).read_bytes().startswith(b"\x89PNG")
        for link in entry.findall(f"{ATOM}link[@rel='http://opds-spec.org/acquisition']"):
            assert link.get("title") in ("PDF", "EPUB")


@pytest.mark.parametrize("name", [*PAGES.values(), *(f"{SLUG}/{p}" for p in PAGES.values())])
def test_index_page_links_resolve_and_show_true_checksums(site, name):
    html = page(site, name)
    folder = (site / name).parent
    hrefs = html.xpath("//a/@href")
    assert hrefs
    for href in hrefs:
        assert "//" not in href and not href.startswith("/"), href  # relative, local
        assert (folder / href).is_file(), href
    assert len(html.xpath("//ul[@class='files']/li")) == len(EDITIONS)
    # Checksums stay off the reading path: in a closed <details> on the brief's own page.
    sums = html.xpath("//details[@class='checksums']//li")
    assert len(sums) == (len(EDITIONS) if "/" in name else 0)
    assert not html.xpath("//details[@open]")
    for item in sums:
        path = folder / item.find(".//a").get("href")
        assert item.find(".//code").text == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", PAGES.values())
def test_index_page_is_self_contained(site, name):
    text = (site / name).read_text(encoding="utf-8")
    html = lxml.html.fromstring(text)
    assert not html.xpath("//link[@rel='stylesheet'] | //script[@src]")
    for src in html.xpath("//@src"):  # the covers: files of the site
        assert "//" not in src and (site / src).is_file(), src
    style = "".join(html.xpath("//style/text()"))
    assert "url(" not in style and "@import" not in style and "@font-face" not in style
    assert "&#34;" not in style and "&quot;" not in style  # the CSS was not escaped


@pytest.mark.parametrize("lang", LANGS)
def test_index_page_speaks_its_language_and_marks_every_other(site, lang):
    html = page(site, PAGES[lang])
    assert html.get("lang") == lang
    h1 = html.findtext(".//h1")
    assert h1 == UI_TRANSLATIONS.get(lang, {}).get("Policy briefs", "Policy briefs")
    assert [a.get("lang") for a in html.xpath("//nav[@class='languages']//a")] == list(LANGS)
    assert html.xpath(f"//nav//a[@hreflang='{lang}']")[0].get("aria-current") == "page"
    # The title in each language, each marked with its language.
    cites = {c.get("lang"): c.text for c in html.xpath("//p[@class='edition-title']/cite")}
    assert cites["ja"] == "日本と大韓民国の安全保障関係"
    assert cites["ko"] == "일본과 대한민국의 안보 관계"
    assert cites["en"].startswith("Japan’s Security Relationship")
    localized = "//h2 | //p[@class='subtitle' or @class='summary'] | //p[@class='byline']/span"
    for element in html.xpath(localized):
        assert element.get("lang"), lxml.html.tostring(element)[:80]
    # The page's own language first; link text names language, format and size.
    first = html.xpath("//section[@class='edition']")[0]
    assert first.find(".//cite").get("lang") == lang
    links = [a.text_content() for a in html.xpath("//ul[@class='files']//a")]
    assert all(re.search(r"(PDF|EPUB|HTML).*\d", t) for t in links), links


def test_dates_and_words_are_localized(site):
    ja = page(site, PAGES["ja"]).text_content()
    ko = page(site, PAGES["ko"]).text_content()
    en = page(site, PAGES["en"]).text_content()
    assert "2026年11月29日" in ja and "日本語 PDF（" in ja and "対訳版 PDF（英語・日本語" in ja
    assert "2026년 11월 29일" in ko and "한국어 PDF(" in ko and "西野純也" not in ko
    assert "November 29, 2026" in en and "Japanese PDF (" in en and "by Junya Nishino" in en
    # Sizes: the CJK pages write KB (CLDR's Korean has kB), the English page kB.
    assert re.search(r"\d KB", ja) and re.search(r"\dKB", ko) and re.search(r"\d kB", en)
    assert "kB" not in ja and "kB" not in ko


def test_two_runs_give_identical_bytes(site, built, tmp_path):
    again = tmp_path / "out"
    shutil.copytree(built.parent, again)
    written = distribute(ui_project(tmp_path / "project"), again)
    assert written
    for path in written:
        for file in [path] if path.is_file() else sorted(p for p in path.rglob("*")
                                                            if p.is_file()):
            name = file.relative_to(again)
            assert file.read_bytes() == (site / name).read_bytes(), name


def test_ui_translations_cover_the_index_template():
    for lang, strings in UI_TRANSLATIONS.items():
        assert set(strings) <= index_msgids(), lang


def test_project_catalogs_translate_the_index_page():
    """Fails until locales/{ja,ko}/LC_MESSAGES/templates.po carry UI_TRANSLATIONS."""
    for lang in UI_TRANSLATIONS:
        with open(ROOT / f"locales/{lang}/LC_MESSAGES/templates.po", "rb") as f:
            catalog = read_po(f, locale=lang)
        missing = sorted(m for m in index_msgids()
                         if not (catalog.get(m) and catalog.get(m).string)
                         or catalog.get(m).fuzzy)
        assert not missing, (f"{lang}: run `briefpress extract`, `briefpress update` and "
                             f"translate: {missing}")


BRIEF = """---
title: "{title}"
lang: en
date: {date}
authors:
  - name: Test Author {n}
summary: A generated brief for the ordering test.
---

Paragraph {n} of a generated brief.
"""


@pytest.mark.slow
def test_index_lists_briefs_newest_first(project, tmp_path):
    extra = {"a-older": "2024-01-15", "b-newest": "2027-03-01", "c-same-day": "2026-11-29"}
    for n, (slug, date) in enumerate(extra.items()):
        (project / "content" / slug).mkdir()
        (project / "content" / slug / "brief.md").write_text(
            BRIEF.format(title=f"Generated brief {slug}", date=date, n=n), encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run_cli("build", "--root", str(project), "--out", str(out),
                           "--format", "html")
    assert code == 0, err
    distribute(project, out)
    order = ["b-newest", "c-same-day", SLUG, "a-older"]  # by date, then slug
    for name in PAGES.values():
        assert [a.get("id") for a in page(out, name).xpath("//article")] == order
    feed = etree.parse(str(out / "feed.xml")).getroot()
    slugs = [e.findtext(f"{ATOM}id").split(":")[2] for e in feed.findall(f"{ATOM}entry")]
    assert list(dict.fromkeys(slugs)) == order
    # No Japanese title yet: the Japanese page shows the English one, marked English.
    h2 = page(out, PAGES["ja"]).xpath("//article[@id='b-newest']//h2")[0]
    assert h2.get("lang") == "en" and h2.text_content() == "Generated brief b-newest"
    assert (out / "b-newest" / "index.ko.html").is_file()
    # A brief with no outputs is left out of everything.
    shutil.rmtree(out / "a-older")
    distribute(project, out)
    assert "a-older" not in (out / "index.html").read_text(encoding="utf-8")
    assert "a-older" not in (out / "SHA256SUMS").read_text(encoding="utf-8")
    assert "a-older" not in (out / "feed.xml").read_text(encoding="utf-8")


def test_a_cancelled_search_index_leaves_the_old_one(site, tmp_path):
    """A build that fails after starting Pagefind drops what it was making: the index
    already published stays as it was and no temporary folder is left."""
    out = tmp_path / "out"
    shutil.copytree(site, out)
    before = {p.relative_to(out): p.read_bytes() for p in (out / "pagefind").rglob("*")
              if p.is_file()}
    started = SearchIndex(out)
    started.cancel()
    assert started.process.returncode is not None  # ended, not left running
    assert not (out / ".pagefind.tmp").exists()
    assert {p.relative_to(out): p.read_bytes() for p in (out / "pagefind").rglob("*")
            if p.is_file()} == before


def test_pagefind_failing_is_an_error_naming_the_index(site, tmp_path, monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(site, out)
    (out / "pagefind").rename(out / "kept")
    monkeypatch.setattr("briefpress.search.pagefind_binary", lambda: "/bin/false")
    with pytest.raises(ResourceError, match="pagefind failed") as caught:
        SearchIndex(out, ["ja"]).finish()
    assert caught.value.path == str(out / "pagefind")
    assert not (out / ".pagefind.tmp").exists() and not (out / "pagefind").exists()


def test_the_warmed_up_search_index_is_the_one_made_cold(site, tmp_path):
    """The warm-up page (Japanese, so Pagefind loads its dictionary early) goes to an
    index of its own: the site's index has the same files, byte for byte, as one made
    without it, and the Japanese web edition is in it."""
    made = {}
    for name, langs in (("cold", []), ("warm", ["en", "ja", "ko"])):
        out = tmp_path / name
        shutil.copytree(site, out)
        shutil.rmtree(out / "pagefind")
        index = SearchIndex(out, langs)
        index.start()
        folder = index.finish()
        assert not (out / ".pagefind.tmp").exists() and index.process.returncode is not None
        made[name] = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*")
                      if p.is_file()}
    assert made["warm"] == made["cold"]
    entry = json.loads(made["warm"][Path("pagefind-entry.json")])
    assert {lang: v["page_count"] for lang, v in entry["languages"].items()} == \
        {"en": 1, "ja": 1, "ko": 1}
