"""Shared fixtures. The sample outputs are built once per session and shared; epubcheck
runs once per EPUB, two at a time."""

from __future__ import annotations

import io
import re
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
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


# A test that needs a whole build (the sample project's, the corpus's, `make`'s) is slow:
# `pytest -m "not slow"` leaves it out of the fast loop, `make test` runs it.
HEAVY_FIXTURES = {"built", "corpus", "rich_built", "made", "rich_pdf", "long_brief"}


def pytest_collection_modifyitems(items):
    for item in items:
        if HEAVY_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


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


# --- the corpus (tests/corpus): every construct, built once per session ---------------

CORPUS = Path(__file__).parent / "corpus"
EPUBCHECK_BATCH = Path(__file__).parent / "tools" / "EpubCheckBatch.java"
# Pseudo-translated and identity languages per source language: the identity language
# is the source's own language under a region tag, so its editions must read exactly
# as the source edition.
PSEUDO = {"en": ["ja", "ko"], "ja": ["en", "ko"]}
IDENTITY = {"en": "en-US", "ja": "ja-JP"}
LONG_SLUG = "long-brief"
LONG_PARTS = 24


def marker(lang: str, n: int) -> tuple[str, str]:
    """The opening and closing marks of pseudo-translated unit *n*: letters and digits
    only, so no line break, hyphenation or escaping can split or change them."""
    code = lang.replace("-", "").upper()
    return f"Q{code}{n:04d}Q", f"Z{n:04d}{code}Z"


def pseudo(text: str, lang: str, n: int) -> str:
    start, end = marker(lang, n)
    return f"{start} {text} {end}"


def long_brief() -> str:
    """A brief of 50+ pages made from real paragraphs (the sample essay and the corpus's
    English briefs), deterministically: each part repeats them under its own heading."""
    import re as _re

    paragraphs = []
    for path in [ROOT / "content" / SLUG / "brief.md",
                 *sorted(p for p in CORPUS.glob("*/brief.md"))]:
        text = path.read_text(encoding="utf-8")
        if "\nlang: ja" in text:
            continue
        body = text.split("\n---\n", 1)[1]
        for block in body.split("\n\n"):
            block = block.strip()
            # plain prose paragraphs only: no headings, lists, tables, notes or figures
            if block and _re.match(r"[A-Z]", block) and "[^" not in block \
                    and "|" not in block and "](" not in block and len(block) > 200:
                paragraphs.append(block)
    parts = []
    for n in range(1, LONG_PARTS + 1):
        parts.append(f"# Part {n}: A Longer Reading\n\n## Context for part {n}\n")
        parts += paragraphs
    return ("---\ntitle: A Long Brief Made of Real Paragraphs\ndate: 2025-05-05\n"
            "authors:\n  - name: Briefpress Test Corpus\n---\n\n" + "\n\n".join(parts) + "\n")


