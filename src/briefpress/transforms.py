"""HTML post-processing on an lxml tree: CJK composition as ordered, independent
transforms (the way Sphinx orders its transforms by priority).

Each transform reads the running text of one block at a time, as one string across
the block's inline elements, and marks ranges of it; the driver wraps each range in a
``<span class>`` that the stylesheet gives its spacing. No character is added to the
text, so what a reader copies from the PDF is the translation's own characters. A
transform works only on text whose language (the nearest ``lang`` attribute) has its
switch on in ``templates/languages.yaml``. The rules and their sources are in
docs/typography.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterator

import lxml.html
from lxml import etree

from .cjk import HANGUL, KANA_KANJI

HANGUL_WORD = re.compile(rf"[^\s]*[{HANGUL}][^\s]*")
CJK_LETTER = re.compile(f"[{KANA_KANJI}]")
LATIN_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,+/%&'’-]*[A-Za-z0-9%]|[A-Za-z0-9]")

# JLREQ's character classes (appendix A): opening brackets (cl-01), closing brackets
# (cl-02), middle dots (cl-05), full stops and commas (cl-06, cl-07). Curly quotes are
# left out: set from the Latin face, they have no em box to trim.
OPENING = set("「『（〔［｛〈《【〘〖〝")
CLOSING = set("」』）〕］｝〉》】〙〗〟")
STOPS = set("、。，．")
DOTS = set("・：；")

BLOCK = {"html", "body", "head", "main", "section", "article", "aside", "header", "footer",
         "nav", "div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt",
         "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "figure",
         "figcaption", "blockquote", "hr", "br", "address"}
SKIP = {"head", "style", "script", "title", "svg", "math", "code", "pre", "kbd", "samp",
        "textarea"}


@dataclass
class Run:
    """One text node: an element's ``text`` or its ``tail``, at *start* in its block."""
    element: etree._Element
    tail: bool
    start: int
    lang: str

    @property
    def value(self) -> str:
        return (self.element.tail if self.tail else self.element.text) or ""


class Block:
    """The running text of a block element, across its inline elements."""

    def __init__(self):
        self.runs: list[Run] = []
        self.text = ""

    def add(self, element, tail: bool, lang: str) -> None:
        run = Run(element, tail, len(self.text), lang)
        if run.value:
            self.runs.append(run)
            self.text += run.value

    def lang_at(self, index: int) -> str:
        for run in reversed(self.runs):
            if run.start <= index:
                return run.lang
        return ""


def is_block(element) -> bool:
    return element.tag in BLOCK or "footnote" in (element.get("class") or "").split()


def blocks(root) -> list[Block]:
    """Every block of running text under <body>, in document order."""
    out: list[Block] = []

    def visit(element, block: Block | None, lang: str) -> Block | None:
        if not isinstance(element.tag, str):  # comments, processing instructions
            if block is not None:
                block.add(element, True, lang)
            return block
        own = element.get("lang") or lang
        if element.tag in SKIP:
            inner = None
        elif is_block(element):
            inner = Block()
            out.append(inner)
        else:
            inner = block
        if inner is not None:
            inner.add(element, False, own)
        for child in element:
            inner = visit(child, inner, own)
        if is_block(element) and block is not None:  # text after a block starts afresh
            block = Block()
            out.append(block)
        if block is not None:
            block.add(element, True, lang)
        return block

    body = root.find("body")
    if body is not None:
        visit(body, None, root.get("lang") or "")
    return [b for b in out if b.text]


# --- wrapping ranges in spans --------------------------------------------------------


def locate(block: Block, index: int, end: bool = False) -> tuple[Run, int]:
    """The run holding character *index* (with *end*, the run ending at *index*)."""
    for run in block.runs:
        if run.start <= index - end < run.start + len(run.value):
            return run, index - run.start
    raise IndexError(index)


def point(run: Run, offset: int) -> tuple[etree._Element, int, int]:
    """A run's position as (parent, segment, offset): segment 0 is parent.text,
    segment i is the tail of the parent's child i - 1."""
    if run.tail:
        parent = run.element.getparent()
        return parent, parent.index(run.element) + 1, offset
    return run.element, 0, offset


def segment_text(parent, segment: int) -> str:
    return (parent.text if segment == 0 else parent[segment - 1].tail) or ""


