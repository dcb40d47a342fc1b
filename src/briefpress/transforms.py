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

from .cjk import CJK_PUNCTUATION, FULLWIDTH, HANGUL, KANA_KANJI

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


def trim_punctuation(text: str, active) -> Iterator[tuple[int, int, str]]:
    """Adjacent brackets, stops and middle dots (JLREQ 3.1.4, 約物の詰め): the member whose
    half em lies between the two is set half width (class ``halt``)."""
    for i in range(len(text) - 1):
        a, b = text[i], text[i + 1]
        if not (active(i) and active(i + 1)):
            continue
        if a in CLOSING | STOPS and b in OPENING | CLOSING | STOPS | DOTS:
            yield i, i + 1, "halt"
        elif a in OPENING | DOTS and b in OPENING:
            yield i + 1, i + 2, "halt"


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


# --- second layout pass: paragraphs' last lines ----------------------------------------

# A paragraph's last line must hold at least this much (JLREQ 3.8.1 and KLREQ's word
# spacing): (what is counted, how many), by base language.
LAST_LINE = {"ja": ("chars", 3), "zh": ("chars", 3), "ko": ("words", 2)}
MAX_TRACKING = 0.05  # em per character, the most a paragraph is tightened
CJK_CHAR = re.compile(f"[{KANA_KANJI}{HANGUL}{CJK_PUNCTUATION}{FULLWIDTH}]")


def walk_boxes(box):
    yield box
    for child in getattr(box, "children", None) or ():
        yield from walk_boxes(child)


def line_text(line) -> str:
    return "".join(getattr(b, "text", "") or "" for b in walk_boxes(line))


def is_short(text: str, lang: str) -> bool:
    rule = LAST_LINE.get(lang.split("-")[0].lower())
    text = text.strip()
    if not rule or not text:
        return False
    kind, least = rule
    if kind == "chars":
        return len(CJK_CHAR.findall(text)) == len(text) and len(text) < least
    return len(text.split()) < least


def short_paragraphs(document) -> dict[str, tuple[bool, float]]:
    """The paragraphs (by their ``data-bp`` number) whose last line is short, with how
    to pull that line back, in JLREQ 3.8's order: (set the punctuation half width,
    then the tracking in em per character still needed)."""
    lines: dict[str, list] = {}
    boxes: dict[str, object] = {}
    for page in document.pages:
        for box in walk_boxes(page._page_box):
            element = getattr(box, "element", None)
            number = element.get("data-bp") if element is not None else None
            if number is None or getattr(box, "element_tag", None) != "p" or \
                    type(box).__name__ == "LineBox":
                continue
            boxes[number] = box
            lines.setdefault(number, []).extend(
                c for c in box.children if type(c).__name__ == "LineBox")
    found = {}
    for number, found_lines in lines.items():
        box = boxes[number]
        lang = box.style["lang"] or ""
        if len(found_lines) < 2 or not is_short(line_text(found_lines[-1]), lang):
            continue
        text = "".join(line_text(l) for l in found_lines[:-1])
        needed = found_lines[-1].width / box.style["font_size"] + 0.5  # half an em spare
        trim = LAST_LINE[lang.split("-")[0].lower()][0] == "chars"  # CJK punctuation
        gain = trim * sum(0.5 if c in OPENING | CLOSING | STOPS else 0.25 if c in DOTS
                          else 0 for c in text)
        found[number] = (trim and gain > 0, max(0.0, needed - gain) / max(len(text), 1))
    return found


def element_boxes(document) -> dict[str, list[tuple[int, object]]]:
    """(page index, box) of every laid-out box of an element numbered ``data-bp``."""
    found: dict[str, list] = {}
    for index, page in enumerate(document.pages):
        for box in walk_boxes(page._page_box):
            element = getattr(box, "element", None)
            number = element.get("data-bp") if element is not None else None
            if number is not None and type(box).__name__ != "LineBox" and \
                    not any(b is box for _, b in found.get(number, ())):
                found.setdefault(number, []).append((index, box))
    return found


def page_room(page) -> float:
    """The height left at the foot of a page's text area (footnotes' area excluded)."""
    box = page._page_box
    limit = box.content_box_y() + box.height
    used = box.content_box_y()
    flow = [c for c in box.children if type(c).__name__ != "MarginBox"]
    for child in (b for c in flow for b in walk_boxes(c)):
        kind = type(child).__name__
        if kind == "FootnoteAreaBox" and child.children:
            limit = min(limit, child.position_y)
        elif kind in ("LineBox", "BlockReplacedBox", "InlineReplacedBox"):
            used = max(used, child.position_y + child.margin_height())
    return limit - used


def is_heading(element) -> bool:
    return element.tag in ("h1", "h2", "h3", "h4", "h5", "h6") or \
        element.find(".//h1") is not None or element.find(".//h2") is not None or \
        element.find(".//h3") is not None or element.find(".//h4") is not None


BREAKABLE = {"p", "tr", "ul", "ol", "blockquote"}


def breakable(element) -> bool:
    """A block that may go on over a page break: a paragraph, a list, a bilingual pair."""
    return element.tag in BREAKABLE or "pair" in (element.get("class") or "").split()
MAX_FLOAT_PASSES = 4  # layout passes spent on floating figures, at most


