"""The feeds of a site: Atom 1.0 (``feed.xml``) and OPDS 1.2 (``opds.xml``), one entry
per brief and language, and ``sitemap.xml``. Nothing here reads the clock: the same
listings give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from lxml import etree

from . import __version__
from .config import Site
from .listing import KINDS, UI_SOURCE, Brief, Text, page_name
from .render import Renderer
from .web import bilingual_title

IMAGE = "http://opds-spec.org/image"
THUMBNAIL = "http://opds-spec.org/image/thumbnail"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/terms/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ACQUISITION = "http://opds-spec.org/acquisition"
OPDS_TYPE = "application/atom+xml;profile=opds-catalog;kind=acquisition"


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


def feed(renderer: Renderer, briefs: list[Brief], ui_langs: list[str], site: Site,
         opds: bool) -> bytes:
    """The Atom feed, or with *opds* the OPDS 1.2 acquisition catalog: an entry per
    edition (each language, each bilingual pair), ids that never change (the edition's
    URL when ``site.base_url`` is set, else ``urn:briefpress:<slug>:<edition>`` as the
    EPUB's own identifier), dates from the front matter, links relative to the feed or
    absolute under the base URL."""
    root = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: UI_SOURCE})
    name = "opds.xml" if opds else "feed.xml"
    add(root, "id", site.url(name) if site.base_url else
        f"urn:briefpress:{'opds' if opds else 'feed'}")
    add(root, "title", "Policy briefs")
    latest = max((b.doc.date for b in briefs), default=dt.date(1970, 1, 1))
    add(root, "updated", stamp(latest))
    add(root, "generator", "briefpress", version=__version__)
    add(root, "link", rel="self", href=site.url(name),
        type=OPDS_TYPE if opds else "application/atom+xml")
    if opds:
        add(root, "link", rel="start", href=site.url(name), type=OPDS_TYPE)
    add(root, "link", rel="alternate", href=site.url("index.html"), type="text/html")
    for brief in briefs:
        doc = brief.doc
        for lang in brief.langs:
            files = brief.files(lang)
            for edition in dict.fromkeys(e.edition for e in files):
                entry_files = [e for e in files if e.edition == edition]
                if opds and not any(e.kind != "html" for e in entry_files):
                    continue
                feed_entry(root, renderer, brief, lang, edition, entry_files, ui_langs,
                           site, opds)
    ET.indent(root)
    return feed_bytes(root)


def feed_bytes(root: ET.Element) -> bytes:
    """*root* with our prefixes (Atom the default, "dc" DC terms), leaving ElementTree's
    process-wide prefix table as it was: WeasyPrint registers "" and "dc" for its PDF
    metadata, so registering ours once at import let a PDF written in the same process
    (``briefpress serve``, the tests) rename them "ns0:" and "ns1:" in the feeds."""
    saved = dict(ET._namespace_map)
    try:
        ET.register_namespace("", ATOM)
        ET.register_namespace("dc", DC)
        return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
    finally:
        ET._namespace_map.clear()
        ET._namespace_map.update(saved)


def feed_entry(root: ET.Element, renderer: Renderer, brief: Brief, lang: str, edition: str,
               files: list[Edition], ui_langs: list[str], site: Site, opds: bool) -> None:
    doc = brief.doc
    bilingual = edition != lang
    langs = [doc.lang, lang] if bilingual else [lang]
    entry = add(root, "entry", xml_lang=lang)
    page = f"{doc.slug}/{page_name(lang if lang in ui_langs else UI_SOURCE)}"
    web = next((e.path for e in files if e.kind == "html"), None)
    own = web or (files[0].path if bilingual else page)
    add(entry, "id", site.url(own) if site.base_url else f"urn:briefpress:{doc.slug}:{edition}")
    title = brief.text(lang, "title")
    if bilingual and title:
        title = Text(bilingual_title(renderer, title.text, doc.lang, lang), lang)
    add_text(entry, "title", title, lang)
    add(entry, "updated", stamp(doc.date))
    for i in range(len(doc.meta["authors"])):
        add_text(add(entry, "author"), "name", brief.text(lang, f"authors.{i}.name"), lang)
    add_text(entry, "summary", brief.text(lang, "summary"), lang)
    if opds:
        for code in langs:
            add(entry, "language", code, ns=DC)
        add(entry, "issued", doc.date.isoformat(), ns=DC)
    add(entry, "link", rel="alternate", href=site.url(web or page), type="text/html",
        hreflang=lang)
    cover = brief.covers.get(edition)
    if opds and cover:
        add(entry, "link", rel=IMAGE, href=site.url(cover), type="image/png")
        add(entry, "link", rel=THUMBNAIL, href=site.url(cover.replace(".cover.", ".thumb.")),
            type="image/png")
    for e in files:
        if e.kind == "html":
            continue
        kind = "PDF" if KINDS[e.kind] == "application/pdf" else "EPUB"
        add(entry, "link", rel=ACQUISITION if opds else "enclosure", href=site.url(e.path),
            type=KINDS[e.kind], length=str(e.size), hreflang=lang, title=kind)


def sitemap(briefs: list[Brief], ui_langs: list[str], site: Site) -> bytes:
    """sitemap.xml: the listing pages and the web editions, each with its alternates in
    the other languages (``xhtml:link rel="alternate" hreflang``)."""
    urlset = etree.Element(f"{{{SITEMAP}}}urlset", nsmap={None: SITEMAP, "xhtml": XHTML})
    groups = [([(lang, page_name(lang)) for lang in ui_langs], None)]
    for brief in briefs:
        groups.append(([(lang, f"{brief.doc.slug}/{page_name(lang)}") for lang in ui_langs],
                       brief.doc.date))
        webs = [(e.lang, e.path) for e in brief.editions if e.kind == "html"]
        if webs:
            groups.append((webs, brief.doc.date))
    for pages, day in groups:
        for _, path in pages:
            url = etree.SubElement(urlset, f"{{{SITEMAP}}}url")
            etree.SubElement(url, f"{{{SITEMAP}}}loc").text = site.url(path)
            if day:
                etree.SubElement(url, f"{{{SITEMAP}}}lastmod").text = day.isoformat()
            for lang, other in pages:
                etree.SubElement(url, f"{{{XHTML}}}link", rel="alternate", hreflang=lang,
                                 href=site.url(other))
    etree.indent(urlset)
    return etree.tostring(urlset, encoding="utf-8", xml_declaration=True) + b"\n"
