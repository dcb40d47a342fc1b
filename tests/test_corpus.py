"""The corpus (tests/corpus, plus a generated 50-page brief): every construct of
commonmark_x as briefpress reads it, in every language and format.

Each brief is built in its source language, in two pseudo-translations (each unit
wrapped in marks of its own) and in an identity translation (msgstr = msgid, in the
source language under a region tag). The properties: every text a reader sees is a
unit, extracted once; the identity translation reads exactly as the source; every
pseudo-translated unit appears in every output; every EPUB passes EPUBCheck without a
warning; every internal PDF link lands; nothing ends in a traceback."""

from __future__ import annotations

import base64
import re
import zipfile
from pathlib import Path

import pikepdf
import pytest
from lxml import etree, html as lxml_html

from briefpress import pandoc
from briefpress.cjk import KANA_KANJI
from briefpress.load import load
from briefpress.segment import segment

from conftest import (CORPUS, IDENTITY, LONG_SLUG, PSEUDO, body_text, epubcheck_batch, join_strs,
                      pdf_text, run_cli)

pytestmark = pytest.mark.slow

XHTML = "{http://www.w3.org/1999/xhtml}"
SVG_DATA = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")
# What a reader does not read as text: program code is kept as written, math as TeX.
NOT_PROSE = ("pre", "code", "script", "style")


def editions(corpus, slug: str) -> list[tuple[str, str]]:
    """(language, edition name) of every edition of *slug*: single-language ones and
    the bilingual ones (``en-ja``)."""
    doc = corpus.briefs[slug]
    targets = PSEUDO[doc.lang] + [IDENTITY[doc.lang]]
    return [(doc.lang, doc.lang)] + [(t, t) for t in targets] + \
        [(t, f"{doc.lang}-{t}") for t in targets]


def output(corpus, slug: str, name: str, fmt: str) -> Path:
    return corpus.out / slug / f"{slug}.{name}.{fmt}"


def squeeze(text: str) -> str:
    """Text with hyphenated line ends joined and every run of white space one space."""
    return " ".join(re.sub(r"[-\u2010\xad]\n(?=\S)", "", text).split())


# --- what a reader sees, per format --------------------------------------------------


def svg_texts(data: bytes) -> list[str]:
    root = etree.fromstring(data)
    return [el.text for el in root.iter() if isinstance(el.tag, str) and el.text
            and el.tag.rsplit("}", 1)[-1] in ("text", "tspan", "title", "desc")]


def tree_texts(tree) -> list[str]:
    """The text of an (X)HTML tree a reader sees or hears, in reading order: text
    outside code and math, alt texts, and the text inside embedded SVG figures."""
    out: list[str] = []

    def visit(el, code: bool) -> None:
        tag = el.tag.replace(XHTML, "") if isinstance(el.tag, str) else ""
        code = code or tag in NOT_PROSE or "math" in (el.get("class") or "").split()
        if isinstance(el.tag, str) and tag not in ("head", "title"):
            if el.text and not code:
                out.append(el.text)
            for name in ("alt", "title", "aria-label"):  # seen as a tooltip, or heard
                if el.get(name):
                    out.append(el.get(name))
            for m in SVG_DATA.finditer(el.get("src") or ""):
                out.extend(svg_texts(base64.b64decode(m.group(1))))
            for child in el:
                visit(child, code)
        if el.tail and not parent_code(el):
            out.append(el.tail)

    def parent_code(el) -> bool:
        return el.getparent() is not None and in_code(el.getparent())

    for child in tree:
        visit(child, in_code(tree))
    if tree.text and not in_code(tree):
        out.insert(0, tree.text)
    return out


def in_code(el) -> bool:
    while el is not None:
        tag = el.tag.replace(XHTML, "") if isinstance(el.tag, str) else ""
        if tag in NOT_PROSE or "math" in (el.get("class") or "").split():
            return True
        el = el.getparent()
    return False


def html_text(path: Path) -> str:
    """The web edition's article: the site's own navigation around it (language
    switcher, downloads) is the templates' words, not the brief's."""
    tree = lxml_html.fromstring(path.read_bytes())
    for chrome in tree.xpath("//body/header[@class='site'] | //nav"):
        chrome.drop_tree()
    return squeeze("\n".join(tree_texts(tree.body)))


