"""Regression tests for the failures found by running briefpress on documents nobody
here wrote (issue 14): each test is one failure, on the smallest brief showing it."""

from __future__ import annotations

import json

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

from conftest import join_strs, run_cli

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


# --- unit texts a translator can copy -------------------------------------------------


def strs_merged(node):
    """*node* without source lines and with adjacent Str nodes joined (the sourcepos
    reader splits words at punctuation; the meaning is the same)."""
    if isinstance(node, list):
        return join_strs(map(strs_merged, node))
    if isinstance(node, dict):
        return {k: strs_merged(v) for k, v in node.items() if k != "_line"}
    return node


CASES = {
    "Costs rose from US$3 billion to US$4.5 billion.":
        "Costs rose from US\\$3 billion to US\\$4.5 billion.",
    "Fees were ($20) and ($5) a head.": "Fees were (\\$20) and (\\$5) a head.",
    "See the [report](<https://example.org/annual report 2024.pdf>).":
        "See the [report](<https://example.org/annual report 2024.pdf>).",
    "An *_emphasised_* word.": "An *emphasised* word.",
    "Line&#10;feed kept.": "Line&#10;feed kept.",
    "Written \\&copy; literally, &copy; as the sign.":
        "Written \\&copy; literally, © as the sign.",
    "Prices rose 5% in 2024; $x^2$ is math.": "Prices rose 5% in 2024; $x^2$ is math.",
}


@pytest.mark.parametrize("source", CASES)
def test_unit_text_reads_back_as_its_source(tmp_path, source):
    brief(tmp_path, source + "\n")
    (text,) = body_units(tmp_path)
    assert text == CASES[source]
    assert "<!--" not in text
    loc = translate(tmp_path, {"T": "T", "A": "A", text: text})
    assert strs_merged(loc.doc.blocks) == strs_merged(load(tmp_path, "b").blocks)


def test_currency_is_text_not_math(tmp_path):
    brief(tmp_path, "From US$3 billion to US$4.5 billion, ($20) and ($5).\n")
    para = load(tmp_path, "b").blocks[0]
    assert "Math" not in {i["t"] for i in para["c"]}
    assert pandoc.stringify(para["c"]) == "From US$3 billion to US$4.5 billion, ($20) and ($5)."


def test_currency_after_headings_rules_and_tables_is_text(tmp_path):
    # only the blocks whose lines hold "$" before a digit are looked at again: the
    # others (a heading, a rule, a table, math that is math) keep their first parse
    brief(tmp_path, "# Costs of $5\n\n---\n\n| a | b |\n|---|---|\n| US$3 to US$4 | 2 |\n\n"
          "Math $x^2$ stays.\n\nFrom US$3 billion to US$4.5 billion.\n")
    blocks = load(tmp_path, "b").blocks
    kinds = [b["t"] for b in blocks]
    assert kinds == ["Header", "HorizontalRule", "Table", "Para", "Para"]
    assert pandoc.stringify(blocks[-1]["c"]) == "From US$3 billion to US$4.5 billion."
    table = json.dumps(blocks[2])
    assert '"c": "$"' in table and '"Math"' not in table
    assert "Math" in {i["t"] for i in blocks[3]["c"]}


def test_escaped_entity_means_the_same_in_every_language(tmp_path):
    brief(tmp_path, "Write \\&copy; for the sign.\n")
    (text,) = body_units(tmp_path)
    loc = translate(tmp_path, {"T": "T", "A": "A", text: "記号には \\&copy; と書く。"})
    assert pandoc.stringify(loc.doc.blocks[0]["c"]) == "記号には &copy; と書く。"
    assert pandoc.stringify(load(tmp_path, "b").blocks[0]["c"]) == "Write &copy; for the sign."


# --- EPUB and PDF validity ----------------------------------------------------------------


def test_bilingual_halves_have_ids_of_their_own():
    from briefpress.rewrite import suffix_ids

    blocks = [{"t": "Header", "c": [2, ["recommendations", [], []], [{"t": "Str", "c": "R"}]]},
              {"t": "Para", "c": [{"t": "Link", "c": [["", [], []], [{"t": "Str", "c": "r"}],
                                                      ["#recommendations", ""]]},
                                  {"t": "RawInline", "c": ["html", '<a id="x">']},
                                  {"t": "Link", "c": [["", [], []], [], ["#elsewhere", ""]]}]}]
    out = suffix_ids(blocks, "ja")
    assert out[0]["c"][1][0] == "recommendations-ja"
    assert out[1]["c"][0]["c"][2][0] == "#recommendations-ja"
    assert out[1]["c"][1]["c"][1] == '<a id="x-ja">'
    assert out[1]["c"][2]["c"][2][0] == "#elsewhere"
    assert blocks[0]["c"][1][0] == "recommendations"  # the source half is untouched


