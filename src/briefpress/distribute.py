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

import datetime as dt
import hashlib
import logging
import posixpath
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.units import format_unit
from markupsafe import Markup

from . import __version__
from .catalogs import find_locales, load_translations
from .errors import BriefpressError
from .load import find_briefs, load
from .model import Document
from .output import write_atomic
from .render import Renderer, find_template_file
from .segment import get_path, meta_paths

log = logging.getLogger("briefpress")

UI_SOURCE = "en"  # the language of the templates' msgids: the untranslated page
KINDS = {"pdf": "application/pdf", "epub": "application/epub+zip", "html": "text/html",
         "bilingual": "application/pdf"}
ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/terms/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ACQUISITION = "http://opds-spec.org/acquisition"
OPDS_TYPE = "application/atom+xml;profile=opds-catalog;kind=acquisition"


@dataclass
class Edition:
    """One output file of a brief."""

    path: str  # relative to out, with "/"
    lang: str  # the language it is in (the target language of a bilingual edition)
    kind: str  # pdf, epub, html or bilingual
    size: int
    sha256: str


@dataclass
class Text:
    """A string and the language it is actually in (the source language on fallback)."""

    text: str
    lang: str


@dataclass
class Brief:
    doc: Document
    langs: list[str]  # languages with at least one edition, source first
    meta: dict[str, dict[str, Text]]  # lang -> front-matter path -> Text
    editions: list[Edition]

    def text(self, lang: str, path: str) -> Text | None:
        return self.meta[lang].get(path)

    def files(self, lang: str) -> list[Edition]:
        return [e for e in self.editions if e.lang == lang]


def distribute(root: Path, out: Path) -> list[Path]:
    """Write the index pages, SHA256SUMS, feed.xml and opds.xml into *out*; return them."""
    langs = find_locales(root)
    briefs = []
    for slug in find_briefs(root):
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
    renderer = Renderer(root)
    ui_langs = list(dict.fromkeys([UI_SOURCE, *langs]))
    for ui in ui_langs:
        files[page_name(ui)] = index_page(renderer, briefs, ui, ui_langs, "").encode()
        for brief in briefs:
            files[f"{brief.doc.slug}/{page_name(ui)}"] = index_page(
                renderer, [brief], ui, ui_langs, brief.doc.slug).encode()
    editions = sorted((e for b in briefs for e in b.editions), key=lambda e: e.path)
    files["SHA256SUMS"] = "".join(f"{e.sha256}  {e.path}\n" for e in editions).encode()
    files["feed.xml"] = feed(briefs, ui_langs, opds=False)
    files["opds.xml"] = feed(briefs, ui_langs, opds=True)
    written = []
    for name, data in files.items():
        write_atomic(out / name, data)
        written.append(out / name)
    return written


def read_brief(root: Path, out: Path, doc: Document, locales: list[str]) -> Brief:
    langs = [doc.lang] + [lang for lang in locales if lang != doc.lang]
    editions = []
    for lang in langs:
        names = [(kind, f"{doc.slug}.{lang}.{kind}") for kind in ("pdf", "epub", "html")]
        if lang != doc.lang:
            names.append(("bilingual", f"{doc.slug}.{doc.lang}-{lang}.pdf"))
        for kind, name in names:
            path = out / doc.slug / name
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


def page_name(lang: str) -> str:
    return "index.html" if lang == UI_SOURCE else f"index.{lang}.html"


def human_size(size: int, locale: Locale) -> str:
    if size < 1000:
        return format_unit(size, "digital-byte", length="short", locale=locale)
    if size < 1_000_000:
        return format_unit(size / 1000, "digital-kilobyte", length="short", locale=locale,
                           format="#,##0")
    return format_unit(size / 1_000_000, "digital-megabyte", length="short", locale=locale,
                       format="#,##0.0")


