"""Translation QA (``briefpress check``): every catalog against the current source.

Each problem names the PO file and the line of the entry's msgid, and the check that
found it. Content checks run on translated entries only; fuzzy, untranslated and
obsolete entries are warnings in a draft and errors with ``strict``. Markdown
translations are parsed with localize's own parser, in one pandoc call per catalog.

The glossary of a language is ``locales/<lang>/glossary.po``: msgid the source term,
msgstr the required target term, a translator comment ``# variants: A | B`` for other
accepted renderings, ``msgctxt "templates"`` for a term of the templates' words only,
and an optional ``X-Source-Language`` header (Poedit's; default ``en``).

Refuse or report, the split every checker follows: load (front matter:
``validate_front_matter``), posyntax (PO syntax, as ``msgfmt -c``) and sandbox (the
files the engines read) *refuse* input no command can use: they raise at read time,
naming the first problem's file and line, and every command stops there. check
*reports*: it reads catalogs that passed those, lists every translation problem
(markup, numbers, glossary...) as a warning or an error, and raises on none.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import PYTHON_FORMAT, Catalog, Message, TranslationError
from babel.messages.checkers import num_plurals, python_format

from . import catalogs
from .cjk import CJK_PUNCTUATION, FULLWIDTH, KANA_KANJI
from .errors import BriefpressError, CatalogError, UsageError
from .figures import stale_figures
from .layout import TEMPLATES_DOMAIN, Layout
from .load import load
from .localize import Pending, batch_parse, check_parsed
from .model import Segment
from .segment import segment_with_slots

TEMPLATES_LANG = "en"  # the language the templates are written in
INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
NUMBER = re.compile(r"\d+(?:,\d{3}(?!\d))*(?:\.\d+)?")
RAW_HTML = re.compile(r"</?[A-Za-z][^<>]*>")
DOUBLED = re.compile(r"。。|、、|，，|,,|(?<!\.)\.\.(?!\.)")
# Kana, kanji, CJK punctuation and full-width forms: the neighbours that make an ASCII
# comma or period "inside Japanese text".
CJK = CJK_PUNCTUATION + KANA_KANJI + FULLWIDTH
LATIN_STOP = re.compile(rf"(?<=[{CJK}])([,.])(?=[{CJK}]|\s|$)")
QUOTED = re.compile(r'"[^"]*"|“[^“”]*”')  # quotes pair left to right


@dataclass
class Problem:
    path: str  # relative to the root
    line: int  # 1-based: the msgid line of the PO entry
    check: str
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.check}] {self.message}"


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


@dataclass
class Unit:
    """What a catalog entry translates: the source text as the current source has it."""

    where: str  # "content/<slug>/brief.md:LINE", for a unit missing from the catalog
    markdown: bool = False
    segment: Segment | None = None
    slot: object = None
    source_inlines: list | None = None  # Markdown units: the source, notes as [^N]
    notes: dict = field(default_factory=dict)


@dataclass(eq=False)  # hashed by identity
class Term:
    source: str
    targets: list[str]  # the glossary's term first, then accepted variants
    context: str | None  # a catalog domain ("templates"), or None for every catalog
    where: str  # "locales/<lang>/glossary.po:LINE"
    pattern: re.Pattern


@dataclass
class Glossary:
    source_lang: str = "en"
    terms: list[Term] = field(default_factory=list)


def check(root: Path, briefs: list[str] | None = None, strict: bool = False) -> list[Problem]:
    """Every problem in the catalogs of *briefs* (default: all, and the templates'
    catalogs), sorted by file and line."""
    layout = Layout(root)
    known = layout.briefs()
    for slug in briefs or []:
        if slug not in known:
            raise UsageError(f"no brief {slug!r} (known: {', '.join(known) or 'none'})")
    problems: list[Problem] = []
    glossaries = {}
    for lang in layout.locales():
        glossaries[lang], found = read_glossary(root, lang)
        problems += found
    for slug in briefs or known:
        try:
            doc = load(root, slug)
            units = brief_units(doc, *segment_with_slots(doc))
        except BriefpressError as exc:  # one broken brief: report it, check the others
            for error in getattr(exc, "errors", [exc]):
                problems.append(Problem(error.path or Layout.brief(slug),
                                        error.line or 1, "brief", error.message))
            continue
        problems += figure_problems(doc, [l for l in glossaries if l != doc.lang])
        for lang, glossary in glossaries.items():
            if lang != doc.lang:
                terms = glossary.terms if same_lang(glossary.source_lang, doc.lang) else []
                problems += check_catalog(root, Layout.po(lang, slug), lang, slug, units, terms,
                                          strict)
    if not briefs:
        problems += check_templates(root, glossaries, strict)
    return sorted(problems, key=lambda p: (p.path, p.line, p.check))


def figure_problems(doc, langs: list[str]) -> list[Problem]:
    return [Problem(found, 1, "figure", f"older than {source}: the {lang} figure may not "
                    "show the source's changes; update it (or touch it once checked)",
                    "warning") for found, source, lang in stale_figures(doc, langs)]


def check_templates(root: Path, glossaries: dict, strict: bool) -> list[Problem]:
    """The templates' catalogs, where they exist (without one a build shows English)."""
    langs = [lang for lang in glossaries if not same_lang(lang, TEMPLATES_LANG)
             and (root / Layout.po(lang, TEMPLATES_DOMAIN)).exists()]
    units = template_units(root) if langs else {}
    problems = []
    for lang in langs:
        glossary = glossaries[lang]
        terms = glossary.terms if same_lang(glossary.source_lang, TEMPLATES_LANG) else []
        problems += check_catalog(root, Layout.po(lang, TEMPLATES_DOMAIN), lang,
                                  TEMPLATES_DOMAIN, units, terms, strict)
    return problems


