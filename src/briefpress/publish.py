"""Stage 6, publish: HTML to PDF with WeasyPrint, a localized document to EPUB 3 with
pandoc. Every output is written to a temporary file and renamed into place."""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import io
import logging
import mimetypes
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import lxml.html

from . import pandoc
from .environment import missing_font
from .errors import ResourceError
from .sandbox import resolve_local, weasyprint_fetcher
from .load import find_images, language_tag, line_of
from .model import Document
from .output import write_atomic
from .transforms import second_pass, subset_faces

log = logging.getLogger("briefpress")


def image_references(doc: Document) -> list[tuple[str, int]]:
    """(target, line) of every image in *doc*'s body."""
    return [(image["c"][2][0], line_of(image)) for image in find_images(doc.blocks)]


def pdf_bytes(html: str, doc: Document, allowed: tuple[Path, ...],
              subset: list[str] = ()) -> bytes:
    """Lay out *html* as a tagged PDF, with the *subset* font families subset first."""
    from weasyprint import HTML

    key = page_key(html, subset)
    with tempfile.TemporaryDirectory(prefix="briefpress-fonts-") as fonts:
        html = subset_faces(html, list(subset), Path(fonts), subset_font)
        base_url = doc.folder.resolve().as_uri() + "/"
        references = {urljoin(base_url, target): (doc.source_path, line)
                      for target, line in image_references(doc)}
        fetcher = weasyprint_fetcher((*allowed, Path(fonts)), references)
        try:
            tag_languages()
            sources = []

            def render(text):
                sources.append(HTML(string=text, base_url=base_url, url_fetcher=fetcher))
                return sources[-1].render()

            document = second_pass(number_blocks(html), render)
            PAGE_STARTS[key] = page_starts(sources[-1], document)
            while len(PAGE_STARTS) > 32:  # PDFs built without their EPUB (watch, --format pdf)
                PAGE_STARTS.pop(next(iter(PAGE_STARTS)))
            return tag_pdf(document.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False))
        except fetcher.Refused as exc:
            raise exc.error from None


def write_pdf(target: Path, html: str, doc: Document, allowed: tuple[Path, ...],
              subset: list[str] = ()) -> None:
    write_atomic(target, pdf_bytes(html, doc, allowed, subset))


def write_html(target: Path, html: str) -> None:
    write_atomic(target, html.encode("utf-8"))


def embed_images(blocks: list, doc: Document, adapt=None,
                 captioned_alt: bool = True) -> list:
    """Images as data: URIs (the localized version where *doc* has one), so the HTML
    stands alone and the engines need to read no file of the brief. *adapt(target,
    data)* may rewrite an image's bytes first.

    An image's ``alt`` attribute, where the brief gives one, is its text alternative.
    Without one, a figure's image repeats its caption (commonmark_x's implicit figure)
    unless *captioned_alt* is false: then its alt is empty and the ``figcaption``
    describes it, as WCAG allows, so a screen reader does not read the caption twice.
    """
    blocks = copy.deepcopy(blocks)

    def visit(node, in_figure=False):
        if isinstance(node, dict):
            if node.get("t") == "Figure":
                in_figure = True
            if node.get("t") == "Image":
                attrs = node["c"][0][2]
                given = [v for k, v in attrs if k == "alt"]
                attrs[:] = [[k, v] for k, v in attrs if k != "alt"]
                if given:
                    node["c"][1] = [{"t": "Str", "c": given[0]}]
                elif in_figure and not captioned_alt:
                    node["c"][1] = []
                target = node["c"][2][0]
                data = doc.assets.get(target)
                if data is None:
                    path = resolve_local(target, doc.folder, doc.root, doc.source_path,
                                         line_of(node))
                    data = path.read_bytes()
                if adapt:
                    data = adapt(target, data)
                mime = mimetypes.guess_type(target)[0] or "application/octet-stream"
                node["c"][2][0] = f"data:{mime};base64,{base64.b64encode(data).decode()}"
            for value in node.values():
                visit(value, in_figure)
        elif isinstance(node, list):
            for item in node:
                visit(item, in_figure)

    visit(blocks)
    return blocks


