"""The stages import one way (pyproject.toml's import-linter contracts), function-level
imports included, and the check can fail."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path, src: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(src)})


def test_stages_import_only_earlier_stages():
    result = lint_imports(ROOT, ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_hidden_upward_import_breaks_the_contract(tmp_path):
    # A function-level import of a later stage, as the render <-> publish cycle was.
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    segment = tmp_path / "src/briefpress/segment.py"
    segment.write_text(segment.read_text(encoding="utf-8") + "\n\ndef late():\n"
                       "    from .publish import pdf_bytes\n    return pdf_bytes\n",
                       encoding="utf-8")
    result = lint_imports(tmp_path, tmp_path / "src")
    assert result.returncode == 1
    assert "briefpress.segment -> briefpress.publish" in result.stdout, result.stdout
