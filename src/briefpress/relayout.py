"""The second layout pass: WeasyPrint lays the HTML out, and where the first layout left a
typesetter's fault it is corrected and laid out again. Paragraphs ending on a short line
are pulled back (their punctuation set half width, then their characters tracked closer;
words never change), figures pushed to the next page float below the blocks that fill
the space they left, and a CJK-Latin space that starts a line is dropped. The rules and
their sources are in docs/typography.md; the composition before layout is transforms.py.
"""

from __future__ import annotations

import re

import lxml.html

from .cjk import CJK_PUNCTUATION, FULLWIDTH, HANGUL, KANA_KANJI
from .transforms import CLOSING, DOTS, OPENING, STOPS, serialize

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


def figure_to_float(document, units: list, numbers: dict) -> tuple[str, str] | None:
    """The first figure (or bilingual row holding one) pushed to the next page that can
    float below the blocks filling the space it left, and the last of those blocks, by
    their numbers: those blocks fill the page and the figure tops the next. A paragraph
    or row that can break may fill the rest of the page, the figure then following its
    end. Never past a heading."""
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
            return numbers[unit], numbers[after]
    return None


def second_pass(html: str, render):
    """The laid-out document of *html*, *render(html)*, corrected by as many layout
    passes as Passes finds faults for (one more, mostly; none where there is none)."""
    passes = Passes(html)
    return passes.finish(render(passes.html), render)


class Passes:
    """The corrections of one document's layout, pass by pass. ``faults(document)``
    says, as plain values, what a layout of the last HTML gets wrong; ``correct(faults)``
    changes the HTML to mend it and gives the HTML to lay out next (None: nothing to
    mend). The faults looked for:

    - paragraphs ending on a short line, pulled back (their punctuation set half width,
      then their characters tracked closer, at most MAX_TRACKING em each; words never
      change): the first layout's estimate, then the most allowed where it fell short;
    - a CJK-Latin space starting a line (first layout only);
    - a figure pushed to the next page, floated below the blocks that fill the space it
      left (one a pass, MAX_FLOAT_PASSES at most).

    Being plain values, a layout's faults can be compared with a guess (publish.pdf)."""

    def __init__(self, html: str):
        self.root = lxml.html.document_fromstring(html)
        body = self.root.find("body")
        paragraphs = list(self.root.iter("p"))
        self.units = list(dict.fromkeys(f if pair_of(f) is None else pair_of(f)
                                        for f in body.iter("figure")))
        self.numbers = {}
        for element in (*paragraphs, *self.units, *(u.getparent() for u in self.units)):
            for item in ([element] if element in paragraphs else list(element)):
                if isinstance(item.tag, str) and item not in self.numbers:
                    self.numbers[item] = str(len(self.numbers))
                    item.set("data-bp", self.numbers[item])
        self.by_number = {n: e for e, n in self.numbers.items()}
        self.spaced = number_spaced(body)
        self.styles: dict | None = None  # the first pass's short paragraphs: their style
        self.at_most: set[str] = set()  # tracked as close as allowed already
        self.floats = MAX_FLOAT_PASSES
        self.html = serialize(self.root)

    def faults(self, document) -> tuple:
        """(short paragraphs as sorted (number, (halt, tracking)) pairs, the spaced
        spans starting a line, the figure to float as (its number, the number it goes
        after) or None) of *document*, a layout of the last HTML. Changes nothing."""
        short = short_paragraphs(document)
        if self.styles is None:
            spans = line_start_spans(document, self.spaced)
        else:
            spans = ()
            short = {n: (halt, MAX_TRACKING) for n, (halt, tracking) in short.items()
                     if n in self.styles and n not in self.at_most and
                     tracking < MAX_TRACKING}
        move = figure_to_float(document, self.units, self.numbers) if self.floats else None
        return tuple(sorted(short.items())), tuple(spans), move

    def fits(self, faults: tuple) -> bool:
        """Whether what *faults* names is in this HTML (a guess may be out of date)."""
        short, spans, move = faults
        return all(n in self.by_number for n, _ in short) and \
            all(n in self.spaced for n in spans) and \
            all(n in self.by_number for n in move or ())

    def correct(self, faults: tuple) -> str | None:
        short, spans, move = faults
        if self.styles is None:
            self.styles = {n: self.by_number[n].get("style") for n, _ in short}
        for number, (halt, tracking) in short:
            rules = ['font-feature-settings: "halt"'] if halt else []
            if tracking:
                rules.append(f"letter-spacing: -{min(tracking, MAX_TRACKING):.4f}em")
            self.by_number[number].set("style", "; ".join(
                filter(None, [self.styles[number], *rules])))
        for number in spans:
            span = self.spaced.pop(number)
            classes = span.get("class").replace("as-ba", "as-a").split()
            span.set("class", " ".join(c for c in classes if c != "as-b"))
        if move:
            self.floats -= 1
            unit, after = self.by_number[move[0]], self.by_number[move[1]]
            tail, unit.tail = unit.tail, None
            before = unit.getprevious()
            if before is not None and tail:
                before.tail = (before.tail or "") + tail
            after.addnext(unit)
        if not short and not spans and not move:
            return None
        self.at_most |= {n for n, (_, tracking) in short if tracking >= MAX_TRACKING}
        return serialize(self.root)

    def finish(self, document, render, faults: tuple | None = None):
        """*document* (a layout of the last HTML, whose *faults* may be known already)
        laid out again until no fault is left."""
        while (html := self.correct(self.faults(document) if faults is None else faults)) \
                is not None:
            document, faults = render(html), None
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


def line_start_spans(document, spans: dict[str, object]) -> list[str]:
    """The numbers of the spaced spans (number_spaced) that start a line, where the
    CJK-Latin space before them would show as an indent (JLREQ 3.2.2 sets none there)."""
    found: list[str] = []
    for page in document.pages:
        for line in walk_boxes(page._page_box):
            box = line if type(line).__name__ == "LineBox" else None
            while box is not None and getattr(box, "children", None):
                box = box.children[0]
                element = getattr(box, "element", None)
                number = element.get("data-bp") if element is not None else None
                if number in spans and number not in found and \
                        type(box).__name__ == "InlineBox" and line_text(box) and \
                        "".join(element.itertext()).startswith(line_text(box)):
                    found.append(number)
    return found


def pair_of(figure):
    """The bilingual pair (a row of source and translation cells) holding *figure*."""
    cell = figure.getparent()
    classes = (cell.get("class") or "").split()
    if cell.tag == "td" or "source" in classes or "translation" in classes:
        return cell.getparent()
    return None
