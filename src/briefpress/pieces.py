"""A long body cut into pieces that pandoc reads side by side, one per core (pandoc
takes a second for 300 KB with sourcepos, on one core), and the source lines of the
blocks it gives, which tell whether the pieces' blocks are one parse's. body.parse_body
uses it.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from .pool import cores

# Where a node's attributes are in its "c": pandoc's JSON, one index per node type.
ATTR_INDEX = {"Header": 1, "Div": 0, "Span": 0, "Link": 0, "Image": 0, "Code": 0,
              "CodeBlock": 0, "Table": 0, "Figure": 0}


DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:")


# A body this long is parsed in pieces, where it can be cut.
PIECES_FROM = 128 * 1024
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
DIV_FENCE = re.compile(r"^\s*:{3,}\s*(\S?)")
# HTML blocks that run over blank lines (CommonMark's kinds 1-5) and what ends each
HTML_BLOCK = [(re.compile(r"^ {0,3}<(script|pre|style|textarea)(?:[\s>]|$)", re.I),
               re.compile(r"</(script|pre|style|textarea)>", re.I)),
              (re.compile(r"^ {0,3}<!--"), re.compile(r"-->")),
              (re.compile(r"^ {0,3}<\?"), re.compile(r"\?>")),
              (re.compile(r"^ {0,3}<![A-Za-z]"), re.compile(r">")),
              (re.compile(r"^ {0,3}<!\[CDATA\["), re.compile(r"\]\]>"))]
HEADING = re.compile(r"^#{1,6}(?:[ \t]|$)")


def in_pieces(body: str, read) -> list | None:
    """The blocks of a long *body* read in pieces side by side, or None. It is cut
    before headings that nothing before them holds open, into one piece per core, each
    keeping its lines in place (the others blanked), every footnote and link definition,
    and the headings before it (pandoc numbers a repeated heading's identifier:
    ``spare-capacity-1``). Each piece is *read* (body.read_as_meant) in a thread, pandoc
    running apart. The blocks are used only if they are provably one parse's: each
    piece's own blocks lie within its lines, the one after a cut starting with its
    heading; the headings before it were read as the earlier pieces' headings; and no
    identifier is in two pieces."""
    count = cores()
    if len(body) < PIECES_FROM or count < 2:
        return None
    lines = body.split("\n")
    starts, headings = piece_starts(lines, count)
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
        parts = list(threads.map(read, texts))
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
