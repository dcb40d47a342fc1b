"""The operations behind each command, over a project root: extract, update, build,
status. Each calls the stages in order; none holds stage logic of its own."""

from __future__ import annotations

import copy
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import cache, catalogs, logs, memory, pool
from .catalogs import Translations, unit_state
from .cjk import HANGUL_SYLLABLES, KANA_KANJI
from .config import site_config
from .errors import BriefpressError, ErrorList, UsageError
from .layout import TEMPLATES_DOMAIN, Layout
from .load import check_locale, load, normalize_locale
from .localize import Localized, localize
from .memory import is_from_memory
from .model import Document, Segment
from .output import write_atomic, write_html
from .publish import EpubStyle, EpubWords, page_map, write_epub, write_pdf
from .render import Renderer, style_for, template_dirs
from .rewrite import Options, interleaved, prepare
from .segment import segment
from .web import bilingual_title, web_editions

FORMATS = ("pdf", "epub", "html")
WORD = re.compile(f"[{KANA_KANJI}{HANGUL_SYLLABLES}]|[^\\W_]+")


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


def date_of(root: Path, slug: str):
    """The date a brief's outputs carry: SOURCE_DATE_EPOCH, else the last commit of the
    brief's own sources (its folder and its catalogs)."""
    layout = Layout(root)
    return catalogs.source_date(root, [layout.brief_folder(slug), *layout.pos(domain=slug)])


# --- extract and update --------------------------------------------------------------


def extract(root: Path, only: list[str] | None = None) -> list[str]:
    """Write the POT of each brief and of the templates. Returns the files written."""
    written, errors = [], []

    def one(slug: str) -> None:
        doc = load(root, slug)
        template = catalogs.template_for_brief(doc, segment(doc), date_of(root, slug))
        if catalogs.write_catalog(root / Layout.pot(slug), template):
            written.append(Layout.pot(slug))

    per_brief(select_briefs(root, only), one, errors)
    templates_dir = template_dirs(root)[0]
    template = catalogs.template_for_templates(
        templates_dir, catalogs.source_date(root, [templates_dir]))
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


@dataclass
class BuildResult:
    written: list[Path] = field(default_factory=list)
    fallbacks: dict[str, list] = field(default_factory=dict)  # "slug/lang" -> [Fallback]
    seconds: float = 0.0


class Progress:
    """Progress per output, as ``briefpress.progress`` records (logs.progress)."""

    def __init__(self, total: int, quiet: bool = False):
        self.total = total
        self.done = 0
        self.quiet = quiet  # a worker's: the parent reports its steps

    def step(self, label: str) -> None:
        self.done += 1
        if not self.quiet:
            logs.progress(self.done, self.total, label)


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
          later: list | None = None) -> BuildResult:
    """Build *briefs* in *locales* (or, with *groups*, each brief in its own list of
    languages: {slug: [lang, ...]}). The briefs are parsed, localized and rendered to
    HTML here, once; the editions are then laid out by *workers* processes forked from
    this one (pool.run; default every core, 1: all here), with the same bytes. A *memo*
    (watch's) keeps parsed briefs, catalogs and the renderer from one build to the next
    while their files are unchanged; given a list *later*, the bilingual editions are
    left in it (as EditionJobs) for the caller to write after this returns."""
    with cache.using(out / ".cache"):
        return build_with_cache(root, out, briefs, locales, formats, strict, paper, groups,
                                workers, memo, later)


def build_with_cache(root, out, briefs, locales, formats, strict, paper, groups, workers,
                     memo, later) -> BuildResult:
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
        jobs.extend(edition_jobs(doc, localized, renderer, out, with_source, formats))

    per_brief(list(plans), one, errors)
    if later is not None:
        later.extend(job for job in jobs if job.bilingual)
        jobs = [job for job in jobs if not job.bilingual]
    run_jobs(jobs, workers, progress, result, errors)
    result.seconds = time.perf_counter() - started
    return finish(errors, result)


def remembered(memo: dict | None, key: tuple, files: list[Path], make):
    """``make()``, or what *memo* kept under *key* while *files* are as they were."""
    if memo is None:
        return make()
    stamp = []
    for path in files:
        try:
            st = path.stat()
            stamp.append((str(path), st.st_mtime_ns, st.st_size))
        except OSError:
            stamp.append((str(path), None, None))
    kept = memo.get(key)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    value = make()
    memo[key] = (stamp, value)
    return value


