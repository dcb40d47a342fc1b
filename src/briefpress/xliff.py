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
from .xlifftags import (NS, X, TagError, align, canonical, fill, missing_tags, parse_spans,
                        spans_by_id, to_markdown)

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
