"""The body of a brief as pandoc parses it, made into the tree every stage reads: each
node's source line kept from ``+sourcepos`` and the wrappers it adds removed, a "$"
that was currency and not math read again as text (only the blocks that held it),
raw ``<div>`` pairs made native Divs, and CJK text joined where pandoc split it at a
line break. ``load`` calls ``parse_body`` and the tidying passes once per brief.
"""

from __future__ import annotations

import bisect
import re
import unicodedata

from . import pandoc
from .cjk import HANGUL_CHAR
from .pieces import ATTR_INDEX, block_lines, definition_lines, in_pieces


def pos_line(attr) -> int | None:
    for k, v in attr[2]:
        if k == "data-pos":
            m = re.search(r"(?:@|^)(\d+):", v)
            if m:
                return int(m.group(1))
    return None


def unwrap_positions(nodes: list) -> list:
    """Remove the wrapper Divs and Spans that ``+sourcepos`` adds, keeping each node's
    first line as ``"_line"`` (pandoc ignores unknown keys when it reads JSON back)."""
    out = []
    for node in nodes:
        if isinstance(node, dict) and node.get("t") in ("Div", "Span") \
                and ["wrapper", "1"] in node["c"][0][2]:
            line = pos_line(node["c"][0])
            inner = unwrap_positions(node["c"][1])
            if inner and line and isinstance(inner[0], dict):
                inner[0].setdefault("_line", line)
            out.extend(inner)
        else:
            out.append(strip_node(node))
    return out


def strip_node(node):
    if isinstance(node, list):
        return unwrap_positions(node)
    if not isinstance(node, dict) or "t" not in node:
        return node
    t = node["t"]
    if t in ATTR_INDEX and isinstance(node.get("c"), list):
        attr = node["c"][ATTR_INDEX[t]]
        line = pos_line(attr)
        if line:
            node.setdefault("_line", line)
        attr[2] = [kv for kv in attr[2] if kv[0] != "data-pos"]
    if "c" in node:
        node["c"] = strip_node(node["c"]) if isinstance(node["c"], list) else node["c"]
    return node


def parse_body(body: str) -> list:
    """The sourcepos blocks of *body*, read as its author meant "US$3 to US$4.5" (see
    read_as_meant); a long body in pieces side by side (see in_pieces)."""
    return in_pieces(body, read_as_meant) or read_as_meant(body)


def read_as_meant(body: str) -> list:
    """The sourcepos blocks of *body*, read as its author meant "US$3 to US$4.5": text,
    not math. Each escaped "$" can free the next one to open a false math span, hence
    the loop; each round parses again only the top-level blocks that held one."""
    blocks = pandoc.parse_markdown(body, sourcepos=True)["blocks"]
    indices = dollar_digit_blocks(body, blocks)
    while indices and (dollars := currency_dollars(blocks, indices)):
        body = escape_at(body, [(line, column) for line, column, _ in dollars])
        indices = sorted({index for _, _, index in dollars})
        again = pandoc.parse_markdown(partial_source(body, blocks, indices),
                                      sourcepos=True)["blocks"]
        if len(again) != len(indices):  # the blocks read differently alone: read all
            blocks = pandoc.parse_markdown(body, sourcepos=True)["blocks"]
            indices = range(len(blocks))
            continue
        for index, block in zip(indices, again):
            blocks[index] = block
    return blocks


DOLLAR_NEXT = re.compile(r"\$(.)")


def dollar_digit_blocks(body: str, blocks: list) -> list[int]:
    """The top-level blocks whose lines hold a "$" right before a digit: only there can
    inline math close before a number (currency_dollars walks only those)."""
    lines, line, at = [], 1, 0
    for m in DOLLAR_NEXT.finditer(body):
        if m.group(1).isdigit():
            line, at = line + body.count("\n", at, m.start()), m.start()
            lines.append(line)
    if not lines:
        return []
    count = body.count("\n") + 1
    out = []
    for index, block in enumerate(blocks):
        first, last = block_lines(block, count)
        i = bisect.bisect_left(lines, first)
        if i < len(lines) and lines[i] <= last:
            out.append(index)
    return out