def renderer_files(root: Path) -> list[Path]:
    """What a Renderer reads: the templates and the templates' catalogs."""
    return sorted(p for d in template_dirs(root) for p in d.iterdir() if p.is_file()) + \
        Layout(root).pos(domain=TEMPLATES_DOMAIN)


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
                strict: bool = False, workers: int | None = None) -> BuildResult:
    """Build every group *queue* lists, in one process and one pool, then empty it.
    The queue is removed first: a group that fails is queued again by the next `make`,
    whose rule still finds its outputs older than their sources."""
    groups = read_queue(queue)
    queue.unlink(missing_ok=True)
    if not groups:
        return BuildResult()
    return build(root, out, groups=groups, formats=formats, strict=strict, workers=workers)


@dataclass
class EditionJob:
    """The outputs of one edition, written in order by *write* (the PDF first: its
    EPUB's page list comes from that layout)."""
    cost: int  # a guess at its share of the work: the biggest start first
    write: object  # write(progress, result)
    bilingual: bool = False
    cache_dir: Path | None = None  # the build's, also when the job runs after it
    slug: str = ""

    def __call__(self) -> list[Path]:
        done = BuildResult()
        with cache.using(self.cache_dir or cache.folder()):
            self.write(Progress(0, quiet=True), done)
        return done.written


def run_jobs(jobs: list[EditionJob], workers: int | None, progress: Progress,
             result: BuildResult, errors: list[BriefpressError]) -> None:
    """Every job, in the pool; what each wrote goes to *result* in the jobs' order (a
    serial build's), its problems to *errors* as per_brief would: one per brief, its
    first. Side by side, a brief's other editions may be written after its error."""
    workers = min(workers or pool.cores(), len(jobs))
    # Side by side, the biggest first; alone, in the serial order (an edition's own
    # language before its bilingual edition, as watch wants)
    order = sorted(range(len(jobs)), key=lambda i: -jobs[i].cost if workers > 1 else 0)

    stopped = set()  # alone, a brief stops at its first error, as it always did

    def done(index: int, outcome) -> None:
        if not outcome[0]:
            stopped.add(jobs[order[index]].slug)
        for path in outcome[1] if outcome[0] else []:
            progress.step(str(path))

    outcomes = pool.run([jobs[i] for i in order], workers, done,
                        lambda index: jobs[order[index]].slug in stopped)
    by_job = dict(zip(order, outcomes))
    failed = set()  # briefs with an error: a serial build stops a brief at its first
    for i in range(len(jobs)):
        ok, value = by_job[i]
        if ok:
            result.written.extend(value)
            continue
        if jobs[i].slug in failed:
            continue
        failed.add(jobs[i].slug)
        if isinstance(value, UsageError):
            raise value
        elif isinstance(value, ErrorList):
            errors.extend(value.errors)
        elif isinstance(value, BriefpressError):
            errors.append(value)
        else:
            raise value


def publish_brief(doc: Document, localized: dict[str, Localized], renderer: Renderer,
                  out: Path, with_source: bool, formats: tuple[str, ...],
                  progress: Progress, result: BuildResult) -> None:
    """Every edition of *doc*, here, one after another."""
    for job in edition_jobs(doc, localized, renderer, out, with_source, formats):
        job.write(progress, result)