def epub_metadata(doc: Document, date_epoch: int, identifier: str = "") -> dict:
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


def book_blocks(doc: Document, blocks: list, about_label: str) -> list:
    """*blocks* with figure credits shown and the authors' biographies at the end."""
    from .render import show_credits

    blocks = show_credits(blocks)
    bios = [a["bio"] for a in doc.meta["authors"] if a.get("bio")]
    if bios:
        blocks.append({"t": "Header", "c": [1, ["about-the-author", [], []],
                                            [{"t": "Str", "c": about_label}]]})
        blocks += [{"t": "Para", "c": [{"t": "Str", "c": bio}]} for bio in bios]
    return blocks


ATTR_AT = {"Header": 1, "Div": 0, "Span": 0, "Link": 0, "Image": 0, "Code": 0,
           "CodeBlock": 0, "Table": 0, "Figure": 0}
RAW_ID = re.compile(r"""(\bid\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE)


def suffix_ids(blocks: list, suffix: str) -> list:
    """*blocks* with every id (headings, divs, spans, raw HTML anchors) ending in
    ``-<suffix>``, and the links to them with it: the translation half of a bilingual
    edition, whose ids would otherwise repeat the source half's."""
    ids: set[str] = set()

    def collect(node):
        if isinstance(node, list):
            for n in node:
                collect(n)
        elif isinstance(node, dict) and "t" in node:
            t, c = node["t"], node.get("c")
            if t in ATTR_AT and c[ATTR_AT[t]][0]:
                ids.add(c[ATTR_AT[t]][0])
            elif t in ("RawInline", "RawBlock"):
                ids.update(m.group(3) for m in RAW_ID.finditer(c[1]))
            collect(c)

    def rewrite(node):
        if isinstance(node, list):
            return [rewrite(n) for n in node]
        if not isinstance(node, dict) or "t" not in node:
            return node
        t, c = node["t"], copy.copy(node.get("c"))
        if t in ATTR_AT and c[ATTR_AT[t]][0]:
            attr = list(c[ATTR_AT[t]])
            attr[0] = f"{attr[0]}-{suffix}"
            c[ATTR_AT[t]] = attr
        if t == "Link" and c[2][0].startswith("#") and c[2][0][1:] in ids:
            c[2] = [f"{c[2][0]}-{suffix}", c[2][1]]
        if t in ("RawInline", "RawBlock"):
            c[1] = RAW_ID.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}-{suffix}"
                              f"{m.group(2)}", c[1])
            c[1] = re.sub(r"""(\bhref\s*=\s*)(["'])#(.*?)\2""", lambda m: m.group(0) if
                          m.group(3) not in ids else f"{m.group(1)}{m.group(2)}#{m.group(3)}-"
                          f"{suffix}{m.group(2)}", c[1], flags=re.IGNORECASE)
            return {**node, "c": c}
        return {**node, "c": rewrite(c) if isinstance(c, list) else c}

    collect(blocks)
    return rewrite(blocks)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}


def xhtml_fragment(html: str) -> str:
    """A piece of raw HTML (a tag, a closing tag, a block) written as XHTML: void
    elements closed (``<br />``), attribute values quoted, entities as characters. EPUB
    content documents are XML; ``Tokyo<br>Seoul`` as written is not well-formed."""
    from html.parser import HTMLParser

    from markupsafe import escape

    out: list[str] = []

    def attrs(pairs) -> str:
        return "".join(f' {k}="{escape(v if v is not None else k)}"' for k, v in pairs)

    class Writer(HTMLParser):
        def handle_starttag(self, tag, pairs):
            out.append(f"<{tag}{attrs(pairs)}{' /' if tag in VOID else ''}>")

        def handle_startendtag(self, tag, pairs):
            out.append(f"<{tag}{attrs(pairs)} />" if tag in VOID else
                       f"<{tag}{attrs(pairs)}></{tag}>")

        def handle_endtag(self, tag):
            if tag not in VOID:
                out.append(f"</{tag}>")

        def handle_data(self, data):
            out.append(str(escape(data)))

        def handle_comment(self, data):
            out.append(f"<!--{data}-->")

    writer = Writer(convert_charrefs=True)
    writer.feed(html)
    writer.close()
    return "".join(out)


