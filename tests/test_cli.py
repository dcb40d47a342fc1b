"""The command line: exit codes, one-line errors naming file and line, reports."""

from __future__ import annotations

import json
import re

import pytest

from briefpress.load import load
from briefpress.segment import segment
from conftest import SLUG, run_cli

BRIEF = f"content/{SLUG}/brief.md"
PO = f"locales/ja/LC_MESSAGES/{SLUG}.po"


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path, text: str) -> int:
    """The 1-based line of *path* where *text* first occurs."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


# (file, old, new, the line to cite: the first holding this text after the edit, message)
@pytest.mark.parametrize("where, old, new, cited, message", [
    (BRIEF, "date: 2026-11-29", "date: [2026", "date: [2026", "invalid YAML"),
    (BRIEF, "series:", "seris:", "seris:", "unknown front-matter field 'seris'"),
    (BRIEF, "In sum, Tokyo", "![map](map.png)\n\nIn sum, Tokyo", "![map]", "missing file"),
    (PO, 'msgstr "日本と大韓民国の安全保障関係"', 'msgstr "日本と大韓民国の安全保障関係',
     'msgstr "日本と大韓民国の安全保障関係', "unterminated or malformed string"),
    (PO, 'msgstr "機会と課題"', 'msgstr "機会と課題"\nmsgstr "重複"', 'msgstr "重複"',
     "'msgstr' given twice"),
    (PO, 'msgstr "機会と課題"', 'msgstr "<img src=\\"file:///etc/passwd\\">"', None, None),
])
def test_bad_input_exits_1_with_one_line_per_problem(project, where, old, new, cited, message):
    out = project / "out"
    edit(project / where, old, new)
    expected = cited and f"{where}:{line_of(project / where, cited)}: {message}"
    code, _, err = run_cli("build", "--root", str(project), "--out", str(out), "--format", "html")
    if expected is None:  # a hostile plain-text unit is escaped, not an error
        assert code == 0, err
        html = (out / SLUG / f"{SLUG}.ja.html").read_text(encoding="utf-8")
        assert '<img src="file:' not in html and "&lt;img" in html
        return
    assert code == 1
    assert err.startswith(expected), err
    assert "Traceback" not in err


def test_failed_build_keeps_the_previous_outputs(project):
    out = project / "out"
    assert run_cli("build", "--root", str(project), "--out", str(out), "--format", "html")[0] == 0
    before = {p.name: p.read_bytes() for p in (out / SLUG).iterdir()}
    edit(project / PO, '"したがって、', '"[リンク](https://evil.example) したがって、')
    code, _, err = run_cli("build", "--root", str(project), "--out", str(out), "--format", "html")
    assert code == 1 and "link differs" in err
    assert {p.name: p.read_bytes() for p in (out / SLUG).iterdir()} == before


@pytest.mark.parametrize("args, words", [
    (["build", "--format", "docx"], "unknown format docx"),
    (["build", "--brief", "nope"], "no brief 'nope'"),
    (["build", "--locale", "fr"], "no catalog folder for 'fr'"),
    (["frobnicate"], "invalid choice"),
])
def test_usage_errors_exit_2(project, args, words):
    code, _, err = run_cli(*args, "--root", str(project)) if args[0] != "frobnicate" \
        else run_cli(*args)
    assert code == 2 and words in err


def test_status_reports_units_and_words(project):
    units = len(segment(load(project, SLUG)))  # the fixture's own units, however many
    code, out, _ = run_cli("status", "--root", str(project), "--json")
    assert code == 0
    report = json.loads(out)
    for lang in ("ja", "ko"):
        info = report[0]["languages"][lang]
        assert info["percent"] == 100.0
        assert info["translated"]["units"] == info["total"]["units"] == units
        assert info["fuzzy"]["units"] == info["untranslated"]["units"] == 0
        assert info["translated"]["words"] > 800


def test_status_verbose_lists_units_with_lines(project):
    edit(project / PO, 'msgstr "機会と課題"', 'msgstr ""')
    code, out, _ = run_cli("status", "--root", str(project), "--verbose")
    assert code == 0
    assert "ja:  97.6% translated  40/41 units" in out
    assert f"{BRIEF}:5: untranslated: [front matter: subtitle] Opportunities & Challenges" in out


def test_build_reports_progress_and_a_summary(project):
    code, _, err = run_cli("build", "--root", str(project), "--out", str(project / "out"),
                           "--locale", "ko", "--format", "html")
    assert code == 0
    lines = err.splitlines()
    assert lines[0].startswith("[1/1] ") and lines[0].endswith(f"{SLUG}.ko.html")
    assert lines[-1].startswith("built 1 files")


@pytest.mark.slow
def test_draft_build_marks_fallbacks_in_the_margin_and_strict_refuses(project):
    import subprocess

    po = (project / PO).read_text(encoding="utf-8")
    start = po.index('"したがって、日本と大韓民国（以下、韓国）の安全保障協力は')  # after msgstr ""
    (project / PO).write_text(po[:start] + po[po.index("\n\n", start) + 1:],
                              encoding="utf-8")
    out = project / "out"
    code, _, err = run_cli("build", "--root", str(project), "--out", str(out), "--locale",
                           "ja", "--format", "pdf,html")
    assert code == 0
    assert f"{SLUG}/ja: 1 units fell back to the source language" in err
    assert "untranslated: Security cooperation between Japan" in err
    html = (out / SLUG / f"{SLUG}.ja.html").read_text(encoding="utf-8")
    assert '<span class="bp-fallback" lang="en">Security cooperation' in html
    text = subprocess.run(["pdftotext", str(out / SLUG / f"{SLUG}.ja.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "▶" in text and "Security cooperation between Japan" in text
    assert "草稿：未翻訳の箇所が1箇所残っています。" in re.sub(r"\s+", "", text)
    code, _, err = run_cli("build", "--root", str(project), "--out", str(out), "--locale",
                           "ja", "--strict")
    assert code == 1 and "untranslated unit (from content/japan-rok-security/brief.md:36)" in err
