"""The warm build (issue 13): one process lays out every queued edition in workers
forked from it, with the bytes of a serial build; the disk cache under build/.cache is
used when sound and ignored (then rewritten) when corrupt or from another version."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from briefpress import cache, pandoc, pool
from briefpress import project as proj
from briefpress.errors import BriefpressError
from conftest import SLUG

EXTRA = """---
title: Generated brief
date: 2024-03-01
authors:
  - name: Test Author
---

Paragraph one of the generated brief.

Paragraph two, with *emphasis*.
"""


@pytest.fixture
def cache_dir(tmp_path):
    cache.configure(tmp_path / ".cache")
    yield tmp_path / ".cache"
    cache.configure(None)


def entries(folder: Path, kind: str) -> list[Path]:
    return sorted(p for p in (folder / kind).rglob("*") if p.is_file())


# --- the pool ----------------------------------------------------------------------


def test_the_pool_runs_jobs_in_forked_workers_and_keeps_their_order():
    here = os.getpid()
    jobs = [lambda i=i: (i, os.getpid()) for i in range(6)]
    outcomes = pool.run(jobs, workers=2)
    assert [value[0] for ok, value in outcomes if ok] == list(range(6))
    assert all(value[1] != here for _, value in outcomes)  # not in this process


def test_a_failing_job_comes_back_as_its_exception():
    class Unpicklable(Exception):
        def __init__(self, a, b):
            super().__init__(a)

    def fails():
        raise BriefpressError("bad brief", "content/x/brief.md", 3)

    def odd():
        raise Unpicklable("odd", 2)

    outcomes = pool.run([fails, odd, lambda: 1], workers=2)
    assert not outcomes[0][0] and isinstance(outcomes[0][1], BriefpressError)
    assert "bad brief" in str(outcomes[0][1])
    assert not outcomes[1][0] and "Unpicklable" in str(outcomes[1][1])
    assert outcomes[2] == (True, 1)


def test_one_worker_runs_here():
    assert pool.run([os.getpid], workers=1) == [(True, os.getpid())]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_job_that_needs_another_starts_after_it_with_its_value(workers):
    """Job 1 needs job 0 and gets its value; job 3 needs job 2, which fails, so it is
    not run; the outcomes are the same alone and side by side."""
    def fails():
        raise BriefpressError("bad brief", "content/x/brief.md", 3)

    jobs = [lambda: (os.getpid(), 20), lambda before: before[1] + 1, fails,
            lambda before: "never", lambda: 5]
    seen = []
    outcomes = pool.run(jobs, workers=workers, done=lambda i, o: seen.append(i),
                        after={1: 0, 3: 2})
    assert outcomes[1] == (True, 21) and outcomes[3] == (True, None)
    assert not outcomes[2][0] and outcomes[4] == (True, 5)
    assert seen.index(0) < seen.index(1) and seen.index(2) < seen.index(3)
    assert sorted(seen) == [0, 1, 2, 3, 4]


# --- the queue ---------------------------------------------------------------------


def test_the_queue_lists_each_group_once(tmp_path):
    queue = tmp_path / ".queue"
    queue.write_text("a ja\nb en\na ja\na ko\n\n", encoding="utf-8")
    assert proj.read_queue(queue) == {"a": ["ja", "ko"], "b": ["en"]}
    assert proj.read_queue(tmp_path / "missing") == {}


def test_an_empty_queue_builds_nothing(project, tmp_path):
    result = project_build_queue(project, tmp_path / "out", "")
    assert result.written == []
    assert not (tmp_path / "out" / ".queue").exists()


def project_build_queue(root: Path, out: Path, text: str, **kwargs):
    """build_queue over *text* as the queue file."""
    out.mkdir(parents=True, exist_ok=True)
    (out / ".queue").write_text(text, encoding="utf-8")
    return proj.build_queue(root, out, out / ".queue",
                               formats=("pdf", "epub", "html"), **kwargs)


# --- the cache ---------------------------------------------------------------------


def test_a_pandoc_parse_is_reused_from_the_cache(cache_dir):
    before = pandoc.spawn_count
    first = pandoc.parse_markdown("Cached *once*.")
    assert pandoc.spawn_count == before + 1
    assert pandoc.parse_markdown("Cached *once*.") == first
    assert pandoc.spawn_count == before + 1  # read back, not run again
    assert len(entries(cache_dir, "pandoc")) == 1


@pytest.mark.parametrize("damage", ["truncated", "flipped", "empty", "foreign"])
def test_a_corrupt_entry_is_ignored_and_rebuilt(cache_dir, damage):
    text = f"Damaged entry ({damage})."
    first = pandoc.parse_markdown(text)
    [entry] = entries(cache_dir, "pandoc")
    data = entry.read_bytes()
    if damage == "truncated":
        entry.write_bytes(data[:-7])
    elif damage == "flipped":  # same length, one payload byte changed
        entry.write_bytes(data[:-3] + bytes([data[-3] ^ 1]) + data[-2:])
    elif damage == "empty":
        entry.write_bytes(b"")
    else:  # another key's whole, valid entry under this name
        pandoc.parse_markdown("Something else entirely.")
        other = next(p for p in entries(cache_dir, "pandoc") if p != entry)
        entry.write_bytes(other.read_bytes())
    before = pandoc.spawn_count
    assert pandoc.parse_markdown(text) == first  # not what the damaged file holds
    assert pandoc.spawn_count == before + 1
    assert entry.read_bytes() == data  # rewritten whole
    pandoc.parse_markdown(text)
    assert pandoc.spawn_count == before + 1


def test_an_entry_of_another_version_is_not_used(cache_dir, monkeypatch):
    pandoc.parse_markdown("Versioned.")
    monkeypatch.setattr(cache, "code_version", lambda: "another briefpress")
    before = pandoc.spawn_count
    pandoc.parse_markdown("Versioned.")
    assert pandoc.spawn_count == before + 1
    assert len(entries(cache_dir, "pandoc")) == 2  # each version its own entry


def test_another_pandoc_is_another_version(cache_dir, monkeypatch):
    pandoc.parse_markdown("Which pandoc?")
    real = cache.file_identity
    monkeypatch.setattr(pandoc, "file_identity", lambda path: real(path) + ":replaced")
    before = pandoc.spawn_count
    pandoc.parse_markdown("Which pandoc?")
    assert pandoc.spawn_count == before + 1


def test_writes_are_atomic(cache_dir, monkeypatch):
    cache.put("test", ["key"], b"payload")
    assert cache.get("test", ["key"]) == b"payload"
    assert not [p for p in cache_dir.rglob(".tmp-*")]
    # A write that fails half-way leaves no entry and no temporary file behind.

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    cache.put("test", ["other"], b"payload")
    assert cache.get("test", ["other"]) is None
    assert not [p for p in cache_dir.rglob(".tmp-*")]


def test_without_a_folder_nothing_is_cached(tmp_path):
    cache.configure(None)
    before = pandoc.spawn_count
    pandoc.parse_markdown("Not cached.")
    pandoc.parse_markdown("Not cached.")
    assert pandoc.spawn_count == before + 2


def test_font_subsets_and_covers_come_from_the_cache(cache_dir, monkeypatch):
    from briefpress.publish import cover, fonts
    from briefpress.load import load
    from conftest import ROOT

    name, data = fonts.subset_font("Noto Serif CJK JP", "日本語の本")
    calls = []
    real_cut, real_draw = fonts.cut, cover.draw_cover
    monkeypatch.setattr(fonts, "cut", lambda *a: calls.append("cut") or real_cut(*a))
    monkeypatch.setattr(cover, "draw_cover", lambda *a: calls.append("draw") or real_draw(*a))
    assert fonts.subset_font("Noto Serif CJK JP", "本語日の本") == (name, data)  # same set
    assert calls == []
    [entry] = entries(cache_dir, "fonts")
    entry.write_bytes(entry.read_bytes()[:100])
    assert fonts.subset_font("Noto Serif CJK JP", "日本語の本") == (name, data)
    assert calls == ["cut"]
    doc = load(ROOT, SLUG)
    svg = cover.cover_svg(doc, "Noto Sans CJK JP")
    assert "draw" in calls
    calls.clear()
    assert cover.cover_svg(doc, "Noto Sans CJK JP") == svg
    assert "draw" not in calls


# --- whole builds ------------------------------------------------------------------


@pytest.mark.slow
def test_the_pool_gives_the_bytes_of_a_serial_build(project, tmp_path, monkeypatch):
    """Two briefs: a serial build without any cache, then one queue build through the
    pool with a cold cache and another with the cache warm: every output the same."""
    extra = project / "content/generated/brief.md"
    extra.parent.mkdir()
    extra.write_text(EXTRA, encoding="utf-8")
    monkeypatch.setenv("BRIEFPRESS_NO_CACHE", "1")
    serial = tmp_path / "serial"
    proj.build(project, serial, formats=("pdf", "epub", "html"), workers=1)
    monkeypatch.delenv("BRIEFPRESS_NO_CACHE")
    queue = "".join(f"{slug} {lang}\n" for slug in (SLUG, "generated")
                    for lang in ("en", "ja", "ko"))
    for run in ("cold", "warm"):
        pooled = tmp_path / "pooled"
        result = project_build_queue(project, pooled, queue, workers=2)
        files = sorted(p.relative_to(serial) for p in serial.rglob("*") if p.is_file())
        assert len(files) == 26 and sorted(p.relative_to(pooled) for p in result.written) \
            == sorted(files)
        for rel in files:
            assert (pooled / rel).read_bytes() == (serial / rel).read_bytes(), (run, rel)
    assert entries(pooled / ".cache", "pandoc") and entries(pooled / ".cache", "fonts")


@pytest.mark.slow
def test_a_warm_cache_leaves_at_most_two_pandoc_runs_per_brief_and_language(project,
                                                                             tmp_path):
    out = tmp_path / "out"
    proj.build(project, out, formats=("pdf", "epub", "html"), workers=1)
    before = pandoc.spawn_count
    proj.build(project, out, formats=("pdf", "epub", "html"), workers=1)
    assert pandoc.spawn_count - before <= 2 * 3  # only the EPUB writers ran


@pytest.mark.slow
def test_a_pdf_laid_out_again_on_a_guess_has_the_bytes_of_a_serial_build(project, tmp_path,
                                                                          monkeypatch):
    """watch writes the same PDF again and again: its fonts and stylesheets are kept,
    and its second pass is laid out at once on the guess that the first layout's faults
    are last time's, while a forked process makes the first layout to check them. The
    PDF is the serial build's, whether the guess was right, wrong or out of date, and
    after an edit that brings a character the font subsets lacked."""
    import weasyprint

    from briefpress.publish import pdf

    def serial_build(name: str) -> bytes:
        proj.build(project, tmp_path / name, locales=["ja"], formats=("pdf",), workers=1)
        return (tmp_path / name / SLUG / f"{SLUG}.ja.pdf").read_bytes()

    po = project / f"locales/ja/LC_MESSAGES/{SLUG}.po"
    original = po.read_text(encoding="utf-8")
    edited = original.replace("機会と課題", "機会と鬱題")
    assert edited != original and "鬱" not in original
    po.write_text(edited, encoding="utf-8")
    reference_edited = serial_build("serial-edited")
    po.write_text(original, encoding="utf-8")
    reference = serial_build("serial")
    out = tmp_path / "watched"
    target = out / SLUG / f"{SLUG}.ja.pdf"
    forks = []
    real = pool.Background
    monkeypatch.setattr(pool, "Background",
                        lambda work, nice=10: forks.append(nice) or real(work, nice))
    layouts = []  # made in this process
    render = weasyprint.HTML.render
    monkeypatch.setattr(weasyprint.HTML, "render",
                        lambda self, **kw: layouts.append(1) or render(self, **kw))
    memo: dict = {}
    pdf.rewriting()
    try:
        def rebuilt(guess=None) -> bytes:
            if guess is not None:
                pdf.REWRITES.guesses[str(target)] = guess
            forks.clear()
            layouts.clear()
            proj.build(project, out, locales=["ja"], formats=("pdf",), workers=1, memo=memo,
                       later=[])
            return target.read_bytes()

        assert rebuilt() == reference and not forks  # nothing to guess from yet
        assert len(layouts) == 2
        faults = pdf.REWRITES.guesses[str(target)]
        short, spans, move = faults
        assert short, "the sample's Japanese edition has a short last line to pull back"
        configs = [config for config, _ in pdf.REWRITES.faces.values()]
        assert rebuilt() == reference and forks == [0]  # the right guess, on the other core
        assert len(layouts) == 1  # the first layout was made over there
        assert [config for config, _ in pdf.REWRITES.faces.values()] == configs  # fonts kept
        number, (halt, tracking) = short[0]
        wrong = (((number, (halt, tracking + 0.01)), *short[1:]), spans, move)
        assert rebuilt(wrong) == reference and forks == [0]
        assert len(layouts) == 2  # the guessed second pass, then the real one
        assert pdf.REWRITES.guesses[str(target)] == faults  # the real faults, for the next time
        stale = (((str(10 ** 6), (halt, tracking)),), spans, move)
        assert rebuilt(stale) == reference and not forks  # names what is not there: in turn
        sheets = list(pdf.REWRITES.sheets.values())
        po.write_text(edited, encoding="utf-8")  # every subset is made anew
        assert rebuilt() == reference_edited != reference
        assert [config for config, _ in pdf.REWRITES.faces.values()][:-1] == configs
        assert list(pdf.REWRITES.sheets.values()) == sheets  # parsed once: no fonts in them
    finally:
        pdf.rewriting(False)