def set_segment(parent, segment: int, text: str | None) -> None:
    if segment == 0:
        parent.text = text
    else:
        parent[segment - 1].tail = text


def lift_start(parent, segment, offset, stop):
    """Move a start at the very beginning of an inline element to just before it."""
    while segment == 0 and offset == 0 and parent is not stop and not is_block(parent):
        grand = parent.getparent()
        segment = grand.index(parent)
        parent, offset = grand, len(segment_text(grand, segment))
    return parent, segment, offset


def lift_end(parent, segment, offset, stop):
    """Move an end at the very end of an inline element to just after it."""
    while (segment == len(parent) and offset == len(segment_text(parent, segment))
           and parent is not stop and not is_block(parent)):
        grand = parent.getparent()
        parent, segment, offset = grand, grand.index(parent) + 1, 0
    return parent, segment, offset


def wrap(parent, segment: int, start: int, end_segment: int, end: int, cls: str) -> None:
    """Wrap parent's content from (segment, start) to (end_segment, end) in a span."""
    span = etree.Element("span", {"class": cls})
    first = segment_text(parent, segment)
    if end_segment == segment:
        span.text = first[start:end]
        rest = first[end:]
        set_segment(parent, segment, first[:start] or None)
        parent.insert(segment, span)
        span.tail = rest or None
        return
    last = segment_text(parent, end_segment)
    moved = list(parent)[segment:end_segment]
    set_segment(parent, segment, first[:start] or None)
    span.text = first[start:] or None
    parent.insert(segment, span)
    for child in moved:
        span.append(child)  # moves it, with its tail
    moved[-1].tail = last[:end] or None
    span.tail = last[end:] or None


def mark(block: Block, start: int, end: int, cls: str, whole: bool = False,
         split=None) -> None:
    """Wrap block.text[start:end] in span.cls. A range crossing element boundaries
    becomes one span around the elements when it covers them whole (*whole*: it must
    be one box, as a word kept together), else a span on each run's part, of class
    *split(cls, first, last)* (None: no span)."""
    run_s, off_s = locate(block, start)
    run_e, off_e = locate(block, end, end=True)
    if run_s is run_e:
        parent, segment, offset = point(run_s, off_s)
        wrap(parent, segment, offset, segment, offset + end - start, cls)
        return
    if whole:
        stop = block_root(run_s.element)
        a = lift_start(*point(run_s, off_s), stop)
        b = lift_end(*point(run_e, off_e), stop)
        if a[0] is b[0]:
            wrap(a[0], a[1], a[2], b[1], b[2], cls)
            return
    pieces = [(run, max(start, run.start), min(end, run.start + len(run.value)))
              for run in block.runs if run.start < end and run.start + len(run.value) > start]
    for i, (run, s, e) in reversed(list(enumerate(pieces))):  # right to left, so
        part = split(cls, i == 0, i == len(pieces) - 1) if split else cls  # offsets hold
        if part:
            parent, segment, offset = point(run, s - run.start)
            wrap(parent, segment, offset, segment, offset + e - s, part)


def block_root(element):
    while element is not None and not is_block(element):
        element = element.getparent()
    return element


# --- the transforms ------------------------------------------------------------------


@dataclass
class Transform:
    """*find(text, active)* yields (start, end, class) ranges of a block's text;
    *active(i)* says whether character i is in a language the transform is on for."""
    priority: int
    name: str
    switch: str  # the LanguageStyle attribute that turns it on
    find: Callable[[str, Callable[[int], bool]], Iterator[tuple[int, int, str]]]
    whole: bool = False  # a range crossing elements must stay one box
    split: Callable[[str, bool, bool], str | None] | None = None  # see mark()
    crossing: bool = False  # only ranges that cross an element boundary are marked


def keep_all(text: str, active) -> Iterator[tuple[int, int, str]]:
    """Korean words whole (word-break: keep-all, which WeasyPrint lacks; KLREQ 3.2:
    Korean breaks between words). Inside one text, Pango keeps a word whole
    (publish/keepall.py); a word crossing an element boundary is one nowrap span, run
    after the other transforms so their spans inside the word are kept in it."""
    for m in HANGUL_WORD.finditer(text):
        if active(m.start()):
            yield m.start(), m.end(), "kw"


