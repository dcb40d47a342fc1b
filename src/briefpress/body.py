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
from concurrent.futures import ThreadPoolExecutor

from . import pandoc
from .cjk import HANGUL_CHAR
from .pool import cores

# Where a node's attributes are in its "c": pandoc's JSON, one index per node type.
ATTR_INDEX = {"Header": 1, "Div": 0, "Span": 0, "Link": 0, "Image": 0, "Code": 0,
              "CodeBlock": 0, "Table": 0, "Figure": 0}


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
    return in_pieces(body) or read_as_meant(body)


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


# A body this long is parsed in pieces side by side, one per core, where it can be cut:
# pandoc takes a second for 300 KB with sourcepos, and runs on one core.
PIECES_FROM = 128 * 1024
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
DIV_FENCE = re.compile(r"^\s*:{3,}\s*(\S?)")
# HTML blocks that run over blank lines (CommonMark's kinds 1-5) and what ends each
HTML_BLOCK = [(re.compile(r"^ {0,3}<(script|pre|style|textarea)[\s>]|^ {0,3}<(script|pre|style|"
                          r"textarea)$", re.I), re.compile(r"</(script|pre|style|textarea)>", re.I)),
              (re.compile(r"^ {0,3}<!--"), re.compile(r"-->")),
              (re.compile(r"^ {0,3}<\?"), re.compile(r"\?>")),
              (re.compile(r"^ {0,3}<![A-Za-z]"), re.compile(r">")),
              (re.compile(r"^ {0,3}<!\[CDATA\["), re.compile(r"\]\]>"))]
HEADING = re.compile(r"^#{1,6}(?:[ \t]|$)")


def in_pieces(body: str) -> list | None:
    """The blocks of a long *body* read in pieces side by side, or None. It is cut
    before headings that nothing before them holds open, into one piece per core, each
    keeping its lines in place (the others blanked), every footnote and link definition,
    and the headings before it (pandoc numbers a repeated heading's identifier:
    ``spare-capacity-1``). Each piece is read_as_meant in a thread (pandoc runs apart);
    the blocks are used only if they are provably those of one parse: each piece's own
    blocks lie within its lines, the one after a cut starting with its heading; the
    headings before it were read as the earlier pieces' headings; and no identifier is
    in two pieces."""
    lines = body.split("\n")
    if len(body) < PIECES_FROM or cores() < 2:
        return None
    starts, headings = piece_starts(lines, cores())
    if len(starts) < 2:
        return None
    keep = definition_lines(lines)
    bounds = [*starts, len(lines)]
    texts = []
    for start, end in zip(bounds, bounds[1:]):
        before = {i for i in headings if i < start}
        texts.append("\n".join(row if start <= i < end or keep[i] or i in before else ""
                               for i, row in enumerate(lines)))
    with ThreadPoolExecutor(len(texts)) as threads:
        parts = list(threads.map(read_as_meant, texts))
    own = pieces_join(parts, bounds, len(lines))
    return None if own is None else [block for part in own for block in part]


def piece_starts(lines: list[str], count: int) -> tuple[list[int], list[int]]:
    """(0 and up to *count* - 1 line indices, near equal shares of *lines* apart, where
    a heading starts at column 0 after a blank line outside any fenced code, fenced div
    or HTML block that runs over blank lines; the indices of every heading at column 0
    outside fenced code and those HTML blocks)."""
    fence, divs, html_end, cuts, headings = "", 0, None, [], []
    for i, row in enumerate(lines):
        if fence:
            if row.strip().startswith(fence) and not row.strip().strip(fence[0]):
                fence = ""
        elif html_end is not None:
            if html_end.search(row):
                html_end = None
        elif m := FENCE.match(row):
            fence = m.group(1)
        elif m := DIV_FENCE.match(row):
            divs = divs + 1 if m.group(1) else max(0, divs - 1)
        elif opened := next((end for start, end in HTML_BLOCK if start.match(row)), None):
            html_end = None if opened.search(row, 4) else opened
        elif HEADING.match(row):
            headings.append(i)
            if i and not lines[i - 1].strip() and not divs:
                cuts.append(i)
    starts = [0]
    for k in range(1, count):
        near = min(cuts, key=lambda i: abs(i - k * len(lines) // count), default=0)
        if near > starts[-1]:
            starts.append(near)
    return starts, headings


def definition_lines(lines: list[str]) -> bytearray:
    """1 for each line of a footnote or link definition (partial_source's rule)."""
    keep = bytearray(len(lines))
    in_definition = False
    for i, row in enumerate(lines):
        if DEFINITION.match(row):
            in_definition = True
        elif in_definition and not row.strip():
            following = next((r for r in lines[i + 1:i + 50] if r.strip()), "")
            in_definition = following.startswith(("    ", "\t"))
        if in_definition:
            keep[i] = 1
    return keep


def pieces_join(parts: list[list], bounds: list[int], count: int) -> list[list] | None:
    """Each piece's own blocks, if they are those of one parse (see in_pieces)."""
    seen: set[str] = set()
    earlier: list[str] = []  # the identifiers of the earlier pieces' top-level headings
    out = []
    for k, blocks in enumerate(parts):
        lines = [block_lines(block, count) for block in blocks]
        split = next((j for j, (first, _) in enumerate(lines) if first > bounds[k]),
                     len(blocks))
        before, own = blocks[:split], blocks[split:]
        if [block["c"][1][0] if block.get("t") == "Header" else None
                for block in before] != earlier:
            return None
        if k and not (own and own[0].get("t") == "Header" and lines[split][0] == bounds[k] + 1):
            return None
        if any(last > bounds[k + 1] for _, last in lines[split:]):
            return None
        ids = identifiers(own)
        if ids & seen:
            return None
        seen |= ids
        earlier += [block["c"][1][0] for block in own if block.get("t") == "Header"]
        out.append(own)
    return out


def identifiers(tree) -> set[str]:
    """The identifiers of the headings in *tree*, at any depth (only headings' take part
    in pandoc's numbering)."""
    found, stack = set(), [tree]
    while stack:
        item = stack.pop()
        if type(item) is list:
            stack.extend(item)
        elif type(item) is dict:
            c = item.get("c")
            if item.get("t") == "Header":
                found.add(c[1][0])
            if isinstance(c, (list, dict)):
                stack.append(c)
    return found


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


DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:")


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


def block_lines(block: dict, count: int) -> tuple[int, int]:
    """First and last line of a top-level sourcepos block, over every range its
    ``data-pos`` lists (a table's holds one per part); all lines if it has none. A
    range ends at the start of what follows: ``3:1-5:1`` is lines 3 and 4."""
    t, c = block.get("t"), block.get("c")
    attr = c[ATTR_INDEX[t]] if t in ATTR_INDEX and isinstance(c, list) else None
    pos = dict(attr[2]).get("data-pos", "") if isinstance(attr, list) and len(attr) == 3 else ""
    ranges = [(int(a), int(b) if int(col) > 1 else max(int(a), int(b) - 1))
              for a, b, col in re.findall(r"(\d+):\d+-(\d+):(\d+)", pos)]
    if not ranges:
        return 1, count
    return min(a for a, _ in ranges), min(count, max(b for _, b in ranges))


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
