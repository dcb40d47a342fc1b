"""Stage 2, segment: walk a Document into translation units (Segments).

A unit is a run of inline content a translator translates as a whole: a heading, a
paragraph, a list item, a caption, an alt text, a table cell, a footnote paragraph, or
a translatable front-matter field. Body units keep their inline markup as Markdown
(``*emphasis*``, ``[link](url)``, footnote references as ``[^1]``), which a translator
can read and must keep.

``slots`` is the one walk over the AST; localize uses the same walk on a copy of the
document, so unit *n* of the catalog is slot *n* of every language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from . import pandoc
from .cache import content_nonce
from .load import image_references, line_of
from .model import Document, Segment
from .errors import ResourceError
from .pool import cores
from .sandbox import resolve_local

# Front-matter fields a reader sees, in reading order; "*" stands for each list index.
META_FIELDS = [
    ("title", "title"),
    ("subtitle", "subtitle"),
    ("short_title", "short title (running header)"),
    ("series", "series name"),
    ("publisher", "publisher"),
    ("authors.*.name", "author's name, as the language writes it"),
    ("authors.*.affiliation", "author's affiliation"),
    ("summary", "summary"),
    ("keywords.*", "keyword"),
    ("authors.*.bio", "author's biography"),
    ("cover.alt", "cover image alt text"),
    ("cover.caption", "cover caption"),
    ("cover.credit", "cover credit"),
    ("license", "license line (colophon)"),
]


LIST_LEVEL = re.compile(r"list item \(level (\d+)\)")


@dataclass
class Slot:
    """A place in the AST that holds one unit: ``container[key]``."""

    container: list | dict
    key: int | str
    kind: str
    line: int
    markdown: bool = True  # False: a plain string (attribute value), not inlines


def meta_paths(meta: dict) -> Iterator[tuple[str, str]]:
    """(dotted path, description) of every translatable front-matter value present."""
    for pattern, what in META_FIELDS:
        yield from expand(meta, pattern.split("."), "", what)


def expand(value, parts: list[str], prefix: str, what: str):
    if not parts:
        if isinstance(value, str) and value.strip():
            yield prefix.rstrip("."), what
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield from expand(item, rest, f"{prefix}{i}.", what)
    elif isinstance(value, dict) and head in value:
        yield from expand(value[head], rest, f"{prefix}{head}.", what)


def get_path(meta: dict, path: str):
    value = meta
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def set_path(meta: dict, path: str, new) -> None:
    *parents, last = path.split(".")
    value = meta
    for part in parents:
        value = value[int(part)] if isinstance(value, list) else value[part]
    if isinstance(value, list):
        value[int(last)] = new
    else:
        value[last] = new


def slots(blocks: list) -> list[Slot]:
    """Every unit-holding place in *blocks*, in reading order (footnotes after the unit
    that references them)."""
    out: list[Slot] = []
    walk_blocks(blocks, "", out, [0])
    return out


def walk_blocks(blocks: list, where: str, out: list[Slot], notes: list[int]) -> None:
    for block in blocks:
        t, c = block["t"], block.get("c")
        line = line_of(block)
        if t in ("Para", "Plain"):
            if is_lone_image(c):
                add_image(c[0], where, out)
            elif c:
                add_inlines(block, "c", f"{where}paragraph" if not where else where.rstrip(": "),
                            line, out, notes)
        elif t == "Header":
            add_inlines(c, 2, f"heading (level {c[0]})", line, out, notes)
        elif t == "BlockQuote":
            walk_blocks(c, "block quote: ", out, notes)
        elif t in ("BulletList", "OrderedList"):
            items = c if t == "BulletList" else c[1]
            depth = int(m.group(1)) + 1 if (m := LIST_LEVEL.search(where)) else 1
            for item in items:
                walk_blocks(item, f"list item (level {depth}): ", out, notes)
        elif t == "DefinitionList":
            for item in c:  # [term, definitions]: the slot is the item itself
                term, definitions = item
                add_inlines(item, 0, "definition term", line_of(term, line), out, notes)
                for definition in definitions:
                    walk_blocks(definition, "definition: ", out, notes)
        elif t == "LineBlock":
            for i in range(len(c)):
                add_inlines(c, i, "line of a line block", line, out, notes)
        elif t == "Div":
            add_shown(c[0], "block", line, out)
            walk_blocks(c[1], where, out, notes)
        elif t == "Figure":
            walk_blocks(c[1][1], "figure caption: ", out, notes)
            walk_blocks(c[2], "figure: ", out, notes)
            add_attribute(c[0], "credit", "figure credit", line, out)
            add_shown(c[0], "figure", line, out)
        elif t == "Table":
            walk_table(c, line, out, notes)
        # CodeBlock, RawBlock, HorizontalRule: nothing to translate.


def walk_table(c: list, line: int, out: list[Slot], notes: list[int]) -> None:
    _attr, caption, _specs, head, bodies, foot = c
    walk_blocks(caption[1], "table caption: ", out, notes)
    rows = list(head[1])
    for body in bodies:
        rows += body[2] + body[3]
    rows += foot[1]
    for row in rows:
        for cell in row[1]:
            walk_blocks(cell[4], "table cell: ", out, notes)


# Attributes a reader sees (a tooltip) or a screen reader speaks, translated as units.
SHOWN = {"title": "title (a tooltip)", "aria-label": "label (aria-label, read aloud)"}


def is_lone_image(inlines: list) -> bool:
    return len(inlines) == 1 and inlines[0]["t"] == "Image"


def add_image(image: dict, where: str, out: list[Slot]) -> None:
    alt = image["c"][1]
    if alt:
        out.append(Slot(image["c"], 1, "image alt text", line_of(image), True))
    add_attribute(image["c"][0], "alt", "image alt text", line_of(image), out)
    add_attribute(image["c"][0], "credit", "image credit", line_of(image), out)
    if has_words(image["c"][2][1]):
        out.append(Slot(image["c"][2], 1, "image title (a tooltip)", line_of(image),
                        markdown=False))
    add_shown(image["c"][0], "image", line_of(image), out)


def add_shown(attr: list, what: str, line: int, out: list[Slot]) -> None:
    """The attributes of a block or a figure's image a reader sees or hears."""
    for name, kind in SHOWN.items():
        add_attribute(attr, name, f"{what} {kind}", line, out)


