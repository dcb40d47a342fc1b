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
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from . import pandoc
from .errors import ResourceError
from .fetch import resolve_local, weasyprint_fetcher
from .load import find_images, language_tag, line_of
from .model import Document
from .output import write_atomic

log = logging.getLogger("briefpress")


def image_references(doc: Document) -> list[tuple[str, int]]:
    """(target, line) of every image in *doc*'s body."""
    return [(image["c"][2][0], line_of(image)) for image in find_images(doc.blocks)]


SVG_DATA = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")


def with_subset_fonts(html: str, families: list[str], folder: Path) -> str:
    """*html* with *families* (regular and bold) as @font-face subsets of its characters,
    under names of their own that the styles and SVG figures then use.

    WeasyPrint subsets the system's CJK fonts keeping their glyph ids, so every face
    carries an index of up to 65,000 empty glyphs: 70-140 KB even for the few glyphs of
    a title. Fonts subset here first have ids up to a few hundred, and PDFs half the size.
    The subsets are written to *folder* (as data: URIs, CSS parsing alone took seconds).
    """
    if not families:
        return html
    svgs = {m.group(1): base64.b64decode(m.group(1)).decode("utf-8")
            for m in SVG_DATA.finditer(html)}
    text = html + "".join(svgs.values())
    faces = []
    head, sep, body = html.partition("</head>")
    for family in families:
        alias = f"bp {family}"
        for weight, style in ((400, "Regular"), (700, "Bold")):
            name, data = subset_font(family, text, style)
            (folder / name).write_bytes(data)
            faces.append(f'@font-face {{ font-family: "{alias}"; font-weight: {weight}; '
                         f'src: url("{(folder / name).as_uri()}"); }}')
        head = head.replace(f'"{family}"', f'"{alias}"')
        svgs = {k: v.replace(f'font-family="{family}"', f'font-family="{alias}"')
                for k, v in svgs.items()}
    body = SVG_DATA.sub(lambda m: "data:image/svg+xml;base64," +
                        base64.b64encode(svgs[m.group(1)].encode()).decode(), body)
    head = head.replace("<style>", "<style>\n" + "\n".join(faces) + "\n", 1)
    return head + sep + body


def pdf_bytes(html: str, doc: Document, allowed: tuple[Path, ...],
              subset: list[str] = ()) -> bytes:
    """Lay out *html* as a tagged PDF, with the *subset* font families subset first."""
    from weasyprint import HTML

    with tempfile.TemporaryDirectory(prefix="briefpress-fonts-") as fonts:
        html = with_subset_fonts(html, list(subset), Path(fonts))
        base_url = doc.folder.resolve().as_uri() + "/"
        references = {urljoin(base_url, target): (doc.source_path, line)
                      for target, line in image_references(doc)}
        fetcher = weasyprint_fetcher((*allowed, Path(fonts)), references)
        try:
            document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render()
            return document.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False)
        except fetcher.Refused as exc:
            raise exc.error from None


def write_pdf(target: Path, html: str, doc: Document, allowed: tuple[Path, ...],
              subset: list[str] = ()) -> None:
    write_atomic(target, pdf_bytes(html, doc, allowed, subset))


def write_html(target: Path, html: str) -> None:
    write_atomic(target, html.encode("utf-8"))


def embed_images(blocks: list, doc: Document, adapt=None) -> list:
    """Images as data: URIs (the localized version where *doc* has one), so the HTML
    stands alone and the engines need to read no file of the brief. *adapt(target,
    data)* may rewrite an image's bytes first."""
    blocks = copy.deepcopy(blocks)

    def visit(node):
        if isinstance(node, dict):
            if node.get("t") == "Image":
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
                visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(blocks)
    return blocks


def epub_metadata(doc: Document, date_epoch: int) -> dict:
    meta = doc.meta
    out = {
        "title": pandoc.meta_string(meta["title"]),
        "lang": pandoc.meta_string(language_tag(doc.lang)),
        "date": pandoc.meta_string(doc.date.isoformat()),
        "author": pandoc.meta_list([pandoc.meta_string(a["name"]) for a in meta["authors"]]),
        "identifier": pandoc.meta_string(f"urn:briefpress:{doc.slug}:{doc.lang}"),
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
    except (OSError, subprocess.SubprocessError) as exc:
        raise ResourceError(f"cannot find the font {family!r} (fc-match: {exc})") from None
    path, index, families = out.split("|", 2)
    if family not in families.split(","):
        raise ResourceError(f"the font {family!r} is not installed (fontconfig offers "
                            f"{families.split(',')[0]!r}); see templates/languages.yaml")
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
    source = pandoc.to_json(pandoc.document(xhtml_raw(embed_images(blocks, doc)),
                                            epub_metadata(doc, style.date_epoch)))
    fonts = [(family, *subset_font(family, source + style.about_label))
             for family in style.embed]
    faces = "".join(f'@font-face {{ font-family: "{family}"; src: url("../fonts/{name}"); }}\n'
                    for family, name, _ in fonts)
    with tempfile.TemporaryDirectory(prefix="briefpress-epub-") as work:
        Path(work, "style.css").write_text(faces + style.css, encoding="utf-8")
        Path(work, "cover.svg").write_bytes(cover_svg(doc, style.cover_font))
        args = ["-f", "json", "-t", "epub3", "--css", "style.css", "--split-level=1",
                "--toc", "--epub-cover-image=cover.svg", "--resource-path=.", "-o", "out.epub"]
        for _, name, data in fonts:
            Path(work, name).write_bytes(data)
            args.append(f"--epub-embed-font={name}")
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(style.date_epoch)}
        pandoc.run(args, source, sandbox=False, cwd=work, env=env,
                   cited_in=doc.source_path)
        data = Path(work, "out.epub").read_bytes()
    if not data.startswith(b"PK"):
        raise ResourceError("pandoc wrote no EPUB", doc.source_path)
    return data


def write_epub(target: Path, doc: Document, blocks: list, style: EpubStyle) -> None:
    write_atomic(target, epub_bytes(doc, blocks, style))