def index_page(renderer: Renderer, briefs: list[Brief], ui: str, ui_langs: list[str],
               folder: str) -> str:
    """An index page in UI language *ui*, written to *folder* ("" for the top page)."""
    locale = Locale.parse(ui, sep="-")

    def href(target: str) -> str:
        return posixpath.relpath(target, folder or ".")

    def name(code: str) -> str:
        return Locale.parse(code, sep="-").get_display_name(locale)

    entries = []
    for brief in briefs:
        doc = brief.doc
        show = ui if ui in brief.meta else doc.lang
        authors = [brief.text(show, f"authors.{i}.name")
                   for i in range(len(doc.meta["authors"]))]
        order = sorted(brief.langs, key=lambda lang: lang != ui)  # the page's language first
        entries.append({
            "slug": doc.slug,
            "href": None if folder else href(f"{doc.slug}/{page_name(ui)}"),
            "title": brief.text(show, "title"),
            "subtitle": brief.text(show, "subtitle"),
            "summary": brief.text(show, "summary"),
            # Names are escaped before CLDR's list pattern joins them.
            "authors": Markup(format_list([str(Markup('<span lang="{}">{}</span>').format(
                a.lang, a.text)) for a in authors], locale=locale)),
            "date": format_date(doc.date, "long", locale=locale),
            "iso_date": doc.date.isoformat(),
            "groups": [{
                "lang": lang, "name": name(lang), "title": brief.text(lang, "title"),
                "files": [{"href": href(e.path), "kind": e.kind, "type": KINDS[e.kind],
                           "size": human_size(e.size, locale), "sha256": e.sha256,
                           "source": name(doc.lang)} for e in brief.files(lang)],
            } for lang in order],
        })
    css = find_template_file(renderer.root, "index.css").read_text(encoding="utf-8")
    return renderer.render(
        "index.html.j2", ui, lang=ui,
        dir="rtl" if locale.character_order == "right-to-left" else "ltr",
        briefs=entries, home=href(page_name(ui)) if folder else None,
        languages=[{"code": code, "name": Locale.parse(code, sep="-").get_display_name(code),
                    "href": page_name(code)} for code in ui_langs],
        sums=href("SHA256SUMS"), feed=href("feed.xml"), opds=href("opds.xml"),
        index_css=Markup(css))  # a project file, as trusted as the templates


# --- Atom and OPDS -------------------------------------------------------------------

ET.register_namespace("", ATOM)
ET.register_namespace("dc", DC)


def add(parent: ET.Element, tag: str, text: str | None = None, ns: str = ATOM,
        **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ns}}}{tag}",
                            {XML_LANG if k == "xml_lang" else k: v for k, v in attrs.items()})
    element.text = text
    return element


def stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def add_text(parent: ET.Element, tag: str, value: Text | None, lang: str) -> None:
    if value:
        other = {"xml_lang": value.lang} if value.lang != lang else {}
        add(parent, tag, value.text, **other)


def feed(briefs: list[Brief], ui_langs: list[str], opds: bool) -> bytes:
    """The Atom feed, or with *opds* the OPDS 1.2 acquisition catalog: an entry per brief
    and language, ids that never change (``urn:briefpress:<slug>:<lang>``, as the EPUB's
    own identifier), dates from the front matter, hrefs relative to the feed's URL."""
    root = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: UI_SOURCE})
    name = "opds.xml" if opds else "feed.xml"
    add(root, "id", f"urn:briefpress:{'opds' if opds else 'feed'}")
    add(root, "title", "Policy briefs")
    latest = max((b.doc.date for b in briefs), default=dt.date(1970, 1, 1))
    add(root, "updated", stamp(latest))
    add(root, "generator", "briefpress", version=__version__)
    add(root, "link", rel="self", href=name,
        type=OPDS_TYPE if opds else "application/atom+xml")
    if opds:
        add(root, "link", rel="start", href=name, type=OPDS_TYPE)
    add(root, "link", rel="alternate", href="index.html", type="text/html")
    for brief in briefs:
        doc = brief.doc
        for lang in brief.langs:
            files = brief.files(lang)
            if opds and not any(e.kind in ("epub", "pdf", "bilingual") for e in files):
                continue
            entry = add(root, "entry", xml_lang=lang)
            add(entry, "id", f"urn:briefpress:{doc.slug}:{lang}")
            add_text(entry, "title", brief.text(lang, "title"), lang)
            add(entry, "updated", stamp(doc.date))
            for i in range(len(doc.meta["authors"])):
                add_text(add(entry, "author"), "name", brief.text(lang, f"authors.{i}.name"),
                         lang)
            add_text(entry, "summary", brief.text(lang, "summary"), lang)
            if opds:
                add(entry, "language", lang, ns=DC)
                add(entry, "issued", doc.date.isoformat(), ns=DC)
            page = f"{doc.slug}/{page_name(lang if lang in ui_langs else UI_SOURCE)}"
            web = next((e.path for e in files if e.kind == "html"), page)
            add(entry, "link", rel="alternate", href=web, type="text/html", hreflang=lang)
            for e in files:
                if e.kind == "html":
                    continue
                add(entry, "link", rel=ACQUISITION if opds else "enclosure", href=e.path,
                    type=KINDS[e.kind], length=str(e.size), hreflang=lang)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
