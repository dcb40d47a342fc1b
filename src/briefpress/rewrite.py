"""Document rewrites: the pandoc AST of a localized document made ready for one kind
of output, between localize and the writers (render, web, publish).

Each rewrite is one function on the blocks. ``prepare`` applies those an output needs in
one fixed order, as Sphinx orders its transforms by priority: the credits join their
captions before the biographies are added, images are embedded once the text is final,
and the EPUB's raw HTML is made XHTML last. The bilingual editions' helpers
(``suffix_ids``, ``interleaved``) live here too: they rewrite blocks, not files.
"""

from __future__ import annotations

import base64
import copy
import mimetypes
import re
from dataclasses import dataclass
from typing import Callable

from . import pandoc
from .sandbox import resolve_local
from .load import find_images, language_tag, line_of
from .model import Document

OUTPUTS = ("pdf", "web", "epub")


@dataclass(frozen=True)
class Options:
    """What the rewrites of one output need besides the blocks."""

    doc: Document
    adapt: Callable[[str, bytes], bytes] | None = None  # rewrites an image's bytes
    about_label: str = ""  # the EPUB's heading over the authors' biographies


@dataclass(frozen=True)
class Rewrite:
    priority: int
    outputs: tuple[str, ...]
    apply: Callable[[list, Options], list]


def prepare(blocks: list, output: str, options: Options) -> list:
    """*blocks* rewritten for *output* (``pdf``, ``web`` or ``epub``), every rewrite
    in priority order."""
    if output not in OUTPUTS:
        raise ValueError(f"unknown output {output!r}")
    for rewrite in REWRITES:
        if output in rewrite.outputs:
            blocks = rewrite.apply(blocks, options)
    return blocks


def show_credits(blocks: list) -> list:
    """Each figure's credit (the image's ``credit`` attribute) at the end of its caption."""

    def figure(node, _):
        attr, (short, caption), body = node["c"]
        credits = [v for img in find_images(body) for k, v in img["c"][0][2] if k == "credit"]
        if credits:
            span = {"t": "Span", "c": [["", ["credit"], []],
                                       [{"t": "Str", "c": " ".join(credits)}]]}
            caption = caption + [{"t": "Plain", "c": [span]}]
        return {"t": "Figure", "c": [attr, [short, caption], body]}

    return pandoc.rebuild(blocks, {"Figure": figure})


def notes_inline(blocks: list) -> list:
    """Footnotes as ``<span class="footnote">`` in place, for CSS ``float: footnote``."""

    def note(node, rebuild):
        inlines: list = []
        for i, block in enumerate(node["c"]):
            if i:
                inlines.append({"t": "LineBreak"})
            if block["t"] in ("Para", "Plain"):
                inlines += rebuild(block["c"])
        return {"t": "Span", "c": [["", ["footnote"], []], inlines]}

    return pandoc.rebuild(blocks, {"Note": note})


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

    def raw(node, _):
        fmt, text = node["c"]
        return {**node, "c": [fmt, xhtml_fragment(text)]} \
            if str(fmt).lower() in ("html", "html5") else node

    def link(node, rebuild):
        attr, inlines, (target, title) = node["c"]
        return {**node, "c": [attr, rebuild(inlines),
                              [quote(target, safe="!#$%&'()*+,/:;=?@[]~"), title]]}

    return pandoc.rebuild(blocks, {"RawInline": raw, "RawBlock": raw, "Link": link})


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



def about_the_author(doc: Document, blocks: list, label: str) -> list:
    """*blocks* with the authors' biographies at the end under *label*, as an EPUB has
    them (the PDF and web templates place them themselves)."""
    bios = [a["bio"] for a in doc.meta["authors"] if a.get("bio")]
    if not bios:
        return blocks
    return [*blocks, {"t": "Header", "c": [1, ["about-the-author", [], []],
                                           [{"t": "Str", "c": label}]]},
            *({"t": "Para", "c": [{"t": "Str", "c": bio}]} for bio in bios)]


REWRITES = sorted([
    Rewrite(100, OUTPUTS, lambda blocks, o: show_credits(blocks)),
    Rewrite(200, ("epub",), lambda blocks, o: about_the_author(o.doc, blocks, o.about_label)),
    # An EPUB figure's image has an empty alt beside its figcaption (see embed_images).
    Rewrite(300, ("pdf", "web"), lambda blocks, o: embed_images(blocks, o.doc, o.adapt)),
    Rewrite(300, ("epub",), lambda blocks, o: embed_images(blocks, o.doc, o.adapt,
                                                           captioned_alt=False)),
    Rewrite(400, ("pdf",), lambda blocks, o: notes_inline(blocks)),
    Rewrite(500, ("epub",), lambda blocks, o: xhtml_raw(blocks)),
], key=lambda r: r.priority)
