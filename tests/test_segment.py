"""Stage 2, segment: every unit a reader sees, with its kind and line."""

from __future__ import annotations

from pathlib import Path

from briefpress.load import load
from briefpress.segment import segment

RICH = Path(__file__).parent / "fixtures" / "rich"


def units():
    return [(s.line, s.kind, s.text) for s in segment(load(RICH, "rich"))]


def test_front_matter_units_come_first_as_plain_text():
    found = segment(load(RICH, "rich"))
    meta = [s for s in found if s.key[0] == "meta"]
    assert [s.key[1] for s in meta] == [
        "title", "subtitle", "series", "authors.0.name", "authors.0.affiliation", "summary",
        "keywords.0", "keywords.1", "authors.0.bio"]
    assert not any(s.markdown for s in meta)
    assert found[: len(meta)] == meta


def test_body_units_keep_inline_markup_readable():
    body = [u for u in units() if not u[1].startswith("front matter")]
    assert body == [
        (14, "heading (level 1)", "Introduction"),
        (16, "paragraph", "A paragraph with *emphasis*, **strength**, a "
         '[link](https://example.org/report "Report"), `inline code` and a note.[^1]'),
        (35, "footnote 1", "The note’s own text, with *emphasis*."),
        (19, "list item (level 1)", "First item"),
        (20, "list item (level 1)", "Second item"),
        (21, "list item (level 2)", "Nested item with a [second link](https://example.org/b)"),
        (23, "block quote", "A quoted sentence."),
        (25, "figure caption", "A chart of nothing"),
        (25, "image alt text", "A chart of nothing"),
        (25, "image credit", "Source: the authors"),
        (27, "table cell", "Year"),
        (27, "table cell", "Event"),
        (29, "table cell", "Agreement"),
    ]


def test_code_blocks_and_bare_numbers_are_not_units():
    assert not any("code is not translated" in u[2] for u in units())
    assert not any(u[2] == "2015" for u in units())


def test_text_in_svg_figures_is_translatable():
    root = Path(__file__).resolve().parents[1]
    found = [s for s in segment(load(root, "japan-rok-security")) if s.key[0] == "svg"]
    assert [s.text for s in found][2:4] == ["War breaks out on the Korean Peninsula",
                                            "Memorandum on defense exchanges signed"]
    assert all(s.kind == "text in figure timeline.svg" and not s.markdown for s in found)
    assert not any(s.text.isdigit() for s in found)  # the years need no translation


def test_seed_brief_keeps_the_paragraphs_its_catalog_has():
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[1]
    found = segment(load(root, "japan-rok-security"))
    paragraphs = [s for s in found if s.kind == "paragraph"]
    with open(root / "locales/japan-rok-security.pot", "rb") as f:
        assert [s.text for s in paragraphs] == [m.id for m in read_po(f)
                                                if "paragraph" in m.auto_comments]
    assert paragraphs[0].text.startswith("Ever since war broke out on the Korean Peninsula")
    assert paragraphs[-1].text.startswith("In sum, Tokyo and Seoul")
    # The photo we do not have and the comment form are not part of the brief.
    assert not any("pose for a photo" in s.text or "Leave a Reply" in s.text for s in found)
