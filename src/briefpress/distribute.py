"""Stage 7, distribute: what readers, mirrors and e-reader apps see of the outputs.

Reads the editions already in ``out/<slug>/`` and writes, beside them:
- ``index.html`` (English) and ``index.<lang>.html`` for each catalog language, and the
  same per brief in ``<slug>/``: static pages, so the language switcher is plain links,
  each page has its own ``lang`` and works without JavaScript;
- ``SHA256SUMS`` over the editions (PDF, EPUB, HTML web editions, bilingual PDFs), not over
  the index pages or feeds: those are listings of the editions, rewritten whenever any
  brief or a template changes, and a published sum should change only with a publication;
- ``feed.xml`` (Atom 1.0) and ``opds.xml`` (OPDS 1.2), one entry per brief and language.

Nothing here reads the clock: the same sources and outputs give the same bytes.
"""

from __future__ import annotations

import hashlib
import posixpath
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.units import format_unit
from markupsafe import Markup

from .catalogs import load_translations
from .config import site_config
from .errors import BriefpressError
from .feeds import feed, sitemap
from .layout import Layout
from .listing import KINDS, UI_SOURCE, Brief, Edition, Text, page_name
from .load import load
from .logs import LOGGER
from .model import Document
from .output import write_atomic
from .publish.preview import previews
from .render import Renderer, find_template_file
from .search import SearchIndex
from .segment import get_path, meta_paths

log = LOGGER

GROUP_AT = 8  # from this many briefs on, the listing groups them by series


def distribute(root: Path, out: Path, *, search: bool = True,
               index: SearchIndex | None = None) -> list[Path]:
    """Write the listing pages, covers, SHA256SUMS, feed.xml, opds.xml, sitemap.xml, the
    favicon and (with *search*) the Pagefind index into *out*; return the files written.
    An *index* already started (by the build) is finished instead of made anew."""
    if search and index is None:
        index = SearchIndex(out, Layout(root).locales())  # beside the covers and pages: it reads only web editions
    try:
        files = listing_files(root, out)
    except BaseException:
        if index is not None:
            index.cancel()
        raise
    written = []
    for name, data in files.items():
        if not (out / name).is_file() or (out / name).read_bytes() != data:
            write_atomic(out / name, data)
        written.append(out / name)
    if index is not None:
        written.append(index.finish())
    return written


def listing_files(root: Path, out: Path) -> dict[str, bytes]:
    """Every file distribute writes but the search index: its name in *out* -> bytes."""
    layout = Layout(root, out)
    langs = layout.locales()
    site = site_config(root)
    briefs = []
    for slug in layout.briefs():
        try:
            doc = load(root, slug)
        except BriefpressError as exc:  # reported by its build; the index lists the rest
            log.warning("%s; left out of the index", exc)
            continue
        brief = read_brief(root, out, doc, langs)
        if brief.editions:
            briefs.append(brief)
        else:
            log.warning("%s: no outputs in %s yet; left out of the index", slug, out / slug)
    briefs.sort(key=lambda b: (-b.doc.date.toordinal(), b.doc.slug))

    files: dict[str, bytes] = {}
    for brief in briefs:
        for e in brief.editions:
            if e.kind in ("pdf", "bilingual"):
                cover, thumb = previews(out / e.path, e.sha256)
                stem = e.path[:-len(".pdf")]
                files[f"{stem}.cover.png"], files[f"{stem}.thumb.png"] = cover, thumb
                brief.covers[e.edition] = f"{stem}.cover.png"
    renderer = Renderer(root)
    ui_langs = list(dict.fromkeys([UI_SOURCE, *langs]))
    for ui in ui_langs:
        files[page_name(ui)] = index_page(renderer, briefs, ui, ui_langs, "").encode()
        for brief in briefs:
            files[f"{brief.doc.slug}/{page_name(ui)}"] = index_page(
                renderer, [brief], ui, ui_langs, brief.doc.slug).encode()
    editions = sorted((e for b in briefs for e in b.editions), key=lambda e: e.path)
    files["SHA256SUMS"] = "".join(f"{e.sha256}  {e.path}\n" for e in editions).encode()
    files["feed.xml"] = feed(renderer, briefs, ui_langs, site, opds=False)
    files["opds.xml"] = feed(renderer, briefs, ui_langs, site, opds=True)
    files["sitemap.xml"] = sitemap(briefs, ui_langs, site)
    files["favicon.svg"] = find_template_file(root, "favicon.svg").read_bytes()
    return files


def read_brief(root: Path, out: Path, doc: Document, locales: list[str]) -> Brief:
    layout = Layout(root, out)
    langs = [doc.lang] + [lang for lang in locales if lang != doc.lang]
    editions = []
    for lang in langs:
        names = [(kind, layout.output(doc.slug, lang, kind))
                 for kind in ("pdf", "epub", "html")]
        if lang != doc.lang:
            names += [("bilingual", layout.output(doc.slug, f"{doc.lang}-{lang}", "pdf")),
                      ("bilingual-epub", layout.output(doc.slug, f"{doc.lang}-{lang}", "epub"))]
        for kind, path in names:
            name = path.name
            if path.is_file():
                with path.open("rb") as f:
                    digest = hashlib.file_digest(f, "sha256").hexdigest()
                editions.append(Edition(f"{doc.slug}/{name}", lang, kind,
                                        path.stat().st_size, digest))
    present = [lang for lang in langs if any(e.lang == lang for e in editions)]
    return Brief(doc, present, {lang: localized_meta(root, doc, lang) for lang in langs},
                 editions)


