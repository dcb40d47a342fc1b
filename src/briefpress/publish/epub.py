"""EPUB 3: pandoc writes the book from the prepared blocks (rewrite.prepare), with
subset fonts and a typographic cover; its files are then amended for EPUB
Accessibility 1.1 and the page list of the same edition's PDF."""

from __future__ import annotations

import io
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import pandoc
from ..errors import ResourceError
from ..load import language_tag
from ..model import Document
from ..output import write_atomic
from .cover import cover_svg
from .fonts import subset_font
from .pages import mark_pages, page_marker


def epub_metadata(doc: Document, identifier: str = "") -> dict:
    meta = doc.meta
    out = {
        "title": pandoc.meta_string(meta["title"]),
        "lang": pandoc.meta_string(language_tag(doc.lang)),
        "date": pandoc.meta_string(doc.date.isoformat()),
        "author": pandoc.meta_list([pandoc.meta_string(a["name"]) for a in meta["authors"]]),
        "identifier": pandoc.meta_string(identifier or f"urn:briefpress:{doc.slug}:{doc.lang}"),
    }
    for key, field in (("subtitle", "subtitle"), ("publisher", "publisher"),
                       ("description", "summary"), ("rights", "license")):
        if meta.get(field):
            out[key] = pandoc.meta_string(meta[field])
    if meta.get("keywords"):
        out["subject"] = pandoc.meta_list([pandoc.meta_string(k) for k in meta["keywords"]])
    return out


@dataclass
class EpubStyle:
    """What an EPUB needs besides its text: stylesheet, fonts to embed, the words
    of its added parts, and the date pandoc writes into it."""

    css: str
    embed: list[str]  # font families to embed, subset to the book's characters
    cover_font: str  # the sans-serif family the cover is set in
    about_label: str
    date_epoch: int
    words: EpubWords | None = None  # accessibility summary, cover text, nav labels
    byline: str = ""  # the authors as the book's language lists them
    date_text: str = ""  # the date as the book's language writes it
    source: Document | None = None  # a bilingual book's source document
    # where each page of the same edition's PDF starts: (page, block, letters before)
    pages: list[tuple[int, int, int]] = field(default_factory=list)
    identifier: str = ""  # dc:identifier (default urn:briefpress:<slug>:<lang>)


@dataclass
class EpubWords:
    """The words an EPUB adds around the brief, from templates/epub-words.xml.j2."""

    summary: str
    cover: str
    labels: dict[str, str]

    @classmethod
    def parse(cls, xml: str) -> "EpubWords":
        from lxml import etree

        root = etree.fromstring(xml.strip().encode("utf-8"))
        text = lambda el: " ".join("".join(el.itertext()).split())
        return cls(summary=text(root.find("summary")), cover=text(root.find("cover")),
                   labels={el.get("type"): text(el) for el in root.iter("label")})


def title_blocks(doc: Document, style: EpubStyle, opening: list[int] = ()) -> list:
    """The book's opening: its one H1 (the title), then subtitle, authors, publisher and
    date, in place of pandoc's title page, whose H1 repeated the first chapter's."""
    meta = doc.meta
    para = lambda cls, text, lang=None: {"t": "Div", "c": [
        ["", [cls], [["lang", lang]] if lang else []], [{"t": "Para", "c": [
            {"t": "Str", "c": text}]}]]}
    out = [{"t": "Header", "c": [1, ["title", ["title"], []],
                                 [*map(page_marker, opening), {"t": "Str", "c": meta["title"]}]]}]
    source = style.source.meta if style.source else None
    if source:
        out.append(para("source-title", source["title"], language_tag(style.source.lang)))
    if meta.get("subtitle"):
        out.append(para("subtitle", meta["subtitle"]))
    out.append(para("byline", style.byline or ", ".join(a["name"] for a in meta["authors"])))
    if meta.get("publisher"):
        out.append(para("publisher", meta["publisher"]))
    out.append(para("date", style.date_text or doc.date.isoformat()))
    return out


