"""Property-based tests (Hypothesis): random Markdown, random translations and random
catalogs either work or fail with a clean briefpress error, never another exception;
and an identity translation reproduces the source document exactly.

Examples are few and each spawns at most a handful of pandoc processes (one to parse
the brief, one to write the unit texts, one to parse all translations), so the module
runs in seconds.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import join_strs

from briefpress import pandoc
from briefpress.catalogs import lookup, read_catalog
from briefpress.errors import (
    BriefpressError,
    CatalogError,
    ErrorList,
    ResourceError,
    TranslationError,
)
from briefpress.sandbox import check_image, check_raw_html
from briefpress.load import load
from briefpress.localize import localize
from briefpress.segment import segment

RICH = Path(__file__).parent / "fixtures" / "rich"
FRONT = "---\ntitle: T\ndate: 2025-01-02\nauthors:\n  - name: A\n---\n\n"
PO = "locales/ja/LC_MESSAGES/b.po"
# At most: parse the brief, write the unit texts, parse every translation.
SPAWNS_PER_EXAMPLE = 3

FEW = settings(max_examples=25, deadline=None, derandomize=True,
               suppress_health_check=[HealthCheck.too_slow])
CHEAP = settings(max_examples=150, deadline=None, derandomize=True)

MARKDOWN_CHARS = "*_`[]<>#-!()\\:|^~\"' \n0123456789abcxyzAZ日本語の、。한국어"
markdown_line = st.text(alphabet=MARKDOWN_CHARS, max_size=50)
markdown_body = st.lists(
    st.tuples(st.sampled_from(["", "# ", "## ", "- ", "1. ", "> ", "    ", "```\n", "* "]),
              markdown_line),
    min_size=1, max_size=6,
).map(lambda parts: "\n\n".join(prefix + text for prefix, text in parts))
# Arbitrary text (no surrogates: a PO file cannot hold them), rich in markup characters.
translation_text = st.text(
    alphabet=st.one_of(st.sampled_from(list("*_`[]()<>!#^\\-\n:\"'{}=&;/.| ")),
                       st.characters(exclude_categories=("Cs",))),
    max_size=60)


def translations(mapping: dict[str, str], lang: str = "ja"):
    catalog = Catalog(locale=lang)
    for line, (source, target) in enumerate(mapping.items(), start=10):
        catalog.add(source, target, lineno=line)
    return lookup(catalog, PO, lang)


QUOTES = {"SingleQuote": ("\u2018", "\u2019"), "DoubleQuote": ("\u201c", "\u201d")}


def canonical(node):
    """Pandoc JSON without source lines, compared as a reader sees it: adjacent Str
    merged (the ``+sourcepos`` reader splits words at positions), a line break in the
    source paragraph the same as a space (unit texts are written on one line), and a
    smart-quoted span the same as its curly quotes (unit texts are written without
    ``smart``, so 'A' comes back as the characters \u2018A\u2019, which every writer
    prints for a Quoted node anyway)."""
    if isinstance(node, list):
        items: list = []
        for item in node:
            if isinstance(item, dict) and item.get("t") == "Quoted":
                left, right = QUOTES[item["c"][0]["t"]]
                items += [{"t": "Str", "c": left}, *item["c"][1], {"t": "Str", "c": right}]
            else:
                items.append(item)
        return join_strs(map(canonical, items))
    if isinstance(node, dict):
        if node.get("t") == "SoftBreak":
            return {"t": "Space"}
        return {k: canonical(v) for k, v in node.items() if k != "_line"}
    return node


def load_body(body: str):
    """Load a brief with *body* from a fresh temporary project."""
    with tempfile.TemporaryDirectory(prefix="bp-prop-") as tmp:
        folder = Path(tmp, "content", "b")
        folder.mkdir(parents=True)
        (folder / "brief.md").write_text(FRONT + body + "\n", encoding="utf-8")
        return load(Path(tmp), "b")


# --- random Markdown ---------------------------------------------------------------------


@FEW
@given(markdown_body)
@example("A *b* [c](https://example.org) `d`[^1] 日本\n\n[^1]: note")
@example("- a\n  - b\n\n> q\n\n| x | y |\n|---|---|\n| 1 | 2 |")
@example("```\nunclosed")
@example("<div>\n*raw*")
@example("'A' and \"B\"")
def test_random_markdown_loads_segments_and_localizes_or_fails_cleanly(body):
    pandoc.api_version()  # asked once per session, not per example
    before = pandoc.spawn_count
    try:
        doc = load_body(body)
        units = segment(doc)
        identity = {u.text: u.text for u in units}
        result = localize(doc, units, {"ja": translations(identity)})
    except BriefpressError:
        return
    finally:
        assert pandoc.spawn_count - before <= SPAWNS_PER_EXAMPLE
    # An identity translation is always accepted, and changes nothing.
    loc = result["ja"]
    assert not loc.fallbacks
    assert canonical(loc.doc.blocks) == canonical(doc.blocks)


@pytest.mark.parametrize("body", ["It\\'s a \\\"plain\\\" quote.", "の\\'"])
def test_an_identity_translation_keeps_escaped_straight_quotes(body):
    """Found by the property above: an escaped straight quote is written into the unit
    text bare (the writer has no ``smart``), then parsed back with ``smart`` and curled."""
    doc = load_body(body)
    units = segment(doc)
    loc = localize(doc, units, {"ja": translations({u.text: u.text for u in units})})["ja"]
    assert canonical(loc.doc.blocks) == canonical(doc.blocks)


FRONT_KEYS = ["title", "subtitle", "date", "authors", "name", "bio", "cover", "image", "alt",
              "keywords", "lang", "summary", "colour"]
FRONT_VALUES = ["2025-01-02", "T", "[a, b]", "{}", "[]", "null", "1", "- name: A", "&a x",
                "*a", "!!binary aGk=", "'unclosed", "ja", "x.png", "2025-01-02T10:00:00",
                "|\n  text", ">", "!!python/object/apply:os.system ['true']"]
front_matter = st.lists(
    st.tuples(st.sampled_from(["", "  ", "  - ", "- "]), st.sampled_from(FRONT_KEYS),
              st.sampled_from([": ", ":", " "]), st.sampled_from(FRONT_VALUES))
    .map("".join), max_size=8).map("\n".join)


@CHEAP
@given(front_matter)
@example("title: T\ndate: 2025-01-02\nauthors:\n  - name: A")
def test_random_front_matter_loads_or_fails_with_file_and_line(text):
    with tempfile.TemporaryDirectory(prefix="bp-prop-") as tmp:
        folder = Path(tmp, "content", "b")
        folder.mkdir(parents=True)
        (folder / "brief.md").write_text(f"---\n{text}\n---\n\nBody.\n", encoding="utf-8")
        try:
            load(Path(tmp), "b")
        except BriefpressError as exc:
            assert str(exc).startswith("content/b/brief.md:"), str(exc)


# --- random translations of the rich fixture -----------------------------------------------


@pytest.fixture(scope="module")
def rich():
    doc = load(RICH, "rich")
    return doc, segment(doc)


@FEW
@given(data=st.data())
def test_random_translations_localize_or_fail_with_translation_errors(rich, data):
    doc, units = rich
    chosen = data.draw(st.lists(st.sampled_from(units), min_size=1, max_size=3,
                                unique_by=lambda u: u.text))
    mapping = {u.text: data.draw(translation_text) for u in chosen}
    before = pandoc.spawn_count
    try:
        result = localize(doc, units, {"ja": translations(mapping)})
    except ErrorList as exc:
        assert exc.errors and all(isinstance(e, TranslationError) for e in exc.errors)
        assert all(str(e).startswith(f"{PO}:") for e in exc.errors)
    else:
        pandoc.to_json(pandoc.document(result["ja"].doc.blocks))  # still a document
    # One batched parse, or one more per translation when a translation broke out of
    # its place in the batch.
    assert pandoc.spawn_count - before <= 1 + len(chosen)


def test_an_identity_translation_reproduces_the_rich_fixture_exactly(rich):
    doc, units = rich
    result = localize(doc, units, {"ja": translations({u.text: u.text for u in units})})
    loc = result["ja"]
    assert not loc.fallbacks
    assert canonical(loc.doc.blocks) == canonical(doc.blocks)
    assert loc.doc.meta == doc.meta


# --- random catalogs, images and raw HTML (no pandoc: many examples) -------------------------


@pytest.fixture(scope="module")
def rich_po(rich) -> bytes:
    doc, units = rich
    catalog = Catalog(locale="ja", domain="rich")
    for u in units:
        catalog.add(u.text, u.text, locations=[(doc.source_path, u.line)])
    buf = io.BytesIO()
    write_po(buf, catalog, width=76)
    return buf.getvalue()


@CHEAP
@given(data=st.data())
def test_a_randomly_damaged_catalog_reads_or_fails_with_a_catalog_error(rich_po, data):
    raw = bytearray(rich_po)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw)))
        if data.draw(st.booleans()):
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=8)
                                   | st.sampled_from([b'"', b"\\", b"\n", b"#", b"msgid ",
                                                      b"msgstr[1] ", b"#~ ", b"\r"]))
        else:
            del raw[at:at + data.draw(st.integers(1, 20))]
    with tempfile.TemporaryDirectory(prefix="bp-prop-") as tmp:
        path = Path(tmp, "b.po")
        path.write_bytes(bytes(raw))
        try:
            read_catalog(path, PO, "ja")
        except CatalogError as exc:
            assert str(exc).startswith(PO) and "\n" not in str(exc)


@CHEAP
@given(st.binary(max_size=300) | st.sampled_from([b"\x89PNG\r\n\x1a\n", b"GIF89a", b"<svg",
                                                    b"<?xml version='1.0'?><svg/>"]))
def test_random_image_bytes_pass_or_are_refused(data):
    try:
        check_image(data, "x.png", "content/b/brief.md", 3)
    except ResourceError as exc:
        assert str(exc).startswith("content/b/brief.md:3: refused 'x.png': ")


def tokens(*words: str, max_size: int = 30):
    """Strings made of *words* (and characters), in any order."""
    return st.lists(st.sampled_from(list(words)), max_size=max_size).map("".join)


svg_text = tokens(*"<>/=\"' !?[]&;#:", "svg", 'xmlns="http://www.w3.org/2000/svg"', "href",
                  "url(", ")", "image", "style", "DOCTYPE", "ENTITY", "SYSTEM",
                  "file:///etc/passwd", "a", "x")


def requested_by_weasyprint(svg: bytes) -> list[str]:
    """Every URL WeasyPrint asks for while it lays out and draws *svg* as an image."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    own = "file:///figures/x.svg"

    class Recorder(URLFetcher):
        def __init__(self):
            super().__init__()
            self.asked: list[str] = []

        def fetch(self, url, headers=None):
            self.asked.append(url)
            if url == own:
                return URLFetcherResponse(url, svg, {"Content-Type": "image/svg+xml"})
            raise ValueError("not served")

    recorder = Recorder()
    HTML(string=f'<img src="{own}">', base_url="file:///figures/",
         url_fetcher=recorder).write_pdf()
    return [url for url in recorder.asked if url != own]


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.builds(lambda inner: f'<svg xmlns="http://www.w3.org/2000/svg" '
                               f'xmlns:xlink="http://www.w3.org/1999/xlink">{inner}</svg>',
                 svg_text) | svg_text)
@example('<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>')
@example('<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: url(other.svg#p)"/></svg>')
def test_an_svg_that_passes_the_check_makes_weasyprint_ask_for_nothing(text):
    try:
        check_image(text.encode(), "x.svg", "content/b/brief.md", 3)
    except ResourceError as exc:
        assert str(exc).startswith("content/b/brief.md:3: refused 'x.svg': ")
        return
    assert "<!ENTITY" not in text
    assert requested_by_weasyprint(text.encode()) == []


@CHEAP
@given(tokens(*"<>/=\"' ", "img", "src", "a", "href", "script", "style", "url(", ")",
              "javascript:", "onload", "x"))
def test_random_raw_html_passes_or_is_refused(html):
    try:
        check_raw_html(html, "content/b/brief.md", 3)
    except ResourceError as exc:
        assert str(exc).startswith("content/b/brief.md:3: ")