def float_figures(document, units: list, numbers: dict) -> bool:
    """Move each figure (or bilingual row holding one) that was pushed to the next page
    after the blocks that fit in the space it left, as a page float: those blocks fill
    the page and the figure tops the next. A paragraph or row that can break may fill
    the rest of the page, the figure then following its end. Never past a heading.
    Moves the first such figure only, and says whether it did."""
    boxes = element_boxes(document)
    for unit in units:
        placed = boxes.get(numbers[unit])
        if not placed or placed[0][0] == 0:
            continue
        page_index, box = placed[0]
        page = document.pages[page_index]._page_box
        previous = document.pages[page_index - 1]
        at_top = box.position_y - page.content_box_y() < 0.15 * page.height
        room = page_room(previous)
        if not at_top or room < 0.2 * previous._page_box.height:
            continue
        after, used = None, 0.0
        for sibling in unit.itersiblings():
            if not isinstance(sibling.tag, str) or is_heading(sibling) or \
                    numbers.get(sibling) not in boxes:
                break
            height = sum(b.margin_height() for _, b in boxes[numbers[sibling]])
            if used + height > room - 4:
                if room - used > 0.15 * previous._page_box.height and \
                        breakable(sibling):
                    after = sibling  # it fills the page and goes on over the next
                break
            after, used = sibling, used + height
        if after is not None:
            tail, unit.tail = unit.tail, None
            before = unit.getprevious()
            if before is not None and tail:
                before.tail = (before.tail or "") + tail
            after.addnext(unit)
            return True  # the pages after this one are laid out again first
    return False


def second_pass(html: str, render):
    """The laid-out document of *html*, *render(html)*, corrected by a second layout
    pass where the first left a typesetter's fault: paragraphs ending on a short line
    are pulled back (their punctuation set half width, then their characters tracked
    closer, at most MAX_TRACKING em each; words never change), and figures pushed to
    the next page float below the blocks that fill the space they left."""
    root = lxml.html.document_fromstring(html)
    body = root.find("body")
    paragraphs = list(root.iter("p"))
    units = list(dict.fromkeys(f if pair_of(f) is None else pair_of(f)
                               for f in body.iter("figure")))
    numbers = {}
    for element in (*paragraphs, *units, *(u.getparent() for u in units)):
        for item in ([element] if element in paragraphs else list(element)):
            if isinstance(item.tag, str) and item not in numbers:
                numbers[item] = str(len(numbers))
                item.set("data-bp", numbers[item])
    spaced = number_spaced(body)
    document = render(serialize(root))
    short = short_paragraphs(document)
    moved = unindent(document, spaced)
    by_number = {n: e for e, n in numbers.items()}
    styles = {n: by_number[n].get("style") for n in short}
    for _ in range(2):  # the estimate, then the most allowed where it fell short
        for number, (halt, tracking) in short.items():
            rules = ['font-feature-settings: "halt"'] if halt else []
            if tracking:
                rules.append(f"letter-spacing: -{min(tracking, MAX_TRACKING):.4f}em")
            by_number[number].set("style", "; ".join(filter(None, [styles[number], *rules])))
        if not short and not moved:
            break
        document, moved = render(serialize(root)), False
        short = {n: (halt, MAX_TRACKING) for n, (halt, tracking) in
                 short_paragraphs(document).items() if n in styles and tracking < MAX_TRACKING}
    for _ in range(MAX_FLOAT_PASSES):  # a moved figure moves the pages after it
        if not float_figures(document, units, numbers):
            break
        document = render(serialize(root))
    return document


def number_spaced(body) -> dict[str, object]:
    """The spans of Latin runs with a CJK-Latin space before them, numbered
    ``data-bp="sN"``, by number."""
    spans = {}
    for span in body.iter("span"):
        if {"as-b", "as-ba"} & set((span.get("class") or "").split()):
            spans[f"s{len(spans)}"] = span
            span.set("data-bp", f"s{len(spans) - 1}")
    return spans


def unindent(document, spans: dict[str, object]) -> bool:
    """Drop the CJK-Latin space before each Latin run that starts a line: at a line's
    start it would show as an indent (JLREQ 3.2.2 sets none there). Says whether any
    was dropped; the layout must then be made again."""
    found = False
    for page in document.pages:
        for line in walk_boxes(page._page_box):
            box = line if type(line).__name__ == "LineBox" else None
            while box is not None and getattr(box, "children", None):
                box = box.children[0]
                element = getattr(box, "element", None)
                number = element.get("data-bp") if element is not None else None
                if number in spans and type(box).__name__ == "InlineBox" and line_text(box) and \
                        "".join(element.itertext()).startswith(line_text(box)):
                    span = spans.pop(number)
                    classes = span.get("class").replace("as-ba", "as-a").split()
                    span.set("class", " ".join(c for c in classes if c != "as-b"))
                    found = True
    return found


def pair_of(figure):
    """The bilingual pair (a row of source and translation cells) holding *figure*."""
    cell = figure.getparent()
    classes = (cell.get("class") or "").split()
    if cell.tag == "td" or "source" in classes or "translation" in classes:
        return cell.getparent()
    return None


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
    if styles:
        styles[0].text = "\n" + "\n".join(faces) + "\n" + (styles[0].text or "")
    return serialize(root)