def xhtml_raw(blocks: list) -> list:
    """*blocks* as an EPUB's XHTML needs them: raw HTML as XHTML (see xhtml_fragment),
    link targets as URIs (``<annual report 2024.pdf>`` with its spaces encoded)."""
    from urllib.parse import quote

    def visit(node):
        if isinstance(node, list):
            return [visit(n) for n in node]
        if not isinstance(node, dict) or "t" not in node:
            return node
        t, c = node["t"], node.get("c")
        if t in ("RawInline", "RawBlock") and str(c[0]).lower() in ("html", "html5"):
            return {**node, "c": [c[0], xhtml_fragment(c[1])]}
        if t == "Link":
            target = quote(c[2][0], safe="!#$%&'()*+,/:;=?@[]~")
            return {**node, "c": [c[0], visit(c[1]), [target, c[2][1]]]}
        return {**node, "c": visit(c)} if isinstance(c, list) else node

    return visit(blocks)


def interleaved(source: Document, target: Document) -> list:
    """Source and translation block by block, each in its own language: the bilingual
    EPUB, where side-by-side columns would not fit a phone's screen."""
    pairs = []
    for left, right in zip(source.blocks, suffix_ids(target.blocks, target.lang)):
        if left["t"] == right["t"] == "Header":
            # One heading for both, source then translation, so each section has one
            # heading (and starts one chapter) with either language marked.
            # The heading keeps the source's id and the translation's span its own, so
            # links into either half still land.
            level, (ident, classes, attrs), inlines = right["c"]
            both = [{"t": "Span", "c": [["", ["source"], [["lang", language_tag(source.lang)]]],
                                        left["c"][2]]}, {"t": "Str", "c": " / "},
                    {"t": "Span", "c": [[ident, ["translation"], []], inlines]}]
            pairs.append({"t": "Header", "c": [level, [left["c"][1][0], classes, attrs], both]})
            continue
        pairs.append({"t": "Div", "c": [["", ["pair"], []], [
            {"t": "Div", "c": [["", ["source"], [["lang", language_tag(source.lang)]]],
                               [left]]},
            {"t": "Div", "c": [["", ["translation"], [["lang", language_tag(target.lang)]]],
                               [right]]}]]})
    return pairs


@functools.lru_cache(maxsize=64)
def font_file(family: str, style: str = "Regular") -> tuple[str, int]:
    """The file and collection index fontconfig picks for *family* in *style*."""
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}|%{index}|%{family}",
                              f"{family}:style={style}"], capture_output=True, text=True,
                             timeout=30, check=True).stdout
    except FileNotFoundError:
        raise missing_font(family) from None
    except (OSError, subprocess.SubprocessError) as exc:
        raise ResourceError(f"cannot find the font {family!r} (fc-match: {exc})") from None
    path, index, families = out.split("|", 2) if out.count("|") >= 2 else ("", "0", "")
    if family not in families.split(","):
        raise missing_font(family, families.split(",")[0])
    return path, int(index)