def edition_jobs(doc: Document, localized: dict[str, Localized], renderer: Renderer,
                 out: Path, with_source: bool, formats: tuple[str, ...]) -> list[EditionJob]:
    """One job per edition of *doc*: its HTML is rendered here, its files written by
    the job."""
    layout = Layout(doc.root, out)
    allowed = (doc.folder, *template_dirs(doc.root))
    date = date_of(doc.root, doc.slug)
    html = renderer.editions(doc, localized, created=date.strftime("%Y-%m-%dT%H:%M:%SZ"))
    docs = {**({doc.lang: doc} if with_source else {}),
            **{lang: loc.doc for lang, loc in localized.items()}}
    web = {}
    if "html" in formats:  # the web edition, made for screens (print HTML is WeasyPrint's)
        langs = [doc.lang] + [l for l in layout.locales() if l != doc.lang]
        web = web_editions(renderer, doc, localized, list(docs), langs, formats,
                           site_config(doc.root))
    edition = Edition(doc, renderer, layout, allowed, int(date.timestamp()), formats)
    jobs = [EditionJob(1 if lang == "en" else 2, edition.single(lang, book, html[lang],
                                                                 web.get(lang)),
                       cache_dir=cache.folder(), slug=doc.slug)
            for lang, book in docs.items()]
    jobs += [EditionJob(3, edition.bilingual(lang, loc, html[f"{doc.lang}-{lang}"]), True,
                        cache.folder(), doc.slug)
             for lang, loc in localized.items()]
    return jobs


@dataclass
class Edition:
    """What the writers of one brief's editions share."""
    doc: Document
    renderer: Renderer
    layout: Layout
    allowed: tuple
    date_epoch: int
    formats: tuple[str, ...]

    def pdf_fonts(self, *langs: str) -> list[str]:
        return list(dict.fromkeys(f for lang in langs
                                  for f in style_for(self.renderer.styles, lang).pdf_subset))

    def single(self, lang: str, book: Document, html: str, web: str | None):
        """The writer of *book*'s PDF, EPUB and web edition in *lang*."""
        doc, output, fonts = self.doc, self.layout.output, self.pdf_fonts(lang)

        def write(progress: Progress, result: BuildResult) -> None:
            if "pdf" in self.formats:
                emit(output(doc.slug, lang, "pdf"), progress, result,
                     lambda p: write_pdf(p, html, book, self.allowed, fonts))
            if "epub" in self.formats:
                style = epub_style(self.renderer, doc, book, self.date_epoch, lang)
                style.pages = page_map(html, book, self.allowed, fonts)
                blocks = prepare(book.blocks, "epub",
                                 Options(book, about_label=style.about_label))
                emit(output(doc.slug, lang, "epub"), progress, result,
                     lambda p: write_epub(p, book, blocks, style))
            if "html" in self.formats:
                emit(output(doc.slug, lang, "html"), progress, result,
                     lambda p: write_html(p, web))
        return write

    def bilingual(self, lang: str, loc: Localized, html: str):
        """The writer of the bilingual PDF and EPUB of the source and *lang*."""
        doc, output = self.doc, self.layout.output
        pair, fonts = f"{doc.lang}-{lang}", self.pdf_fonts(doc.lang, lang)

        def write(progress: Progress, result: BuildResult) -> None:
            if "pdf" in self.formats:
                emit(output(doc.slug, pair, "pdf"), progress, result,
                     lambda p: write_pdf(p, html, loc.doc, self.allowed, fonts))
            if "epub" in self.formats:  # its own identity: identifier, title, both languages
                style = replace(epub_style(self.renderer, doc, loc.doc, self.date_epoch,
                                           doc.lang, lang),
                                identifier=f"urn:briefpress:{doc.slug}:{pair}")
                style.pages = page_map(html, loc.doc, self.allowed, fonts)
                book = replace(loc.doc, meta={**loc.doc.meta, "title": bilingual_title(
                    self.renderer, loc.doc.meta["title"], doc.lang, lang)})
                blocks = prepare(interleaved(doc, loc.doc), "epub",
                                 Options(book, about_label=style.about_label))
                emit(output(doc.slug, pair, "epub"), progress, result,
                     lambda p: write_epub(p, book, blocks, style))
        return write


def epub_style(renderer: Renderer, doc: Document, book: Document, date_epoch: int,
               *langs: str) -> EpubStyle:
    """The style of *book*'s EPUB in *langs* (two: a bilingual one, *doc* its source)."""
    # Two languages may share a font (ja and ja-JP): an EPUB carries each file once.
    embed = list(dict.fromkeys(f for lang in langs
                               for f in style_for(renderer.styles, lang).embed))
    context = renderer.context(book, langs[-1])
    return EpubStyle(css=renderer.epub_css + "\n" + renderer.lang_css, embed=embed,
                     cover_font=style_for(renderer.styles, langs[-1]).figure_font,
                     about_label=renderer.translations(langs[-1]).gettext("About the author"),
                     date_epoch=date_epoch,
                     words=EpubWords.parse(renderer.render("epub-words.xml.j2", langs[-1],
                                                           **context)),
                     byline=context["listing"](a["name"] for a in book.meta["authors"]),
                     date_text=context["date"], source=doc if len(langs) > 1 else None)


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


