"""``briefpress watch``: a warm process that rebuilds what a saved file touches.

File events come from the kernel (``watchfiles``: inotify on Linux), so a save is seen
within milliseconds instead of at the next poll. Each change maps to the outputs made
from that file: a PO file to its brief and language, a brief's folder to all its
languages, the templates to everything. WeasyPrint is imported once, and the parsed
briefs, catalogs and templates are kept in memory between rebuilds (project.build's
memo) while their files are unchanged; pandoc's results come from the disk cache, and
each PDF's fonts and its first layout's faults from the last time it was written
(publish.pdf.rewriting; its second pass is then laid out on a guess while the spare core
checks it). Each language's own edition is written first and the bilingual edition
after it.

``snapshot`` (modification times) is kept for ``serve``, which polls.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path

from . import pool, project
from .logs import PROGRESS
from .environment import import_weasyprint
from .errors import BriefpressError, ErrorList, ToolError
from .layout import TEMPLATES_DOMAIN, Layout

ALL = None  # every brief, or every language


def snapshot(root: Path) -> dict[Path, int]:
    layout = Layout(root)
    files = [*layout.content.rglob("*"), *layout.catalog_files(),
             *layout.templates.rglob("*")]
    return {p: p.stat().st_mtime_ns for p in files if p.is_file()}


def affected(root: Path, changed: list[Path]) -> dict:
    """What to rebuild: {brief slug or ALL: set of languages or ALL}."""
    pairs = []
    for path in changed:
        kind, name, lang = Layout(root).parse(path)
        if kind == "brief":
            pairs.append((name, ALL))
        elif kind == "po":
            pairs.append((ALL if name == TEMPLATES_DOMAIN else name, lang))
        elif kind == "templates":
            pairs.append((ALL, ALL))
    if any(slug is ALL for slug, _ in pairs):
        langs = {lang for _, lang in pairs}
        return {ALL: ALL if ALL in langs else langs}
    plan: dict = {}
    for slug, lang in pairs:
        if lang is ALL or plan.get(slug, set()) is ALL:
            plan[slug] = ALL
        else:
            plan.setdefault(slug, set()).add(lang)
    return plan


def rebuild(root: Path, out: Path, plan: dict, formats: tuple[str, ...],
            memo: dict | None = None, later: list | None = None) -> None:
    """Rebuild what *plan* names, here, in order (one worker): a language's own edition
    before its bilingual one. Given a list *later*, the bilingual editions go into it
    for the caller to write (watch: in the background) instead."""
    for slug, langs in plan.items():
        briefs = None if slug is ALL else [slug]
        if briefs and briefs[0] not in Layout(root).briefs():
            continue  # a folder without a brief.md yet
        started = time.perf_counter()
        try:
            result = project.build(root, out, briefs=briefs,
                                   locales=None if langs is ALL else sorted(langs),
                                   formats=formats, workers=1, memo=memo, later=later)
        except ErrorList as exc:
            for error in exc.errors:
                PROGRESS.error("%s", error)
            continue
        except (BriefpressError, ToolError) as exc:
            PROGRESS.error("%s", exc)
            continue
        PROGRESS.info("rebuilt %d files in %.2f s%s", len(result.written),
                      time.perf_counter() - started,
                      "; the bilingual editions follow" if later else "")
        # WeasyPrint's documents are freed only by the cycle collector: without this, a
        # long watch grows by ~100 MiB a rebuild.
        gc.collect()


class Bilingual:
    """The bilingual editions of the last rebuild, written by a process forked from the
    watcher (pool.Background), so the next save is seen and served at once: it drops
    them (they are written again after that save's own editions)."""

    def __init__(self):
        self.running = None
        self.started = 0.0

    def start(self, jobs: list) -> None:
        self.cancel()
        if jobs:
            self.started = time.perf_counter()
            self.running = pool.Background(lambda: project.run_here(jobs))

    def poll(self, wait: bool = False) -> None:
        outcome = self.running.result(wait) if self.running else None
        if outcome is None:
            return
        self.running = None
        ok, value = outcome
        if not ok:
            PROGRESS.error("%s", value)
            return
        for path in value:
            PROGRESS.info("%s", path)
        PROGRESS.info("rebuilt %d files in %.2f s (bilingual editions)", len(value),
                      time.perf_counter() - self.started)

    def cancel(self) -> None:
        if self.running:
            self.running.cancel()
            self.running = None


class Stop:
    """watchfiles' stop event, over a *stop()* callable."""

    def __init__(self, stop):
        self.stop = stop

    def is_set(self) -> bool:
        return bool(self.stop())


def watched(root: Path) -> list[Path]:
    layout = Layout(root)
    return [p for p in (layout.content, root / "locales", layout.templates) if p.is_dir()]


def watch(root: Path, out: Path, formats: tuple[str, ...] = ("pdf",), *,
          interval: float = 0.1, stop=lambda: False) -> None:
    """Rebuild on every change until *stop()* is true (or Ctrl-C); what it does goes
    to the ``briefpress.progress`` logger. *stop* is looked at every *interval* s."""
    import_weasyprint()  # paid once here, not on the first change
    from watchfiles import watch as file_events

    from .publish.pdf import rewriting

    memo: dict = {}
    bilingual = Bilingual()
    rewriting()  # the same PDFs again and again, with the spare core for them
    PROGRESS.info("watching %s/content, locales and templates (Ctrl-C to stop)", root)
    try:
        # step: a change is handed over once 20 ms pass without another (an editor's
        # save is a write and a rename); debounce caps how long changes are gathered.
        for changes in file_events(*watched(root), stop_event=Stop(stop), debounce=400,
                                   step=20, rust_timeout=int(interval * 1000),
                                   yield_on_timeout=True, raise_interrupt=False):
            if stop():
                break
            changed = sorted({Path(name) for _, name in changes})
            if changed:
                bilingual.cancel()
                later: list = []
                rebuild(root, out, affected(root, changed), formats, memo, later)
                bilingual.start(later)
            bilingual.poll()
        bilingual.poll(wait=True)  # asked to stop: what was started is finished
    finally:
        bilingual.cancel()
        rewriting(False)