def subset_font(family: str, text: str, style: str = "Regular") -> tuple[str, bytes]:
    """*family* cut down to the characters of *text*: (file name, OpenType bytes).

    HarfBuzz's subsetter takes milliseconds where fontTools takes seconds on a CJK font.
    Only the cmap's glyphs are kept, and the vertical and substitution tables dropped:
    their closure (vertical forms, other locales' glyphs) would double the size for
    nothing a horizontal EPUB shows.
    """
    import uharfbuzz as hb

    path, index = font_file(family, style)
    subset = hb.SubsetInput()
    for char in set(text):
        subset.unicode_set.add(ord(char))
    subset.flags = hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.NO_LAYOUT_CLOSURE
    for table in ("GSUB", "vhea", "vmtx", "VORG", "BASE"):
        subset.drop_table_tag_set.add(int.from_bytes(table.encode(), "big"))
    face = hb.subset(hb.Face(hb.Blob.from_file_path(path), index), subset)
    if face is None:
        raise ResourceError(f"could not subset the font {family!r} ({path})")
    data = face.blob.data
    name = re.sub(r"[^A-Za-z0-9]+", "-", f"{family} {style}")
    return f"{name}-{hashlib.sha256(data).hexdigest()[:12]}.otf", data


COVER_WIDTH, COVER_HEIGHT, COVER_MARGIN = 1200, 1600, 110
CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
NO_LINE_START = set("、。，．・：；？！）」』】〕〉》ーぁぃぅぇぉっゃゅょァィゥェォッャュョ,.:;!?)”’")


class CoverText:
    """Text set in one font as SVG paths, so the cover needs no font on the reader."""

    def __init__(self, family: str, style: str, text: str):
        from fontTools.ttLib import TTFont

        # Read a subset of the cover's characters: fontTools reading a whole CJK
        # collection's metrics took seconds a cover.
        _, data = subset_font(family, text, style)
        self.font = TTFont(io.BytesIO(data))
        self.glyphs = self.font.getGlyphSet()
        self.cmap = self.font.getBestCmap()
        self.units = self.font["head"].unitsPerEm

    def advance(self, text: str, size: float) -> float:
        return sum(self.glyphs[self.cmap[ord(c)]].width for c in text
                   if ord(c) in self.cmap) * size / self.units

    def wrap(self, text: str, size: float, width: float) -> list[str]:
        """Lines of at most *width*: Latin breaks at spaces, CJK between characters
        (never before closing punctuation), Korean between words."""
        tokens = re.findall(r"\s+|[^\s]", text) if CJK.search(text) and not \
            re.search(r"[\uac00-\ud7af]", text) else re.findall(r"\s+|[^\s]+", text)
        lines, line = [], ""
        for token in tokens:
            if line and self.advance(line + token, size) > width and not token.isspace() \
                    and token[0] not in NO_LINE_START:
                lines.append(line.rstrip())
                line = token.lstrip()
            else:
                line += token
        return [l for l in lines + [line.rstrip()] if l]

    def paths(self, text: str, x: float, y: float, size: float) -> str:
        from fontTools.pens.svgPathPen import SVGPathPen

        out, scale = [], size / self.units
        for c in text:
            name = self.cmap.get(ord(c))
            if name is None:
                continue
            pen = SVGPathPen(self.glyphs)
            self.glyphs[name].draw(pen)
            if pen.getCommands():
                out.append(f'<path transform="translate({x:.1f} {y:.1f}) scale({scale:.4f} '
                           f'{-scale:.4f})" d="{pen.getCommands()}"/>')
            x += self.glyphs[name].width * scale
        return "".join(out)