def same_lang(a: str, b: str) -> bool:
    return base_lang(a) == base_lang(b)


def base_lang(lang: str) -> str:
    return re.split(r"[-_]", lang)[0].lower()


# --- the source side ---------------------------------------------------------------


def brief_units(doc, segments: list[Segment], body: list, numbered: list) -> dict:
    """(msgid, context) -> Unit, footnotes numbered as segment and localize number them
    (*body* and *numbered*: the slots and notes segment_with_slots gives)."""
    units: dict = {}
    numbering = iter(numbered)
    for seg in segments:
        unit = Unit(f"{doc.source_path}:{seg.line}", segment=seg)
        if seg.key[0] == "body":
            inlines, notes = next(numbering)
            if seg.markdown:
                unit.slot = body[seg.key[1]]
                unit.source_inlines, unit.notes, unit.markdown = inlines, notes, True
        units.setdefault((seg.text, None), unit)
    return units


def template_units(root: Path) -> dict:
    from .render import template_dirs  # render is heavy; only the templates need it

    epoch = dt.datetime.fromtimestamp(0, dt.timezone.utc)  # not written anywhere
    template = catalogs.template_for_templates(template_dirs(root)[0], epoch)
    return {(m.id, m.context): Unit("{}:{}".format(*m.locations[0]))
            for m in template if m.id}


# --- one catalog ---------------------------------------------------------------------


def check_catalog(root: Path, rel: str, lang: str, domain: str, units: dict,
                  terms: list[Term], strict: bool) -> list[Problem]:
    draft = "error" if strict else "warning"
    if not (root / rel).exists():
        return [Problem(rel, 1, "untranslated",
                        f"no catalog: run 'briefpress update --locale {lang}'", draft)]
    try:
        catalog = catalogs.read_catalog(root / rel, rel, lang, log=False)
    except CatalogError as exc:
        return [Problem(rel, exc.line or 1, "syntax", exc.message)]
    problems = [Problem(rel, line, name, text, "warning") for line, name, text in catalog.notes]
    pending: list[Pending] = []
    seen = set()
    for message in catalog:
        if not message.id:
            continue  # the header
        line = message.lineno or 1

        def add(check: str, text: str, severity: str = "error") -> None:
            problems.append(Problem(rel, line, check, text, severity))

        unit = units.get((message.id, message.context))
        forms = list(message.string) if isinstance(message.string, (list, tuple)) \
            else [message.string or ""]
        if unit is None:
            add("obsolete", f"not in the current source (run 'briefpress extract' and "
                f"'briefpress update' to mark it obsolete): {snippet(message.id)}", draft)
            continue
        seen.add((message.id, message.context))
        state = catalogs.unit_state(catalogs.Entry("".join(forms), line, message.fuzzy))
        if state == "untranslated":
            add("untranslated", f"untranslated: {snippet(message.id)}", draft)
        elif state == "fuzzy":
            add("fuzzy", f"fuzzy (the source changed; review, then remove the fuzzy "
                f"flag): {snippet(message.id)}", draft)
        else:
            for check_name, text, severity in babel_checks(catalog, message, domain):
                add(check_name, text, severity)
            sources = message.id if isinstance(message.id, (list, tuple)) else [message.id]
            for i, form in enumerate(forms):
                source = sources[min(i, len(sources) - 1)]
                for check_name, text, severity in text_checks(source, form, unit.markdown,
                                                              lang, domain, terms):
                    add(check_name, text, severity)
            if unit.markdown:
                pending.append(Pending(lang, unit.segment, unit.slot.container, unit.slot.key,
                                       unit.source_inlines, unit.notes, forms[0], rel, line))
    for message in catalog.obsolete.values():
        problems.append(Problem(rel, message.lineno or 1, "obsolete",
                                f"obsolete entry (#~), kept for reference: delete it once "
                                f"unneeded: {snippet(message.id)}", draft))
    for key, unit in units.items():
        if key not in seen:
            path, _, line = unit.where.rpartition(":")
            problems.append(Problem(path, int(line), "untranslated",
                                    f"missing from {rel}: run 'briefpress extract' and "
                                    f"'briefpress update'", draft))
    problems += markup_checks(pending)
    return problems


