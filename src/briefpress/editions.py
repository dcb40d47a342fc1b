"""The editions of a build: what one brief's outputs share once it is parsed, localized
and rendered to HTML (Edition), the jobs writing its files (per edition a PDF's and an
EPUB's, which starts once that PDF is laid out: its page list comes from that layout),
and their run through the fork-after-import pool (run_jobs) with the bytes of a serial
build. project.build
prepares the briefs and hands their jobs here; watch keeps the bilingual ones for later.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from . import cache, catalogs, logs, pool
from .config import site_config
from .errors import BriefpressError, ErrorList, UsageError
from .layout import TEMPLATES_DOMAIN, Layout
from .localize import Localized
from .model import Document
from .output import sweep_temporaries, write_html
from .publish import EpubStyle, EpubWords, page_map, write_epub, write_pdf
from .publish.preview import previews
from .render import Renderer, style_for, template_dirs
from .rewrite import Options, interleaved, prepare
from .web import bilingual_title, web_editions


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


@dataclass
class EditionJob:
    """Some outputs of one edition, written by *write*: its PDF (and web edition), or
    its EPUB, whose page list comes from that PDF's layout: the EPUB's job *needs* the
    PDF's, and is given what it handed on (the PDF's page starts)."""
    cost: int  # a guess at its share of the work: the biggest start first
    write: object  # write(progress, result[, handed]) -> what a job needing it gets
    bilingual: bool = False
    cache_dir: Path | None = None  # the build's, also when the job runs after it
    slug: str = ""
    web: bool = False  # a web edition's: written before the others, here
    needs: "EditionJob | None" = None

    def __call__(self, before=None) -> tuple[list[Path], object]:
        """(files written, what a job needing this one is given); *before*: what the
        job this one needs returned."""
        done = BuildResult()
        with cache.using(self.cache_dir or cache.folder()):
            args = () if self.needs is None or before is None else (before[1],)
            handed = self.write(Progress(0, quiet=True), done, *args)
        return done.written, handed


def run_jobs(jobs: list[EditionJob], workers: int | None, progress: Progress,
             result: BuildResult, errors: list[BriefpressError], web_written=None) -> None:
    """Every job, in the pool; what each wrote goes to *result* in the jobs' order (a
    serial build's), its problems to *errors* as per_brief would: one per brief, its
    first. Side by side, a brief's other editions may be written after its error.
    *web_written()* is called as soon as every web edition's job has ended."""
    workers = min(workers or pool.cores(), len(jobs))
    web_left = sum(job.web for job in jobs)
    if web_written is not None and not web_left:
        web_written()
    # Side by side, the biggest first (an EPUB as soon as its PDF is done); alone, in
    # the serial order (an edition's own language before its bilingual edition, as
    # watch wants)
    order = sorted(range(len(jobs)), key=lambda i: -jobs[i].cost if workers > 1 else 0)
    position = {id(jobs[i]): n for n, i in enumerate(order)}
    after = {n: position[id(jobs[i].needs)] for n, i in enumerate(order)
             if jobs[i].needs is not None and id(jobs[i].needs) in position}

    stopped = set()  # alone, a brief stops at its first error, as it always did

    def done(index: int, outcome) -> None:
        nonlocal web_left
        if not outcome[0]:
            stopped.add(jobs[order[index]].slug)
        for path in outcome[1][0] if outcome[0] and outcome[1] else []:
            progress.step(str(path))
        web_left -= jobs[order[index]].web
        if jobs[order[index]].web and not web_left and web_written is not None:
            web_written()

    try:
        outcomes = pool.run([jobs[i] for i in order], workers, done,
                            lambda index: jobs[order[index]].slug in stopped, after)
    except KeyboardInterrupt:  # the workers died mid-write: their temporaries go too
        for job in jobs:
            if job.cache_dir is not None:
                sweep_temporaries(job.cache_dir.parent / job.slug)
        raise
    by_job = dict(zip(order, outcomes))
    failed = set()  # briefs with an error: a serial build stops a brief at its first
    for i in range(len(jobs)):
        ok, value = by_job[i]
        if ok:
            result.written.extend(value[0] if value else [])
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
    handed: dict = {}
    for job in edition_jobs(doc, localized, renderer, out, with_source, formats):
        before = handed.get(id(job.needs))
        handed[id(job)] = job.write(progress, result, *(() if before is None else (before,)))


def run_here(jobs: list[EditionJob]) -> list[Path]:
    """*jobs*, in this process, in order (each given what the one it needs handed on);
    the files they wrote."""
    written, outcome = [], {}
    for job in jobs:
        outcome[id(job)] = job(outcome.get(id(job.needs)))
        written += outcome[id(job)][0]
    return written


def paired(cost: int, pdf, epub, **job) -> list[EditionJob]:
    """The jobs of an edition's PDF writer and EPUB writer (either may be None): the
    EPUB's needs the PDF's page starts, so it starts once the PDF is written."""
    first = EditionJob(cost, pdf, **job) if pdf else None
    then = EditionJob(0 if first else cost, epub, needs=first, **job) if epub else None
    return [j for j in (first, then) if j is not None]