def epub_bytes(doc: Document, blocks: list, style: EpubStyle) -> bytes:
    """The EPUB 3 of *blocks* (prepared for ``epub`` by rewrite.prepare) with *doc*'s
    metadata, fonts embedded as subsets."""
    blocks, opening = mark_pages(blocks, style.pages, style.source is not None)
    blocks = title_blocks(doc, style, opening) + blocks
    source = pandoc.to_json(pandoc.document(blocks, epub_metadata(doc, style.identifier)))
    shown = source + style.about_label + "".join(style.words.labels.values()
                                                  if style.words else [])
    fonts = [(family, *subset_font(family, shown))
             for family in style.embed]
    faces = "".join(f'@font-face {{ font-family: "{family}"; src: url("../fonts/{name}"); }}\n'
                    for family, name, _ in fonts)
    with tempfile.TemporaryDirectory(prefix="briefpress-epub-") as work:
        Path(work, "style.css").write_text(faces + style.css, encoding="utf-8")
        Path(work, "cover.svg").write_bytes(cover_svg(doc, style.cover_font))
        args = ["-f", "json", "-t", "epub3", "--css", "style.css", "--split-level=1",
                "--toc", "--epub-title-page=false", "--epub-cover-image=cover.svg", "--resource-path=.", "-o", "out.epub"]
        for _, name, data in fonts:
            Path(work, name).write_bytes(data)
            args.append(f"--epub-embed-font={name}")
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(style.date_epoch)}
        pandoc.run(args, source, sandbox=False, cwd=work, env=env,
                   cited_in=doc.source_path)
        data = Path(work, "out.epub").read_bytes()
    if not data.startswith(b"PK"):
        raise ResourceError("pandoc wrote no EPUB", doc.source_path)
    return accessible_epub(data, doc, style)


# --- EPUB Accessibility 1.1 ------------------------------------------------------------
# pandoc's EPUB lacks what EPUB Accessibility 1.1 asks for; its files are amended here,
# each entry rewritten in place with its own zip date, so the bytes stay reproducible.