def snippet(text, width: int = 50) -> str:
    text = text[0] if isinstance(text, (list, tuple)) else text
    text = " ".join(text.split())
    return repr(text if len(text) <= width else text[: width - 1] + "…")


def babel_checks(catalog: Catalog, message: Message, domain: str):
    """Babel's checkers, and named placeholders the translation drops (which Babel
    allows, but a template would then lose a value). Placeholders are checked only in
    the templates' catalog: a brief's prose is no format string ("rose 5%")."""
    templates = domain == catalogs.TEMPLATES_DOMAIN and "python-format" in message.flags
    for name, checker in (("placeholders", python_format), ("plurals", num_plurals)):
        if name == "placeholders" and not templates:
            continue
        try:
            checker(catalog, message)
        except TranslationError as exc:
            yield name, str(exc), "error"
    if templates:
        ids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
        strings = message.string if isinstance(message.string, (list, tuple)) \
            else [message.string]
        wanted = {m.group(1) for m in PYTHON_FORMAT.finditer(ids[-1]) if m.group(1)}
        for form in strings:
            have = {m.group(1) for m in PYTHON_FORMAT.finditer(form or "") if m.group(1)}
            for name in sorted(wanted - have):
                yield "placeholders", f"placeholder %({name})s missing from the translation", \
                    "error"


def markup_checks(pending: list[Pending]) -> list[Problem]:
    """Markdown translations against their source's markup, parsed in one pandoc call."""
    nonce = uuid.uuid4().hex
    chunks = parse_all([p.text for p in pending], [p.notes for p in pending], nonce)
    problems = []
    for item, blocks in zip(pending, chunks):
        for text in check_parsed(item, blocks, nonce)[1]:
            problems.append(Problem(item.po_path, item.po_line, "markup", text))
    return problems


def parse_all(texts: list[str], notes: list[dict], nonce: str) -> list:
    """batch_parse, halving the batch around a translation that breaks it (an unclosed
    code span or HTML block), so one bad entry costs a few calls, not one per entry."""
    if not texts:
        return []
    chunks = batch_parse(texts, notes, nonce)
    if chunks is not None:
        return chunks
    if len(texts) == 1:
        return [None]
    half = len(texts) // 2
    return parse_all(texts[:half], notes[:half], nonce) + \
        parse_all(texts[half:], notes[half:], nonce)


# --- checks on the text of one translation -------------------------------------------


def text_checks(source: str, text: str, markdown: bool, lang: str, domain: str,
                terms: list[Term]):
    """(check, message, severity) for each problem of *text*, a translation of *source*."""
    src, tr = prose(source, markdown), prose(text, markdown)
    if not markdown:
        extra = Counter(RAW_HTML.findall(text)) - Counter(RAW_HTML.findall(source))
        if extra:
            yield "markup", "raw HTML not in the source: " + ", ".join(sorted(extra)), "error"
    missing = [n for n in dict.fromkeys(numbers(src)) if n not in set(numbers(tr))]
    if missing:
        yield "numbers", "numbers of the source missing: " + ", ".join(missing), "error"
    for term in glossary_terms(src, terms, domain):
        if not any(fold(t) in fold(tr) for t in term.targets):
            accepted = " or ".join(f"“{t}”" for t in term.targets)
            yield "glossary", (f"“{term.source}” must be rendered as {accepted} "
                               f"({term.where})"), "error"
    yield from whitespace(source, text, lang)
    for found in dict.fromkeys(DOUBLED.findall(tr)):
        if found not in src:
            yield "punctuation", f"doubled punctuation '{found}'", "error"
    if base_lang(lang) == "ja":  # Korean writes , . “ ” and is not checked for them
        for mark in dict.fromkeys(LATIN_STOP.findall(tr)):
            yield "punctuation", f"ASCII '{mark}' in Japanese text: use " \
                f"{'、' if mark == ',' else '。'}", "error"
        if any(re.search(f"[{CJK}]", quoted) for quoted in QUOTED.findall(tr)):
            yield "punctuation", "Latin quotes around Japanese text: use 「」", "error"
    chars = sorted(set(INVISIBLE.findall(text)) - set(source))
    if chars:
        yield "invisible-characters", "invisible characters: " + ", ".join(
            f"U+{ord(c):04X} {unicodedata.name(c, '')}".strip() for c in chars), "error"