@dataclass
class Corpus:
    root: Path  # the project: content/<slug>, locales/, templates/
    out: Path  # its build folder
    briefs: dict  # slug -> Document
    segments: dict  # slug -> [Segment]
    markers: dict  # (slug, lang) -> {msgid: (start, end)}
    build_seconds: dict  # slug -> seconds to build all its outputs


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Corpus:
    """Every corpus brief (and the generated long one) with pseudo-translated and
    identity catalogs, built in every language and format."""
    import time

    from babel.messages.pofile import read_po, write_po

    from briefpress.load import load
    from briefpress.segment import segment

    root = tmp_path_factory.mktemp("corpus")
    shutil.copytree(ROOT / "templates", root / "templates")
    for folder in sorted(CORPUS.iterdir()):
        if (folder / "brief.md").exists():
            shutil.copytree(folder, root / "content" / folder.name)
    (root / "content" / LONG_SLUG).mkdir()
    (root / "content" / LONG_SLUG / "brief.md").write_text(long_brief(), encoding="utf-8")
    code, _, err = run_cli("extract", "--root", str(root))
    assert code == 0, err
    langs = sorted({lang for targets in PSEUDO.values() for lang in targets}
                   | set(IDENTITY.values()))
    code, _, err = run_cli("update", "--root", str(root), "--locale", ",".join(langs))
    assert code == 0, err
    briefs = {slug: load(root, slug) for slug in sorted(p.name for p in (root / "content").iterdir())}
    segments = {slug: segment(doc) for slug, doc in briefs.items()}
    markers = {}
    for lang in langs:
        for po in sorted((root / "locales" / lang / "LC_MESSAGES").glob("*.po")):
            with open(po, "rb") as f:
                catalog = read_po(f)
            if po.stem == "templates":
                shipped = ROOT / "locales" / lang.split("-")[0] / "LC_MESSAGES/templates.po"
                if shipped.exists():
                    with open(shipped, "rb") as f:
                        ui = read_po(f)
                    for message in catalog:
                        if message.id and message.id in ui:
                            message.string = ui[message.id].string
            else:
                source = briefs[po.stem].lang
                marks = markers.setdefault((po.stem, lang), {})
                for n, message in enumerate(m for m in catalog if m.id):
                    if lang == IDENTITY[source]:
                        message.string = message.id
                    elif lang in PSEUDO[source]:
                        message.string = pseudo(message.id, lang, n)
                        marks[message.id] = marker(lang, n)
            with open(po, "wb") as f:
                write_po(f, catalog, width=0)
    out = root / "build"
    seconds = {}
    for slug, doc in briefs.items():
        started = time.perf_counter()
        targets = PSEUDO[doc.lang] + [IDENTITY[doc.lang]]
        code, _, err = run_cli("build", "--root", str(root), "--out", str(out), "--brief", slug,
                               "--locale", ",".join([doc.lang, *targets]),
                               "--format", "pdf,epub,html", "--strict")
        assert code == 0, err
        assert "Traceback" not in err
        seconds[slug] = time.perf_counter() - started
    return Corpus(root, out, briefs, segments, markers, seconds)


def epubcheck_batch(paths: list[Path], jobs: int = 2) -> dict[Path, tuple[int, str]]:
    """EPUBCheck's exit code and messages for each EPUB, several books per Java process
    (tests/tools/EpubCheckBatch.java), *jobs* processes side by side."""
    if not Path(EPUBCHECK).exists():
        pytest.fail(f"{EPUBCHECK} missing: run `make setup` (installs Debian's epubcheck)")
    chunks = [paths[i::jobs] for i in range(jobs) if paths[i::jobs]]

    def run(chunk):
        # One stream, so each book's messages come before its verdict line.
        proc = subprocess.run(["java", "-cp", EPUBCHECK, str(EPUBCHECK_BATCH),
                               *map(str, chunk)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=1800)
        results, lines = {}, []
        for line in proc.stdout.splitlines():
            m = re.match(r"=== (-?\d+) (.*)$", line)
            if m:
                results[Path(m.group(2))] = (int(m.group(1)), "\n".join(lines))
                lines = []
            elif line.strip():
                lines.append(line)
        missing = [p for p in chunk if p not in results]
        assert not missing, f"epubcheck gave no verdict on {missing}: {proc.stdout[-2000:]}"
        return results

    found = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for results in pool.map(run, chunks):
            found.update(results)
    return found


def join_strs(items) -> list:
    """*items* (already canonical) with adjacent Str nodes joined: the sourcepos reader
    splits words at punctuation, which changes nothing a reader sees."""
    out: list = []
    for item in items:
        if out and isinstance(item, dict) and item.get("t") == "Str" \
                and isinstance(out[-1], dict) and out[-1].get("t") == "Str":
            out[-1] = {"t": "Str", "c": out[-1]["c"] + item["c"]}
        else:
            out.append(item)
    return out