def emit(path: Path, progress: Progress, result: BuildResult, write) -> None:
    write(path)
    result.written.append(path)
    progress.step(str(path))


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


# --- make rules ----------------------------------------------------------------------


def make_rules(root: Path, out: str, command: str = ".venv/bin/briefpress",
               formats: tuple[str, ...] = ("pdf", "epub", "html")) -> str:
    """Makefile rules: one grouped target per brief and language, depending on exactly
    the files those outputs are made from. Its recipe only queues the group (a line in
    OUT/.queue) and touches its stamp (OUT/.stamps/SLUG.LANG, so make sees the group
    remade); the listings' rule, last, builds every queued group in one warm process
    (``build --queue``: one parse per brief, the editions laid out by a forked pool)
    and then writes the listings. A group whose build fails keeps outputs older than
    their sources, so the next `make` queues it again. The listings are touched after:
    distribute leaves one whose bytes are unchanged as it was, and make must see it done."""
    code = sorted(str(p) for p in Path(__file__).resolve().parent.rglob("*.py"))
    files = sorted(str(p.relative_to(root)) if p.is_relative_to(root) else str(p)
                   for d in template_dirs(root) for p in d.iterdir() if p.is_file())
    # The index page's own template and styles concern only the index, not the editions.
    index_templates = [f for f in files if Path(f).name.startswith("index.")]
    templates = [f for f in files if f not in index_templates]
    lines = ["# Written by `briefpress rules`; `make` remakes it when briefs change.", ""]
    everything, failing, errors, stamps = [], [], [], []
    fmt = ",".join(formats)

    def broken(slug: str) -> None:
        """A brief that does not load: a target whose recipe reports its problem, so
        `make` fails there and `make -k` still builds every other brief."""
        failing.append(f"brief-{slug}")
        lines.extend([f".PHONY: brief-{slug}", f"brief-{slug}:",
                      f"\t{command} build --brief {slug} --format {fmt} --out {out}", ""])

    layout = Layout(root, Path(out))
    for slug in layout.briefs():
        try:
            doc = load(root, slug)
        except BriefpressError as exc:
            errors.extend(exc.errors if isinstance(exc, ErrorList) else [exc])
            broken(slug)
            continue
        sources = sorted(str(p.relative_to(root)) for p in doc.folder.rglob("*")
                         if p.is_file())
        for lang in [doc.lang] + [l for l in layout.locales() if l != doc.lang]:
            outputs = [str(layout.output(slug, lang, f)) for f in formats]
            inputs = sources + templates + code
            if lang != doc.lang:
                outputs += [str(layout.output(slug, f"{doc.lang}-{lang}", f)) for f in formats
                            if f in ("pdf", "epub")]
                inputs += [p for p in (Layout.po(lang, slug), Layout.po(lang, TEMPLATES_DOMAIN))
                           if (root / p).exists()]
            everything += outputs
            stamp = f"{out}/.stamps/{slug}.{lang}"
            stamps.append(stamp)
            lines += [f"{' '.join(outputs)} {stamp} &: {' '.join(inputs)}",
                      f"\t@mkdir -p {out}/.stamps && echo '{slug} {lang}' >> {out}/.queue "
                      f"&& touch {stamp}", ""]
    dist = [f"{out}/{n}" for n in ("index.html", "SHA256SUMS", "feed.xml", "opds.xml",
                                   "sitemap.xml")]
    dist_inputs = everything + stamps + index_templates + code + sorted(
        str(p.relative_to(root)) for p in layout.pos())
    lines += [f"{' '.join(dist)} &: {' '.join(dist_inputs)}",
              f"\t{command} build --queue {out}/.queue --format {fmt} --out {out} "
              f"--distribute && touch {' '.join(dist)}", "",
              f"all-outputs: {' '.join(failing + everything + dist)}", ""]
    return finish(errors, "\n".join(lines))