def prose(text: str, markdown: bool) -> str:
    """The running text of a unit: Markdown without code spans, link targets and footnote
    references, whose digits and punctuation are not prose."""
    if not markdown:
        return text
    text = re.sub(r"`+[^`]*`+", "", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"<[A-Za-z][\w+.-]*:[^>\s]*>", "", text)
    return re.sub(r"\[\^\d+\]", "", text)


def numbers(text: str) -> list[str]:
    """The numbers in *text*, full-width digits read as ASCII, thousands commas dropped:
    "December 28, 2015" -> 28, 2015; "50th" -> 50; "1990s" -> 1990; "2+2" -> 2, 2."""
    return [n.replace(",", "") for n in NUMBER.findall(unicodedata.normalize("NFKC", text))]


def whitespace(source: str, text: str, lang: str):
    for side, pattern in (("leading", r"^\s*"), ("trailing", r"\s*$")):
        want, have = re.search(pattern, source).group(), re.search(pattern, text).group()
        if want != have:
            yield "whitespace", f"{side} whitespace differs from the source " \
                f"({want!r} in the source, {have!r} here)", "error"
    inner = text.strip()
    if "\n" in inner and "\n" not in source:
        yield "whitespace", "line break that the source lacks", "error"
    if re.search(r"[ \u3000]{2,}", inner) and not re.search(r"[ \u3000]{2,}", source):
        yield "whitespace", "doubled space", "error"
    if base_lang(lang) == "ja" and re.search(r"[ \u3000][、。]", inner):
        yield "whitespace", "space before 、 or 。", "warning"


# --- glossary ------------------------------------------------------------------------


def fold(text: str) -> str:
    """Text as the glossary compares it: full-width and half-width forms alike, curly
    apostrophes straight, case ignored."""
    return unicodedata.normalize("NFKC", text).replace("’", "'").casefold()


def term_pattern(term: str) -> re.Pattern:
    """A Latin term matches whole words (and its -s, -es, -d, -ed, -ing forms); a CJK
    term matches anywhere."""
    body = r"\s+".join(re.escape(word) for word in fold(term).split())
    latin = re.compile(r"[0-9A-Za-z\u00c0-\u024f]")
    if latin.match(term[0]):
        body = r"(?<!\w)" + body
    if latin.match(term[-1]):
        body += r"(?:s|es|d|ed|ing)?(?!\w)" if term[-1].isalpha() else r"(?!\w)"
    return re.compile(body)


def glossary_terms(source: str, terms: list[Term], domain: str) -> list[Term]:
    """The terms *source* uses, in order; where terms overlap the longest wins:
    "rear-area logistical support" hides the "logistical support" inside it."""
    text = fold(source)
    hits = sorted(((m.start(), m.end(), term) for term in terms
                   if term.context in (None, domain) for m in term.pattern.finditer(text)),
                  key=lambda h: (h[0] - h[1], h[0]))
    claimed: list[tuple[int, int, Term]] = []
    for start, end, term in hits:
        if not any(s <= start and end <= e for s, e, _ in claimed):
            claimed.append((start, end, term))
    return list(dict.fromkeys(term for _, _, term in sorted(claimed, key=lambda h: h[0])))


def read_glossary(root: Path, lang: str) -> tuple[Glossary, list[Problem]]:
    rel = Layout.glossary(lang)
    glossary = Glossary()
    path = root / rel
    if not path.exists():
        return glossary, []
    try:
        catalog = catalogs.read_catalog(path, rel, lang)
    except CatalogError as exc:
        return glossary, [Problem(rel, exc.line or 1, "glossary", exc.message)]
    header = re.search(r'^"X-Source-Language:\s*([^\\"]+)', path.read_text("utf-8"), re.M)
    glossary.source_lang = header.group(1).strip() if header else "en"
    for message in catalog:
        if not message.id or not message.string or message.fuzzy:
            continue
        variants = [v.strip() for c in message.user_comments if c.startswith("variants:")
                    for v in c.removeprefix("variants:").split("|") if v.strip()]
        glossary.terms.append(Term(message.id, [message.string, *variants], message.context,
                                   f"{rel}:{message.lineno}", term_pattern(message.id)))
    return glossary, []