def without_page_breaks(tree):
    """*tree* without its page-break markers: they stand where the PDF's pages start,
    which differs between editions, and may fall inside a word."""
    for span in tree.xpath("//*[@epub:type='pagebreak']",
                           namespaces={"epub": "http://www.idpf.org/2007/ops"}):
        span.tag = "pagebreak"
    etree.strip_elements(tree, "pagebreak", with_tail=False)
    return tree


def epub_text(path: Path) -> str:
    """The text of every content document and SVG image of an EPUB, and the metadata a
    reading system shows (title, authors, description, subjects)."""
    parts = []
    with zipfile.ZipFile(path) as book:
        for name in sorted(book.namelist()):
            data = book.read(name)
            if name.endswith(".xhtml") and not name.endswith("nav.xhtml"):
                tree = without_page_breaks(etree.fromstring(data))
                body = tree.find(f"{XHTML}body")
                parts += tree_texts(body)
            elif name.endswith(".svg") and "cover" not in name:
                parts += svg_texts(data)
            elif name.endswith(".opf"):
                opf = etree.fromstring(data)
                parts += [el.text or "" for el in opf.iter("{http://purl.org/dc/elements/1.1/}*")
                          if el.tag.rsplit("}", 1)[1] not in ("identifier", "language", "source")]
    return squeeze("\n".join(parts))


def pdf_all_text(path: Path) -> str:
    """pdftotext's text, and the document information a viewer shows."""
    with pikepdf.open(path) as pdf:
        info = [str(v) for k, v in pdf.docinfo.items() if k in ("/Title", "/Author",
                                                                 "/Subject", "/Keywords")]
    return squeeze(pdf_text(path) + "\n" + "\n".join(info))


TEXT_OF = {"html": html_text, "epub": epub_text, "pdf": pdf_all_text}


def formats_of(name: str, corpus_langs) -> tuple[str, ...]:
    return ("pdf", "epub") if re.fullmatch(r"[a-z]+-[a-z]+(-[A-Z]+)?", name) and \
        name.split("-", 1)[1] in corpus_langs else ("pdf", "epub", "html")


def all_outputs(corpus) -> list[tuple[str, str, str, str]]:
    """(slug, language, edition, format) of every output of the corpus."""
    out = []
    for slug in corpus.briefs:
        doc = corpus.briefs[slug]
        for lang, name in editions(corpus, slug):
            bilingual = name != lang
            for fmt in ("pdf", "epub") if bilingual else ("pdf", "epub", "html"):
                out.append((slug, lang, name, fmt))
    return out


@pytest.fixture(scope="module")
def texts(corpus) -> dict:
    """The reader's text of every output, keyed by (slug, edition, format)."""
    return {(slug, name, fmt): TEXT_OF[fmt](output(corpus, slug, name, fmt))
            for slug, _, name, fmt in all_outputs(corpus)}


def test_corpus_has_every_brief_and_output(corpus):
    slugs = sorted(p.name for p in CORPUS.iterdir() if (p / "brief.md").exists())
    assert sorted(corpus.briefs) == sorted(slugs + [LONG_SLUG])
    assert {doc.lang for doc in corpus.briefs.values()} == {"en", "ja"}
    for slug, _, name, fmt in all_outputs(corpus):
        assert output(corpus, slug, name, fmt).stat().st_size > 0
    units = sum(len(s) for s in corpus.segments.values())
    print(f"\ncorpus: {len(corpus.briefs)} briefs, {units} units, "
          f"{len(all_outputs(corpus))} outputs; build seconds per brief: "
          + ", ".join(f"{k} {v:.1f}" for k, v in corpus.build_seconds.items()))


def test_long_brief_is_at_least_50_pages(corpus):
    with pikepdf.open(output(corpus, LONG_SLUG, "en", "pdf")) as pdf:
        assert len(pdf.pages) >= 50


