"""Where each PDF page starts, for the EPUB's page list.

A page is found in the text as the block (a top-level element of the body, or a pair
of the bilingual edition) in which its first line begins, and the number of letters of
that block set on earlier pages: spaces and invisible joiners are not counted, so the
same position is found in the EPUB's blocks, whose spaces differ."""

from __future__ import annotations

import copy
import re

import lxml.html

from ..cjk import KANA_KANJI


END = 1 << 30  # a page starting after everything the EPUB has: its marker ends the book
INVISIBLE = set("\u00ad\u200b\u200c\u200d\u2060\ufeff")


UNSPACED = re.compile(f"[{KANA_KANJI}]")


def in_word(char: str) -> bool:
    """Whether *char* is a letter of a word that spaces delimit (not kana or Han,
    between any two of which a line or page may break)."""
    return char.isalnum() and not UNSPACED.match(char)


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
                # A page that starts inside a hyphenated word is marked before the
                # word: a reader going to the page sees it whole.
                while cut and in_word(text[cut - 1]) and in_word(text[cut]):
                    cut -= 1
                if not cut:
                    items.insert(i, page_marker(number))
                    return True
                items[i: i + 1] = [{"t": "Str", "c": text[:cut]}, page_marker(number),
                                   {"t": "Str", "c": text[cut:]}]
                return True
            if isinstance(item.get("c"), list) and visit(item["c"]):
                return True
        return False

    return visit([node])