CLOSING_STOPS, OPENING_DOTS = CLOSING | STOPS, OPENING | DOTS
ANY_MARK = OPENING | CLOSING | STOPS | DOTS


def trim_punctuation(text: str, active) -> Iterator[tuple[int, int, str]]:
    """Adjacent brackets, stops and middle dots (JLREQ 3.1.4, 約物の詰め): the member whose
    half em lies between the two is set half width (class ``halt``)."""
    for i in range(len(text) - 1):
        a, b = text[i], text[i + 1]
        if a in CLOSING_STOPS and b in ANY_MARK:
            trimmed = i
        elif a in OPENING_DOTS and b in OPENING:
            trimmed = i + 1
        else:
            continue
        if active(i) and active(i + 1):  # asked only of a pair of marks: it costs
            yield trimmed, trimmed + 1, "halt"


def glue_trimmed(text: str, active) -> Iterator[tuple[int, int, str]]:
    """Each trimmed mark with its neighbours in one nowrap span (class ``nb``): the halt
    span's edges would otherwise be break opportunities to WeasyPrint, putting a closing
    bracket at a line start (JLREQ 3.1.7, 行頭禁則). Runs before trim_punctuation, so its
    span nests inside."""
    ranges: list[list[int]] = []
    for start, end, _ in trim_punctuation(text, active):
        s, e = max(start - 1, 0), min(end + 1, len(text))
        if ranges and s <= ranges[-1][1]:
            ranges[-1][1] = e
        else:
            ranges.append([s, e])
    for s, e in ranges:
        yield s, e, "nb"


def autospace(text: str, active) -> Iterator[tuple[int, int, str]]:
    """A quarter em between kanji/kana and Latin letters or digits (JLREQ 3.2.2, JIS X
    4051 ‘和欧文間’), as margins of a span around the Latin run."""
    for m in LATIN_RUN.finditer(text):
        s, e = m.span()
        before = s > 0 and active(s - 1) and CJK_LETTER.match(text[s - 1])
        after = e < len(text) and active(e) and CJK_LETTER.match(text[e])
        if before or after:
            yield s, e, "as-ba" if before and after else ("as-b" if before else "as-a")


def space_edges(cls: str, first: bool, last: bool) -> str | None:
    """A Latin run split over elements: its space before on the first part, after on
    the last."""
    before, after = first and cls in ("as-b", "as-ba"), last and cls in ("as-a", "as-ba")
    return "as-ba" if before and after else "as-b" if before else "as-a" if after else None


TRANSFORMS = sorted([
    Transform(400, "keep-all", "keep_all", keep_all, whole=True, crossing=True),
    Transform(190, "glue-trimmed", "trim_punctuation", glue_trimmed, whole=True),
    Transform(200, "trim-punctuation", "trim_punctuation", trim_punctuation),
    Transform(300, "autospace", "autospace", autospace, split=space_edges),
], key=lambda t: t.priority)


def apply_transforms(root, is_on: Callable[[str, str], bool],
                     transforms: list[Transform] = TRANSFORMS) -> None:
    """Run *transforms* in priority order on the tree *root*; *is_on(switch, lang)*."""
    known: dict[tuple[str, str], bool] = {}

    def on(switch: str, lang: str) -> bool:
        if (switch, lang) not in known:
            known[switch, lang] = bool(lang) and is_on(switch, lang)
        return known[switch, lang]

    for transform in transforms:
        for block in blocks(root):
            def active(i, block=block):
                return on(transform.switch, block.lang_at(i))
            for start, end, cls in sorted(transform.find(block.text, active), reverse=True):
                if transform.crossing and within_one_run(block, start, end):
                    continue
                mark(block, start, end, cls, transform.whole, transform.split)


def within_one_run(block: Block, start: int, end: int) -> bool:
    return locate(block, start)[0] is locate(block, end, end=True)[0]


