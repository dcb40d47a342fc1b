"""Stage 4, localize: translations parsed once, checked against their source, and
fallbacks that are visible."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from briefpress import pandoc
from briefpress.catalogs import lookup
from briefpress.errors import ErrorList
from briefpress.load import load
from briefpress.localize import localize
from briefpress.segment import segment, slots

RICH = Path(__file__).parent / "fixtures" / "rich"
PARA = ("A paragraph with *emphasis*, **strength**, a "
        '[link](https://example.org/report "Report"), `inline code` and a note.[^1]')
GOOD_PARA = ("*強調*と**強さ**のある段落、[リンク](https://example.org/report \"Report\")、"
             "`inline code`、そして注。[^1]")


def translations(mapping: dict[str, str], fuzzy: tuple[str, ...] = ()):
    catalog = Catalog(locale="ja")
    for line, (source, target) in enumerate(mapping.items(), start=10):
        catalog.add(source, target, flags=["fuzzy"] if source in fuzzy else [], lineno=line)
    return lookup(catalog, "locales/ja/LC_MESSAGES/rich.po", "ja")


def run(mapping, strict=False, fuzzy=()):
    doc = load(RICH, "rich")
    return localize(doc, segment(doc), {"ja": translations(mapping, fuzzy)}, strict=strict)["ja"]


def text_of(doc) -> list[str]:
    return [pandoc.stringify(s.container[s.key]) if s.markdown else s.container[s.key]
            for s in slots(doc.blocks)]


def test_translations_replace_units_and_keep_notes_links_and_code():
    loc = run({"Introduction": "はじめに", PARA: GOOD_PARA,
               "The note’s own text, with *emphasis*.": "注の本文、*強調*付き。",
               "A Rich Brief": "豊かな概要"})
    assert loc.doc.lang == "ja" and loc.doc.meta["title"] == "豊かな概要"
    header, para = loc.doc.blocks[0], loc.doc.blocks[1]
    assert pandoc.stringify(header["c"][2]) == "はじめに"
    kinds = [i["t"] for i in para["c"]]
    assert kinds.count("Link") == 1 and kinds.count("Code") == 1 and kinds.count("Note") == 1
    note = next(i for i in para["c"] if i["t"] == "Note")
    assert pandoc.stringify(note["c"][0]["c"]) == "注の本文、強調付き。"
    # The source document is untouched.
    assert pandoc.stringify(load(RICH, "rich").blocks[0]["c"][2]) == "Introduction"


def test_untranslated_units_fall_back_marked_and_reported():
    loc = run({"Introduction": "はじめに"}, fuzzy=("Introduction",))
    states = {f.segment.text: f.state for f in loc.fallbacks}
    assert states["Introduction"] == "fuzzy"
    assert states[PARA] == "missing"
    span = loc.doc.blocks[0]["c"][2][0]
    assert span["t"] == "Span" and span["c"][0][1] == ["bp-fallback"]
    assert ["lang", "en"] in span["c"][0][2]


def test_strict_refuses_every_fallback_with_its_po_line():
    with pytest.raises(ErrorList) as err:
        run({"Introduction": "はじめに"}, strict=True, fuzzy=("Introduction",))
    messages = [str(e) for e in err.value.errors]
    assert any(m.startswith("locales/ja/LC_MESSAGES/rich.po:10: fuzzy unit (from "
                            "content/rich/brief.md:14)") for m in messages)
    assert any("unit missing from the catalog (from content/rich/brief.md:2)" in m
               for m in messages)
    assert len(messages) == len(segment(load(RICH, "rich")))


@pytest.mark.parametrize("bad, words", [
    ('<img src="file:///etc/passwd"> ' + GOOD_PARA, "raw HTML not in the source"),
    ("<iframe src=x></iframe>" + GOOD_PARA, "raw HTML not in the source"),
    (GOOD_PARA.replace("https://example.org/report", "https://evil.example"), "link differs"),
    (GOOD_PARA + " ![x](/etc/passwd)", "image differs"),
    (GOOD_PARA.replace("[^1]", ""), "footnote differs"),
    (GOOD_PARA + "[^1]", "footnote differs"),
    (GOOD_PARA.replace("`inline code`", "inline code"), "code differs"),
    (GOOD_PARA.replace("*強調*", "強調"), "emphasis spans differ"),
    (GOOD_PARA + "\n\nA second paragraph.", "one paragraph of text"),
    ("# " + GOOD_PARA, "one paragraph of text"),
    ("```\n" + GOOD_PARA, "breaks the Markdown"),
])
def test_hostile_or_broken_translations_are_errors_naming_the_po_line(bad, words):
    with pytest.raises(ErrorList) as err:
        run({"Introduction": "はじめに", PARA: bad})
    messages = [str(e) for e in err.value.errors]
    assert any(m.startswith("locales/ja/LC_MESSAGES/rich.po:11: [ja] ") and words in m
               for m in messages), messages


def test_a_broken_translation_does_not_spill_into_its_neighbours():
    """An unclosed code fence would swallow the next units in a batched parse."""
    with pytest.raises(ErrorList) as err:
        run({PARA: "```\nunclosed", "Introduction": "はじめに", "First item": "最初の項目"})
    messages = [str(e) for e in err.value.errors]
    assert len(messages) == 1 and "rich.po:10" in messages[0]


def test_one_pandoc_call_parses_all_translations_of_all_languages():
    doc = load(RICH, "rich")
    units = segment(doc)
    mapping = {s.text: s.text for s in units}  # identity translation
    catalogs = {lang: translations(mapping) for lang in ("ja", "ko", "de")}
    before = pandoc.spawn_count
    result = localize(doc, units, catalogs)
    assert pandoc.spawn_count - before == 1
    # An identity translation reproduces the source document exactly.
    for loc in result.values():
        assert text_of(loc.doc) == text_of(doc)
        assert not loc.fallbacks
