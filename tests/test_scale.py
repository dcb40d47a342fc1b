"""Linear in the size of the work (issue 13, item 4): behaviour of the paths made for big
briefs, never their timing. Line numbers stay right deep in a long brief, the currency
"$" reparse reads only the blocks that need it and gives the AST a whole reparse gives,
and the AST walks visit what the recursive ones did."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from briefpress import pandoc
from briefpress.errors import BriefpressError
from briefpress.segment import segment

load_module = importlib.import_module("briefpress.load")
body_module = importlib.import_module("briefpress.body")
pieces_module = importlib.import_module("briefpress.pieces")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import generate  # noqa: E402  (bench/generate.py: the scale benchmark's briefs)

FRONT = "---\ntitle: T\ndate: 2025-01-02\nauthors:\n  - name: A\n---\n\n"


def write(root: Path, body: str, slug: str = "big") -> Path:
    path = root / "content" / slug / "brief.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FRONT + body, encoding="utf-8")
    return root


def whole_reparse(body: str) -> list:
    """The loop as it was: every round parses the whole body again."""
    blocks = pandoc.parse_markdown(body, sourcepos=True)["blocks"]
    while dollars := body_module.currency_dollars(blocks):
        body = body_module.escape_at(body, [(line, col) for line, col, _ in dollars])
        blocks = pandoc.parse_markdown(body, sourcepos=True)["blocks"]
    return blocks


CURRENCY = ("\n\nPlain US$3 to US$4.5 and $x$ then $5 and $6 here.[^1] See [the fund][f].\n\n"
            "- a US$3 to US$4\n- b $2 or $3\n\n"
            "[^1]: A note with $5 to $6 in it,\n    and a second line $1 to $2.\n\n"
            "Other text $y$ stays math.\n\n[f]: https://example.org/fund\n")


@pytest.mark.parametrize("body", [
    CURRENCY,
    "Nothing to escape here.\n",
    "Math only: $a+b$ and $c$.\n",
    "> quoted US$3 to US$4\n>\n> and more\n\n| a | b |\n|---|---|\n| $1 | $2 |\n",
])
def test_partial_reparse_gives_the_whole_reparse_ast(body):
    assert body_module.parse_body(body) == whole_reparse(body)


def test_currency_reparse_reads_only_the_blocks_that_held_a_dollar():
    body = "\n\n".join(f"Paragraph {i} with plain words." for i in range(300))
    body += "\n\nIt costs US$3 to US$4.5 a year.\n"
    before = pandoc.parse_count
    sent: list[str] = []
    run = pandoc.run

    def spy(args, stdin, **kw):
        sent.append(stdin)
        return run(args, stdin, **kw)

    pandoc.run = spy
    try:
        blocks = body_module.parse_body(body)
    finally:
        pandoc.run = run
    assert pandoc.parse_count - before == 2
    assert sum(1 for text in sent[1].split("\n") if text.strip()) == 1  # one block again
    last = body_module.unwrap_positions(blocks)[-1]
    assert pandoc.stringify(last["c"]) == "It costs US$3 to US$4.5 a year."


def test_a_brief_without_dollars_is_parsed_once(tmp_path):
    write(tmp_path, generate.paragraph_body(20).replace("$", "USD "))
    before = pandoc.parse_count
    load_module.load(tmp_path, "big")
    assert pandoc.parse_count - before == 1


def test_line_numbers_stay_right_deep_in_a_long_brief(tmp_path):
    body = generate.long_body(120)
    lines = (FRONT + body).count("\n")
    write(tmp_path, body + "\nA link to [a file](file:///etc/passwd).\n")
    with pytest.raises(BriefpressError) as caught:
        load_module.load(tmp_path, "big")
    assert f"brief.md:{lines + 2}" in str(caught.value)


def test_unit_lines_in_a_long_brief_are_their_source_lines(tmp_path):
    body = generate.long_body(60) + "\nThe very last paragraph.\n"
    write(tmp_path, body)
    units = segment(load_module.load(tmp_path, "big"))
    text = (FRONT + body).split("\n")
    last = units[-1]
    assert last.text == "The very last paragraph."
    assert text[last.line - 1] == "The very last paragraph."
    headings = [u for u in units if u.kind.startswith("heading")]
    assert len(headings) > 20
    for unit in headings:
        assert text[unit.line - 1].lstrip("# ").startswith(unit.text.split(" (part")[0][:10])


def recursive_walk(tree, line=None):
    if isinstance(tree, list):
        for item in tree:
            yield from recursive_walk(item, line)
    elif isinstance(tree, dict):
        line = tree.get("_line", line)
        if "t" in tree:
            yield tree, line
        yield from recursive_walk(tree.get("c"), line)


def test_walk_visits_what_the_recursive_walk_did(tmp_path):
    write(tmp_path, CURRENCY + generate.long_body(20))
    doc = load_module.load(tmp_path, "big")
    ours = [(id(node), line) for node, line in pandoc.walk(doc.blocks, 1)]
    assert ours == [(id(node), line) for node, line in recursive_walk(doc.blocks, 1)]


def test_line_of_finds_the_first_line_breadth_first():
    node = {"t": "Para", "c": [{"t": "Str", "c": "x"}] * 5000 + [{"t": "Str", "c": "y", "_line": 7}]}
    assert load_module.line_of(node) == 7
    assert load_module.line_of({"t": "Para", "c": []}, 3) == 3


def test_the_build_after_make_rules_parses_no_brief_again(tmp_path):
    """`briefpress rules` (make's first step) parses each brief into the build's cache;
    the build that follows finds every parse there and starts no pandoc for it."""
    from briefpress import cache
    from briefpress.makefile import make_rules

    write(tmp_path, generate.paragraph_body(5))
    make_rules(tmp_path, str(tmp_path / "build"))
    assert list((tmp_path / "build" / ".cache" / "pandoc").rglob("*"))
    spawned = pandoc.spawn_count
    with cache.using(tmp_path / "build" / ".cache"):
        load_module.load(tmp_path, "big")
    assert pandoc.spawn_count == spawned
@pytest.mark.parametrize("body", [
    CURRENCY,
    'Words "quoted" and a back\\\\slash, a hard  \nbreak, *emphasis* and `code`.\n',
    generate.long_body(30),
])
def test_words_unwrapped_in_the_json_give_the_tree_unwrap_positions_gives(body, monkeypatch):
    """parse_markdown removes the sourcepos wrapper of each word, space and break from
    pandoc's JSON text; the tree is the one body.unwrap_positions makes of it all."""
    fast = body_module.unwrap_positions(body_module.parse_body(body))
    monkeypatch.setattr(pandoc, "unwrap_leaves", lambda data: data)
    slow = body_module.unwrap_positions(body_module.parse_body(body))
    assert fast == slow
    assert [list(node) for node, _ in pandoc.walk(fast)] == \
        [list(node) for node, _ in pandoc.walk(slow)]  # keys in the same order


def test_a_long_briefs_units_are_written_in_calls_side_by_side(tmp_path, monkeypatch):
    """Two cores: the unit texts of a long brief come from two pandoc writers run at
    once, and are the texts one writer gives."""
    from briefpress.segment import UNITS_PER_CALL, slots, unit_texts

    doc = load_module.load(write(tmp_path, generate.long_body(80)), "big")
    body = slots(doc.blocks)
    assert len(body) >= 2 * UNITS_PER_CALL
    texts = {}
    for jobs in ("1", "2"):
        monkeypatch.setenv("BRIEFPRESS_JOBS", jobs)
        before = pandoc.spawn_count
        texts[jobs] = unit_texts(body)
        assert pandoc.spawn_count - before == int(jobs)
    assert texts["2"] == texts["1"]
    assert len(texts["1"]) == len(body) and all(texts["1"])


def test_a_big_input_is_given_a_smaller_heap_growth_factor(monkeypatch):
    """pandoc's memory on a 2 MB paragraph: a big input runs with GHCRTS=-F1.5 (and the
    same output), a small one with pandoc's defaults."""
    seen = []
    real = pandoc.subprocess.run

    def spy(cmd, **kwargs):
        seen.append((kwargs.get("env") or {}).get("GHCRTS"))
        return real(cmd, **kwargs)

    monkeypatch.delenv("GHCRTS", raising=False)
    monkeypatch.setattr(pandoc.subprocess, "run", spy)
    small = "Words and words.\n"
    big = small * (pandoc.BIG_INPUT // len(small) + 1)
    assert pandoc.parse_markdown(small)["blocks"]
    assert pandoc.parse_markdown(big)["blocks"]
    assert seen == [None, pandoc.BIG_INPUT_RTS]


def test_find_images_finds_the_images_walk_finds(tmp_path):
    body = ("![a](a.png)\n\nText ![b](b.png) and a note.[^1]\n\n> ![c](c.png)\n\n"
            "| x |\n|---|\n| ![d](d.png) |\n\n[^1]: ![e](e.png) in a note.\n")
    from PIL import Image

    (tmp_path / "content" / "big").mkdir(parents=True)
    for name in "abcde":
        Image.new("RGB", (4, 4)).save(tmp_path / "content" / "big" / f"{name}.png")
    doc = load_module.load(write(tmp_path, body), "big")
    walked = [node for node, _ in pandoc.walk(doc.blocks) if node["t"] == "Image"]
    found = load_module.find_images(doc.blocks)
    assert [image["c"][2][0] for image in found] == [f"{n}.png" for n in "abecd"]  # a note where it is referenced
    assert [id(image) for image in found] == [id(image) for image in walked]


# --- a long body read in pieces side by side (pieces.in_pieces) ---------------------

def around(middle: str, kb: int = 90) -> str:
    """*middle* between two long bodies (the corpus's briefs in numbered copies, the same
    headings in both: pandoc numbers the second's identifiers), where a body is cut."""
    return generate.long_body(kb) + "\n\n" + middle + "\n\n" + generate.long_body(kb)


SHARED = ("## Shared heading\n\nIt costs US$3 to US$4.5, see [the fund][fund] and a note."
          "[^far]\n\n[fund]: https://example.org/fund\n\n[^far]: Defined in the first piece,"
          "\n    used in the second, with $5 to $6 in it.\n")
FENCED = "```text\n" + "\n\n# not a heading\n" * 150 + "```"
COMMENT = "<!--\n" + "\n\n# not a heading either\n" * 150 + "-->"
DIV = "::: {.note}\n" + "\n\n# a heading in a div\n\nText.\n" * 100 + ":::"


@pytest.mark.parametrize("body", [generate.long_body(300), around(SHARED),
                                  around("## Shared heading\n\n" + SHARED.split("\n\n", 1)[1]),
                                  around(FENCED), around(COMMENT), around(DIV)],
                         ids=["bench", "definitions", "repeated", "fence", "comment", "div"])
def test_a_long_body_read_in_pieces_is_the_body_read_whole(body, monkeypatch):
    monkeypatch.setattr(pieces_module, "cores", lambda: 2)
    pieces = pieces_module.in_pieces(body, body_module.read_as_meant)
    whole = body_module.read_as_meant(body)
    assert body_module.parse_body(body) == whole
    if pieces is not None:
        assert pieces == whole
    lines = body.split("\n")
    starts, _ = pieces_module.piece_starts(lines, 2)
    if FENCED in body or COMMENT in body or DIV in body:  # never cut inside them
        first = body.index("```text" if FENCED in body else "<!--" if COMMENT in body
                           else "::: {.note}")
        inside = range(body[:first].count("\n"), body[:first].count("\n") + 400)
        assert not set(starts[1:]) & set(inside)
    else:
        assert pieces is not None  # these are cut, and the pieces used


def test_pieces_that_would_number_a_heading_differently_are_not_used(monkeypatch):
    """A heading inside a quote is not carried to the next piece, so a heading of the
    same words there would get the identifier the quoted one has: the body is read
    whole instead."""
    monkeypatch.setattr(pieces_module, "cores", lambda: 2)
    body = generate.long_body(90) + "\n\n> ## Only quoted here\n\n" + \
        generate.long_body(90) + "\n\n## Only quoted here\n"
    assert pieces_module.in_pieces(body, body_module.read_as_meant) is None
    assert body_module.parse_body(body) == body_module.read_as_meant(body)
