"""The EPUB's typographic cover: its text drawn as outlines, so it needs no font."""

from __future__ import annotations

import io
import re

from .. import cache
from ..model import Document
from .fonts import font_file, subset_font


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
    """A typographic cover: series, title, subtitle, authors and publisher (from the
    disk cache when the same words were drawn in the same fonts before)."""
    import json

    meta = doc.meta
    words = json.dumps([meta["title"], meta.get("subtitle"), meta.get("series"),
                        meta.get("publisher"), [a["name"] for a in meta["authors"]]],
                       ensure_ascii=False)
    fonts = [cache.file_identity(font_file(family, s)[0]) for s in ("Regular", "Bold")]
    return cache.cached("covers", [words, family, *fonts, cache.package_version("fonttools"),
                                   cache.package_version("uharfbuzz")],
                        lambda: draw_cover(meta, family))


def draw_cover(meta: dict, family: str) -> bytes:
    from markupsafe import escape

    width = COVER_WIDTH - 2 * COVER_MARGIN
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
