"""The operations behind each command, over a project root: extract, update, build,
status. Each calls the stages in order; none holds stage logic of its own."""

from __future__ import annotations

import copy
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import cache, catalogs, logs, memory
from .catalogs import Translations, unit_state
from .cjk import HANGUL_SYLLABLES, KANA_KANJI
from .errors import BriefpressError, ErrorList, UsageError
from .layout import TEMPLATES_DOMAIN, Layout
from .load import check_locale, load, normalize_locale
from .localize import localize
from .memory import is_from_memory
from .model import Document, Segment
from .output import write_atomic
from .segment import segment

FORMATS = ("pdf", "epub", "html")


def __getattr__(name: str):
    """editions' names (BuildResult, Progress, publish_brief, emit...) as project's, as
    the CLI and the benchmark name them. editions is imported on first use, by a build:
    it brings the PDF and EPUB writers, which extract, status and check never use."""
    from . import editions

    try:
        return getattr(editions, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
WORD = re.compile(f"[{KANA_KANJI}{HANGUL_SYLLABLES}]|[^\\W_]+")


def template_dirs(root: Path) -> list[Path]:
    """render's template_dirs: render (and Jinja2) imported only where templates are read."""
    from .render import template_dirs as dirs

    return dirs(root)


def word_count(text: str) -> int:
    """Words for Latin-script text; characters for Japanese and Chinese, syllables for
    Korean (how translators there are paid)."""
    return len(WORD.findall(text))


class PartlyDone(ErrorList):
    """Some briefs could not be processed; the others were. *done* is what the command
    returns for those, so the CLI reports both before it exits 1."""

    def __init__(self, errors: list[BriefpressError], done):
        super().__init__(errors)
        self.done = done


def per_brief(slugs: list[str], work, errors: list[BriefpressError]) -> list:
    """*work(slug)* for each slug; a brief's problems go to *errors*, not up."""
    out = []
    for slug in slugs:
        try:
            out.append(work(slug))
        except UsageError:
            raise
        except ErrorList as exc:
            errors.extend(exc.errors)
        except BriefpressError as exc:
            errors.append(exc)
    return out


def finish(errors: list[BriefpressError], done):
    """*done*, or PartlyDone if any brief failed."""
    if errors:
        raise PartlyDone(errors, done)
    return done


def select_briefs(root: Path, only: list[str] | None) -> list[str]:
    known = Layout(root).briefs()
    if not only:
        return known
    for slug in only:
        if slug not in known:
            raise UsageError(f"no brief {slug!r} (known: {', '.join(known) or 'none'})",
                             Layout.brief(slug))
    return only


def normalize_locales(root: Path, locales: list[str] | None, *,
                      known_only: bool = True) -> list[str]:
    """``--locale`` codes in their one spelling, the existing catalog folder's if there
    is one, so ``JA`` never makes a second folder beside ``ja``. A code Babel does not
    know is a usage error, or (not *known_only*) left for the caller to refuse."""
    out = []
    for lang in locales or []:
        try:
            code = normalize_locale(lang, Layout(root).locales())
        except ValueError as exc:
            if not known_only:
                code = lang
            else:
                raise UsageError(f"--locale: {exc}") from None
        if code not in out:
            out.append(code)
    return out


# --- extract and update --------------------------------------------------------------


def extract(root: Path, only: list[str] | None = None) -> list[str]:
    """Write the POT of each brief and of the templates. Returns the files written."""
    written, errors = [], []

    def one(slug: str) -> None:
        doc = load(root, slug)
        template = catalogs.template_for_brief(doc, segment(doc), catalogs.date_of(root, slug))
        if catalogs.write_catalog(root / Layout.pot(slug), template):
            written.append(Layout.pot(slug))

    templates_dir = template_dirs(root)[0]
    # The templates' words are extracted in a thread meanwhile: the briefs' work waits
    # on pandoc most of the time.
    with ThreadPoolExecutor(1) as side:
        extracted = side.submit(lambda: catalogs.template_for_templates(
            templates_dir, catalogs.source_date(root, [templates_dir])))
        per_brief(select_briefs(root, only), one, errors)
        template = extracted.result()
    if catalogs.write_catalog(root / Layout.pot(TEMPLATES_DOMAIN), template):
        written.append(Layout.pot(TEMPLATES_DOMAIN))
    return finish(errors, written)


def update(root: Path, locales: list[str] | None = None, *,
           drop_obsolete: bool = False, filled: dict | None = None) -> list[str]:
    """Create or update every PO file from its POT. Returns the files written; the
    number of entries the translation memory filled, per PO file, goes into *filled*.

    All or nothing: every catalog is read and merged in memory first, so a catalog that
    fails to read leaves every file as it was. Each is then renamed into place; only a
    disk failure between two renames can leave some written and not others."""
    memories: dict = {}  # per language, read before any catalog is rewritten
    filled = {} if filled is None else filled
    langs = normalize_locales(root, locales) or Layout(root).locales()
    if not langs:
        raise UsageError("no languages yet: pass --locale LANG (e.g. --locale ja)")
    for lang in langs:
        try:
            check_locale(lang, "--locale", 0)
        except BriefpressError as exc:
            raise UsageError(f"--locale: {exc.message}") from None
    pots = Layout(root).pots()
    if not pots:
        raise UsageError("no templates in locales/: run 'briefpress extract' first")
    changes = []
    for pot in pots:
        template = catalogs.read_catalog(pot, Layout.pot(pot.stem), None)
        for lang in langs:
            po = Layout.po(lang, pot.stem)
            prefill = None
            if pot.stem != TEMPLATES_DOMAIN:
                if lang not in memories:
                    memories[lang] = memory.build(root, lang)

                def prefill(catalog, fresh, po=po, lang=lang):
                    filled[po] = memory.prefill(catalog, memories[lang], po, fresh)
            # A new catalog shares Babel's Message objects with its template: a
            # pre-filled one must not leak into the next language.
            catalog = catalogs.updated(root / po, po, copy.deepcopy(template), pot.stem,
                                       lang, drop_obsolete=drop_obsolete, prefill=prefill)
            data = catalogs.changed_bytes(root / po, catalog)
            if data is not None:
                changes.append((po, data))
    for po, data in changes:
        write_atomic(root / po, data)
    return [po for po, _ in changes]


# --- build ---------------------------------------------------------------------------


def translations_for(root: Path, slug: str, langs: list[str]) -> dict[str, Translations]:
    out = {}
    for lang in langs:
        found = catalogs.load_translations(root, lang, slug)
        out[lang] = found or Translations(path=Layout.po(lang, slug), lang=lang, entries={},
                                          catalog=None)
    return out


def plan_editions(doc: Document, langs: list[str] | None, available: list[str]) -> tuple[bool, list[str]]:
    """(build the source edition?, target languages) for *doc*."""
    targets = [lang for lang in available if lang != doc.lang]
    if not langs:
        return True, targets
    for lang in langs:
        if lang != doc.lang and lang not in targets:
            raise UsageError(f"no catalog folder for {lang!r}: create "
                             f"{Layout.catalog_folder(lang)} and run 'briefpress update'")
    return doc.lang in langs, [lang for lang in langs if lang != doc.lang]


def build(root: Path, out: Path, *, briefs: list[str] | None = None,
          locales: list[str] | None = None, formats: tuple[str, ...] = ("pdf", "epub"),
          strict: bool = False, paper: str = "A4", groups: dict | None = None,
          workers: int | None = None, memo: dict | None = None,
          later: list | None = None, web_written=None, previews: bool = False) -> BuildResult:
    """Build *briefs* in *locales* (or, with *groups*, each brief in its own list of
    languages: {slug: [lang, ...]}). The briefs are parsed, localized and rendered to
    HTML here, once; the editions are then laid out by *workers* processes forked from
    this one (pool.run; default every core, 1: all here), with the same bytes. A *memo*
    (watch's) keeps parsed briefs, catalogs and the renderer from one build to the next
    while their files are unchanged; given a list *later*, the bilingual editions are
    left in it (as EditionJobs) for the caller to write after this returns.
    *web_written()* is called once the web editions are written, while the rest are;
    with *previews*, each PDF's listing images are drawn (into the cache) as it is written."""
    with cache.using(out / ".cache"):
        return build_with_cache(root, out, briefs, locales, formats, strict, paper, groups,
                                workers, memo, later, web_written, previews)


def build_with_cache(root, out, briefs, locales, formats, strict, paper, groups, workers,
                     memo, later, web_written, previews) -> BuildResult:
    from .editions import (BuildResult, EditionJob, Progress, edition_jobs, remembered,
                           renderer_files, run_jobs)
    from .publish.warm import warm_engines
    from .render import Renderer, style_for

    started = time.perf_counter()
    result = BuildResult()
    renderer = remembered(memo, ("renderer", paper), renderer_files(root),
                          lambda: Renderer(root, paper))
    locales = normalize_locales(root, locales, known_only=False) or None
    errors: list[BriefpressError] = []
    if groups is None:
        groups = {slug: locales for slug in select_briefs(root, briefs)}

    def plan(slug: str):
        doc = remembered(memo, ("brief", slug), [root / Layout.brief(slug)],
                         lambda: load(root, slug))
        return (doc, *plan_editions(doc, groups[slug], Layout(root).locales()))

    plans = per_brief(list(groups), plan, errors)
    bilingual = len({"pdf", "epub"} & set(formats))
    total = sum(len(formats) * (int(s) + len(t)) + bilingual * len(t) for _, s, t in plans)
    progress = Progress(total)
    plans = {doc.slug: (doc, with_source, targets) for doc, with_source, targets in plans}
    jobs: list[EditionJob] = []

    def one(slug: str) -> None:
        doc, with_source, targets = plans[slug]
        segments = remembered(memo, ("segments", slug), [root / Layout.brief(slug)],
                              lambda: segment(doc))
        found = {lang: remembered(memo, ("po", slug, lang), [root / Layout.po(lang, slug)],
                                  lambda lang=lang: translations_for(root, slug, [lang])[lang])
                 for lang in targets}
        localized = localize(doc, segments, found, strict=strict)
        for lang, loc in localized.items():
            result.fallbacks[f"{doc.slug}/{lang}"] = loc.fallbacks
            log_fallbacks(doc.slug, lang, loc.fallbacks)
        jobs.extend(edition_jobs(doc, localized, renderer, out, with_source, formats,
                                 previews))

    per_brief(list(plans), one, errors)
    if later is not None:
        later.extend(job for job in jobs if job.bilingual)
        jobs = [job for job in jobs if not job.bilingual]
    if {"pdf", "epub"} & set(formats):  # once here, not in every worker
        langs = {lang for doc, _, targets in plans.values() for lang in (doc.lang, *targets)}
        warm_engines({lang: style_for(renderer.styles, lang) for lang in sorted(langs)})
    run_jobs(jobs, workers, progress, result, errors, web_written)
    result.seconds = time.perf_counter() - started
    return finish(errors, result)


def read_queue(path: Path) -> dict[str, list[str]]:
    """The groups `make` queued (a line ``slug lang`` each): {slug: [lang, ...]}."""
    groups: dict[str, list[str]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return groups
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and parts[1] not in groups.setdefault(parts[0], []):
            groups[parts[0]].append(parts[1])
    return groups


def build_queue(root: Path, out: Path, queue: Path, *, formats: tuple[str, ...],
                strict: bool = False, workers: int | None = None,
                web_written=None, previews: bool = False) -> BuildResult:
    """Build every group *queue* lists, in one process and one pool, then empty it.
    The queue is removed first: a group that fails is queued again by the next `make`,
    whose rule still finds its outputs older than their sources."""
    groups = read_queue(queue)
    queue.unlink(missing_ok=True)
    if not groups:
        from .editions import BuildResult

        return BuildResult()
    return build(root, out, groups=groups, formats=formats, strict=strict, workers=workers,
                 web_written=web_written, previews=previews)


def log_fallbacks(slug: str, lang: str, fallbacks: list) -> None:
    """One warning per edition that shows units in the source language."""
    if not fallbacks:
        return
    lines = [f"{slug}/{lang}: {len(fallbacks)} units fell back to the source language "
             "(build with --strict to refuse):"]
    for f in fallbacks:
        where = f"{Layout.po(lang, slug)}:{f.po_line}" if f.po_line \
            else f"{Layout.brief(slug)}:{f.segment.line}"
        lines.append(f"  {where}: {f.state}: {f.segment.text[:70]}")
    logs.LOGGER.warning("\n".join(lines))


# --- status --------------------------------------------------------------------------


@dataclass
class UnitState:
    segment: Segment
    state: str  # translated, fuzzy, untranslated
    po_line: int | None
    from_memory: bool = False  # filled by the translation memory (a translator comment)


def unit_states(root: Path, doc: Document, segments: list[Segment],
                lang: str) -> list[UnitState]:
    translations = translations_for(root, doc.slug, [lang])[lang]
    states = []
    for seg in segments:
        entry = translations.entries.get(seg.text)
        state = unit_state(entry)
        if state == "missing":  # status counts it as untranslated
            state = "untranslated"
        message = translations.catalog.get(seg.text) if translations.catalog else None
        states.append(UnitState(seg, state, entry.line if entry else None,
                                bool(message and entry.text and is_from_memory(message))))
    return states


def status(root: Path, briefs: list[str] | None = None) -> list[dict]:
    """Per brief and target language: units and words in each state."""
    report, errors = [], []
    for lang in Layout(root).locales():  # read, so its problems are reported (and logged)
        catalogs.load_translations(root, lang, TEMPLATES_DOMAIN)
    per_brief(select_briefs(root, briefs), lambda slug: report.append(
        brief_status(root, slug)), errors)
    return finish(errors, report)


def brief_status(root: Path, slug: str) -> dict:
    languages = {}
    doc = load(root, slug)
    segments = segment(doc)
    for lang in Layout(root).locales():
        if lang == doc.lang:
            continue
        states = unit_states(root, doc, segments, lang)
        counts = {s: {"units": 0, "words": 0} for s in ("translated", "fuzzy",
                                                       "untranslated")}
        for unit in states:
            counts[unit.state]["units"] += 1
            counts[unit.state]["words"] += word_count(unit.segment.text)
        total = sum(c["units"] for c in counts.values())
        memory = [u for u in states if u.from_memory]
        languages[lang] = {
            **counts,
            "from_memory": {"units": len(memory),
                            "words": sum(word_count(u.segment.text) for u in memory)},
            "total": {"units": total, "words": sum(c["words"] for c in counts.values())},
            "percent": round(100 * counts["translated"]["units"] / total, 1) if total else 100.0,
            "catalog": Layout.po(lang, slug),
            "units": [{"line": u.segment.line, "po_line": u.po_line, "state": u.state,
                       "from_memory": u.from_memory, "kind": u.segment.kind,
                       "text": u.segment.text} for u in states],
        }
    return {"brief": slug, "source": Layout.brief(slug), "languages": languages}
