"""The Makefile: `make` builds every brief, does nothing when nothing changed, and
rebuilds only what a change touches. One real `make -j2` run in a copy of the project
(with two extra generated briefs), then dry runs (`make -n`) after each change."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ROOT, SLUG

EXTRA = """---
title: Generated brief {n}
date: 2024-0{n}-01
authors:
  - name: Test Author
---

Paragraph one of generated brief {n}.

Paragraph two of generated brief {n}.
"""


def make(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900)


def project_copy(root: Path) -> Path:
    """A copy of the project in *root* (timestamps kept, the same .venv)."""
    for name in ("content", "locales", "templates", "scripts"):
        shutil.copytree(ROOT / name, root / name, copy_function=shutil.copy2)
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(ROOT / name, root / name)
    (root / ".venv").symlink_to(ROOT / ".venv")
    # The set-up is done (make test did it): keep make from redoing it in the shared .venv.
    for name in ("pyproject.toml", "scripts/setup-system.sh"):
        os.utime(root / name, (0, 0))
    return root


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    """A copy of the project (timestamps kept, the same .venv) after `make -j2`."""
    root = project_copy(tmp_path_factory.mktemp("make"))
    for n in (1, 2):
        brief = root / f"content/generated-{n}/brief.md"
        brief.parent.mkdir()
        brief.write_text(EXTRA.format(n=n))
    result = make(root, "-j2")
    assert result.returncode == 0, result.stdout + result.stderr
    return root


QUEUE_BUILD = (
    "build --queue build/.queue --format pdf,epub,html --out build --distribute && touch "
    "build/index.html build/SHA256SUMS build/feed.xml build/opds.xml build/sitemap.xml")


def commands(result: subprocess.CompletedProcess) -> list[str]:
    """The briefpress commands make would run, and the groups it would queue for the
    one warm `build --queue` (as ``queue SLUG LANG``)."""
    out = []
    for line in result.stdout.splitlines():
        if ".venv/bin/briefpress " in line:
            out.append(line.split("briefpress ", 1)[1])
        elif ">> build/.queue" in line:
            out.append("queue " + line.split("echo '", 1)[1].split("'", 1)[0])
    return sorted(out)


def test_make_builds_every_brief_in_every_language(made):
    out = made / "build"
    for slug in (SLUG, "generated-1", "generated-2"):
        for lang in ("en", "ja", "ko"):
            assert (out / slug / f"{slug}.{lang}.pdf").exists()
            assert (out / slug / f"{slug}.{lang}.epub").exists()
    assert (out / "index.html").exists() and (out / "SHA256SUMS").exists()
    assert not list(out.rglob("*.tmp"))


def test_make_j2_gives_the_same_bytes_as_one_build(made, built):
    for path in sorted(built.glob("*.pdf")) + sorted(built.glob("*.epub")):
        assert (made / "build" / SLUG / path.name).read_bytes() == path.read_bytes(), path.name


def test_nothing_changed_means_nothing_to_do(made):
    assert make(made, "-q").returncode == 0  # -q: exit 0 when everything is up to date
    assert commands(make(made, "-n")) == []


def test_a_po_change_rebuilds_only_that_language_and_the_index(made):
    po = made / f"locales/ja/LC_MESSAGES/{SLUG}.po"
    os.utime(po)
    assert commands(make(made, "-n")) == [QUEUE_BUILD, f"queue {SLUG} ja"]
    before = {p: p.stat().st_mtime_ns for p in (made / "build").rglob("*") if p.is_file()}
    assert make(made).returncode == 0
    changed = sorted(str(p.relative_to(made / "build")) for p, t in before.items()
                     if p.stat().st_mtime_ns != t)
    ja = [f"{SLUG}/{SLUG}.{name}" for name in
          ("en-ja.epub", "en-ja.pdf", "ja.epub", "ja.html", "ja.pdf")]
    assert [c for c in changed if c.startswith(f"{SLUG}/{SLUG}.")] == ja
    assert all(c in ja or not c.startswith(f"{SLUG}/{SLUG}.") for c in changed)
    others = [c for c in changed if c.startswith("generated-")]
    assert all(c.split("/")[-1].startswith("index.") for c in others), others


def test_a_template_change_rebuilds_everything_that_uses_it(made):
    os.utime(made / "templates/brief.css")
    planned = commands(make(made, "-n"))
    assert len([c for c in planned if c.startswith("queue ")]) == 9  # 3 briefs x 3 languages
    # (`make -n` runs no recipe, so it cannot see the stamps touched: it stops there.)
    os.utime(made / "templates/index.css")
    pdfs = sorted((made / "build").glob("*/*.pdf"))
    before = {p: p.stat().st_mtime_ns for p in pdfs}
    result = make(made)  # one warm process builds all nine groups
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(".venv/bin/briefpress build --queue") == 1, result.stdout
    assert all(p.stat().st_mtime_ns != before[p] for p in pdfs)
    assert not (made / "build/.queue").exists()
    time.sleep(0.05)  # file times tick coarsely: newer than the listings make just touched
    os.utime(made / "templates/index.css")
    assert commands(make(made, "-n")) == [QUEUE_BUILD]  # an empty queue: the listings only


def test_a_failed_build_is_queued_again(made):
    """The queued group's outputs stay older than their sources while its build fails,
    so the next make queues it again; nothing is left in the queue."""
    po = made / f"locales/ko/LC_MESSAGES/{SLUG}.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text + '\nmsgid "broken\n', encoding="utf-8")
    assert make(made).returncode != 0
    assert not (made / "build/.queue").exists()
    po.write_text(text, encoding="utf-8")
    assert f"queue {SLUG} ko" in commands(make(made, "-n"))
    assert make(made).returncode == 0
    assert commands(make(made, "-n")) == []


def test_the_search_index_made_beside_the_layout_is_the_one_distribute_makes(made, tmp_path):
    """make's build starts Pagefind once the web editions are written, while the PDFs
    are laid out: the index is the same as one made afterwards, from the finished site."""
    after = tmp_path / "build"
    shutil.copytree(made / "build", after)
    shutil.rmtree(after / "pagefind")
    done = subprocess.run([str(ROOT / ".venv/bin/briefpress"), "distribute", "--root",
                           str(made), "--out", str(after)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    early = made / "build" / "pagefind"
    files = sorted(p.relative_to(early) for p in early.rglob("*") if p.is_file())
    assert files and files == sorted(p.relative_to(after / "pagefind")
                                     for p in (after / "pagefind").rglob("*") if p.is_file())
    for name in files:
        assert (early / name).read_bytes() == (after / "pagefind" / name).read_bytes(), name
    assert not (made / "build" / ".pagefind.tmp").exists()


def test_a_clean_make_builds_in_the_rules_process_and_a_dry_run_builds_nothing(tmp_path):
    """On a fresh build folder `briefpress rules --build` builds every group and stamps
    it: make, restarted with the rules, finds nothing left to do, so a clean `make` runs
    one briefpress process. `make -n` on a fresh folder only writes the rules."""
    root = project_copy(tmp_path)
    dry = make(root, "-n", "-j2")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert f"queue {SLUG} ja" in commands(dry)
    assert not (root / "build" / SLUG).exists() and not (root / "build/.stamps").exists()
    shutil.rmtree(root / "build")  # as `make clean` leaves it (the dry run wrote the rules)
    traced = make(root, "-j2", "--trace")
    assert traced.returncode == 0, traced.stdout + traced.stderr
    remade = [line.split("update target '", 1)[1].split("'", 1)[0]
              for line in traced.stdout.splitlines() if "update target '" in line]
    assert remade == ["build/rules.mk"], traced.stdout
    assert (root / "build" / SLUG / f"{SLUG}.en-ja.pdf").is_file()
    assert (root / "build/pagefind/pagefind-entry.json").is_file()
    assert commands(make(root, "-n")) == []
