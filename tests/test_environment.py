"""briefpress on a broken machine and in a pipeline: a missing library, font or pandoc
gets a message naming it and its install command (never "a bug in briefpress"); a
closed pipe ends a command quietly; output off a terminal is plain text. Each case runs
the real command in a subprocess with the environment broken on purpose."""

from __future__ import annotations

import os
import re
import pty
import select
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from conftest import ROOT, SLUG, playwright_driver_problem

BRIEFPRESS = Path(sys.executable).with_name("briefpress")
APT = "apt-get install -y --no-install-recommends"
# WeasyPrint loads its libraries through cffi; this points the Pango lookups at a folder
# that does not exist, as on a machine without Pango, and runs the command.
NO_PANGO = """
import sys, cffi
real = cffi.FFI.dlopen
def dlopen(self, name, flags=0):
    if "pango" in str(name):
        name = "/nonexistent/" + str(name)
    return real(self, name, flags)
cffi.FFI.dlopen = dlopen
from briefpress.cli import main
sys.exit(main(sys.argv[1:]))
"""


def briefpress(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(BRIEFPRESS), *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=600, **kwargs)


def assert_environment_error(result, *expected: str) -> None:
    assert result.returncode == 1, result.stderr
    for text in expected:
        assert text in result.stderr
    assert "bug in briefpress" not in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_pango_names_the_library_and_its_package(tmp_path):
    script = tmp_path / "no_pango.py"
    script.write_text(NO_PANGO)
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, str(script), "build", "--root", str(ROOT),
                             "--out", str(out), "--locale", "en", "--format", "pdf"],
                            capture_output=True, text=True, timeout=600)
    assert_environment_error(result, "cannot load the system library",
                             "libpango-1.0-0: cannot open shared object file",
                             f"{APT} libpango-1.0-0")
    assert "WeasyPrint could not import" not in result.stdout + result.stderr
    assert not out.exists() or not any(out.rglob("*.pdf"))


@pytest.mark.parametrize("make_pandoc", ["nothing", "not executable"])
def test_missing_pandoc_says_where_it_looked(tmp_path, make_pandoc):
    pandoc = tmp_path / "pandoc"
    if make_pandoc == "not executable":
        pandoc.write_text("#!/bin/sh\n")
    out = tmp_path / "out"
    result = briefpress("build", "--root", str(ROOT), "--out", str(out), "--locale", "en",
                        "--format", "epub", env={"PYPANDOC_PANDOC": str(pandoc)})
    assert_environment_error(result, f"PYPANDOC_PANDOC names {pandoc}, which is not an "
                             "executable pandoc", "pypandoc-binary")
    assert not out.exists() or not any(out.rglob("*.epub"))


def test_missing_pandoc_binary_names_the_python_package(tmp_path):
    from briefpress.environment import missing_pandoc

    problem = str(missing_pandoc("/venv/pypandoc/files/pandoc", False))
    spec = next(r for r in metadata.requires("briefpress") if r.startswith("pypandoc-binary"))
    assert "pandoc is missing: /venv/pypandoc/files/pandoc is not an executable" in problem
    assert f"-m pip install --force-reinstall '{spec}'" in problem


def fontconfig(tmp_path: Path, dirs: list[str]) -> dict:
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
                    "<fontconfig>" + "".join(f"<dir>{d}</dir>" for d in dirs) +
                    f"<cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>\n")
    return {"FONTCONFIG_FILE": str(conf)}


@pytest.mark.parametrize("fmt", ["pdf", "epub"])
def test_missing_cjk_font_names_its_debian_package(tmp_path, fmt):
    # fontconfig sees only DejaVu: no Noto CJK, as before fonts-noto-cjk is installed
    env = fontconfig(tmp_path, ["/usr/share/fonts/truetype/dejavu"])
    result = briefpress("build", "--root", str(ROOT), "--out", str(tmp_path / "out"),
                        "--locale", "ja", "--format", fmt, env=env)
    assert_environment_error(result, "the font 'Noto Serif CJK JP' is not installed",
                             f"{APT} fonts-noto-cjk")


def test_no_fonts_at_all(tmp_path):
    result = briefpress("build", "--root", str(ROOT), "--out", str(tmp_path / "out"),
                        "--locale", "ko", "--format", "epub", env=fontconfig(tmp_path, []))
    assert_environment_error(result, "'Noto Serif CJK KR' is not installed (fontconfig "
                             "finds no fonts at all", f"{APT} fonts-noto-cjk")


def test_fonts_are_looked_up_in_process(tmp_path):
    """fontconfig's library answers each lookup (no fc-match process: git and nothing
    else on PATH), with the file and collection index fc-match gives."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to("/usr/bin/git")
    result = briefpress("build", "--root", str(ROOT), "--out", str(tmp_path / "out"),
                        "--locale", "ko", "--format", "epub", env={"PATH": str(bin_dir)})
    assert result.returncode == 0, result.stderr
    from briefpress.publish.fonts import font_file

    for family, style in (("Noto Serif CJK KR", "Bold"), ("Noto Sans CJK JP", "Regular"),
                          ("Noto Serif", "Regular")):
        shown = subprocess.run(["fc-match", "-f", "%{file}|%{index}",
                                f"{family}:style={style}"], capture_output=True, text=True,
                               check=True).stdout.split("|")
        assert font_file(family, style) == (shown[0], int(shown[1]))


def test_missing_fontconfig_library(monkeypatch):
    from briefpress.errors import EnvironmentProblem
    from briefpress.publish import fonts

    def missing():
        raise OSError("libfontconfig.so.1: cannot open shared object file")

    monkeypatch.setattr(fonts, "fontconfig", missing)
    fonts.font_file.cache_clear()
    with pytest.raises(EnvironmentProblem, match="fontconfig's library is missing") as caught:
        fonts.font_file("Noto Serif CJK JP")
    assert f"{APT} libfontconfig1" in str(caught.value)
    fonts.font_file.cache_clear()


def test_version_names_briefpress_weasyprint_and_pandoc():
    from briefpress import __version__
    from briefpress.pandoc import pandoc_path

    result = briefpress("--version")
    assert result.returncode == 0, result.stderr
    pandoc = subprocess.run([pandoc_path(), "--version"], capture_output=True, text=True,
                            check=True).stdout.splitlines()[0]
    assert result.stdout.splitlines() == [f"briefpress {__version__}",
                                          f"WeasyPrint {metadata.version('weasyprint')}",
                                          f"{pandoc} ({pandoc_path()})"]
    assert pandoc.startswith("pandoc 3.")


# --- pipes and terminals --------------------------------------------------------------

def closed_pipe_run(*args: str) -> subprocess.CompletedProcess:
    """The command with its stdout a pipe whose reader has already gone, as in
    `briefpress ... | head -1` once head has exited."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run([str(BRIEFPRESS), *args], stdout=write,
                              stderr=subprocess.PIPE, text=True, timeout=600)
    finally:
        os.close(write)


