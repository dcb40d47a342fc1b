"""``briefpress watch``: a warm process that rebuilds what a saved file touches.

It polls modification times (no extra dependency, and it works the same on every file
system) and maps each change to the outputs made from that file: a PO file to its
brief and language, a brief's folder to all its languages, the templates to everything.
WeasyPrint is imported once, so a rebuild costs only the layout.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path

from . import project
from .logs import PROGRESS
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


def rebuild(root: Path, out: Path, plan: dict, formats: tuple[str, ...]) -> None:
    for slug, langs in plan.items():
        briefs = None if slug is ALL else [slug]
        if briefs and briefs[0] not in Layout(root).briefs():
            continue  # a folder without a brief.md yet
        started = time.perf_counter()
        try:
            result = project.build(root, out, briefs=briefs,
                                   locales=None if langs is ALL else sorted(langs),
                                   formats=formats)
        except ErrorList as exc:
            for error in exc.errors:
                PROGRESS.error("%s", error)
            continue
        except (BriefpressError, ToolError) as exc:
            PROGRESS.error("%s", exc)
            continue
        PROGRESS.info("rebuilt %d files in %.2f s", len(result.written),
                      time.perf_counter() - started)
        # WeasyPrint's documents are freed only by the cycle collector: without this, a
        # long watch grows by ~100 MiB a rebuild.
        gc.collect()


def watch(root: Path, out: Path, formats: tuple[str, ...] = ("pdf",), *,
          interval: float = 0.1, stop=lambda: False) -> None:
    """Rebuild on every change until *stop()* is true (or Ctrl-C); what it does goes
    to the ``briefpress.progress`` logger."""
    import weasyprint  # noqa: F401  (paid once here, not on the first change)

    PROGRESS.info("watching %s/content, locales and templates (Ctrl-C to stop)", root)
    before = snapshot(root)
    while not stop():
        time.sleep(interval)
        now = snapshot(root)
        changed = [p for p in now if before.get(p) != now[p]]
        before = now
        if changed:
            rebuild(root, out, affected(root, changed), formats)