def add_attribute(attr: list, name: str, kind: str, line: int, out: list[Slot]) -> None:
    for pair in attr[2]:
        if pair[0] == name and has_words(pair[1]):
            out.append(Slot(pair, 1, kind, line, markdown=False))


def has_words(text: str) -> bool:
    """Whether *text* has anything to translate (a bare year or number has not)."""
    return any(ch.isalpha() for ch in text)


def add_inlines(container, key, kind: str, line: int, out: list[Slot],
                notes: list[int]) -> None:
    if has_words(pandoc.stringify(container[key])) or find_notes(container[key]):
        out.append(Slot(container, key, kind, line))
    for note in find_notes(container[key]):
        notes[0] += 1
        walk_blocks(note["c"], f"footnote {notes[0]}: ", out, notes)


def find_notes(inlines: list) -> list[dict]:
    found: list[dict] = []

    def visit(node):
        if isinstance(node, dict):
            if node.get("t") == "Note":
                found.append(node)
                return  # a note's own notes are walked with its blocks
            visit(node.get("c"))
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(inlines)
    return found


def note_placeholders(inlines: list, first: int) -> tuple[list, list[dict]]:
    """*inlines* with each Note replaced by ``[^N]`` (N from *first*), and the notes."""
    notes: list[dict] = []

    def replace(node):
        if isinstance(node, list):
            return [replace(n) for n in node]
        if isinstance(node, dict) and "t" in node:
            if node["t"] == "Note":
                notes.append(node)
                return {"t": "RawInline", "c": ["commonmark_x", f"[^{first + len(notes)}]"]}
            if "c" in node:
                return {**node, "c": replace(node["c"])}
        return node

    return replace(inlines), notes


def numbered_notes(slot_list: list[Slot]) -> Iterator[tuple[list | None, dict[int, dict]]]:
    """For each slot in order, its inlines with each footnote as ``[^N]`` and the notes by
    N, numbered on across the slots as the translator sees them: the one numbering that
    unit_texts, localize and check share. (None, {}) for a plain-text slot."""
    counter = 0
    for slot in slot_list:
        if not slot.markdown:
            yield None, {}
            continue
        inlines, notes = note_placeholders(slot.container[slot.key], counter)
        yield inlines, {counter + i + 1: note for i, note in enumerate(notes)}
        counter += len(notes)


