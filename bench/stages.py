"""briefpress in a warm process, stage by stage, next to the raw engines on the very
same intermediates.

A *group* is what one `make` rule builds: one brief in one language, i.e.
`briefpress build --brief S --locale L --format pdf,epub,html`. The stages run once per
group and are timed one by one: load, segment, catalogs, localize are called here;
render (Renderer.editions) and the outputs are timed inside briefpress's own
`editions.publish_brief`, which calls the renderer and then writes each file through
`editions.emit`; "other" is the rest of publish_brief's time. So the benchmark follows
whatever outputs the pipeline makes (bilingual PDF and EPUB included) without copying
its orchestration. Each output is charged its own write step plus an equal share of
every shared stage it needs (an EPUB does not need render).

While an output is written, the HTML it was laid out from and the JSON handed to
pandoc are kept, so the raw engines run on exactly those.
"""

from __future__ import annotations

import gc
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from briefpress import editions, pandoc, project
from briefpress.load import load
from briefpress.localize import localize
from briefpress.project import translations_for
from briefpress.publish import pdf_bytes
from briefpress.render import Renderer, template_dirs
from briefpress.segment import segment

from common import clock

PREP_STAGES = ("load", "segment", "catalogs", "localize", "render", "other")
NEEDS = {"pdf": PREP_STAGES, "html": PREP_STAGES,
         "epub": ("load", "segment", "catalogs", "localize", "other")}
FORMATS = ("pdf", "epub", "html")


@dataclass
class Group:
    root: Path
    slug: str
    lang: str
    doc: object = None  # the source document
    localized: dict = field(default_factory=dict)
    renderer: object = None
    html: dict = field(default_factory=dict)  # edition ("ja", "en-ja") -> HTML
    times: dict = field(default_factory=dict)  # stage -> seconds

    @property
    def edition_doc(self):
        return self.doc if self.lang == self.doc.lang else self.localized[self.lang].doc


def prepare(root: Path, slug: str, lang: str) -> Group:
    """Run the stages before rendering for one brief and language, timing each. The
    render stage (Renderer.editions) runs inside the publish step, as briefpress calls
    it there; its time is added to times["render"] then."""
    g = Group(root, slug, lang)
    with clock(g.times, "load"):
        g.doc = load(root, slug)
    with clock(g.times, "segment"):
        segments = segment(g.doc)
    targets = [] if lang == g.doc.lang else [lang]
    with clock(g.times, "catalogs"):
        catalogs = translations_for(root, slug, targets)
    with clock(g.times, "localize"):
        g.localized = localize(g.doc, segments, catalogs)
    with clock(g.times, "render"):
        g.renderer = Renderer(root)
    return g


@dataclass
class Written:
    name: str  # "ja.pdf", "en-ja.epub"
    fmt: str
    path: Path
    seconds: float
    html: str | None = None  # for a PDF: the HTML WeasyPrint laid out
    pandoc_input: str | None = None  # the JSON given to pandoc while writing it


def publish_all(g: Group, out: Path, collect: bool = True) -> list[Written]:
    """briefpress's own publish step for the group (editions.publish_brief), with its
    call of Renderer.editions timed as the render stage and each output file timed.
    With *collect*, garbage left by earlier work is collected (untimed) before each
    output, so no output pays for another's."""
    written: list[Written] = []
    collecting = {"seconds": 0.0}
    current: list[Written] = []
    real_emit, real_run = editions.emit, pandoc.run
    real_editions = g.renderer.editions

    def timed_editions(*args, **kwargs):
        with clock(g.times, "render"):
            g.html = real_editions(*args, **kwargs)
        return g.html

    def timed_emit(path, progress, result, write):
        item = Written(path.name.split(".", 1)[1], path.suffix[1:], path, 0.0)
        if item.fmt == "pdf":
            item.html = g.html[item.name.rsplit(".", 1)[0]]
        current[:] = [item]
        if collect:
            started = time.perf_counter()
            gc.collect()
            collecting["seconds"] += time.perf_counter() - started
        started = time.perf_counter()
        write(path)
        item.seconds = time.perf_counter() - started
        current.clear()
        written.append(item)
        result.written.append(path)

    def spy_run(args, stdin, **kwargs):
        if current and "json" in args:
            current[0].pandoc_input = stdin if isinstance(stdin, str) else stdin.decode()
        return real_run(args, stdin, **kwargs)

    g.renderer.editions = timed_editions
    editions.emit, pandoc.run = timed_emit, spy_run
    render_before = g.times["render"]
    try:
        started = time.perf_counter()
        editions.publish_brief(g.doc, g.localized, g.renderer, out, g.lang == g.doc.lang,
                              FORMATS, project.Progress(0, quiet=True),
                              project.BuildResult())
        total = time.perf_counter() - started
        g.times["other"] = (total - (g.times["render"] - render_before)
                            - sum(w.seconds for w in written) - collecting["seconds"])
    finally:
        editions.emit, pandoc.run = real_emit, real_run
        del g.renderer.editions
    if not written:
        raise RuntimeError("editions.publish_brief wrote nothing through editions.emit: "
                           "bench/stages.py needs updating to the pipeline's publish step")
    return written


