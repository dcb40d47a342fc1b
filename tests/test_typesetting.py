"""CJK typesetting read back from the PDFs' glyph positions (pdfplumber), on the seed
brief and on a long generated brief (the seed's body three times, figures included)."""

from __future__ import annotations

import re
import shutil

import lxml.html
import pdfplumber
import pytest

from briefpress.cjk import HANGUL_SYLLABLES

from conftest import ROOT, SLUG, body_text, pdf_text, run_cli
from pdfmeasure import page_fill, punctuation_pairs, ragged, short_last_lines, word_gaps

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def long_brief(tmp_path_factory):
    """ja, ko and bilingual PDFs of a brief three times the seed's length."""
    root = tmp_path_factory.mktemp("long")
    for name in ("content", "locales", "templates"):
        shutil.copytree(ROOT / name, root / name)
    brief = root / "content" / SLUG / "brief.md"
    text = brief.read_text(encoding="utf-8")
    end = text.index("\n---", 3) + 5
    body = text[end:].strip("\n")
    brief.write_text(text[:end] + "\n\n".join([body] * 3) + "\n", encoding="utf-8")
    code, _, err = run_cli("build", "--root", str(root), "--out", str(root / "out"),
                           "--locale", "ja,ko", "--format", "pdf,html")
    assert code == 0, err
    return root / "out" / SLUG


def editions(built, long_brief):
    return {"seed": built, "long": long_brief}


@pytest.mark.parametrize("which", ["seed", "long"])
def test_adjacent_punctuation_spans_at_most_one_and_a_half_em(built, long_brief, which):
    folder = editions(built, long_brief)[which]
    with pdfplumber.open(folder / f"{SLUG}.ja.pdf") as pdf:
        pairs = punctuation_pairs(pdf)
    assert len(pairs) >= 3  # （「, 」）, ：「 at least: the check has something to read
    assert [p for p in pairs if p[2] > 1.6] == []


@pytest.mark.parametrize("which", ["seed", "long"])
@pytest.mark.parametrize("lang", ["ja", "ko"])
def test_no_paragraph_ends_on_a_short_line(built, long_brief, which, lang):
    folder = editions(built, long_brief)[which]
    with pdfplumber.open(folder / f"{SLUG}.{lang}.pdf") as pdf:
        assert short_last_lines(pdf, lang) == []


@pytest.mark.parametrize("which", ["seed", "long"])
def test_korean_is_justified_with_whole_words(built, long_brief, which):
    folder = editions(built, long_brief)[which]
    with pdfplumber.open(folder / f"{SLUG}.ko.pdf") as pdf:
        assert ragged(pdf) == 0.0
        assert max(word_gaps(pdf)) < 1.0  # em: justified, without rivers
    text = body_text(folder / f"{SLUG}.ko.pdf")
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    html = (folder / f"{SLUG}.ko.html").read_text(encoding="utf-8")
    words = set(re.findall(f"[{HANGUL_SYLLABLES}]+", lxml.html.fromstring(html).text_content()))
    # a line never starts with the tail of a word: each first Hangul run is a whole word
    # or the start of one (keep-all)
    for line in lines:
        first = re.match(f"[{HANGUL_SYLLABLES}]+", line)
        if first:
            assert any(w.startswith(first.group(0)) for w in words), line


@pytest.mark.parametrize("lang", ["ja", "ko"])
def test_copied_text_is_the_translations_characters(built, lang):
    html = (built / f"{SLUG}.{lang}.html").read_text(encoding="utf-8")
    pdf = re.sub(r"\s+", "", body_text(built / f"{SLUG}.{lang}.pdf"))
    assert not re.search("[\u2060\u200b\u00ad\ufeff]", pdf)
    # The web edition's body (its header, buttons and labels are the screen's own).
    body = lxml.html.fromstring(html).xpath(
        "//main//*[contains(concat(' ', @class, ' '), ' body ')]")
    assert body
    paragraphs = [p for p in body[0].iter("p") if not p.xpath('.//*[@class="footnote"]')]
    assert len(paragraphs) > 10
    for p in paragraphs:
        assert re.sub(r"\s+", "", p.text_content()) in pdf
    with pdfplumber.open(built / f"{SLUG}.{lang}.pdf") as doc:
        chars = "".join(c["text"] for page in doc.pages for c in page.chars)
    if lang == "ja":
        assert "2016年" in chars  # the quarter em is drawn, not a character


@pytest.mark.parametrize("which", ["seed", "long"])
@pytest.mark.parametrize("edition", ["ja", "ko", "en-ja", "en-ko"])
def test_every_page_but_the_last_is_at_least_four_fifths_full(built, long_brief, which,
                                                              edition):
    folder = editions(built, long_brief)[which]
    with pdfplumber.open(folder / f"{SLUG}.{edition}.pdf") as pdf:
        fill = page_fill(pdf)
    assert len(fill) > 1
    assert [f"page {n}: {share:.0%}" for n, share in enumerate(fill[:-1], 1)
            if share < 0.8] == []


@pytest.mark.parametrize("lang", ["ja", "ko"])
def test_a_date_is_never_broken_over_two_lines(built, long_brief, lang):
    """Every date of the PDFs sits whole on one line (never ``28`` / ``日``)."""
    from babel.dates import format_date

    from briefpress.load import load

    date = format_date(load(ROOT, SLUG).date, "long",
                       locale=lang).replace(" ", "")
    for folder in (built, long_brief):
        text = pdf_text(folder / f"{SLUG}.{lang}.pdf").replace(" ", "")
        whole = sum(line.count(date) for line in text.splitlines())
        assert whole and whole == re.sub(r"\s", "", text).count(date)