@pytest.mark.parametrize("raw, xhtml", [
    ("<br>", "<br />"), ("<hr>", "<hr />"), ("<span class=x>", '<span class="x">'),
    ("<td nowrap>", '<td nowrap="nowrap">'), ("<p>a &nbsp;&amp; b<br></p>", "<p>a \xa0&amp; b<br /></p>"),
])
def test_raw_html_is_written_as_xhtml_for_epub(raw, xhtml):
    from briefpress.rewrite import xhtml_fragment

    assert xhtml_fragment(raw) == xhtml


def test_a_name_is_an_id(tmp_path):
    brief(tmp_path, 'Tokyo<br>Seoul met <a name="talks">here</a>; see [above](#talks).\n')
    para = load(tmp_path, "b").blocks[0]["c"]
    raws = [i["c"][1] for i in para if i["t"] == "RawInline"]
    assert raws == ["<br>", '<a id="talks">', "</a>"]


# --- one broken brief does not stop the others ---------------------------------------------

BROKEN = {"Japan-ROK": None,  # a folder name that is not a slug
          "bad-date": "---\ntitle: X\ndate: 2025-02-30\nauthors:\n  - name: A\n---\n\nText.\n"}
BROKEN_ERRORS = [
    "content/Japan-ROK/brief.md:1: brief folder name 'Japan-ROK' must be lower-case",
    "content/bad-date/brief.md:3: invalid date '2025-02-30'"]


def add_broken(root: Path) -> None:
    good = next((root / "content").glob("*/brief.md")).read_text(encoding="utf-8")
    for slug, text in BROKEN.items():
        (root / "content" / slug).mkdir(parents=True)
        (root / "content" / slug / "brief.md").write_text(text or good, encoding="utf-8")


def test_broken_briefs_are_reported_and_the_others_processed(project, tmp_path):
    from conftest import SLUG

    add_broken(project)
    root = str(project)
    runs = {
        "extract": run_cli("extract", "--root", root),
        "build": run_cli("build", "--root", root, "--format", "html", "--out",
                         str(tmp_path / "out")),
        "status": run_cli("status", "--root", root, "--json"),
        "check": run_cli("check", "--root", root),
        "rules": run_cli("rules", "--root", root),
    }
    for command, (code, out, err) in runs.items():
        assert code == 1, (command, err)
        assert "Traceback" not in err, command
        for message in BROKEN_ERRORS:
            assert message in (err + out).replace("[brief] ", ""), (command, message)
    assert sorted(p.name for p in (tmp_path / "out" / SLUG).iterdir()) == [
        f"{SLUG}.{lang}.html" for lang in ("en", "ja", "ko")]
    assert f'"brief": "{SLUG}"' in runs["status"][1]
    assert f"{SLUG}.en.pdf" in runs["rules"][1] and "brief-bad-date:" in runs["rules"][1]


@pytest.mark.slow
def test_make_k_builds_the_other_briefs(tmp_path):
    import os
    import shutil
    import subprocess

    from conftest import ROOT

    for name in ("templates", "scripts"):
        shutil.copytree(ROOT / name, tmp_path / name, copy_function=shutil.copy2)
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(ROOT / name, tmp_path / name)
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    for name in ("pyproject.toml", "scripts/setup-system.sh"):
        os.utime(tmp_path / name, (0, 0))  # the set-up is done: make must not redo it
    brief(tmp_path, "A good brief.\n", slug="good")
    add_broken(tmp_path)
    result = subprocess.run(["make", "-k", "--no-print-directory"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 2
    for message in BROKEN_ERRORS:
        assert message in result.stderr
    assert sorted(p.name for p in (tmp_path / "build/good").glob("good.*")
                  if not p.name.endswith(".png")) == [  # the listing's covers aside
        "good.en.epub", "good.en.html", "good.en.pdf"]
    assert (tmp_path / "build/index.html").exists()


def test_raw_div_wrapper_is_one_block(tmp_path):
    """A raw <div> around Markdown is one Div, so the bilingual editions pair it whole
    instead of splitting the opening tag from its content."""
    brief(tmp_path, '<div class="callout" id="c1">\n\nInside **it**.\n\n</div>\n\n<hr>\n')
    blocks = load(tmp_path, "b").blocks
    assert [b["t"] for b in blocks] == ["Div", "RawBlock"]
    assert blocks[0]["c"][0] == ["c1", ["callout"], []]
    brief(tmp_path, '<div style="background: url(x.png)">\n\nText.\n\n</div>\n')
    with pytest.raises(Exception, match="raw HTML may not load a file or URL"):
        load(tmp_path, "b")