def partial_source(body: str, blocks: list, indices: list[int]) -> str:
    """*body* with every line blanked but those of the top-level blocks *indices* and
    the footnote and link definitions (which those blocks may use), so its parse holds
    exactly those blocks at their own lines."""
    lines = body.split("\n")
    keep = bytearray(len(lines))
    for index in indices:
        first, last = block_lines(blocks[index], len(lines))
        keep[first - 1: last] = b"\x01" * (last - first + 1)
    for i, defined in enumerate(definition_lines(lines)):
        keep[i] |= defined
    return "\n".join(row if keep[i] else "" for i, row in enumerate(lines))


def currency_dollars(blocks: list, indices=None) -> list[tuple[int, int, int]]:
    """(line, column, top-level block) of each ``$`` that commonmark_x took as the start
    of inline math although its closing ``$`` is followed by a digit: ``US$3 to US$4.5``,
    ``($20) and ($5)``. pandoc's own Markdown reader reads those as text, and so do
    readers. Only the top-level blocks *indices* (default: all) are looked at."""
    found = []
    for index in range(len(blocks)) if indices is None else indices:
        for math, after in inline_math(blocks[index]):
            nxt = wrapped(after) if after else None
            if nxt and nxt.get("t") == "Str" and nxt["c"][:1].isdigit():
                m = re.search(r"(\d+):(\d+)-", dict(math["c"][0][2])["data-pos"])
                found.append((int(m.group(1)), int(m.group(2)), index))
    return found