# Characters pandoc's CommonMark writer leaves as they are, or guards with an empty
# ``<!-- -->`` a translator cannot copy: written here as escapes that read back as the
# same character. Each gets a private-use stand-in while pandoc writes.
ESCAPES = {"$": "\\$", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
STAND_IN = {char: chr(0xE000 + i) for i, char in enumerate(ESCAPES)}
AMP_STAND_IN = chr(0xE000 + len(ESCAPES))
ENTITY_LIKE = re.compile(AMP_STAND_IN + r"(?=#\d+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
# A link target that CommonMark can only write between angle brackets.
NEEDS_BRACKETS = re.compile(r"[\s<>()\\]")


def protect(inlines: list, targets: list[str], nonce: str) -> list:
    """*inlines* with stand-ins for what pandoc's writer would not write back faithfully,
    and without the source lines load put on them (a third of the JSON pandoc would
    read for nothing)."""
    def visit(node):
        if isinstance(node, list):
            return [visit(n) for n in node]
        if not isinstance(node, dict) or "t" not in node:
            return node
        t, c = node["t"], node.get("c")
        if t == "Str":
            for char, stand_in in STAND_IN.items():
                c = c.replace(char, stand_in)
            return {"t": t, "c": c.replace("&", AMP_STAND_IN)}
        if t in ("Link", "Image") and NEEDS_BRACKETS.search(c[2][0]):
            targets.append(c[2][0])
            c = [c[0], visit(c[1]), [f"bp-url-{nonce}-{len(targets) - 1}", c[2][1]]]
            return {"t": t, "c": c}
        if isinstance(c, list):
            return {"t": t, "c": visit(c)}
        return {"t": t, "c": c} if "c" in node else {"t": t}

    return visit(inlines)


def unprotect(text: str, targets: list[str], nonce: str) -> str:
    for char, stand_in in STAND_IN.items():
        text = text.replace(stand_in, ESCAPES[char])
    text = ENTITY_LIKE.sub(r"\\&", text).replace(AMP_STAND_IN, "&")
    return re.sub(rf"bp-url-{nonce}-(\d+)", lambda m: "<" + re.sub(
        r"([<>\\])", r"\\\1", targets[int(m.group(1))]) + ">", text)


UNITS_PER_CALL = 500  # fewer are written in one call: another pandoc would cost more


def unit_texts(slot_list: list[Slot], numbered: list | None = None) -> list[str]:
    """The Markdown a translator sees for each slot, written by pandoc in one call (a
    few side by side for a long brief); *numbered* is ``numbered_notes(slot_list)``
    if the caller has it."""
    numbered = list(numbered_notes(slot_list)) if numbered is None else numbered
    nonce = content_nonce([inlines for inlines, _ in numbered])
    separator = f"bp-separator-{nonce}"
    targets: list[str] = []

    def chunk(part: list) -> str:
        blocks = []
        for slot, (inlines, _) in part:
            blocks.append({"t": "Para", "c": protect(inlines, targets, nonce) if slot.markdown
                           else [{"t": "Str", "c": "-"}]})
            blocks.append({"t": "RawBlock", "c": ["commonmark_x", separator]})
        return pandoc.to_json(pandoc.document(blocks))

    if not slot_list:
        return []
    # A long brief's units are written in a few calls side by side, one per core, each
    # started as soon as its input is made; each call's text ends with a separator, so
    # their texts joined are the one call's text.
    calls = max(1, min(cores(), len(slot_list) // UNITS_PER_CALL))
    size = -(-len(slot_list) // calls)
    pairs = list(zip(slot_list, numbered))
    out = "".join(pandoc.run_all(["-f", "json", "-t", pandoc.UNIT_MARKDOWN, "--wrap=none"],
                                 (chunk(pairs[i:i + size]) for i in range(0, len(pairs), size)),
                                 calls))
    texts = [unprotect(t.strip("\n"), targets, nonce)
             for t in out.split(separator)][: len(slot_list)]
    return [text if slot.markdown else slot.container[slot.key]
            for text, slot in zip(texts, slot_list)]


SVG_TEXT = {"text", "tspan", "title", "desc", "textPath"}


def parse_svg(data: bytes, cited_in: str, line: int):
    """An SVG file as an lxml tree, read without entities, DTDs or network."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ResourceError(f"invalid SVG: {exc}", cited_in, line) from None


def svg_text_nodes(root) -> list:
    """The elements of an SVG whose own text a reader sees (labels, title, description)."""
    return [el for el in root.iter() if isinstance(el.tag, str)
            and el.tag.rsplit("}", 1)[-1] in SVG_TEXT and el.text and has_words(el.text)]


def svg_figures(doc: Document) -> list[tuple[str, int, bytes]]:
    """(target, line, bytes) of each distinct SVG image in the body, in reading order."""
    seen, out = set(), []
    for target, line in image_references(doc):
        if target.lower().endswith(".svg") and target not in seen:
            seen.add(target)
            path = resolve_local(target, doc.folder, doc.root, doc.source_path, line)
            out.append((target, line, path.read_bytes()))
    return out


def svg_segments(doc: Document) -> list[Segment]:
    """The text inside the brief's SVG figures: translated like any other unit."""
    units = []
    for target, line, data in svg_figures(doc):
        for i, node in enumerate(svg_text_nodes(parse_svg(data, doc.source_path, line))):
            units.append(Segment(text=node.text.strip(), kind=f"text in figure {target}",
                                 line=line, markdown=False, key=("svg", target, i)))
    return units


def segment(doc: Document) -> list[Segment]:
    """All translation units of *doc*: front matter first, then the body, then the text
    inside its SVG figures."""
    return segment_with_slots(doc)[0]


def segment_with_slots(doc: Document) -> tuple[list[Segment], list[Slot], list]:
    """segment's units, and the body's slots with their ``numbered_notes`` (which
    check reads too)."""
    units = [
        Segment(text=get_path(doc.meta, path), kind=f"front matter: {what}",
                line=doc.meta_lines.get(path, 1), markdown=False, key=("meta", path))
        for path, what in meta_paths(doc.meta)
    ]
    with pandoc.no_gc():
        body = slots(doc.blocks)
        numbered = list(numbered_notes(body))
        texts = unit_texts(body, numbered)
    for i, (slot, text) in enumerate(zip(body, texts)):
        units.append(Segment(text=text, kind=slot.kind, line=slot.line,
                             markdown=slot.markdown, key=("body", i)))
    return units + svg_segments(doc), body, numbered
