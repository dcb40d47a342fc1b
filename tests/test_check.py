"""briefpress check: golden cases, and the shipped project.

Each folder in golden/check/ is a tiny project (content/<slug>/brief.md and
locales/<lang>/LC_MESSAGES/<slug>.po, sometimes a glossary or templates) with
expected.txt, the exact report: one ``path:line: [check] message`` line per problem.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from unittest import mock

import pytest

from briefpress import pandoc
from briefpress.check import check, fold, has_errors, numbers, read_glossary, same_lang
from briefpress.errors import UsageError
from briefpress.layout import Layout
from briefpress.load import load
from briefpress.segment import segment

from conftest import ROOT, SLUG, run_cli

GOLDEN = Path(__file__).parent / "golden" / "check"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "expected.txt").exists())
CHECKS = {"markup", "numbers", "glossary", "whitespace", "punctuation", "invisible-characters",
          "placeholders", "fuzzy", "untranslated", "obsolete", "syntax"}


def expected(case: str) -> list[str]:
    return (GOLDEN / case / "expected.txt").read_text("utf-8").splitlines()


@pytest.mark.parametrize("case", CASES)
def test_golden_report(case):
    assert [str(p) for p in check(GOLDEN / case)] == expected(case)


def test_every_check_is_planted_in_a_golden_case():
    found = {re.search(r": \[([\w-]+)\] ", line).group(1) for case in CASES
             for line in expected(case)}
    assert found == CHECKS
    assert expected("clean") == []


def test_report_lines_name_the_catalog_line_and_check():
    problems = check(GOLDEN / "numbers")
    assert [(p.path, p.line, p.check) for p in problems][0] == \
        ("locales/ja/LC_MESSAGES/numbers.po", 31, "numbers")
    assert str(problems[0]) == ("locales/ja/LC_MESSAGES/numbers.po:31: [numbers] numbers of "
                                "the source missing: 2015")


@pytest.mark.parametrize("case", [c for c in CASES if c not in ("clean", "drafts")])
def test_planted_problems_are_errors(case):
    problems = check(GOLDEN / case)
    warnings = [p for p in problems if p.severity == "warning"]
    assert has_errors(problems)
    # A space before 、 or 。 is the one content problem that is only a warning.
    assert [p.message for p in warnings] == \
        (["space before 、 or 。"] if case == "whitespace" else [])


def test_drafts_are_warnings_unless_strict():
    draft = check(GOLDEN / "drafts")
    assert draft and {p.severity for p in draft} == {"warning"}
    assert not has_errors(draft)
    strict = check(GOLDEN / "drafts", strict=True)
    assert [str(p) for p in strict] == [str(p) for p in draft]
    assert {p.severity for p in strict} == {"error"}


def test_numbers_are_read_as_the_source_writes_them():
    assert numbers("On December 28, 2015, the 50th anniversary of the 1990s “2+2” talks "
                   "cost 1,500 yen, 2.5 percent; an hour.") == \
        ["28", "2015", "50", "1990", "2", "2", "1500", "2.5"]
    assert numbers("２０１５年１２月") == ["2015", "12"]


def test_markup_is_parsed_in_one_pandoc_call_per_catalog():
    root = GOLDEN / "punctuation"  # two catalogs, ja and ko
    segment(load(root, "punctuation"))
    before = pandoc.spawn_count
    segment(load(root, "punctuation"))
    stages = pandoc.spawn_count - before
    before = pandoc.spawn_count
    check(root)
    assert pandoc.spawn_count - before == stages + 2


def test_an_unknown_brief_is_a_usage_error():
    with pytest.raises(UsageError):
        check(GOLDEN / "clean", ["no-such-brief"])


# --- the shipped project ---------------------------------------------------------------


def test_shipped_catalogs_have_no_errors():
    assert [str(p) for p in check(ROOT) if p.severity == "error"] == []


@pytest.mark.parametrize("lang", Layout(ROOT).locales())
def test_every_shipped_glossary_term_occurs_in_some_brief(lang):
    glossary, problems = read_glossary(ROOT, lang)
    assert problems == [] and glossary.terms
    sources = [fold(" ".join(seg.text for seg in segment(doc)))
               for doc in (load(ROOT, slug) for slug in Layout(ROOT).briefs())
               if same_lang(doc.lang, glossary.source_lang)]
    unused = [t.source for t in glossary.terms if t.context is None
              and not any(t.pattern.search(source) for source in sources)]
    assert unused == []


@pytest.mark.parametrize("slug", Layout(ROOT).briefs())
def test_each_shipped_brief_follows_the_glossary(slug):
    assert [str(p) for p in check(ROOT, [slug]) if p.check == "glossary"] == []


def test_shipped_glossary_catches_a_changed_term(project):
    po = project / f"locales/ja/LC_MESSAGES/{SLUG}.po"
    po.write_text(po.read_text("utf-8").replace("日米同盟", "米日同盟"), "utf-8")
    errors = [p for p in check(project) if p.severity == "error"]
    assert errors and {p.check for p in errors} == {"glossary"}
    assert all("“U.S.-Japan alliance” must be rendered as “日米同盟”" in p.message
               for p in errors)


# --- the command ----------------------------------------------------------------------


def run_check(*args: str) -> tuple[int, str]:
    # without the disk cache: it would write a build/.cache into the golden folders
    with mock.patch.dict(os.environ, {"BRIEFPRESS_NO_CACHE": "1"}):
        code, out, err = run_cli("check", *args)
    if code == 2 and "invalid choice" in err:
        pytest.skip("the CLI has no 'check' command yet")
    return code, out + err


@pytest.mark.parametrize("case", CASES)
def test_cli_exit_status(case):
    code, output = run_check("--root", str(GOLDEN / case))
    assert code == (1 if case not in ("clean", "drafts") else 0)
    for line in expected(case):
        assert line in output


def test_cli_strict_fails_on_drafts():
    code, _ = run_check("--root", str(GOLDEN / "drafts"), "--strict")
    assert code == 1