def inline_math(tree):
    """(wrapper, next item or None) for each sourcepos wrapper Span around InlineMath in
    *tree*; only the node lists are walked (attributes hold no nodes)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        c = node.get("c")
        if not isinstance(c, list) or node.get("t") in ("Str", "Code", "Math", "RawInline",
                                                        "RawBlock", "CodeBlock"):
            continue
        items = c[1] if node.get("t") in ("Div", "Span") else c
        for i, item in enumerate(items):
            if isinstance(item, list):
                stack.append({"c": item})
            elif isinstance(item, dict):
                math = wrapped(item)
                if math and math.get("t") == "Math" and math["c"][0]["t"] == "InlineMath":
                    yield item, items[i + 1] if i + 1 < len(items) else None
                stack.append(item)


def wrapped(node) -> dict | None:
    """The one inline a sourcepos wrapper Span holds, else None. A word, space or break
    whose wrapper pandoc.parse_markdown already removed (it alone carries a "_line" at
    this stage) stands for itself."""
    if isinstance(node, dict) and "_line" in node:
        return node
    if isinstance(node, dict) and node.get("t") == "Span" and ["wrapper", "1"] in node["c"][0][2] \
            and len(node["c"][1]) == 1:
        return node["c"][1][0]
    return None


def escape_at(text: str, places: list[tuple[int, int]]) -> str:
    lines = text.split("\n")
    for line, column in sorted(places, reverse=True):
        row = lines[line - 1]
        lines[line - 1] = row[: column - 1] + "\\" + row[column - 1:]
    return "\n".join(lines)


A_NAME = re.compile(r"""^<a\s+name\s*=\s*(["']?)([^"'\s>]+)\1\s*>$""", re.IGNORECASE)


# Nodes whose content holds no blocks: native_divs does not look inside them.
LEAVES = {"Str", "Code", "Math", "RawInline", "RawBlock", "CodeBlock", "Space", "SoftBreak"}
DIV_OPEN = re.compile(r"^\s*<div(\s[^<>]*)?>\s*$", re.IGNORECASE)
DIV_CLOSE = re.compile(r"^\s*</div\s*>\s*$", re.IGNORECASE)


def native_divs(node):
    """Raw ``<div ...>`` and ``</div>`` blocks around Markdown as one pandoc Div (as
    pandoc's own Markdown reads them), so a bilingual edition, which pairs block by
    block, never splits a wrapper from its content."""
    if isinstance(node, dict):  # in place: the tree is load's own, just parsed
        if isinstance(node.get("c"), list) and node.get("t") not in LEAVES:
            node["c"] = native_divs(node["c"])
        return node
    if not isinstance(node, list):
        return node
    items = [native_divs(n) if isinstance(n, (dict, list)) else n for n in node]
    if not any(isinstance(n, dict) and n.get("t") == "RawBlock" for n in items):
        return items

    def raw(block, pattern):
        return isinstance(block, dict) and block.get("t") == "RawBlock" \
            and str(block["c"][0]).lower() in ("html", "html5") and pattern.match(block["c"][1])

    out, i = [], 0
    while i < len(items):
        block = items[i]
        if raw(block, DIV_OPEN):
            depth, j = 1, i + 1
            while j < len(items) and depth:
                depth += 1 if raw(items[j], DIV_OPEN) else -1 if raw(items[j], DIV_CLOSE) else 0
                j += 1
            if depth == 0:
                from html.parser import HTMLParser  # here: native_divs runs on every node

                attrs = {}

                class Tag(HTMLParser):
                    def handle_starttag(self, tag, pairs):
                        attrs.update((k, v or "") for k, v in pairs)

                Tag().feed(block["c"][1])
                attr = [attrs.pop("id", ""), attrs.pop("class", "").split(),
                        [[k, v] for k, v in attrs.items()]]
                div = {"t": "Div", "c": [attr, native_divs(items[i + 1: j - 1])]}
                if "_line" in block:
                    div["_line"] = block["_line"]
                out.append(div)
                i = j
                continue
        out.append(block)
        i += 1
    return out


def wide(char: str) -> bool:
    """A Chinese or Japanese character, written without spaces between words (Hangul
    is wide too, but Korean puts spaces between words)."""
    return unicodedata.east_asian_width(char) in "WF" and not HANGUL_CHAR.match(char)


def joins_cjk(items: list, i: int) -> bool:
    """Whether *items[i]* is a line break inside Chinese or Japanese text, which
    readers expect to vanish, not to show as a space (pandoc's east_asian_line_breaks,
    which does not work together with sourcepos)."""
    if not (isinstance(items[i], dict) and items[i].get("t") == "SoftBreak") \
            or i == 0 or i + 1 == len(items):
        return False
    before, after = items[i - 1], items[i + 1]
    return before.get("t") == "Str" and after.get("t") == "Str" and bool(before["c"]) \
        and bool(after["c"]) and wide(before["c"][-1]) and wide(after["c"][0])


def normalize_inlines(node):
    """Forms with one meaning written one way, so every output and every unit text
    carries it: ``*_foo_*`` is one emphasis (the Markdown writer drops a doubled one),
    ``<a name="x">`` is ``<a id="x">`` (XHTML and PDF anchors know only ids), and a
    line break inside Japanese or Chinese text is no space."""
    if isinstance(node, list):
        items = [normalize_inlines(n) for n in node]
        return [n for i, n in enumerate(items) if not joins_cjk(items, i)]
    if not isinstance(node, dict) or "t" not in node:
        return node
    t, c = node["t"], node.get("c")
    while t in ("Emph", "Strong") and len(c) == 1 and c[0].get("t") == t:
        c = c[0]["c"]
    if t == "RawInline" and str(c[0]).lower() in ("html", "html5") and (m := A_NAME.match(c[1].strip())):
        return {**node, "c": [c[0], f'<a id="{m.group(2)}">']}
    if isinstance(c, list):
        return {**node, "c": normalize_inlines(c)}
    return node