def transform_html(html: str, is_on: Callable[[str, str], bool],
                   transforms: list[Transform] = TRANSFORMS) -> str:
    """*html* (a whole document) through *transforms*; unchanged if none is on for any
    of its languages."""
    root = lxml.html.document_fromstring(html)
    langs = {e.get("lang") or "" for e in root.iter() if isinstance(e.tag, str)}
    wanted = [t for t in transforms if any(is_on(t.switch, lang) for lang in langs if lang)]
    if not wanted:
        return html
    apply_transforms(root, is_on, wanted)
    doctype = "<!DOCTYPE html>\n" if html.lstrip()[:9].lower() == "<!doctype" else ""
    end = "\n" if html.endswith("\n") else ""
    return doctype + lxml.html.tostring(root, encoding="unicode", method="html") + end


def serialize(root) -> str:
    return "<!DOCTYPE html>\n" + lxml.html.tostring(root, encoding="unicode", method="html")


# --- SVG figures: the same CJK-Latin space in their labels --------------------------------

SVG_NS = "{http://www.w3.org/2000/svg}"


def svg_autospace(root, is_on: Callable[[str, str], bool]) -> None:
    """The quarter em between kanji/kana and Latin in an SVG figure's <text>, as
    ``dx`` shifts of <tspan>s (SVG text has no margins): the figure's labels follow
    the body's rule, and no character is added."""
    lang = root.get("{http://www.w3.org/XML/1998/namespace}lang") or root.get("lang") or ""
    if not lang or not is_on("autospace", lang):
        return
    for text in root.iter(f"{SVG_NS}text"):
        if len(text) or not text.text:
            continue  # labels are plain text; a label already split is left alone
        size = next((float(e.get("font-size")) for e in (text, *text.iterancestors())
                     if (e.get("font-size") or "").replace(".", "").isdigit()), 16.0)
        cuts = set()
        for s, e, cls in autospace(text.text, lambda i: True):
            if cls in ("as-b", "as-ba") and s > 0:
                cuts.add(s)
            if cls in ("as-a", "as-ba") and e < len(text.text):
                cuts.add(e)
        if not cuts:
            continue
        value, bounds = text.text, [0, *sorted(cuts), len(text.text)]
        text.text = value[:bounds[1]]
        for a, b in zip(bounds[1:], bounds[2:]):
            span = etree.SubElement(text, f"{SVG_NS}tspan", dx=f"{size / 4:g}")
            span.text = value[a:b]


# --- PDF fonts: subset faces ----------------------------------------------------------------

SVG_DATA = "data:image/svg+xml;base64,"


def subset_faces(html: str, families: list[str], folder, subset) -> str:
    """*html* with *families* (regular and bold) as @font-face subsets of its characters,
    under names of their own that the styles and SVG figures then use.

    WeasyPrint subsets the system's CJK fonts keeping their glyph ids, so every face
    carries an index of up to 65,000 empty glyphs: 70-140 KB even for the few glyphs of
    a title. Fonts subset here first have ids up to a few hundred, and PDFs half the size.
    *subset(family, text, style)* gives (file name, bytes); the files go to *folder*
    (a pathlib.Path; as data: URIs, CSS parsing alone took seconds).
    """
    import base64

    if not families:
        return html
    root = lxml.html.document_fromstring(html)
    images = [img for img in root.iter("img") if (img.get("src") or "").startswith(SVG_DATA)]
    svgs = [base64.b64decode(img.get("src")[len(SVG_DATA):]).decode("utf-8") for img in images]
    text = html + "".join(svgs)
    faces = []
    styles = list(root.find("head").iter("style")) if root.find("head") is not None else []
    for family in families:
        alias = f"bp {family}"
        for weight, style in ((400, "Regular"), (700, "Bold")):
            name, data = subset(family, text, style)
            (folder / name).write_bytes(data)
            faces.append(f'@font-face {{ font-family: "{alias}"; font-weight: {weight}; '
                         f'src: url("{(folder / name).as_uri()}"); }}')
        for element in styles:
            element.text = (element.text or "").replace(f'"{family}"', f'"{alias}"')
        svgs = [svg.replace(f'font-family="{family}"', f'font-family="{alias}"') for svg in svgs]
    for img, svg in zip(images, svgs):
        img.set("src", SVG_DATA + base64.b64encode(svg.encode()).decode())
    if styles:  # a stylesheet of its own: the others do not change with the text
        sheet = lxml.html.Element("style")
        sheet.text = "\n" + "\n".join(faces) + "\n"
        styles[0].addprevious(sheet)
    return serialize(root)
