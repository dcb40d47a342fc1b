"""XLIFF 1.2 exchange with CAT tools (Trados, memoQ, Phrase), on translate-toolkit's
storage classes.

``export`` writes one file per brief and language: every entry of the PO file as a
``trans-unit`` with source, target and state (``translated``; ``needs-review-translation``
for fuzzy; ``new``), notes with the unit's kind, its ``brief.md:LINE`` and the
translator comments, and the previous source of a fuzzy unit as an ``alt-trans``. The
Markdown of a unit is protected: paired spans (emphasis, links, ...) become ``<g>``,
atoms (footnote references, code, images, raw HTML, math) become ``<ph>`` holding the
Markdown, so a CAT tool shows tags a translator moves but cannot break.

``import_files`` merges targets back. It refuses a file whose units no longer match the
current POT, and one whose incoming text fails ``briefpress check``; a PO entry edited
since the export is a conflict: reported, the PO's text kept. Each unit carries the hash
of the PO text it was exported from, which is how an edit since then is seen.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from translate.storage import xliff as tt

from . import catalogs
from .check import check
from .errors import BriefpressError, ErrorList, UsageError
from .layout import Layout
from .load import load
from .output import write_atomic
from .project import select_briefs

NS = "urn:oasis:names:tc:xliff:document:1.2"
X = f"{{{NS}}}"
BASE = "x-briefpress-base"  # context-type holding the hash of the PO text at export
FUZZY_STATES = {"new", "needs-translation", "needs-adaptation", "needs-l10n",
                "needs-review-translation", "needs-review-adaptation", "needs-review-l10n"}


class Unit12(tt.xliffunit):
    namespace = NS


class File12(tt.xlifffile):
    UnitClass = Unit12
    namespace = NS
    XMLskeleton = f"""<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="{NS}"><file original="NoName" source-language="en" \