def cover_svg(doc: Document, family: str) -> bytes:
    """A typographic cover: series, title, subtitle, authors and publisher."""
    from markupsafe import escape

    meta, width = doc.meta, COVER_WIDTH - 2 * COVER_MARGIN
    text = "".join(str(v) for v in (meta["title"], meta.get("subtitle"), meta.get("series"),
                                    meta.get("publisher"), *(a["name"] for a in meta["authors"])))
    bold, regular = CoverText(family, "Bold", text), CoverText(family, "Regular", text)
    parts, y = [], 260.0
    if meta.get("series"):
        for line in regular.wrap(meta["series"], 40, width):
            parts.append(f'<g fill="#8a1c1c">{regular.paths(line, COVER_MARGIN, y, 40)}</g>')
            y += 56
        y += 90
    for line in bold.wrap(meta["title"], 92, width):
        parts.append(bold.paths(line, COVER_MARGIN, y, 92))
        y += 122
    if meta.get("subtitle"):
        y += 20
        for line in regular.wrap(meta["subtitle"], 56, width):
            parts.append(f'<g fill="#333">{regular.paths(line, COVER_MARGIN, y, 56)}</g>')
            y += 76
    names = ", ".join(a["name"] for a in meta["authors"])
    parts.append(bold.paths(names, COVER_MARGIN, COVER_HEIGHT - 260, 48))
    if meta.get("publisher"):
        for i, line in enumerate(regular.wrap(meta["publisher"], 34, width)):
            parts.append(f'<g fill="#555">{regular.paths(line, COVER_MARGIN, COVER_HEIGHT - 170 + 48 * i, 34)}</g>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{COVER_WIDTH}" '
            f'height="{COVER_HEIGHT}" viewBox="0 0 {COVER_WIDTH} {COVER_HEIGHT}" role="img">'
            f"<title>{escape(meta['title'])}</title>"
            f'<rect width="100%" height="100%" fill="#f3f1ec"/>'
            f'<rect x="{COVER_MARGIN}" y="150" width="160" height="12" fill="#8a1c1c"/>'
            f'<g fill="#111">{"".join(parts)}</g></svg>').encode("utf-8")


def epub_bytes(doc: Document, blocks: list, style: EpubStyle) -> bytes:
    """The EPUB 3 of *blocks* with *doc*'s metadata, fonts embedded as subsets."""
    blocks, opening = mark_pages(blocks, style.pages, style.source is not None)
    blocks = title_blocks(doc, style, opening) + xhtml_raw(embed_images(blocks, doc, captioned_alt=False))
    source = pandoc.to_json(pandoc.document(blocks, epub_metadata(doc, style.date_epoch, style.identifier)))
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


# --- PDF/UA: what WeasyPrint 70's tagging leaves out ----------------------------------


def tag_languages() -> None:
    """Give each structure element the language of its HTML element where it has a
    ``lang`` attribute: WeasyPrint writes only the catalog's /Lang, so a screen reader
    would read a bilingual edition's English column with a Japanese voice. Its tag
    builder is wrapped (once): the box it tags is known only there."""
    import pydyf
    from weasyprint.pdf import tags

    build = tags._build_box_tree
    if getattr(build, "briefpress", False):
        return

    def with_lang(box, parent, *args):
        for element in build(box, parent, *args):
            lang = getattr(box, "element", None) is not None and box.element.get("lang")
            if lang and "Lang" not in element:
                element["Lang"] = pydyf.String(lang)
            yield element

    with_lang.briefpress = True
    tags._build_box_tree = with_lang


def tag_pdf(data: bytes) -> bytes:
    """Running heads and page numbers as /Artifact. WeasyPrint marks the text of page
    margins as content with an MCID but links it to no structure element (its comment:
    an artifact there is PDF 2.0 only; marked content /Artifact is fine in PDF 1.7), so
    it is neither tagged nor an artifact, which PDF/UA forbids."""
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(data))
    root = pdf.Root.StructTreeRoot
    reachable, stack = set(), [root]
    while stack:
        node = stack.pop()
        kids = node.get("/K") if isinstance(node, pikepdf.Dictionary) else None
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids] if kids else []):
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                reachable.add(kid.objgen)
                stack.append(kid)
    # Header cells get the /Scope WeasyPrint leaves out: a column's in the table head,
    # a row's elsewhere, so each data cell's headers can be determined.
    for objgen in reachable:
        element = pdf.get_object(objgen)
        if element.S == "/TH":
            attributes = element.get("/A") or pikepdf.Dictionary(O=pikepdf.Name.Table)
            if "/Scope" not in attributes:
                head = element.P.S == "/THead" or element.P.P.S == "/THead"
                attributes.Scope = pikepdf.Name.Column if head else pikepdf.Name.Row
                element.A = attributes
    nums = root.ParentTree.Nums
    for i in range(0, len(nums), 2):
        if not isinstance(nums[i + 1], pikepdf.Array) or int(nums[i]) >= len(pdf.pages):
            continue
        refs, page = nums[i + 1], pdf.pages[int(nums[i])]
        orphans = {n for n, ref in enumerate(refs) if isinstance(ref, pikepdf.Dictionary)
                   and ref.objgen not in reachable}
        if not orphans:
            continue
        ops = []
        for operands, op in pikepdf.parse_content_stream(page):
            if str(op) == "BDC" and isinstance(operands[1], pikepdf.Dictionary) \
                    and int(operands[1].get("/MCID", -1)) in orphans:
                operands = [pikepdf.Name.Artifact,
                            pikepdf.Dictionary(Type=pikepdf.Name.Pagination)]
            ops.append(pikepdf.ContentStreamInstruction(operands, op))
        page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(ops))
        for n in orphans:
            refs[n] = pikepdf.Object.parse(b"null")
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


