"""End-to-end: the real PDFs, EPUBs and HTML of the sample brief, opened and read."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile

import lxml.html
import pikepdf
import pytest
from babel.messages.pofile import read_po
from pypdf import PdfReader

from briefpress.cjk import HANGUL_SYLLABLES

from conftest import ROOT, SLUG, body_text, pdf_text

LANGS = ("en", "ja", "ko")
EXPECTED_FONT = {"en": "Noto-Serif", "ja": "Noto-Serif-CJK-JP", "ko": "Noto-Serif-CJK-KR"}
CLOSING = "、。，．」』）〕】〉》ー・：；！？ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"


def translations(lang: str, figure: bool = False) -> list[str]:
    """Every translated unit of the sample brief that a reader sees on the page, but the
    running header's short title (*lang* "ko-templates": the templates' words); with
    *figure*, the labels of the SVG figure instead."""
    lang, _, domain = lang.partition("-")
    hidden = ("short title", "image alt text")
    with open(ROOT / f"locales/{lang}/LC_MESSAGES/{domain or SLUG}.po", "rb") as f:
        return [s for m in read_po(f) if m.id and m.string
                and not any(h in c for c in m.auto_comments for h in hidden)
                and figure == any("text in figure" in c for c in m.auto_comments)
                for s in ([m.string] if isinstance(m.string, str) else m.string)]


def test_every_output_exists(built):
    names = {p.name for p in built.iterdir()}
    for lang in LANGS:
        for ext in ("pdf", "epub", "html"):
            assert f"{SLUG}.{lang}.{ext}" in names
    assert {f"{SLUG}.en-{lang}.{ext}" for lang in ("ja", "ko") for ext in ("pdf", "epub")} \
        <= names
    assert not [n for n in names if n.endswith(".tmp")]


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_language_metadata_and_tags(built, lang):
    with pikepdf.open(built / f"{SLUG}.{lang}.pdf") as pdf:
        assert str(pdf.Root.Lang) == lang
        assert "/StructTreeRoot" in pdf.Root
        assert pdf.Root.MarkInfo.Marked
        title = str(pdf.docinfo["/Title"])
    expected_title = {"en": "Japan’s Security Relationship", "ja": "日本と大韓民国の安全保障関係",
                      "ko": "일본과 대한민국의 안보 관계"}[lang]
    assert title.startswith(expected_title)


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_fonts_are_embedded_subsets_of_the_language_face(built, lang):
    out = subprocess.run(["pdffonts", str(built / f"{SLUG}.{lang}.pdf")],
                         capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:]]
    names = [row[0] for row in rows]
    # CJK faces come subset by briefpress under a "bp-" name of their own.
    assert any(n.split("+", 1)[1].removeprefix("bp-") == EXPECTED_FONT[lang] for n in names), names
    for row in rows:
        assert re.match(r"^[A-Z]{6}\+", row[0]), f"{row[0]} is not a subset"
        assert row[-5:-2] == ["yes", "yes", "yes"], f"{row[0]}: emb/sub/uni {row[-5:-2]}"
    if lang != "en":
        assert not any("CJK" in n and "+bp-" not in n for n in names), "a CJK face not subset first"
    if lang == "ja":
        assert not any("CJK-KR" in n for n in names), "Japanese text in Korean glyph forms"
    if lang == "ko":
        assert not any("CJK-JP" in n for n in names), "Korean text in Japanese glyph forms"


@pytest.mark.parametrize("lang", ("ja", "ko"))
def test_pdf_figure_labels_are_translated(built, lang):
    text = re.sub(r"\s+", "", body_text(built / f"{SLUG}.{lang}.pdf"))
    labels = translations(lang, figure=True)[2:]  # the SVG's title and desc are not drawn
    assert len(labels) == 8
    for label in labels:
        assert re.sub(r"\s+", "", label) in text, label


@pytest.mark.parametrize("lang", ("ja", "ko"))
def test_pdf_holds_every_translated_paragraph(built, lang):
    text = re.sub(r"\s+", "", body_text(built / f"{SLUG}.{lang}.pdf"))
    for translation in translations(lang):
        assert re.sub(r"\s+", "", translation) in text, translation[:40]


def test_pdf_dates_are_in_each_locale_format(built):
    # the brief's front matter says 2026-11-29
    # Japanese sets a quarter em beside digits, which pdftotext reads as spaces.
    assert "2026年11月29日" in re.sub(r"\s+", "", pdf_text(built / f"{SLUG}.ja.pdf"))
    assert "2026년 11월 29일" in pdf_text(built / f"{SLUG}.ko.pdf")
    assert "November 29, 2026" in pdf_text(built / f"{SLUG}.en.pdf")


@pytest.mark.parametrize("name", [f"{SLUG}.ja.pdf", f"{SLUG}.en-ja.pdf"])
def test_japanese_lines_never_start_with_closing_punctuation(built, name):
    # Lines from glyph positions: pdftotext parts a line where a half-width (halt)
    # glyph shifts the run, which is no line start.
    import pdfplumber
    from pdfmeasure import lines as pdf_lines

    with pdfplumber.open(built / name) as pdf:
        starts = [line.text for line in pdf_lines(pdf)]
    bad = [l for l in starts if l and l[0] in CLOSING]
    assert not bad, bad[:5]


@pytest.mark.parametrize("name", [f"{SLUG}.ko.pdf", f"{SLUG}.en-ko.pdf"])
def test_korean_lines_break_only_between_words(built, name):
    """A line break splits a word when the two pieces joined make a word of the text."""
    words = {w for lang_file in ("ko", "ko-templates") for t in translations(lang_file)
             for w in t.split()}
    hangul = re.compile(f"[{HANGUL_SYLLABLES}]")
    if ".en-" in name:  # the Korean column alone: poppler reads across the two columns
        text = subprocess.run(["pdftotext", "-x", "421", "-y", "0", "-W", "421", "-H", "595",
                               str(built / name), "-"], capture_output=True, text=True,
                              check=True).stdout
    else:
        text = pdf_text(built / name)
    lines = [l.split() for l in text.splitlines() if l.strip()]
    checked = 0
    for before, after in zip(lines, lines[1:]):
        last, first = before[-1], after[0]
        if hangul.search(last[-1]) and hangul.search(first[0]):
            checked += 1
            assert last + first not in words, f"split word: {last!r} / {first!r}"
    assert checked > 10  # the test saw real Korean line breaks


@pytest.mark.parametrize("lang", ("ja", "ko"))
def test_cjk_pdfs_stay_small(built, lang):
    """Fonts subset before WeasyPrint: under 200 KB where WeasyPrint's own subsets of
    the system fonts made 500-580 KB."""
    assert (built / f"{SLUG}.{lang}.pdf").stat().st_size < 200_000


def test_korean_copied_text_is_clean(built):
    text = pdf_text(built / f"{SLUG}.ko.pdf")
    assert "\u2060" not in text and "\u200b" not in text


def column_pages(path, side: str) -> list[str]:
    """The text of one column (left: source, right: translation) of each page."""
    pages = []
    for number, page in enumerate(PdfReader(path).pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        x = 0 if side == "left" else width / 2
        out = subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), "-r", "72", "-x", str(int(x)),
             "-y", "0", "-W", str(int(width / 2)), "-H", str(int(height)), str(path), "-"],
            capture_output=True, text=True, check=True).stdout
        pages.append(re.sub(r"\s+", "", out))
    return pages


def page_of(pages: list[str], text: str) -> int:
    probe = re.sub(r"\s+", "", text)[:16]
    return next(i for i, page in enumerate(pages) if probe in page)


def catalog_units(path) -> list:
    with open(path, "rb") as f:
        return [m for m in read_po(f) if m.id]


@pytest.mark.parametrize("pair", ["en-ja", "en-ko"])
def test_bilingual_pdf_pairs_every_unit_on_the_same_page(built, pair):
    path = built / f"{SLUG}.{pair}.pdf"
    lang = pair.split("-")[1]
    assert str(PdfReader(path).trailer["/Root"]["/Lang"]) == lang
    left, right = column_pages(path, "left"), column_pages(path, "right")
    units = [m for m in catalog_units(ROOT / f"locales/{lang}/LC_MESSAGES/{SLUG}.po")
             if any("paragraph" in c or "heading" in c for c in m.auto_comments)]
    assert units and all(m.string for m in units)
    for unit in units:
        assert page_of(left, unit.id) == page_of(right, unit.string), unit.id[:40]
    # Source on the left, translation on the right, never the other way round.
    assert "1950" in left[0] and "Ever" in left[0] and "Ever" not in right[0]


@pytest.mark.parametrize("lang", LANGS)
def test_epub_declares_its_language(built, lang):
    with zipfile.ZipFile(built / f"{SLUG}.{lang}.epub") as epub:
        opf_name = next(n for n in epub.namelist() if n.endswith(".opf"))
        opf = epub.read(opf_name).decode("utf-8")
        chapters = [epub.read(n).decode("utf-8") for n in epub.namelist()
                    if n.endswith(".xhtml") and "nav" not in n]
    assert f"<dc:language>{lang}</dc:language>" in opf
    assert f"urn:briefpress:{SLUG}:{lang}" in opf
    assert any(f'xml:lang="{lang}"' in c for c in chapters)


@pytest.mark.parametrize("name", [*LANGS, "en-ja", "en-ko"])
def test_epub_passes_epubcheck_without_warnings(epubcheck_results, name):
    result = epubcheck_results[f"{SLUG}.{name}.epub"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERROR" not in result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr


@pytest.mark.parametrize("name, family", [("ja", "Noto Serif CJK JP"), ("ko", "Noto Serif CJK KR"),
                                          ("en-ja", "Noto Serif CJK JP")])
def test_epub_embeds_its_cjk_font_as_a_subset(built, name, family):
    from fontTools.ttLib import TTFont

    with zipfile.ZipFile(built / f"{SLUG}.{name}.epub") as epub:
        fonts = [n for n in epub.namelist() if n.startswith("EPUB/fonts/")]
        assert len(fonts) == 1
        css = "".join(epub.read(n).decode() for n in epub.namelist() if n.endswith(".css"))
        data = epub.read(fonts[0])
        text = "".join(epub.read(n).decode() for n in epub.namelist() if n.endswith(".xhtml"))
    assert f'font-family: "{family}"; src: url("../fonts/' in css
    font = TTFont(io.BytesIO(data))
    assert family in font["name"].getDebugName(1)
    covered = set(chr(c) for c in font.getBestCmap())
    used = {c for c in text if ord(c) > 0x2e80}
    assert used <= covered  # every CJK character of the book is in the font
    assert font["maxp"].numGlyphs < 2 * len(used) + 200  # a subset, not the 65,000 glyphs
    assert len(data) < 300_000


@pytest.mark.parametrize("pair", ["en-ja", "en-ko"])
def test_bilingual_epub_interleaves_source_and_translation(built, pair):
    lang = pair.split("-")[1]
    with zipfile.ZipFile(built / f"{SLUG}.{pair}.epub") as epub:
        text = "".join(epub.read(n).decode() for n in sorted(epub.namelist())
                       if n.startswith("EPUB/text/ch"))
    pairs = re.findall(r'<div class="pair">\s*<div class="source" lang="en" xml:lang="en">'
                       r'(.*?)</div>\s*<div class="translation" lang="(\w+)"', text, re.S)
    paired = [m for m in catalog_units(ROOT / f"locales/{SLUG}.pot")  # paragraphs, figures
              for kind in m.auto_comments if kind in ("paragraph", "figure caption")]
    assert len(pairs) == len(paired) and {p[1] for p in pairs} == {lang}
    assert "Ever since war broke out" in pairs[0][0]


def test_web_edition_is_made_for_screens(built):
    html = (built / f"{SLUG}.ja.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="ja"' in html
    assert "竹島（韓国名：独島）" in html  # the browser spaces and breaks: no spans added
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "@page" not in html and "<script" not in html


@pytest.mark.parametrize("lang, comma", [("en", ", "), ("ja", "、"), ("ko", ", ")])
def test_colophon_keywords_are_a_plain_comma_list(built, lang, comma):
    """No "and" before the last keyword: Korean's list pattern (A, B 및 C) would make the
    last two read as one compound keyword."""
    page = lxml.html.parse(str(built / f"{SLUG}.{lang}.html"))
    line = next(p.text_content() for p in page.xpath("//footer[@class='colophon']/p")
                if "GSOMIA" in p.text_content())
    keywords = re.split("[:：] ?", line, maxsplit=1)[1]
    assert len(keywords.split(comma)) == 6, keywords
    assert not re.search(r"\b(and|및)\b|及び|および", keywords), keywords


@pytest.mark.parametrize("lang", LANGS)
def test_epub_has_cover_navigation_and_notes_structure(built, lang):
    with zipfile.ZipFile(built / f"{SLUG}.{lang}.epub") as epub:
        opf = epub.read("EPUB/content.opf").decode()
        nav = epub.read("EPUB/nav.xhtml").decode()
        cover_name = re.search(r'properties="cover-image" id="\w+" href="([^"]+)"', opf).group(1)
        cover = epub.read(f"EPUB/{cover_name}").decode()
    assert 'epub:type="toc"' in nav and 'epub:type="landmarks"' in nav
    # No title page: the title opens the text (one H1 for it, not three).
    for landmark in ("cover", "bodymatter", "toc"):
        assert f'epub:type="{landmark}"' in nav, landmark
    # The cover is set as outlines (no font needed on the reader) and says the title.
    title = {"en": "Japan’s Security Relationship", "ja": "日本と大韓民国の安全保障関係",
             "ko": "일본과 대한민국의 안보 관계"}[lang]
    assert f"<title>{title}" in cover and cover.count("<path") > 30 and "<text" not in cover