NS = {"h": "http://www.w3.org/1999/xhtml", "opf": "http://www.idpf.org/2007/opf",
      "dc": "http://purl.org/dc/elements/1.1/", "epub": "http://www.idpf.org/2007/ops",
      "svg": "http://www.w3.org/2000/svg"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPUB_TYPE = f"{{{NS['epub']}}}type"
HEADINGS = [f"{{{NS['h']}}}h{i}" for i in range(1, 7)]
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"


def accessible_epub(data: bytes, doc: Document, style: EpubStyle) -> bytes:
    import zipfile

    words = style.words
    if words is None:
        return data
    src = zipfile.ZipFile(io.BytesIO(data))
    breaks = [(name, m.group(1), m.group(2)) for name in src.namelist()
              if name.endswith(".xhtml") for m in PAGE_BREAK.finditer(src.read(name).decode())]
    first = "text/ch001.xhtml" if "EPUB/text/ch001.xhtml" in src.namelist() else ""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body, name = src.read(info), info.filename
            if name.endswith(".opf"):
                body = amend_package(body, doc, style, bool(breaks))
            elif name.endswith(".xhtml"):
                body = amend_xhtml(body, name, doc, words, breaks, first)
            dst.writestr(info, body)
    return out.getvalue()


PAGE_BREAK = re.compile(r'<span epub:type="pagebreak" role="doc-pagebreak" '
                        r'id="(page-\d+)" aria-label="(\d+)"')


def xml_text(el) -> str:
    return " ".join("".join(el.itertext()).split())


def amend_xhtml(body: bytes, name: str, doc: Document, words: EpubWords,
                breaks: list[tuple[str, str, str]], first_chapter: str = "") -> bytes:
    """Language on every element that has one, the chapter's heading as its <title>,
    the cover's text alternative and the navigation's labels in the book's language."""
    from lxml import etree

    root = etree.fromstring(body, etree.XMLParser(resolve_entities=False))
    for el in root.iter(etree.Element):
        lang = el.get("lang") or el.get(XML_LANG)
        if lang:
            el.set("lang", lang)
            el.set(XML_LANG, lang)
    title = root.find("h:head/h:title", NS)
    body_el = root.find("h:body", NS)
    if name.endswith("nav.xhtml"):
        title.text = words.labels["toc"]
        # pandoc copies a heading's page-break marker into its entry: the marker's
        # place is the chapter, where the page list points.
        for span in list(body_el.iterfind(".//h:span[@epub:type='pagebreak']", NS)):
            parent, before = span.getparent(), span.getprevious()
            if before is not None:
                before.tail = (before.tail or "") + (span.tail or "")
            else:
                parent.text = (parent.text or "") + (span.tail or "")
            parent.remove(span)
        for nav in body_el.iter(f"{{{NS['h']}}}nav"):
            kind = nav.get(EPUB_TYPE)
            nav.set("aria-label", words.labels.get(kind, words.labels["toc"]))
            heading = nav.find("h:h1", NS)
            if heading is not None:
                heading.text = words.labels.get(kind, heading.text)
            if kind == "landmarks" and first_chapter:
                ol = nav.find("h:ol", NS)
                li = etree.SubElement(ol, f"{{{NS['h']}}}li")
                etree.SubElement(li, f"{{{NS['h']}}}a", {
                    "href": first_chapter, EPUB_TYPE: "bodymatter"}).tail = "\n"
            for link in nav.iterfind(".//h:a[@epub:type]", NS):
                label = words.labels.get(link.get(EPUB_TYPE))
                if label:
                    link.text = label
        if breaks:  # the page list, in reading order (spine order is the files')
            nav = etree.SubElement(body_el, f"{{{NS['h']}}}nav", {
                EPUB_TYPE: "page-list", "hidden": "hidden",
                "aria-label": words.labels["page-list"]})
            nav.text = nav.tail = "\n"
            ol = etree.SubElement(nav, f"{{{NS['h']}}}ol")
            for file, anchor, label in sorted(breaks, key=lambda b: int(b[2])):
                li = etree.SubElement(ol, f"{{{NS['h']}}}li")
                link = etree.SubElement(li, f"{{{NS['h']}}}a",
                                        href=f"{os.path.relpath(file, 'EPUB')}#{anchor}")
                link.text = label
    elif body_el.get("id") == "cover":
        title.text = words.labels["cover"]
        svg = body_el.find(".//svg:svg", NS)
        if svg is not None:
            svg.set("role", "img")
            svg.set("aria-label", words.cover)
            svg_title = etree.Element(f"{{{NS['svg']}}}title")
            svg_title.text = words.cover
            svg.insert(0, svg_title)
    else:
        heading = next(body_el.iter(*HEADINGS), None)
        title.text = xml_text(heading) if heading is not None else doc.meta["title"]
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def amend_package(body: bytes, doc: Document, style: EpubStyle, paged: bool) -> bytes:
    """The accessibility metadata, replacing pandoc's partial set."""
    from lxml import etree

    words = style.words
    root = etree.fromstring(body)
    metadata = root.find("opf:metadata", NS)
    for meta in metadata.findall("opf:meta", NS):
        if (meta.get("property") or "").startswith("schema:"):
            metadata.remove(meta)
    has_images = b"<img" in body or bool(root.findall(
        ".//opf:item[@media-type='image/svg+xml']", NS))

    def add(prop: str, value: str):
        meta = etree.SubElement(metadata, f"{{{NS['opf']}}}meta", property=prop)
        meta.text, meta.tail = value, "\n  "
        return meta

    if style.source is not None:
        lang = etree.SubElement(metadata, f"{{{NS['dc']}}}language")
        lang.text = language_tag(style.source.lang)
        metadata.insert(metadata.index(metadata.find("dc:language", NS)) + 1, lang)
    add("schema:accessMode", "textual")
    if has_images:
        add("schema:accessMode", "visual")
    add("schema:accessModeSufficient", "textual")
    features = ["alternativeText", "displayTransformability", "readingOrder",
                "structuralNavigation", "tableOfContents"]
    for feature in features + (["pageBreakMarkers", "pageNavigation"] if paged else []):
        add("schema:accessibilityFeature", feature)
    add("schema:accessibilityHazard", "none")
    add("schema:accessibilitySummary", words.summary)
    add("dcterms:conformsTo", CONFORMS_TO)
    if paged:  # the page numbers are the PDF edition's
        edition = f"{style.source.lang}-{doc.lang}" if style.source else doc.lang
        pdf = f"urn:briefpress:{doc.slug}:{edition}:pdf"
        source = etree.SubElement(metadata, f"{{{NS['dc']}}}source", id="page-source")
        source.text = pdf
        metadata.insert(metadata.index(metadata.find("dc:language", NS)), source)
        # EPUB 3.2's way to say the page breaks come from that edition: EPUB 3.3's
        # pageBreakSource is refused by Debian's EPUBCheck 4.2.6 (OPF-027).
        add("source-of", "pagination").set("refines", "#page-source")
    add("a11y:certifiedBy", doc.meta.get("publisher")
        or ", ".join(a["name"] for a in doc.meta["authors"]))
    for ref in root.iterfind("opf:guide/opf:reference", NS):
        label = words.labels.get(ref.get("type"))
        if label:
            ref.set("title", label)
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def write_epub(target: Path, doc: Document, blocks: list, style: EpubStyle) -> None:
    write_atomic(target, epub_bytes(doc, blocks, style))