def share(g: Group, names: list[str], fmt: str) -> float:
    """An output's share of the stages before publishing, among the group's outputs
    (*names*) that need each stage."""
    total = 0.0
    for stage in NEEDS[fmt]:
        users = sum(1 for n in names if stage in NEEDS[n.rsplit(".", 1)[1]])
        total += g.times[stage] / users
    return total


def forget_pandoc_caches() -> None:
    """Clear what briefpress.pandoc caches per process (e.g. the API version it asks
    pandoc for once), so pandoc runs counted in this warm process match a fresh one."""
    for value in vars(pandoc).values():
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()


# --- the raw engines -----------------------------------------------------------------


def raw_pdf(html: str, g: Group, **options) -> bytes:
    """WeasyPrint alone on the very same HTML."""
    from weasyprint import HTML

    base_url = g.doc.folder.resolve().as_uri() + "/"
    return HTML(string=html, base_url=base_url).write_pdf(**options)


def run_pandoc(args: list[str], stdin: str, cwd=None) -> bytes:
    """pandoc itself (not through briefpress, so briefpress's spawn counter stays put)."""
    proc = subprocess.run([pandoc.pandoc_path(), *args], input=stdin.encode("utf-8"),
                          capture_output=True, cwd=cwd, check=False)
    if proc.returncode:
        raise RuntimeError("pandoc failed: " + proc.stderr.decode("utf-8", "replace"))
    return proc.stdout


def ast_json(doc) -> str:
    meta = {"title": pandoc.meta_string(doc.meta["title"]),
            "lang": pandoc.meta_string(doc.lang)}
    return pandoc.to_json(pandoc.document(doc.blocks, meta))


def raw_epub(source_json: str) -> bytes:
    """pandoc's EPUB 3 writer alone: the same JSON AST -> epub3."""
    with tempfile.TemporaryDirectory(prefix="bench-epub-") as work:
        run_pandoc(["-f", "json", "-t", "epub3", "-o", "out.epub"], source_json, cwd=work)
        return Path(work, "out.epub").read_bytes()


def raw_html(g: Group) -> bytes:
    """pandoc's HTML writer alone on the same localized AST (a standalone page)."""
    return run_pandoc(["-f", "json", "-t", "html5", "-s", "--wrap=none"],
                      ast_json(g.edition_doc))


def timed_raw(g: Group, item: Written) -> float:
    """Seconds the raw engine takes for *item* (garbage of earlier work collected first,
    as before each briefpress output)."""
    gc.collect()
    started = time.perf_counter()
    raw(g, item)
    return time.perf_counter() - started


def raw(g: Group, item: Written) -> bytes:
    if item.fmt == "pdf":
        return raw_pdf(item.html, g)
    if item.fmt == "epub":
        return raw_epub(item.pandoc_input or ast_json(g.edition_doc))
    return raw_html(g)


def pdf_only(g: Group) -> bytes:
    """The group's own PDF alone through briefpress's render and publish functions
    (for the scaling figures); keeps the HTML in g.html."""
    with clock(g.times, "render"):
        g.html = g.renderer.editions(g.doc, g.localized)
    allowed = (g.doc.folder, *template_dirs(g.doc.root))
    return pdf_bytes(g.html[g.lang], g.edition_doc, allowed)


def localized_markdown(g: Group) -> str:
    """The localized text as pandoc Markdown with a title block (for the peers)."""
    return run_pandoc(["-f", "json", "-t", "markdown", "-s", "--wrap=none"],
                      ast_json(g.edition_doc)).decode("utf-8")