@pytest.fixture
def untranslated(project) -> Path:
    """The sample project with two Korean units left untranslated: `check` reports
    them on stdout."""
    po = project / f"locales/ko/LC_MESSAGES/{SLUG}.po"
    text = po.read_text(encoding="utf-8")
    done = re.findall(r'^msgstr "[^"]+"$', text, flags=re.M)[:2]  # two one-line entries
    assert len(done) == 2
    for line in done:
        text = text.replace(line, 'msgstr ""', 1)
    po.write_text(text, encoding="utf-8")
    return project


def test_status_into_a_closed_pipe_exits_quietly(project):
    result = closed_pipe_run("status", "--json", "--verbose", "--root", str(project))
    assert result.returncode == 141
    assert result.stderr == ""


def test_check_into_a_closed_pipe_exits_quietly(untranslated):
    assert "[untranslated]" in briefpress("check", "--root", str(untranslated)).stdout
    result = closed_pipe_run("check", "--root", str(untranslated))
    assert result.returncode == 141
    assert result.stderr == ""


def test_extract_into_a_closed_pipe_exits_quietly(project):
    result = closed_pipe_run("extract", "--root", str(project))
    assert result.returncode == 0  # extract reports on stderr only: stdout is unused
    assert "Traceback" not in result.stderr and "bug" not in result.stderr


@pytest.mark.parametrize("command", ["status --json", "status --verbose", "check"])
def test_real_pipelines_into_head(untranslated, command):
    script = (f'"{BRIEFPRESS}" {command} --root "{untranslated}" | head -1; '
              'exit "${PIPESTATUS[0]}"')
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode in (0, 141)
    assert len(result.stdout.splitlines()) == 1
    assert "Traceback" not in result.stderr and "Error" not in result.stderr


def test_output_off_a_terminal_is_plain_lines(tmp_path):
    result = briefpress("build", "--root", str(ROOT), "--out", str(tmp_path), "--locale",
                        "en", "--format", "html")
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr and "\x1b" not in result.stderr
    assert f"[1/1] {tmp_path / SLUG / SLUG}.en.html" in result.stderr.splitlines()


def test_no_color_on_a_terminal(tmp_path):
    """On a terminal the progress is a bar redrawn in place, and with NO_COLOR set (as
    without it: briefpress has no colours) no escape sequence ever."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([str(BRIEFPRESS), "build", "--root", str(ROOT), "--out",
                             str(tmp_path), "--locale", "en", "--format", "html"],
                            stdout=follower, stderr=follower,
                            env={**os.environ, "NO_COLOR": "1", "TERM": "xterm-256color"})
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 600)
        try:
            chunk = os.read(leader, 4096) if ready else b""
        except OSError:  # the terminal's other side closed
            chunk = b""
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert proc.wait(timeout=60) == 0, seen
    text = seen.decode()
    assert "\r[" in text and "1/1" in text  # the terminal's bar
    assert "\x1b" not in text


def test_playwright_driver_that_cannot_start_names_the_library(tmp_path, monkeypatch):
    # A broken libatomic.so.1 first on the loader's path: node fails as it does on a
    # machine without libatomic1.
    (tmp_path / "libatomic.so.1").write_bytes(b"")
    monkeypatch.setenv("LD_LIBRARY_PATH", str(tmp_path))
    from playwright.sync_api import sync_playwright

    with pytest.raises(Exception) as failure:
        sync_playwright().start()
    message = playwright_driver_problem(failure.value)
    assert "node driver" in message and "libatomic.so.1" in message
    assert f"{APT} libatomic1" in message


@pytest.mark.parametrize("name, package", [
    ("libpango-1.0-0", "libpango-1.0-0"), ("libpango-1.0.so.0", "libpango-1.0-0"),
    ("libpangoft2-1.0-0", "libpangoft2-1.0-0"), ("libgobject-2.0-0", "libglib2.0-0"),
    ("libharfbuzz-0", "libharfbuzz0b"), ("libfontconfig-1", "libfontconfig1"),
    ("/nowhere/libharfbuzz-subset.so.0", "libharfbuzz-subset0"), ("libfoo-1", None)])
def test_each_weasyprint_library_has_its_debian_package(name, package):
    from briefpress.environment import library_package, missing_library

    assert library_package(name) == package
    problem = missing_library(OSError(f"cannot load library '{name}': {name}: cannot "
                                      "open shared object file: No such file or directory"))
    # An unknown one gets WeasyPrint's documented set.
    assert problem.install == f"{APT} " + (package or
                                           "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0")
    assert "cannot open shared object file" in problem.message