def test_corpus_uses_every_construct(corpus):
    """The corpus covers what it claims: every block and inline type briefpress reads."""
    found = set()

    def visit(node):
        if isinstance(node, dict):
            if "t" in node:
                found.add(node["t"])
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    for doc in corpus.briefs.values():
        visit(doc.blocks)
    assert {"Header", "Para", "Plain", "BulletList", "OrderedList", "DefinitionList",
            "BlockQuote", "CodeBlock", "RawBlock", "HorizontalRule", "Table", "Figure",
            "Div", "Span", "Emph", "Strong", "Strikeout", "Subscript", "Superscript",
            "Quoted", "Code", "Math", "RawInline", "Link", "Image", "Note",
            "LineBreak"} <= found
    levels = {b["c"][0] for doc in corpus.briefs.values() for b in doc.blocks
              if b["t"] == "Header"}
    assert levels == {1, 2, 3, 4, 5, 6}


# --- extraction -------------------------------------------------------------------------


def between_marks(text: str, lang: str) -> str:
    """*text* with every pseudo-translated unit (marks included) cut out."""
    code = lang.replace("-", "").upper()
    return re.sub(rf"Q{code}(\d{{4}})Q.*?Z\1{code}Z", " ", text)


@pytest.mark.parametrize("fmt", ["html", "epub"])
def test_every_text_a_reader_sees_is_a_unit(corpus, texts, fmt):
    """In a pseudo-translated edition, nothing of the source language is left once
    the units are cut out: every text a reader sees was extracted."""
    for slug, doc in corpus.briefs.items():
        for lang in PSEUDO[doc.lang]:
            rest = between_marks(texts[(slug, lang, fmt)], lang)
            if doc.lang == "en":
                words = re.findall(r"[A-Za-z]{3,}", rest)
            else:
                words = re.findall(f"[{KANA_KANJI}]+", rest)
            assert not words, (slug, lang, fmt, words[:20], rest[:500])


def test_every_body_unit_is_shown_once_per_occurrence(corpus, texts):
    """Each body unit appears in the web edition as many times as the brief has it:
    none dropped, none doubled."""
    for slug, doc in corpus.briefs.items():
        lang = PSEUDO[doc.lang][0]
        text = texts[(slug, lang, "html")]
        counts = {}
        for seg in corpus.segments[slug]:
            if seg.key[0] == "body" and seg.kind != "image alt text":
                counts[seg.text] = counts.get(seg.text, 0) + 1
        for msgid, expected in counts.items():
            start, _ = corpus.markers[(slug, lang)][msgid]
            assert text.count(start) >= expected, (slug, msgid[:60])


# --- identity ---------------------------------------------------------------------------


# The note a translated edition carries under its title (templates/masthead.html.j2).
TRANSLATION_NOTE = re.compile(r"Translated from English |日本語より翻訳 ")


@pytest.mark.parametrize("fmt", ["pdf", "epub", "html"])
def test_identity_translation_reads_exactly_as_the_source(corpus, texts, fmt):
    for slug, doc in corpus.briefs.items():
        if fmt == "pdf":
            # without running headers and page numbers: en-US hyphenates a few words
            # differently from en, so pages may break at other lines
            source, identity = (squeeze(body_text(output(corpus, slug, lang, "pdf")))
                                for lang in (doc.lang, IDENTITY[doc.lang]))
        else:
            source, identity = texts[(slug, doc.lang, fmt)], texts[(slug, IDENTITY[doc.lang], fmt)]
        assert TRANSLATION_NOTE.sub("", identity, count=1) == source, slug


def test_identity_bilingual_epub_halves_are_the_same(corpus):
    """In the bilingual EPUB of the identity translation, the translation halves read
    as the source halves (footnote numbers aside: the book numbers them in turn)."""
    for slug, doc in corpus.briefs.items():
        path = output(corpus, slug, f"{doc.lang}-{IDENTITY[doc.lang]}", "epub")
        halves = {"source": [], "translation": []}
        with zipfile.ZipFile(path) as book:
            for name in sorted(book.namelist()):
                if not name.endswith(".xhtml") or name.endswith("nav.xhtml"):
                    continue
                tree = without_page_breaks(etree.fromstring(book.read(name)))
                for ref in tree.iter(f"{XHTML}a"):
                    if "footnote-ref" in (ref.get("class") or "").split():
                        for el in ref.iter():
                            el.text = ""
                for el in tree.iter():
                    side = {"source", "translation"} & set((el.get("class") or "").split())
                    if side and isinstance(el.tag, str):
                        halves[side.pop()].append(squeeze(" ".join(tree_texts(el))))
        assert halves["source"] and halves["source"] == halves["translation"], slug