datatype="x-markdown"><body/></file></xliff>"""


# --- Markdown spans as XLIFF inline elements ---------------------------------------

# Unit texts are written by pandoc (commonmark_x): a literal * [ ] ` < $ ^ ~ is escaped,
# so each of these, unescaped, is markup.
TOKEN = re.compile(r"""
    (?P<escape>\\.)
  | (?P<code>(?P<ticks>`+).+?(?P=ticks))
  | (?P<note>\[\^[^\]\s]+\])
  | (?P<image>!\[(?:[^\]\\]|\\.)*\]\((?:[^)\\]|\\.)*\)(?:\{[^}]*\})?)
  | (?P<autolink><(?:https?|mailto|ftp):[^>\s]*>)
  | (?P<html></?[A-Za-z][^<>]*>)
  | (?P<math>\$\$?(?:[^$\\]|\\.)+\$\$?)
  | (?P<close>\]\((?:[^()\s\\]|\\.|\([^()]*\))*(?:\s+"(?:[^"\\]|\\.)*")?\)(?:\{[^}]*\})?
             | \]\{[^}]*\})
  | (?P<open>\[)
  | (?P<delim>\*\*|\*|~~|\^|~)
""", re.X | re.S)
DELIMS = {"**": "bold", "*": "italic", "~~": "x-strikeout", "^": "x-superscript",
          "~": "x-subscript"}
ATOMS = {"code": "x-code", "note": "x-footnote", "image": "image", "autolink": "link",
         "html": "x-html", "math": "x-math"}


@dataclass
class Span:
    """A paired span: its Markdown before and after, and what it is."""

    id: str
    open: str
    close: str
    ctype: str
    children: list = field(default_factory=list)


@dataclass
class Atom:
    id: str
    native: str
    ctype: str


def parse_spans(text: str) -> list:
    """*text* as a tree: strings, Span and Atom. Joining the Markdown back gives *text*
    exactly; an opening with no match stays text."""
    root: list = []
    stack: list[tuple[Span, list]] = []  # open span, the list it belongs to
    current = root
    pos = 0
    counter = 0

    def add_text(s: str) -> None:
        if s:
            if current and isinstance(current[-1], str):
                current[-1] += s
            else:
                current.append(s)

    for m in TOKEN.finditer(text):
        add_text(text[pos:m.start()])
        pos = m.end()
        kind, token = ("code" if m.group("code") else m.lastgroup), m.group()
        if kind == "escape":
            add_text(token)
        elif kind in ATOMS:
            counter += 1
            current.append(Atom(str(counter), token, ATOMS[kind]))
        elif kind == "open" or (kind == "delim" and not any(
                s.open == token for s, _ in stack)):
            counter += 1
            span = Span(str(counter), token, "", "link" if token == "[" else DELIMS[token])
            current.append(span)
            stack.append((span, current))
            current = span.children
        elif kind == "delim" or (kind == "close" and any(s.open == "[" for s, _ in stack)):
            want = token if kind == "delim" else "["
            while stack:
                span, parent = stack.pop()
                current = parent
                if span.open == want:
                    span.close = token
                    if kind == "close" and token.startswith("]{"):
                        span.ctype = "x-span"
                    break
                unclose(span, parent)
        else:
            add_text(token)
    add_text(text[pos:])
    while stack:
        span, parent = stack.pop()
        unclose(span, parent)
    return root


def unclose(span: Span, parent: list) -> None:
    """An opening never closed: its Markdown is text, its children move up."""
    i = next(i for i, n in enumerate(parent) if n is span)
    parent[i:i + 1] = [span.open, *span.children]
    merged: list = []
    for node in parent:
        if isinstance(node, str) and merged and isinstance(merged[-1], str):
            merged[-1] += node
        else:
            merged.append(node)
    parent[:] = merged


def spans_by_id(tree: list) -> dict:
    out = {}
    for node in tree:
        if isinstance(node, (Span, Atom)):
            out[node.id] = node
        if isinstance(node, Span):
            out.update(spans_by_id(node.children))
    return out


def signature(node) -> tuple:
    return (node.open, node.close, node.ctype) if isinstance(node, Span) \
        else (node.native, node.ctype)


def align(tree: list, source: dict) -> list:
    """*tree* (a translation) with each span given the id of the same span in the
    source, the first one unused; a span the source lacks is left as its Markdown."""
    free = list(source.values())

    def walk(nodes: list) -> list:
        out: list = []
        for node in nodes:
            if isinstance(node, str):
                out.append(node)
                continue
            match = next((s for s in free if type(s) is type(node)
                          and signature(s) == signature(node)), None)
            children = walk(node.children) if isinstance(node, Span) else []
            if match is None:
                out += [node.open, *children, node.close] if isinstance(node, Span) \
                    else [node.native]
                continue
            free.remove(match)
            node.id = match.id
            if isinstance(node, Span):
                node.children = children
            out.append(node)
        merged: list = []
        for node in out:
            if isinstance(node, str) and merged and isinstance(merged[-1], str):
                merged[-1] += node
            elif not (isinstance(node, str) and not node):
                merged.append(node)
        return merged

    return walk(tree)


def fill(element, tree: list) -> None:
    """Put *tree* into the lxml *element* as text, ``<g>`` and ``<ph>``."""
    last = None
    for node in tree:
        if isinstance(node, str):
            if last is None:
                element.text = (element.text or "") + node
            else:
                last.tail = (last.tail or "") + node
            continue
        if isinstance(node, Span):
            last = etree.SubElement(element, X + "g", id=node.id, ctype=node.ctype)
            fill(last, node.children)
        else:
            last = etree.SubElement(element, X + "ph", id=node.id, ctype=node.ctype)
            last.text = node.native


class TagError(Exception):
    pass


def to_markdown(element, spans: dict, seen: set) -> str:
    """The Markdown of a ``<target>``: its text, each ``<g>``/``<ph>`` given back the
    Markdown its id has in the source (the ids used go into *seen*). Unknown or repeated
    tags are errors."""
    out = [element.text or ""]
    for child in element:
        if isinstance(child, etree._Entity):
            raise TagError(f"entity reference {child.text} (entities are not read)")
        tag = etree.QName(child).localname if isinstance(child.tag, str) else None
        if tag is None:  # comment or processing instruction
            out.append(child.tail or "")
            continue
        ident = child.get("id")
        span = spans.get(ident)
        kind = "g" if isinstance(span, Span) else "ph" if isinstance(span, Atom) else None
        if tag in ("mrk",):  # a CAT tool's own markers (segmentation, comments)
            out.append(to_markdown(child, spans, seen))
        elif tag != kind:
            raise TagError(f"<{tag} id=\"{ident}\"> is not in the source")
        elif ident in seen:
            raise TagError(f"<{tag} id=\"{ident}\"> appears twice")
        else:
            seen.add(ident)
            if isinstance(span, Span):
                out += [span.open, to_markdown(child, spans, seen), span.close]
            else:
                out.append(span.native)
        out.append(child.tail or "")
    return "".join(out)


def missing_tags(spans: dict, seen: set) -> str | None:
    missing = sorted(set(spans) - seen, key=int)
    if not missing:
        return None
    return "tags of the source missing: " + ", ".join(
        f"<{'g' if isinstance(spans[i], Span) else 'ph'} id=\"{i}\"> ({spans[i].ctype})"
        for i in missing)


def canonical(element) -> tuple:
    """The content of *element* in a form two equal sources share: text, and each
    inline element's name, id, ctype and content."""
    return (element.text or "", tuple(
        (etree.QName(c).localname, c.get("id"), c.get("ctype"), canonical(c), c.tail or "")
        for c in element if isinstance(c.tag, str)))


# --- export ------------------------------------------------------------------------


def unit_id(message) -> str:
    key = f"{message.context or ''}\x04{message.id}"
    return "u" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def base_hash(message) -> str:
    """What the PO had at export: the text and whether it was fuzzy."""
    text = message.string if isinstance(message.string, str) else ""
    state = "fuzzy" if message.fuzzy else "final"
    return hashlib.sha256(f"{state}\x00{text}".encode("utf-8")).hexdigest()[:20]


def export(root: Path, lang: str, briefs: list[str] | None, out: Path) -> list[Path]:
    """One XLIFF file per brief into *lang*: ``OUT/<slug>.<lang>.xlf``."""
    if lang not in Layout(root).locales():
        raise UsageError(f"no catalogs for {lang!r}: run 'briefpress update --locale {lang}'")
    written = []
    for slug in select_briefs(root, briefs):
        doc = load(root, slug)
        if doc.lang == lang:
            continue
        rel = Layout.po(lang, slug)
        if not (root / rel).exists():
            raise BriefpressError(f"no catalog: run 'briefpress update --locale {lang}'", rel)
        catalog = catalogs.read_catalog(root / rel, rel, lang)
        target = out / f"{slug}.{lang}.xlf"
        write_atomic(target, export_catalog(catalog, doc.source_path, doc.lang, lang))
        written.append(target)
    return written


def export_catalog(catalog, original: str, source_lang: str, lang: str) -> bytes:
    store = File12()
    filenode = next(store.document.getroot().iterchildren(X + "file"))
    filenode.set("original", original)
    filenode.set("source-language", source_lang)
    filenode.set("target-language", lang)
    filenode.set("product-name", "briefpress")
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue
        unit = store.addsourceunit("", filename=original)
        unit.setid(unit_id(message))
        source = unit.source_dom
        source.text = None
        fill(source, parse_spans(message.id))
        text = message.string if isinstance(message.string, str) else ""
        target = etree.SubElement(unit.xmlelement, X + "target")
        if text:
            fill(target, align(parse_spans(text), spans_by_id(parse_spans(message.id))))
        target.set("state", "needs-review-translation" if text and message.fuzzy
                   else "translated" if text else "new")
        unit.xmlelement.set("approved", "yes" if text and not message.fuzzy else "no")
        if message.fuzzy and message.previous_id:
            unit.addalttrans(text, origin="previous", sourcetxt=message.previous_id[0])
        for comment in message.auto_comments:
            unit.addnote(comment, origin="developer")
        for filename, line in message.locations:
            unit.addnote(f"{filename}:{line}", origin="location")
        for comment in message.user_comments:
            unit.addnote(comment, origin="translator")
        for filename, line in message.locations:
            unit.createcontextgroup("po-reference", [("sourcefile", filename),
                                                     ("linenumber", str(line))],
                                    purpose="location")
        unit.createcontextgroup("briefpress", [(BASE, base_hash(message))],
                                purpose="information")
    etree.cleanup_namespaces(store.document.getroot())
    return bytes(store)


# --- import ------------------------------------------------------------------------


@dataclass
class Incoming:
    """What one XLIFF file would change in its PO file."""

    xlf: str
    slug: str
    lang: str
    po: str
    catalog: object
    changes: dict = field(default_factory=dict)  # msgid -> (text, fuzzy, xlf line)
    conflicts: list[str] = field(default_factory=list)


def read_xliff(path: Path, shown: str) -> File12:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BriefpressError(f"cannot read: {exc.strerror}", shown) from None
    try:
        store = File12.parsestring(data)
    except (etree.XMLSyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        raise BriefpressError(f"not an XLIFF 1.2 file: {exc}", shown, line) from None
    if store.document.getroot().get("version") not in ("1.2", "1.1"):
        raise BriefpressError("not an XLIFF 1.2 file (no version=\"1.2\")", shown, 1)
    return store


def plan(root: Path, path: Path, shown: str) -> Incoming:
    """Read and check one XLIFF file against the current POT and PO."""
    store = read_xliff(path, shown)
    slug, lang, line = file_target(store, shown)
    pot_rel, rel = Layout.pot(slug), Layout.po(lang, slug)
    if not (root / pot_rel).exists():
        raise BriefpressError(f"no {pot_rel}: is this XLIFF from this project?", shown, line)
    if not (root / rel).exists():
        raise BriefpressError(f"no {rel}: run 'briefpress update --locale {lang}'", shown, line)
    pot = {unit_id(m): m for m in catalogs.read_catalog(root / pot_rel, pot_rel, None) if m.id}
    catalog = catalogs.read_catalog(root / rel, rel, lang)
    current = {unit_id(m): m for m in catalog if m.id}
    incoming = Incoming(shown, slug, lang, rel, catalog)
    errors = [error for unit in store.units
              if (error := plan_unit(incoming, unit.xmlelement, pot, current, pot_rel))]
    if errors:
        raise ErrorList(errors)
    return incoming


def file_target(store, shown: str) -> tuple[str, str, int]:
    """(slug, target language, line) of the XLIFF's one <file>."""
    files = list(store.document.getroot().iterchildren(X + "file"))
    if len(files) != 1:
        raise BriefpressError(f"expected one <file>, found {len(files)}", shown, 1)
    filenode = files[0]
    original, lang = filenode.get("original", ""), filenode.get("target-language")
    m = re.fullmatch(r"content/([a-z0-9][a-z0-9-]*)/brief\.md", original)
    if not m or not lang:
        raise BriefpressError("the <file> must have original=\"content/<slug>/brief.md\" "
                              "and a target-language (as 'briefpress xliff export' writes)",
                              shown, filenode.sourceline)
    return m.group(1), lang, filenode.sourceline


def plan_unit(incoming: Incoming, element, pot: dict, current: dict,
              pot_rel: str) -> BriefpressError | None:
    """Check one <trans-unit>; its change, or its conflict, goes into *incoming*."""
    shown, rel, lang = incoming.xlf, incoming.po, incoming.lang
    ident = element.get("id")
    message = pot.get(ident)
    source = element.find(X + "source")
    expected = etree.Element(X + "source")
    if message is not None:
        fill(expected, parse_spans(message.id))
    if message is None or source is None or canonical(source) != canonical(expected):
        text = "".join(source.itertext()) if source is not None else ""
        return BriefpressError(
            f"unit {ident}: its source is no longer in {pot_rel} (the brief changed "
            f"since the export; export again): {text[:60]!r}", shown, element.sourceline)
    po_message = current.get(ident)
    target = element.find(X + "target")
    if target is None:
        return None
    if po_message is None:
        return BriefpressError(
            f"unit {ident}: not in {rel} yet: run 'briefpress update --locale {lang}' "
            "first", shown, element.sourceline)
    spans, seen = spans_by_id(parse_spans(message.id)), set()
    try:
        text = to_markdown(target, spans, seen)
    except TagError as exc:
        return BriefpressError(f"unit {ident}: {exc}", shown, element.sourceline)
    state = target.get("state", "")
    fuzzy = state in FUZZY_STATES or (element.get("approved") == "no"
                                      and state not in ("translated", "final", "signed-off"))
    if not text.strip():
        return None  # nothing translated: never blank a PO entry
    old = po_message.string if isinstance(po_message.string, str) else ""
    if text == old and fuzzy == bool(po_message.fuzzy):
        return None
    missing = missing_tags(spans, seen)
    if missing:
        return BriefpressError(f"unit {ident}: {missing}", shown, element.sourceline)
    base = element.xpath("x:context-group/x:context[@context-type=$t]/text()",
                         namespaces={"x": NS}, t=BASE)
    if base and base[0] != base_hash(po_message):
        incoming.conflicts.append(
            f"{shown}:{element.sourceline}: conflict: {rel}:{po_message.lineno} changed "
            f"since the export; kept the PO's text: {message.id[:50]!r}")
        return None
    incoming.changes[po_message.id] = (text, fuzzy, element.sourceline)
    return None


def merged(incoming: Incoming):
    catalog = incoming.catalog
    for msgid, (text, fuzzy, _) in incoming.changes.items():
        message = catalog.get(msgid)
        message.string = text
        if fuzzy:
            message.flags.add("fuzzy")
        else:
            message.flags.discard("fuzzy")
            message.previous_id = []
    return catalog


def run_checks(root: Path, items: list[Incoming]) -> list[BriefpressError]:
    """``briefpress check`` on the merged catalogs, in a scratch copy of the project's
    locales; the errors of the units an import changes, cited at their XLIFF lines."""
    errors = []
    with tempfile.TemporaryDirectory(prefix="briefpress-xliff-") as tmp:
        scratch = Path(tmp)
        for name in ("content", "locales"):
            shutil.copytree(root / name, scratch / name)
        for item in items:
            catalogs.write_atomic(scratch / item.po, catalogs.po_bytes(merged(item)))
        problems = check(scratch, sorted({item.slug for item in items}))
        for item in items:
            lines = {}
            rel = item.po
            for message in catalogs.read_catalog(scratch / rel, rel, item.lang):
                if message.id in item.changes:
                    lines[message.lineno] = item.changes[message.id][2]
            for problem in problems:
                if problem.path == rel and problem.severity == "error" \
                        and problem.line in lines:
                    errors.append(BriefpressError(
                        f"[{problem.check}] {problem.message}", item.xlf,
                        lines[problem.line]))
    return errors


def import_files(root: Path, paths: list[Path], shown: list[str]) -> tuple[list[str], list[str], dict]:
    """Merge the XLIFF *paths* into their PO files: (files written, conflicts, changes
    per PO file). Nothing is written unless every file passes."""
    items = [plan(root, path, name) for path, name in zip(paths, shown)]
    pos = [item.po for item in items]
    twice = sorted({p for p in pos if pos.count(p) > 1})
    if twice:
        raise UsageError(f"two XLIFF files for {', '.join(twice)}: import one at a time")
    changed = [item for item in items if item.changes]
    errors = run_checks(root, changed) if changed else []
    if errors:
        raise ErrorList(errors)
    written = []
    for item in changed:
        if catalogs.write_catalog(root / item.po, merged(item)):
            written.append(item.po)
    conflicts = [c for item in items for c in item.conflicts]
    return written, conflicts, {item.po: len(item.changes) for item in items}