# --- where each PDF page starts, for the EPUB's page list -------------------------------
# A page is found in the text as the block (a top-level element of the body, or a pair
# of the bilingual edition) in which its first line begins, and the number of letters of
# that block set on earlier pages: spaces and invisible joiners are not counted, so the
# same position is found in the EPUB's blocks, whose spaces differ.

PAGE_STARTS: dict[str, list[tuple[int, int, int]]] = {}
END = 1 << 30  # a page starting after everything the EPUB has: its marker ends the book
INVISIBLE = set("\u00ad\u200b\u200c\u200d\u2060\ufeff")


def page_key(html: str, subset) -> str:
    return hashlib.sha256((html + "|".join(subset)).encode("utf-8")).hexdigest()


def letters(text: str) -> int:
    return sum(1 for c in text if not c.isspace() and c not in INVISIBLE)


def number_blocks(html: str) -> str:
    """*html* with each block of its body (or bilingual pairs) numbered in source order
    (``data-block``), for page_starts."""
    root = lxml.html.document_fromstring(html)
    for container in root.iter("main", "div"):
        if (container.get("class") or "").split()[:1] in (["body"], ["parallel"]):
            for index, block in enumerate(b for b in container if isinstance(b.tag, str)):
                block.set("data-block", str(index))
            break
    doctype = "<!DOCTYPE html>\n" if html.lstrip()[:9].lower() == "<!doctype" else ""
    return doctype + lxml.html.tostring(root, encoding="unicode", method="html")


def page_starts(source, document) -> list[tuple[int, int, int]]:
    """(page number, block index, letters of the block before the page) for each page;
    block index -1: the page starts before the body, len(blocks): after it."""
    from weasyprint.formatting_structure.boxes import ReplacedBox, TextBox

    root = source.etree_element
    container = next((el for el in root.iter() if el.tag in ("main", "div") and
                      (el.get("class") or "").split()[:1] in (["body"], ["parallel"])), None)
    if container is None:
        return []
    # The source's order, which the EPUB keeps: the second layout pass may have floated
    # a figure past the blocks after it (number_blocks marked them first).
    blocks = sorted(container, key=lambda b: int(b.get("data-block") or 0))
    block_of, skip, cell_of, base = {}, set(), {}, {}
    for index, block in enumerate(blocks):
        for el in block.iter():
            block_of[id(el)] = index
            if "footnote" in (el.get("class") or "").split():
                skip.update(id(e) for e in el.iter())
        # A bilingual pair's cells are read one after the other (source, then
        # translation), also when the pair breaks across pages: count per cell.
        before = 0
        for cell in block if "pair" in (block.get("class") or "").split() else [block]:
            base[id(cell)] = before
            for el in cell.iter():
                cell_of[id(el)] = id(cell)
            before += sum(letters(el.text or "") + letters(el.tail or "") * (el is not cell)
                          for el in cell.iter() if id(el) not in skip)
    # Elements after the body count as past its end: the authors' biographies as the
    # EPUB's "About the author" (the block after the body), the rest as the book's end;
    # those before it (the masthead) as before its first block.
    after, seen = {}, False
    for el in root.iter():
        seen = seen or el is container
        if seen and id(el) not in block_of and el is not container:
            about = "about" in (el.get("class") or "").split()
            for inner in el.iter() if about else [el]:
                after.setdefault(id(inner), len(blocks) if about else END)
    done: dict = {}  # letters laid out so far, per cell
    out = []
    for number, page in enumerate(document.pages, start=1):
        first = None
        for box in page._page_box.descendants():
            image = isinstance(box, ReplacedBox)
            if not (image or isinstance(box, TextBox) and letters(box.text)) \
                    or "::" in (box.element_tag or "") or id(box.element) in skip:
                continue
            index = block_of.get(id(box.element))
            if index is None:
                if first is None:
                    first = (after[id(box.element)], 0) if id(box.element) in after \
                        else (-1, 0)
                continue
            cell = cell_of.get(id(box.element), id(blocks[index]))
            if first is None:
                first = (index, base.get(cell, 0) + done.get(cell, 0))
            if not image:
                done[cell] = done.get(cell, 0) + letters(box.text)
        out.append((number, *(first or (-1, 0))))
    return out


