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
from .transforms import CLOSING, DOTS, OPENING, STOPS, blocks, serialize

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
    at_most, floats = set(), MAX_FLOAT_PASSES
    # Each layout is looked at for every fault at once, and laid out again once for all
    # it corrected: short lines (the estimate, then the most allowed where it fell
    # short), a line-start space, a figure to float.
    while True:
        for number, (halt, tracking) in short.items():
            rules = ['font-feature-settings: "halt"'] if halt else []
            if tracking:
                rules.append(f"letter-spacing: -{min(tracking, MAX_TRACKING):.4f}em")
            by_number[number].set("style", "; ".join(filter(None, [styles[number], *rules])))
        floated = floats > 0 and float_figures(document, units, numbers)
        floats -= floated
        if not short and not moved and not floated:
            return document
        at_most |= {n for n, (_, tracking) in short.items() if tracking >= MAX_TRACKING}
        document, moved = render(serialize(root)), False
        short = {n: (halt, MAX_TRACKING) for n, (halt, tracking) in
                 short_paragraphs(document).items()
                 if n in styles and n not in at_most and tracking < MAX_TRACKING}


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
