"""Regression tests for the failures found by running briefpress on documents nobody
here wrote (issue 14): each test is one failure, on the smallest brief showing it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from briefpress import pandoc
from briefpress.catalogs import lookup
from briefpress.errors import FrontMatterError
from briefpress.load import load
from briefpress.localize import localize
from briefpress.segment import segment, slots

from conftest import run_cli

HEAD = "---\ntitle: T\ndate: {date}\nauthors:\n  - name: A\n---\n\n"


def brief(root: Path, body: str, slug: str = "b", date: str = "2025-01-02") -> Path:
    path = root / "content" / slug / "brief.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEAD.format(date=date) + body, encoding="utf-8")
    return root


def body_units(root: Path, slug: str = "b") -> list[str]:
    return [s.text for s in segment(load(root, slug)) if s.key[0] == "body"]


def translate(root: Path, mapping: dict[str, str], slug: str = "b", lang: str = "ja"):
    catalog = Catalog(locale=lang)
    for line, (source, target) in enumerate(mapping.items(), start=10):
        catalog.add(source, target, lineno=line)
    doc = load(root, slug)
    found = lookup(catalog, f"locales/{lang}/LC_MESSAGES/{slug}.po", lang)
    return localize(doc, segment(doc), {lang: found}, strict=True)[lang]


# --- dates ---------------------------------------------------------------------------


def test_impossible_date_is_an_error_at_its_line_not_a_traceback(tmp_path):
    brief(tmp_path, "Text.\n", date="2025-02-30")
    with pytest.raises(FrontMatterError) as err:
        load(tmp_path, "b")
    assert str(err.value) == ("content/b/brief.md:3: invalid date '2025-02-30': "
                              "day is out of range for month")
    code, _, stderr = run_cli("extract", "--root", str(tmp_path))
    assert code == 1 and "Traceback" not in stderr
    assert "content/b/brief.md:3: invalid date" in stderr


@pytest.mark.parametrize("written", ['"2025-01-15"', "'2025-01-15'"])
def test_quoted_iso_date_is_a_date(tmp_path, written):
    brief(tmp_path, "Text.\n", date=written)
    assert load(tmp_path, "b").date == dt.date(2025, 1, 15)


def test_quoted_impossible_date_is_an_error_at_its_line(tmp_path):
    brief(tmp_path, "Text.\n", date='"2025-13-01"')
    with pytest.raises(FrontMatterError, match=r"^content/b/brief.md:3: invalid date"):
        load(tmp_path, "b")


# --- definition lists -------------------------------------------------------------------


def test_definition_terms_are_translated_in_the_document(tmp_path):
    brief(tmp_path, "Extended deterrence\n: A promise to defend an ally.\n")
    assert body_units(tmp_path) == ["Extended deterrence", "A promise to defend an ally."]
    loc = translate(tmp_path, {"T": "題", "A": "A", "Extended deterrence": "拡大抑止",
                               "A promise to defend an ally.": "同盟国を守る約束。"})
    (term, definitions), = loc.doc.blocks[0]["c"]
    assert pandoc.stringify(term) == "拡大抑止"
    assert pandoc.stringify(definitions[0][0]["c"]) == "同盟国を守る約束。"
    assert [pandoc.stringify(s.container[s.key]) for s in slots(loc.doc.blocks)] == [
        "拡大抑止", "同盟国を守る約束。"]


# --- locale codes ------------------------------------------------------------------------


def test_locale_codes_are_normalized_never_a_second_folder(tmp_path):
    brief(tmp_path, "Text.\n")
    assert run_cli("extract", "--root", str(tmp_path))[0] == 0
    assert run_cli("update", "--root", str(tmp_path), "--locale", "ja")[0] == 0
    assert run_cli("update", "--root", str(tmp_path), "--locale", "JA")[0] == 0
    assert run_cli("update", "--root", str(tmp_path), "--locale", "zh_hans")[0] == 0
    assert sorted(p.name for p in (tmp_path / "locales").iterdir() if p.is_dir()) == [
        "ja", "zh-Hans"]
    code, _, err = run_cli("update", "--root", str(tmp_path), "--locale", "xx")
    assert code == 2 and "unknown language 'xx'" in err
    code, _, err = run_cli("build", "--root", str(tmp_path), "--locale", "JA",
                           "--format", "html", "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert (tmp_path / "out/b/b.ja.html").exists()


def test_front_matter_language_is_normalized(tmp_path):
    path = brief(tmp_path, "Text.\n") / "content/b/brief.md"
    path.write_text(path.read_text().replace("date:", "lang: JA\ndate:"))
    assert load(tmp_path, "b").lang == "ja"