def edition_jobs(doc: Document, localized: dict[str, Localized], renderer: Renderer,
                 out: Path, with_source: bool, formats: tuple[str, ...],
                 previews: bool = False) -> list[EditionJob]:
    """One job per edition of *doc*: its HTML is rendered here, its files written by
    the job (with *previews*, each PDF's listing images drawn after it)."""
    layout = Layout(doc.root, out)
    allowed = (doc.folder, *template_dirs(doc.root))
    date = catalogs.date_of(doc.root, doc.slug)
    html = renderer.editions(doc, localized, created=date.strftime("%Y-%m-%dT%H:%M:%SZ"),
                             with_source=with_source)
    docs = {**({doc.lang: doc} if with_source else {}),
            **{lang: loc.doc for lang, loc in localized.items()}}
    edition = Edition(doc, renderer, layout, allowed, int(date.timestamp()), formats,
                      previews)
    # the web editions (made for screens; print HTML is WeasyPrint's) first: cheap, and
    # the search index can be made from them while the PDFs are laid out
    site = site_config(doc.root)
    jobs = [EditionJob(4, edition.web(lang, localized, site), cache_dir=cache.folder(),
                       slug=doc.slug, web=True) for lang in docs if "html" in formats]
    for lang, book in docs.items():
        jobs += paired(1 if lang == "en" else 2, *edition.single(lang, book, html[lang]),
                       cache_dir=cache.folder(), slug=doc.slug)
    for lang, loc in localized.items():
        jobs += paired(3, *edition.bilingual(lang, loc, html[f"{doc.lang}-{lang}"]),
                       bilingual=True, cache_dir=cache.folder(), slug=doc.slug)
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
    previews: bool = False  # draw each PDF's listing images (a build that distributes)

    def pdf_fonts(self, *langs: str) -> list[str]:
        return list(dict.fromkeys(f for lang in langs
                                  for f in style_for(self.renderer.styles, lang).pdf_subset))

    def preview(self, pdf: Path) -> None:
        if self.previews:
            previews(pdf)  # into the cache, where the listings find them

    def single(self, lang: str, book: Document, html: str):
        """The writers of *book*'s PDF and EPUB in *lang* (None: not built)."""
        doc, output, fonts = self.doc, self.layout.output, self.pdf_fonts(lang)

        def pdf(progress: Progress, result: BuildResult):
            emit(output(doc.slug, lang, "pdf"), progress, result,
                 lambda p: write_pdf(p, html, book, self.allowed, fonts))
            self.preview(output(doc.slug, lang, "pdf"))
            return page_map(html, book, self.allowed, fonts)  # for the EPUB's page list

        def epub(progress: Progress, result: BuildResult, pages=None):
            style = epub_style(self.renderer, doc, book, self.date_epoch, lang)
            style.pages = pages if pages is not None else \
                page_map(html, book, self.allowed, fonts)
            blocks = prepare(book.blocks, "epub", Options(book, about_label=style.about_label))
            emit(output(doc.slug, lang, "epub"), progress, result,
                 lambda p: write_epub(p, book, blocks, style))
        return self.chosen(pdf, epub)

    def chosen(self, pdf, epub):
        return (pdf if "pdf" in self.formats else None,
                epub if "epub" in self.formats else None)

    def web(self, lang: str, localized: dict[str, Localized], site):
        """The writer of the web edition in *lang* (the others of *localized* are in
        its language switcher) for *site* (site_config's)."""
        doc = self.doc
        langs = [doc.lang] + [l for l in self.layout.locales() if l != doc.lang]

        def write(progress: Progress, result: BuildResult) -> None:
            page = web_editions(self.renderer, doc, localized, [lang], langs, self.formats,
                                site)[lang]
            emit(self.layout.output(doc.slug, lang, "html"), progress, result,
                 lambda p: write_html(p, page))
        return write

    def bilingual(self, lang: str, loc: Localized, html: str):
        """The writers of the bilingual PDF and EPUB of the source and *lang*."""
        doc, output = self.doc, self.layout.output
        pair, fonts = f"{doc.lang}-{lang}", self.pdf_fonts(doc.lang, lang)

        def pdf(progress: Progress, result: BuildResult):
            emit(output(doc.slug, pair, "pdf"), progress, result,
                 lambda p: write_pdf(p, html, loc.doc, self.allowed, fonts))
            self.preview(output(doc.slug, pair, "pdf"))
            return page_map(html, loc.doc, self.allowed, fonts)

        def epub(progress: Progress, result: BuildResult, pages=None):
            # its own identity: identifier, title, both languages
            style = replace(epub_style(self.renderer, doc, loc.doc, self.date_epoch,
                                       doc.lang, lang),
                            identifier=f"urn:briefpress:{doc.slug}:{pair}")
            style.pages = pages if pages is not None else \
                page_map(html, loc.doc, self.allowed, fonts)
            book = replace(loc.doc, meta={**loc.doc.meta, "title": bilingual_title(
                self.renderer, loc.doc.meta["title"], doc.lang, lang)})
            blocks = prepare(interleaved(doc, loc.doc), "epub",
                             Options(book, about_label=style.about_label))
            emit(output(doc.slug, pair, "epub"), progress, result,
                 lambda p: write_epub(p, book, blocks, style))
        return self.chosen(pdf, epub)


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


def emit(path: Path, progress: Progress, result: BuildResult, write) -> None:
    write(path)
    result.written.append(path)
    progress.step(str(path))