def test_identity_translation_gives_the_source_document(corpus):
    """The localized document of the identity catalog is the source document."""
    from briefpress.catalogs import load_translations
    from briefpress.localize import localize

    for slug, doc in corpus.briefs.items():
        lang = IDENTITY[doc.lang]
        found = localize(doc, corpus.segments[slug],
                         {lang: load_translations(corpus.root, lang, slug)}, strict=True)
        assert merged(found[lang].doc.blocks) == merged(doc.blocks), slug
        assert found[lang].doc.meta == doc.meta


def merged(node):
    """*node* without source lines, adjacent Str nodes joined."""
    if isinstance(node, list):
        return join_strs(map(merged, unquoted(node)))
    if isinstance(node, dict):
        if node.get("t") == "SoftBreak":  # the unit's text is on one line
            return {"t": "Space"}
        return {k: merged(v) for k, v in node.items() if k != "_line"}
    return node


def unquoted(inlines: list) -> list:
    """Quoted nodes as the curly quotes they are written with (a unit's text keeps the
    author's ‘ and ’ as characters)."""
    out = []
    for item in inlines:
        if isinstance(item, dict) and item.get("t") == "Quoted":
            double = item["c"][0]["t"] == "DoubleQuote"
            out += [{"t": "Str", "c": "“" if double else "‘"}, *unquoted(item["c"][1]),
                    {"t": "Str", "c": "”" if double else "’"}]
        else:
            out.append(item)
    return out


# --- pseudo-translations ----------------------------------------------------------------


# Where the templates do not show a unit in a format, by design: the short title is the
# PDF's running header; EPUBs carry no series; an affiliation shows only for an author
# without a biography, and not in the bilingual edition's "about" row; alt texts, titles
# (tooltips), aria-labels and an SVG's title and description are not drawn in a PDF.
def shown_in(seg, fmt: str, name: str, doc, undrawn: set[str]) -> bool:
    field = seg.key[1] if seg.key[0] == "meta" else ""
    if field == "short_title":
        return fmt == "pdf"
    if field == "series":
        return fmt != "epub"
    if field == "license":  # the colophon, which the bilingual PDF has not
        return not (fmt == "pdf" and "-" in name)
    if field.endswith(".affiliation"):
        author = doc.meta["authors"][int(field.split(".")[1])]
        return not author.get("bio") and fmt != "epub" and "-" not in name
    if fmt == "pdf" and (seg.kind == "image alt text" or "(a tooltip)" in seg.kind
                         or "aria-label" in seg.kind or seg.key[0] == "svg"
                         and seg.text in undrawn):
        return False
    return True


def undrawn_svg_texts(doc) -> set[str]:
    """The <title> and <desc> texts of the brief's SVG figures."""
    out = set()
    for svg in doc.folder.glob("*.svg"):
        root = etree.fromstring(svg.read_bytes())
        out |= {el.text.strip() for el in root.iter() if isinstance(el.tag, str)
                and el.tag.rsplit("}", 1)[-1] in ("title", "desc") and el.text}
    return out


def test_every_pseudo_translated_unit_appears_in_every_output(corpus, texts):
    missing = []
    for slug, lang, name, fmt in all_outputs(corpus):
        doc = corpus.briefs[slug]
        if lang not in PSEUDO[doc.lang]:
            continue
        text = texts[(slug, name, fmt)]
        undrawn = undrawn_svg_texts(doc)
        for seg in corpus.segments[slug]:
            start, end = corpus.markers[(slug, lang)][seg.text]
            if shown_in(seg, fmt, name, doc, undrawn) and not (start in text and end in text):
                missing.append((slug, name, fmt, seg.kind, seg.text[:50]))
    assert not missing, missing


# --- validity ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_epubcheck(corpus) -> dict:
    return epubcheck_batch(sorted(corpus.out.glob("*/*.epub")))


def test_every_epub_passes_epubcheck_without_a_warning(corpus, corpus_epubcheck):
    epubs = sorted(corpus.out.glob("*/*.epub"))
    assert len(epubs) == sum(fmt == "epub" for *_, fmt in all_outputs(corpus))
    failed = {p.name: msg for p, (code, msg) in corpus_epubcheck.items()
              if code != 0 or re.search(r"^(WARNING|ERROR|FATAL)", msg, re.M)}
    assert not failed, failed


