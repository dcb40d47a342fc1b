"""The Makefile's view of the project: `briefpress rules` writes the rules `make` runs
(one grouped target per brief and language, depending on exactly the files those outputs
are made from), and on a fresh build folder also builds what they would queue."""

from __future__ import annotations

import os
from pathlib import Path

from . import cache, project
from .distribute import distribute
from .errors import BriefpressError, ErrorList
from .layout import TEMPLATES_DOMAIN, Layout
from .load import load
from .project import finish, template_dirs
from .search import SearchIndex

FORMATS = ("pdf", "epub", "html")  # what the rules build
LISTINGS = ("index.html", "SHA256SUMS", "feed.xml", "opds.xml", "sitemap.xml")


def make_rules(root: Path, out: str, command: str = ".venv/bin/briefpress",
               formats: tuple[str, ...] = FORMATS, stamps: list[str] | None = None) -> str:
    """Makefile rules: one grouped target per brief and language, depending on exactly
    the files those outputs are made from. Its recipe only queues the group (a line in
    OUT/.queue) and touches its stamp (OUT/.stamps/SLUG.LANG, so make sees the group
    remade); the listings' rule, last, builds every queued group in one warm process
    (``build --queue``: one parse per brief, the editions laid out by a forked pool)
    and then writes the listings. A group whose build fails keeps outputs older than
    their sources, so the next `make` queues it again. The listings are touched after:
    distribute leaves one whose bytes are unchanged as it was, and make must see it done.
    Each group's stamp (relative to *root*) is also added to *stamps*, if given."""
    code = sorted(str(p) for p in Path(__file__).resolve().parent.rglob("*.py"))
    files = sorted(str(p.relative_to(root)) if p.is_relative_to(root) else str(p)
                   for d in template_dirs(root) for p in d.iterdir() if p.is_file())
    # The index page's own template and styles concern only the index, not the editions.
    index_templates = [f for f in files if Path(f).name.startswith("index.")]
    templates = [f for f in files if f not in index_templates]
    lines = ["# Written by `briefpress rules`; `make` remakes it when briefs change.", ""]
    everything, failing, errors, stamps = [], [], [], [] if stamps is None else stamps
    fmt = ",".join(formats)

    def broken(slug: str) -> None:
        """A brief that does not load: a target whose recipe reports its problem, so
        `make` fails there and `make -k` still builds every other brief."""
        failing.append(f"brief-{slug}")
        lines.extend([f".PHONY: brief-{slug}", f"brief-{slug}:",
                      f"\t{command} build --brief {slug} --format {fmt} --out {out}", ""])

    layout = Layout(root, Path(out))
    for slug in layout.briefs():
        try:  # parsed into the build's cache: the build that follows parses no more
            with cache.using(layout.out / ".cache"):
                doc = load(root, slug)
        except BriefpressError as exc:
            errors.extend(exc.errors if isinstance(exc, ErrorList) else [exc])
            broken(slug)
            continue
        sources = sorted(str(p.relative_to(root)) for p in doc.folder.rglob("*") if p.is_file())
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
    dist = [f"{out}/{n}" for n in LISTINGS]
    dist_inputs = everything + stamps + index_templates + code + sorted(
        str(p.relative_to(root)) for p in layout.pos())
    lines += [f"{' '.join(dist)} &: {' '.join(dist_inputs)}",
              f"\t{command} build --queue {out}/.queue --format {fmt} --out {out} "
              f"--distribute && touch {' '.join(dist)}", "",
              f"all-outputs: {' '.join(failing + everything + dist)}", ""]
    return finish(errors, "\n".join(lines))


def fresh(out: Path) -> bool:
    """Whether *out* has no group stamped yet (a clean build folder)."""
    return not (out / ".stamps").exists()


def bootstrap(root: Path, out: Path, index: SearchIndex, stamps: list[str],
              log=None) -> bool:
    """On a fresh build folder, build every group now, as the rules would queue them,
    then touch their *stamps* (make_rules') and write the listings (the search index: *index*, started by the
    caller), so that the `make` which asked for the rules finds everything done: a clean
    `make` runs one briefpress process instead of two. Returns whether it built. A build
    that fails stamps nothing: make then queues every group, and that build reports
    the problem."""
    try:
        result = project.build(root, out, formats=FORMATS, web_written=index.start,
                               previews=True)
    except BriefpressError:
        index.cancel()
        return False
    except BaseException:
        index.cancel()
        raise
    if log is not None:
        log(result)
    (out / ".stamps").mkdir(parents=True, exist_ok=True)
    for stamp in stamps:
        (root / stamp).touch()
    with cache.using(out / ".cache"):  # the briefs as the build parsed them
        distribute(root, out, index=index)
    for name in LISTINGS:  # newer than the stamps, as the listings' rule leaves them
        os.utime(out / name)
    return True