def localized_meta(root: Path, doc: Document, lang: str) -> dict[str, Text]:
    """The translatable front-matter fields of *doc* in *lang*, from the brief's catalog;
    a field without a usable translation keeps the source text and says so in its lang."""
    catalog = load_translations(root, lang, doc.slug) if lang != doc.lang else None
    out = {}
    for path, _ in meta_paths(doc.meta):
        source = get_path(doc.meta, path)
        entry = catalog.usable(source) if catalog else None
        out[path] = Text(entry.text, lang) if entry else Text(source, doc.lang)
    return out


def human_size(size: int, locale: Locale) -> str:
    if size < 1000:
        return format_unit(size, "digital-byte", length="short", locale=locale)
    if size < 1_000_000:
        text = format_unit(size / 1000, "digital-kilobyte", length="short", locale=locale,
                           format="#,##0")
        # Japanese and Korean write KB (CLDR's Korean data has "kB").
        return text.replace("kB", "KB") if locale.language in ("ja", "ko") else text
    return format_unit(size / 1_000_000, "digital-megabyte", length="short", locale=locale,
                       format="#,##0.0")


def index_page(renderer: Renderer, briefs: list[Brief], ui: str, ui_langs: list[str],
               folder: str) -> str:
    """A listing page in UI language *ui*, written to *folder* ("" for the top page,
    a brief's slug for its own page, which also shows the checksums)."""
    locale = Locale.parse(ui, sep="-")

    def href(target: str) -> str:
        return posixpath.relpath(target, folder or ".")

    entries = [index_entry(brief, ui, locale, href, folder) for brief in briefs]
    sections = [{"name": None, "briefs": entries}]
    if not folder and len(entries) >= GROUP_AT:  # many briefs: by series, newest first
        sections = by_series(entries)
    css = find_template_file(renderer.root, "index.css").read_text(encoding="utf-8")
    return renderer.render(
        "index.html.j2", ui, lang=ui,
        dir="rtl" if locale.character_order == "right-to-left" else "ltr",
        briefs=entries, sections=sections, home=href(page_name(ui)) if folder else None,
        languages=[{"code": code, "name": Locale.parse(code, sep="-").get_display_name(code),
                    "href": page_name(code)} for code in ui_langs],
        sums=href("SHA256SUMS"), feed=href("feed.xml"), opds=href("opds.xml"),
        favicon=href("favicon.svg"), pagefind=href("pagefind/pagefind.js"),
        site_root=href(".") + "/",
        index_css=Markup(css))  # a project file, as trusted as the templates


def index_entry(brief: Brief, ui: str, locale: Locale, href, folder: str) -> dict:
    """One brief as a listing in *ui* shows it (its checksums on its own page only)."""
    doc = brief.doc
    show = ui if ui in brief.meta else doc.lang
    authors = [brief.text(show, f"authors.{i}.name") for i in range(len(doc.meta["authors"]))]
    order = sorted(brief.langs, key=lambda lang: lang != ui)  # the page's language first
    cover_lang = next((lang for lang in order if lang in brief.covers), None)

    def name(code: str) -> str:
        return Locale.parse(code, sep="-").get_display_name(locale)

    return {
        "slug": doc.slug,
        "href": None if folder else href(f"{doc.slug}/{page_name(ui)}"),
        "title": brief.text(show, "title"),
        "subtitle": brief.text(show, "subtitle"),
        "summary": brief.text(show, "summary"),
        "series": brief.text(show, "series"),
        "thumb": href(brief.covers[cover_lang].replace(".cover.", ".thumb."))
        if cover_lang else None,
        # Names are escaped before CLDR's list pattern joins them.
        "authors": Markup(format_list([str(Markup('<span lang="{}">{}</span>').format(
            a.lang, a.text)) for a in authors], locale=locale)),
        "date": format_date(doc.date, "long", locale=locale),
        "iso_date": doc.date.isoformat(),
        "read": next((href(e.path) for e in brief.files(ui if ui in brief.langs else doc.lang)
                      if e.kind == "html"), None),
        "groups": [{
            "lang": lang, "name": name(lang), "title": brief.text(lang, "title"),
            "files": [{"href": href(e.path), "kind": e.kind, "type": KINDS[e.kind],
                       "size": human_size(e.size, locale), "source": name(doc.lang)}
                      for e in brief.files(lang)],
        } for lang in order],
        "sums": [{"name": e.path.rsplit("/", 1)[1], "href": href(e.path), "sha256": e.sha256}
                 for e in sorted(brief.editions, key=lambda e: e.path)] if folder else [],
    }


def by_series(entries: list[dict]) -> list[dict]:
    """The listing's entries in sections by series, those without one last."""
    groups: dict = {}
    for entry in entries:
        key = entry["series"].text if entry["series"] else ""
        groups.setdefault(key, {"name": entry["series"], "briefs": []})
        groups[key]["briefs"].append(entry)
    return sorted(groups.values(), key=lambda g: g["name"] is None)
