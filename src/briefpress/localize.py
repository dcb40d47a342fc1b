"""Stage 4, localize: put each unit's translation in place of its source.

Translations come from outside, so they are parsed (one pandoc call for every unit of
every language) and checked against their source before use: a translation may not
add raw HTML, links, images or footnotes, nor lose any of the source's. Units with no
usable translation fall back to the source text, marked, and are reported; with
``strict`` any fallback is an error.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from dataclasses import dataclass, field, replace

from . import pandoc
from .cache import content_nonce
from .catalogs import Translations, unit_state
from .errors import ErrorList, TranslationError
from .figures import localize_figures
from .load import language_tag
from .model import Document, Fallback, Segment
from .segment import numbered_notes, parse_svg, set_path, slots, svg_figures, svg_text_nodes

FALLBACK_CLASS = "bp-fallback"


@dataclass
class Localized:
    """A document in one target language, and what fell back to the source."""

    doc: Document
    source_lang: str
    fallbacks: list[Fallback] = field(default_factory=list)


@dataclass
class Pending:
    """A translation waiting to be parsed: where it goes and what it replaces."""

    lang: str
    segment: Segment
    slot_container: list | dict
    slot_key: int | str
    source_inlines: list  # the source with notes as [^N] placeholders
    notes: dict[int, dict]  # N -> the (localized) Note node
    text: str
    po_path: str
    po_line: int


def localize(doc: Document, segments: list[Segment], catalogs: dict[str, Translations],
             *, strict: bool = False) -> dict[str, Localized]:
    """*doc* in each language of *catalogs*. Raises ErrorList with every problem."""
    results: dict[str, Localized] = {}
    pending: list[Pending] = []
    errors: list[TranslationError] = []
    for lang, translations in catalogs.items():
        result, todo = prepare(doc, segments, lang, translations)
        results[lang] = result
        pending += todo
    for item, inlines in zip(pending, parse_translations(pending, errors)):
        if inlines is not None:
            item.slot_container[item.slot_key] = inlines
    if strict:
        for lang, result in results.items():
            errors += [fallback_error(f, catalogs[lang].path, doc) for f in result.fallbacks]
    if errors:
        raise ErrorList(errors)
    for lang, result in results.items():  # figure.ja.svg beside figure.svg replaces it
        localize_figures(result.doc.blocks, doc.folder, lang)
    return results


def prepare(doc: Document, segments: list[Segment], lang: str,
            translations: Translations) -> tuple[Localized, list[Pending]]:
    """Copy *doc* into *lang*: plain units are set now, Markdown ones queued for parsing."""
    meta = copy.deepcopy(doc.meta)
    blocks = copy.deepcopy(doc.blocks)
    localized = Localized(doc=replace(doc, lang=lang, meta=meta, blocks=blocks),
                          source_lang=doc.lang)
    body = slots(blocks)
    todo: list[Pending] = []
    numbering = numbered_notes([body[seg.key[1]] for seg in segments if seg.key[0] == "body"])
    svg_texts: dict[str, dict[int, str]] = {}
    for seg in segments:
        slot = body[seg.key[1]] if seg.key[0] == "body" else None
        source_inlines, numbered = next(numbering) if slot is not None else (None, {})
        entry = translations.entries.get(seg.text)
        usable = translations.usable(seg.text)
        if usable is None:
            state = unit_state(entry)
            localized.fallbacks.append(Fallback(seg, state, entry.line if entry else None))
            if slot is not None and slot.markdown:
                slot.container[slot.key] = [mark_fallback(slot.container[slot.key], doc.lang)]
            continue
        if seg.key[0] == "svg":
            svg_texts.setdefault(seg.key[1], {})[seg.key[2]] = usable.text
        elif seg.key[0] == "meta":
            set_path(meta, seg.key[1], usable.text)
        elif not slot.markdown:
            slot.container[slot.key] = usable.text
        else:
            todo.append(Pending(lang, seg, slot.container, slot.key, source_inlines,
                                numbered, usable.text, translations.path, usable.line))
    localized.doc.assets = translated_svgs(doc, svg_texts, lang)
    return localized, todo


def translated_svgs(doc: Document, texts: dict[str, dict[int, str]],
                    lang: str) -> dict[str, bytes]:
    """Each SVG figure with its text translated (lxml escapes it) and its language set."""
    from lxml import etree

    out = {}
    for target, line, data in svg_figures(doc):
        root = parse_svg(data, doc.source_path, line)
        for i, node in enumerate(svg_text_nodes(root)):
            node.text = texts.get(target, {}).get(i, node.text)
        root.set("{http://www.w3.org/XML/1998/namespace}lang", language_tag(lang))
        out[target] = etree.tostring(root, encoding="utf-8", xml_declaration=True)
    return out


def mark_fallback(inlines: list, source_lang: str) -> dict:
    return {"t": "Span", "c": [["", [FALLBACK_CLASS], [["lang", language_tag(source_lang)]]],
                               inlines]}


def fallback_error(fallback: Fallback, po: str, doc: Document) -> TranslationError:
    seg = fallback.segment
    where = f" (from {doc.source_path}:{seg.line})"
    if fallback.po_line is None:
        return TranslationError(f"unit missing from the catalog{where}: run "
                                "'briefpress extract' and 'briefpress update'", po)
    return TranslationError(f"{fallback.state} unit{where}: {seg.text[:60]!r}", po,
                            fallback.po_line)


def parse_translations(pending: list[Pending], errors: list) -> list[list | None]:
    """Parse every pending translation in one pandoc call; None where it is rejected."""
    if not pending:
        return []
    nonce = content_nonce([[p.text, p.notes] for p in pending])
    chunks = batch_parse([p.text for p in pending], [p.notes for p in pending], nonce)
    if chunks is None:  # a translation broke out of its place: find it alone
        chunks = [batch_parse([p.text], [p.notes], nonce) for p in pending]
        chunks = [c[0] if c else None for c in chunks]
    out = []
    for item, blocks in zip(pending, chunks):
        inlines, problems = check_parsed(item, blocks, nonce)
        if problems:
            errors.extend(TranslationError(f"[{item.lang}] {p}: {item.text[:60]!r}",
                                           item.po_path, item.po_line) for p in problems)
            out.append(None)
        else:
            out.append(inlines)
    return out


def batch_parse(texts: list[str], notes: list[dict], nonce: str) -> list[list] | None:
    """Parse *texts* as Markdown in one call; a list of block lists, or None if the
    separators did not survive (some text swallowed its neighbour)."""
    separator = f"bp-separator-{nonce}"
    numbers = sorted({n for unit_notes in notes for n in unit_notes})
    parts = []
    for text in texts:
        parts += [text, separator]
    parts += [f"[^{n}]: bp-note-{nonce}-{n}" for n in numbers]
    # The dialect unit texts are written in (no ``smart``): an identity translation then
    # reads back exactly, and an author's escaped straight quote stays straight.
    ast = pandoc.parse_markdown("\n\n".join(parts), reader=pandoc.UNIT_MARKDOWN)
    chunks: list[list] = [[]]
    for block in ast["blocks"]:
        if block["t"] == "Para" and block["c"] == [{"t": "Str", "c": separator}]:
            chunks.append([])
        else:
            chunks[-1].append(block)
    if len(chunks) != len(texts) + 1 or chunks[-1]:
        return None
    return chunks[:-1]


def check_parsed(item: Pending, blocks: list | None, nonce: str) -> tuple[list, list[str]]:
    if blocks is None:
        return [], ["the translation breaks the Markdown around it (unclosed code or HTML)"]
    raw = [b["c"][1] for b in blocks if b["t"] == "RawBlock"]
    if raw:
        return [], ["raw HTML not in the source: " + ", ".join(one_line(r) for r in raw)]
    if len(blocks) != 1 or blocks[0]["t"] not in ("Para", "Plain"):
        kinds = ", ".join(b["t"] for b in blocks) or "nothing"
        return [], [f"a translation must be one paragraph of text, this one is: {kinds}"]
    inlines = blocks[0]["c"]
    problems = markup_problems(item.source_inlines, inlines, nonce)
    if problems:
        return [], problems
    return restore_notes(inlines, item.notes, nonce), []


def restore_notes(inlines: list, notes: dict[int, dict], nonce: str) -> list:
    def replace_note(node):
        if isinstance(node, list):
            return [replace_note(n) for n in node]
        if isinstance(node, dict) and "t" in node:
            if node["t"] == "Note":
                return notes[note_number(node, nonce)]
            if "c" in node:
                return {**node, "c": replace_note(node["c"])}
        return node

    return replace_note(inlines)


def note_number(note: dict, nonce: str) -> int | None:
    text = pandoc.stringify(note["c"][0]["c"]) if note["c"] and note["c"][0].get("c") else ""
    prefix = f"bp-note-{nonce}-"
    return int(text[len(prefix):]) if text.startswith(prefix) else None


def one_line(text: str, width: int = 40) -> str:
    """*text* cut to *width* on one line, for a one-line error message."""
    return " ".join(text.split())[:width]


ATTR_AT = {"Link": 0, "Image": 0, "Span": 0, "Code": 0}
NO_ATTR = ["", [], []]


# What a reader sees or hears of an attribute is translated; the rest must be kept.
SHOWN = ("title", "aria-label", "alt")
SHOWN_IN_RAW = re.compile(r'(\s(?:title|aria-label|alt)\s*=\s*)"[^"]*"', re.IGNORECASE)


def attribute_text(attr: list) -> str:
    """An attribute as pandoc's Markdown writes it: ``{#id .class key="value"}``, the
    values a reader sees (SHOWN) left out: a translation changes them."""
    identifier, classes, pairs = attr
    parts = [f"#{identifier}"] * bool(identifier) + [f".{c}" for c in classes]
    return "{" + " ".join(parts + [f'{k}="{"…" if k in SHOWN else v}"'
                                   for k, v in pairs]) + "}"


def raw_markup(text: str) -> str:
    """Raw HTML as a translation must keep it: the same tags and attributes, the
    values a reader sees (``<abbr title="...">``) translated. A value that closes
    its quotes early (an untrusted ``"``) leaves markup of its own, which differs."""
    return SHOWN_IN_RAW.sub(r'\1"…"', text)


def markup_inventory(inlines: list, nonce: str | None = None) -> dict[str, Counter]:
    """What a translation must keep: link and image targets, footnotes, code, raw markup,
    emphasis, and attributes (a style with url(), rel="attachment")."""
    found = {k: Counter() for k in ("link", "image", "footnote", "code", "raw", "emphasis",
                                     "strong", "attribute")}

    def visit(node):
        if isinstance(node, list):
            for n in node:
                visit(n)
            return
        if not isinstance(node, dict) or "t" not in node:
            return
        t, c = node["t"], node.get("c")
        if t in ATTR_AT and c[ATTR_AT[t]] != NO_ATTR:
            found["attribute"][attribute_text(c[ATTR_AT[t]])] += 1
        if t == "Link":
            found["link"][c[2][0]] += 1
        elif t == "Image":
            found["image"][c[2][0]] += 1
        elif t == "Note":
            found["footnote"][f"[^{note_number(node, nonce)}]" if nonce else "?"] += 1
            return
        elif t == "RawInline":
            if c[0] == "commonmark_x" and c[1].startswith("[^"):
                found["footnote"][c[1]] += 1
            else:
                found["raw"][raw_markup(c[1])] += 1
            return
        elif t == "Code":
            found["code"][c[1]] += 1
        elif t == "Emph":
            found["emphasis"]["*"] += 1
        elif t == "Strong":
            found["strong"]["**"] += 1
        if isinstance(c, list):
            visit(c)

    visit(inlines)
    return found


def markup_problems(source: list, translation: list, nonce: str | None) -> list[str]:
    """How *translation*'s markup differs from *source*'s, as sentences."""
    want = markup_inventory(source)
    have = markup_inventory(translation, nonce)
    problems = []
    for kind in want:
        missing = want[kind] - have[kind]
        extra = have[kind] - want[kind]
        if kind == "raw" and extra:
            problems.append("raw HTML not in the source: "
                            + ", ".join(one_line(r) for r in sorted(extra)))
        elif kind in ("emphasis", "strong") and (missing or extra):
            problems.append(f"{kind} spans differ: source {sum(want[kind].values())}, "
                            f"translation {sum(have[kind].values())}")
        elif kind != "raw" and (missing or extra):
            detail = "; ".join(filter(None, [
                "missing " + ", ".join(sorted(missing)) if missing else "",
                "added " + ", ".join(sorted(extra)) if extra else ""]))
            what = "attributes differ" if kind == "attribute" else f"{kind} differs"
            problems.append(f"{what} from the source ({one_line(detail, 200)})")
    return problems
