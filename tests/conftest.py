"""Shared fixtures. The sample outputs are built once per session and shared; epubcheck
runs once per EPUB, two at a time."""

from __future__ import annotations

import io
import re
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from briefpress.cli import main

ROOT = Path(__file__).resolve().parents[1]
SLUG = "japan-rok-security"
EPOCH = "1764374400"  # 2025-11-29, fixed so outputs are comparable
EPUBCHECK = "/usr/share/java/epubcheck.jar"


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run the briefpress command in-process; (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True, scope="session")
def source_date_epoch():
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    yield
    if old is None:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    else:
        os.environ["SOURCE_DATE_EPOCH"] = old


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """Every output of the sample project (all formats), built once."""
    out = tmp_path_factory.mktemp("build")
    code, _, err = run_cli("build", "--root", str(ROOT), "--out", str(out),
                           "--format", "pdf,epub,html", "--strict")
    assert code == 0, err
    return out / SLUG


@pytest.fixture(scope="session")
def epubcheck_results(built) -> dict[str, subprocess.CompletedProcess]:
    """epubcheck's verdict on every EPUB built, keyed by file name."""
    if not Path(EPUBCHECK).exists():
        pytest.fail(f"{EPUBCHECK} missing: run `make setup` (installs Debian's epubcheck)")
    epubs = sorted(built.glob("*.epub"))

    def check(path: Path):
        return path.name, subprocess.run(
            ["java", "-jar", EPUBCHECK, "--quiet", str(path)],
            capture_output=True, text=True, timeout=300)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(check, epubs))


@pytest.fixture
def project(tmp_path) -> Path:
    """A writable copy of the sample project (content, locales, templates)."""
    for name in ("content", "locales", "templates"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def playwright_driver_problem(exc: Exception) -> str:
    """Why Playwright's bundled node driver did not start ("Connection closed while
    reading from the driver" says nothing), and what installs the missing piece."""
    from playwright._impl._driver import compute_driver_executable

    node = compute_driver_executable()[0]
    why = subprocess.run([node, "--version"], capture_output=True, text=True).stderr.strip()
    found = re.search(r"error while loading shared libraries: (?:\S*/)?(\S+?):", why)
    package = {"libatomic.so.1": "libatomic1"}.get(found.group(1)) if found else None
    fix = (f"install it as root: apt-get install -y --no-install-recommends {package}"
           if package else "install the Debian package that has it")
    return (f"Playwright's node driver ({node}) cannot start: {why or exc}\n"
            f"{fix} (`make setup` installs every package the tests need)")


def pdf_text(path: Path, layout: bool = False) -> str:
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def body_text(path: Path) -> str:
    """The PDF's text without running headers and page numbers, so paragraphs that
    cross a page break read as one."""
    pages = pdf_text(path).split("\f")
    kept = []
    for number, page in enumerate(pages, start=1):
        lines = [l for l in page.splitlines() if l.strip()]
        if number > 1 and lines:
            lines = lines[1:]  # the running header
        kept += [l for l in lines if not re.fullmatch(r"\s*\d+\s*/\s*\d+\s*", l)]
    return "\n".join(kept)
