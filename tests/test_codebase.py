"""The shape of the code: short functions, library code that logs instead of printing,
one definition of the project's file layout."""

import ast
from pathlib import Path

import pytest

from briefpress.layout import Layout

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "briefpress"
MAX_LINES = 60
# Functions the lead is splitting in publish/ and render.py; each leaves this list when
# it is split.
TOO_LONG_FOR_NOW = {("publish/epub.py", "amend_xhtml")}
# Only the command line talks to the terminal; logs.py holds its handlers.
TERMINAL = {"cli.py", "logs.py"}


def functions():
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield path.relative_to(PACKAGE).as_posix(), node


def test_no_function_is_longer_than_60_lines():
    long = {(module, f.name): f.end_lineno - f.lineno + 1 for module, f in functions()
            if f.end_lineno - f.lineno + 1 > MAX_LINES}
    assert set(long) - TOO_LONG_FOR_NOW == set(), long
    assert TOO_LONG_FOR_NOW - set(long) == set(), "split: take it off TOO_LONG_FOR_NOW"


def test_library_code_logs_and_never_prints():
    offenders = []
    for module, f in functions():
        if module in TERMINAL:
            continue
        names = [a.arg for a in f.args.args + f.args.kwonlyargs]
        if "stream" in names:
            offenders.append(f"{module}:{f.lineno} {f.name}(stream=...)")
        offenders += [f"{module}:{n.lineno} print() in {f.name}" for n in ast.walk(f)
                      if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "print"]
    assert offenders == []


@pytest.mark.parametrize("module", ["layout.py", "cjk.py", "errors.py"])
def test_the_shared_definitions_import_nothing_of_ours(module):
    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    ours = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level]
    assert ours == []


def test_the_layout_names_every_file_of_a_project(tmp_path):
    layout = Layout(tmp_path)
    for rel in ("content/b/brief.md", "content/a/brief.md", "content/empty/figure.svg",
                "locales/ja/LC_MESSAGES/a.po", "locales/ko/LC_MESSAGES/templates.po",
                "locales/ja/glossary.po", "locales/a.pot"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    assert layout.briefs() == ["a", "b"]
    assert layout.locales() == ["ja", "ko"]
    assert layout.pots() == [tmp_path / Layout.pot("a")]
    assert layout.pos(domain="a") == [tmp_path / Layout.po("ja", "a")]
    assert layout.path(Layout.glossary("ja")).is_file()
    assert layout.output("a", "en-ja", "pdf") == tmp_path / "build/a/a.en-ja.pdf"
    assert Layout(tmp_path, tmp_path / "out").output("a", "ja", "epub") \
        == tmp_path / "out/a/a.ja.epub"
    assert layout.parse(tmp_path / "content/a/brief.md") == ("brief", "a", None)
    assert layout.parse(tmp_path / Layout.po("ko", "templates")) == ("po", "templates", "ko")
    assert layout.parse(tmp_path / Layout.glossary("ja"))[0] == "other"
    assert layout.parse(tmp_path / "templates/brief.css")[0] == "templates"


def test_every_exit_code_the_cli_returns_is_in_the_readme():
    import re

    tree = ast.parse((PACKAGE / "cli.py").read_text(encoding="utf-8"))
    returned = {n.value.value for n in ast.walk(tree) if isinstance(n, ast.Return)
                and isinstance(n.value, ast.Constant) and isinstance(n.value.value, int)}
    returned |= {n.orelse.value for n in ast.walk(tree) if isinstance(n, ast.IfExp)
                 and isinstance(n.orelse, ast.Constant) and isinstance(n.orelse.value, int)}
    readme = (PACKAGE.parents[1] / "README.md").read_text(encoding="utf-8")
    documented = {int(code) for code in re.findall(r"^\| (\d+) \| ", readme, re.M)}
    assert returned >= {0, 1, 2, 3, 4, 130, 141}
    assert returned <= documented, returned - documented