def pdf_link_problems(path: Path) -> tuple[int, list[str]]:
    """(internal links, those whose destination is missing or not a page) of a PDF."""
    problems, internal = [], 0
    with pikepdf.open(path) as pdf:
        pages = {page.obj.objgen for page in pdf.pages}
        names = {}
        if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
            names = {k: v for k, v in pikepdf.NameTree(pdf.Root.Names.Dests).items()}
        for number, page in enumerate(pdf.pages, start=1):
            for annot in page.get("/Annots", []):
                if annot.get("/Subtype") != "/Link":
                    continue
                dest = annot.get("/Dest")
                action = annot.get("/A")
                if dest is None and action is not None and action.get("/S") == "/GoTo":
                    dest = action.get("/D")
                if dest is None:
                    continue  # an external link
                internal += 1
                if isinstance(dest, (pikepdf.String, pikepdf.Name)):
                    target = names.get(str(dest))
                    if target is None:
                        problems.append(f"page {number}: no destination {str(dest)!r}")
                        continue
                    dest = target.get("/D", target) if isinstance(target, pikepdf.Dictionary) else target
                if not isinstance(dest, pikepdf.Array) or dest[0].objgen not in pages:
                    problems.append(f"page {number}: destination is not a page")
    return internal, problems


def test_every_internal_pdf_link_resolves(corpus):
    problems, links = {}, 0
    for path in sorted(corpus.out.glob("*/*.pdf")):
        internal, found = pdf_link_problems(path)
        links += internal
        if found:
            problems[path.name] = found[:5]
    assert not problems, problems
    # every #link of a brief is a PDF link in each of its PDFs (twice in bilingual ones)
    expected = sum(len(re.findall(r'"#[^"]+"', pandoc.to_json(pandoc.document(doc.blocks))))
                   * sum(fmt == "pdf" for s, *_, fmt in all_outputs(corpus) if s == slug)
                   for slug, doc in corpus.briefs.items())
    assert expected > 0 and links >= expected


def test_internal_links_of_the_corpus_land_on_their_anchor(corpus):
    """The links to #who-carries-the-risk and to the <a name="contact"> anchor exist in
    the PDF as destinations."""
    with pikepdf.open(output(corpus, "energy-finance", "en", "pdf")) as pdf:
        names = set(pikepdf.NameTree(pdf.Root.Names.Dests).keys())
    assert {"who-carries-the-risk", "contact"} <= names


def test_no_command_ends_in_a_traceback_on_the_corpus(corpus):
    root = str(corpus.root)
    for args in (["extract"], ["status"], ["check"], ["rules"]):
        code, out, err = run_cli(*args, "--root", root)
        assert code in (0, 1) and "Traceback" not in err, (args, err[-2000:])
    code, _, err = run_cli("extract", "--root", root)
    assert code == 0 and "nothing changed" in err


# --- raw HTML a brief may not hold ------------------------------------------------------------

REFUSED = {
    "<script>alert(1)</script>": "raw HTML may not hold <script>",
    '<img src="photo.png" alt="x">': "raw HTML may not hold <img>",
    '<iframe src="https://example.org"></iframe>': "raw HTML may not hold <iframe>",
    '<span onclick="go()">x</span>': "raw HTML may not hold event handlers",
    '<span style="background: url(x.png)">x</span>': "raw HTML may not load a file or URL",
    '<a href="javascript:go()">x</a>': "javascript:",
    "<style>@import 'x.css';</style>": "raw HTML may not hold <style>",
}


@pytest.mark.parametrize("raw", REFUSED)
def test_refused_raw_html_is_an_error_at_its_line(tmp_path, raw):
    (tmp_path / "content/b").mkdir(parents=True)
    (tmp_path / "content/b/brief.md").write_text(
        "---\ntitle: T\ndate: 2025-01-01\nauthors:\n  - name: A\n---\n\nFine.\n\n"
        f"Text {raw} here.\n", encoding="utf-8")
    code, _, err = run_cli("extract", "--root", str(tmp_path))
    assert code == 1 and "Traceback" not in err
    (line,) = [l for l in err.splitlines() if l.startswith("content/")]
    assert line.startswith("content/b/brief.md:10: ") and REFUSED[raw] in line, err
