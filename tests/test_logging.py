"""The logging policy (briefpress.__doc__): library code logs, the CLI shows the
records; tool failures have their own exit code."""

import io
import logging

import pytest

import briefpress
import briefpress.pandoc
from briefpress.logs import LOGGER, PROGRESS, shown_on

from conftest import SLUG, run_cli

PO = f"locales/ja/LC_MESSAGES/{SLUG}.po"


def test_the_package_loggers_have_a_null_handler_and_no_other():
    for logger in (LOGGER, PROGRESS):
        assert [type(h) for h in logger.handlers] == [logging.NullHandler]
    assert "Logging policy" in briefpress.__doc__


def test_weasyprint_warnings_are_shown_once_per_message():
    weasyprint = pytest.importorskip("weasyprint")
    css = "p { font-synthesis: none; color: red }"
    stream = io.StringIO()
    with shown_on(stream):
        for _ in range(3):  # the same stylesheet, three times: one message
            weasyprint.HTML(string="<p>x</p>").write_pdf(
                stylesheets=[weasyprint.CSS(string=css)])
    lines = stream.getvalue().splitlines()
    assert lines == ["weasyprint: Ignored `font-synthesis: none` at 1:5, unknown property."]
    assert not [h for h in logging.getLogger().handlers if getattr(h, "stream", 0) is stream]


def test_a_draft_build_logs_its_fallbacks_and_progress(project, caplog):
    po = (project / PO).read_text(encoding="utf-8")
    start = po.index('"したがって、日本と大韓民国（以下、韓国）の安全保障協力は')
    (project / PO).write_text(po[:start] + po[po.index("\n\n", start) + 1:],
                              encoding="utf-8")
    caplog.set_level(logging.INFO, logger="briefpress")
    code, _, err = run_cli("build", "--root", str(project), "--out", str(project / "out"),
                           "--locale", "ja", "--format", "html")
    assert code == 0, err
    fallbacks = [r for r in caplog.records if r.name == "briefpress"
                 and r.levelno == logging.WARNING and "fell back" in r.getMessage()]
    assert len(fallbacks) == 1
    assert fallbacks[0].getMessage().startswith(f"{SLUG}/ja: 1 units fell back")
    steps = [r for r in caplog.records if r.name == "briefpress.progress"]
    assert [(r.done, r.total) for r in steps] == [(1, 1)]
    assert steps[0].label.endswith(f"{SLUG}.ja.html")
    # the CLI showed both records
    assert f"briefpress: {SLUG}/ja: 1 units fell back" in err
    assert f"[1/1] {steps[0].label}" in err


def test_a_failing_pandoc_is_a_tool_failure_exit_4(project, tmp_path, monkeypatch):
    fake = tmp_path / "pandoc"
    fake.write_text("#!/bin/sh\necho 'pandoc: out of memory' >&2\nexit 83\n")
    fake.chmod(0o755)
    monkeypatch.setattr(briefpress.pandoc, "pandoc_path", lambda: str(fake))
    code, _, err = run_cli("extract", "--root", str(project))
    assert code == 4, err
    assert "briefpress: pandoc failed: pandoc: out of memory" in err
    assert "Traceback" not in err


def test_a_pandoc_that_hangs_is_a_tool_failure_exit_4(project, tmp_path, monkeypatch):
    fake = tmp_path / "pandoc"
    fake.write_text("#!/bin/sh\nexec sleep 30\n")
    fake.chmod(0o755)
    monkeypatch.setattr(briefpress.pandoc, "pandoc_path", lambda: str(fake))
    monkeypatch.setattr(briefpress.pandoc, "TIMEOUT_SECONDS", 0.5)
    code, _, err = run_cli("extract", "--root", str(project))
    assert code == 4, err
    assert "pandoc took longer than 0.5 s" in err


def test_an_output_that_cannot_be_written_is_exit_4_and_keeps_the_rest(project):
    pot = project / f"locales/{SLUG}.pot"
    old = pot.read_bytes()
    pot.unlink()
    pot.mkdir()  # a folder in the way, as a full disk refuses the write
    code, _, err = run_cli("extract", "--root", str(project))
    assert code == 4, err
    assert f"briefpress: {pot}: cannot write the file" in err
    assert pot.is_dir() and old  # nothing half-written in its place
    assert not list(pot.parent.glob(".*.tmp"))


def test_input_errors_stay_exit_1(project):
    brief = project / f"content/{SLUG}/brief.md"
    brief.write_text(brief.read_text(encoding="utf-8").replace("title:", "titel:", 1),
                     encoding="utf-8")
    code, _, err = run_cli("extract", "--root", str(project))
    assert code == 1 and f"content/{SLUG}/brief.md:" in err