def page_map(html: str, doc: Document, allowed: tuple[Path, ...],
             subset: list[str] = ()) -> list[tuple[int, int, int]]:
    """Where each page of the PDF made of *html* starts (laid out now unless that PDF
    was just written)."""
    key = page_key(html, subset)
    if key not in PAGE_STARTS:
        pdf_bytes(html, doc, allowed, subset)
    return PAGE_STARTS.pop(key)


def mark_pages(blocks: list, pages: list[tuple[int, int, int]],
               bilingual: bool) -> tuple[list, list[int]]:
    """*blocks* with an EPUB page-break marker where each PDF page starts, and the
    numbers of the pages that start before the first block (for the title). In the
    bilingual edition the first pair is its masthead, not a block of the brief."""
    blocks = copy.deepcopy(blocks)
    pending: dict[int, list[tuple[int, int]]] = {}
    opening = []
    for number, index, offset in pages:
        if bilingual:
            index = index - 1
        if index < 0:
            opening.append(number)
        else:
            pending.setdefault(index, []).append((offset, number))
    for index in sorted(pending, reverse=True):
        for offset, number in sorted(pending[index], reverse=True):
            if index >= len(blocks):
                blocks.append({"t": "Plain", "c": [page_marker(number)]})
            elif (offset == 0 and blocks[index]["t"] != "Header") \
                    or not insert_marker(blocks[index], offset, number):
                blocks.insert(index, {"t": "Plain", "c": [page_marker(number)]})
    return blocks, opening


def page_marker(number: int) -> dict:
    return {"t": "RawInline", "c": ["html", f'<span epub:type="pagebreak" role="doc-pagebreak" '
                                            f'id="page-{number}" aria-label="{number}"></span>']}


def insert_marker(node: dict, offset: int, number: int) -> bool:
    """Put the marker before the letter *offset* of *node*'s text (notes left out)."""
    count = 0

    def visit(items: list) -> bool:
        nonlocal count
        for i, item in enumerate(items):
            if isinstance(item, list):
                if visit(item):
                    return True
                continue
            if not isinstance(item, dict) or item.get("t") in ("Note", "Image", "RawInline"):
                continue
            t = item["t"]
            if t in ("Str", "Code"):
                text = item["c"] if t == "Str" else item["c"][1]
                n = letters(text)
                if count + n <= offset:
                    count += n
                    continue
                if t == "Code" or count == offset:
                    items.insert(i, page_marker(number))
                    return True
                cut = 0
                while count < offset or text[cut].isspace() or text[cut] in INVISIBLE:
                    count += letters(text[cut])
                    cut += 1
                items[i: i + 1] = [{"t": "Str", "c": text[:cut]}, page_marker(number),
                                   {"t": "Str", "c": text[cut:]}]
                return True
            if isinstance(item.get("c"), list) and visit(item["c"]):
                return True
        return False

    return visit([node])
