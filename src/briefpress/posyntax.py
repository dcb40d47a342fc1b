"""PO syntax validated as strictly as ``msgfmt -c``, before Babel reads a file.
(Named for what it guards; it was validate.py. It refuses, raising CatalogError at
read time; ``briefpress check`` reports: see check's docstring for the split.)

Babel's ``read_po`` quietly accepts some broken catalogs (garbage lines, duplicate
entries, control characters); translations come from outside, so a catalog that
msgfmt would refuse must stop the build, with the file and line of the problem.

Beyond msgfmt: control characters are refused in any form (raw, C1, a lone carriage
return, ``\\a``-style escapes). Format strings are not checked here, so ``briefpress
check`` can read a catalog and report each placeholder problem in detail; a build checks
the templates' catalog with ``check_template_strings`` before it fills any string.
"""

from __future__ import annotations

import gettext
import re

from babel import Locale, UnknownLocaleError
from babel.messages.plurals import get_plural

from .errors import CatalogError

STRING = r'"(?:[^"\\]|\\.)*"'
KEYWORD_LINE = re.compile(rf'^(msgctxt|msgid|msgid_plural|msgstr|msgstr\[\d+\])\s+({STRING})\s*$')
CONTINUATION = re.compile(rf"^({STRING})\s*$")
ESCAPE = re.compile(r"\\(.)")
VALID_ESCAPES = set('ntr"\\')
CONTROL_ESCAPES = set("abfv")  # valid C escapes, but control characters in a translation
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")
PYTHON_FORMAT = re.compile(r"%(?:\(([^)]*)\))?")
# msgfmt -c checks nplurals against the plural expression for n up to this.
PLURAL_PROBES = [*range(1001), 10_000, 100_000, 1_000_000]


def check_po_bytes(raw: bytes, rel: str, lang: str | None) -> list[dict]:
    """Check *raw* as a PO file; return its entries (keyword -> text, "line", "flags",
    and "previous": the ``#|`` keywords before it, which Babel does not read)."""
    if lang:
        check_language(lang, rel)
    scanner = PoScanner(rel)
    for number, line in enumerate(decode_po(raw, rel).split("\n"), start=1):
        scanner.line(number, line)
    check_entries(scanner.entries, rel, lang)
    return scanner.entries


def decode_po(raw: bytes, rel: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CatalogError("not valid UTF-8", rel, line) from None
    if text.startswith("\ufeff"):
        raise CatalogError("the file starts with a byte-order mark: save it as UTF-8 "
                           "without BOM", rel, 1)
    return text


class PoScanner:
    """Reads a PO file line by line into entries, refusing what msgfmt would."""

    def __init__(self, rel: str):
        self.rel = rel
        self.entries: list[dict] = []
        self.current: dict | None = None
        self.last_keyword: str | None = None
        self.previous: dict = {}  # the "#|" keywords seen since the last entry
        self.previous_keyword: str | None = None
        self.flags: set[str] = set()

    def fail(self, message: str, number: int):
        raise CatalogError(message, self.rel, number)

    def line(self, number: int, line: str) -> None:
        body = line.removesuffix("\r")  # CRLF files are fine
        if CONTROL.search(body) or "\r" in body:
            self.fail("control character in the catalog", number)
        stripped = line.strip()
        if stripped.startswith("#|"):
            return self.previous_comment(stripped[2:].strip(), number)
        if stripped.startswith("#,"):
            self.flags |= {f.strip() for f in stripped[2:].split(",") if f.strip()}
            return
        obsolete = stripped.startswith("#~")
        if obsolete:
            stripped = stripped[2:].strip()
            if not stripped:
                return
        elif not stripped or stripped.startswith("#"):
            if not stripped and self.current is not None:
                self.current = None
            return
        if m := KEYWORD_LINE.match(stripped):
            self.keyword(*m.groups(), obsolete, number)
        elif m := CONTINUATION.match(stripped):
            if self.current is None or self.last_keyword is None:
                self.fail("a string outside any entry", number)
            check_escapes(m.group(1), self.rel, number)
            self.current[self.last_keyword] += unquote(m.group(1))
        elif stripped.startswith('"') or re.match(r"^(msg\w*)", stripped):
            self.fail("unterminated or malformed string", number)
        else:
            self.fail(f"not PO syntax: {stripped[:40]!r}", number)

    def previous_comment(self, body: str, number: int) -> None:
        if m := KEYWORD_LINE.match(body):
            self.previous_keyword = m.group(1)
            self.previous[self.previous_keyword] = unquote(m.group(2))
        elif (m := CONTINUATION.match(body)) and self.previous_keyword:
            self.previous[self.previous_keyword] += unquote(m.group(1))
        else:
            self.fail("malformed previous-msgid comment ('#|')", number)

    def keyword(self, keyword: str, literal: str, obsolete: bool, number: int) -> None:
        check_escapes(literal, self.rel, number)
        current = self.current
        context_only = current is not None and "msgctxt" in current and "msgid" not in current
        if keyword == "msgctxt" or (keyword == "msgid" and not context_only):
            current = self.current = {"line": number, "obsolete": obsolete,
                                      "previous": self.previous, "flags": self.flags}
            self.entries.append(current)
            self.previous, self.previous_keyword, self.flags = {}, None, set()
        elif current is None:
            self.fail(f"'{keyword}' without a msgid before it", number)
        elif keyword in current:
            self.fail(f"'{keyword}' given twice in one entry", number)
        current[keyword] = unquote(literal)
        current.setdefault("lines", {})[keyword] = number
        self.last_keyword = keyword


def check_language(lang: str, rel: str) -> None:
    """The folder a catalog sits in must name a language Babel knows."""
    try:
        Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        raise CatalogError(f"{lang!r} is not a language code (the folder locales/{lang} "
                           "must be named like ja, ko or pt_BR)", rel, 1) from None


def check_escapes(literal: str, rel: str, number: int) -> None:
    for m in ESCAPE.finditer(literal):
        if m.group(1) in CONTROL_ESCAPES:
            raise CatalogError(f"control character in the catalog ('\\{m.group(1)}')", rel,
                               number)
        if m.group(1) not in VALID_ESCAPES:
            raise CatalogError(f"invalid escape '\\{m.group(1)}'", rel, number)


def unquote(literal: str) -> str:
    body = literal[1:-1]
    return ESCAPE.sub(lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)),
                      body)


def check_entries(entries: list[dict], rel: str, lang: str | None) -> None:
    seen: dict[tuple, int] = {}
    header = None
    for entry in entries:
        if "msgid" not in entry:
            raise CatalogError("entry without msgid", rel, entry["line"])
        if not any(k.startswith("msgstr") for k in entry):
            raise CatalogError("entry without msgstr", rel, entry["line"])
        if entry["obsolete"]:
            continue
        key = (entry.get("msgctxt"), entry["msgid"])
        if key in seen:
            raise CatalogError(f"duplicate entry (first at line {seen[key]})", rel,
                               entry["line"])
        seen[key] = entry["line"]
        if entry["msgid"] == "" and "msgctxt" not in entry:
            header = entry
        if "msgid_plural" in entry and "msgstr" in entry:
            raise CatalogError("a plural entry needs msgstr[N], not msgstr", rel, entry["line"])
        if "msgid_plural" not in entry and any(k.startswith("msgstr[") for k in entry):
            raise CatalogError("msgstr[N] in an entry without msgid_plural", rel,
                               entry["line"])
    nplurals = check_header(header, rel, lang) if header is not None else None
    for entry in entries:
        if entry["obsolete"] or entry is header:
            continue
        if lang:  # a POT has no Plural-Forms; its translations come later
            check_plural_forms(entry, nplurals, rel)
        check_newlines(entry, rel)


def translations_of(entry: dict) -> list[tuple[str, str]]:
    """(keyword, text) of each non-empty msgstr of *entry*."""
    return [(k, v) for k, v in entry.items()
            if k.startswith("msgstr") and isinstance(v, str) and v]


def check_plural_forms(entry: dict, nplurals: int | None, rel: str) -> None:
    if "msgid_plural" not in entry:
        return
    if nplurals is None:
        raise CatalogError("a plural entry, but the header has no Plural-Forms", rel,
                           entry["line"])
    indexes = sorted(int(k[7:-1]) for k in entry if k.startswith("msgstr["))
    # Forms beyond nplurals (an XLIFF round trip adds them) are dropped by catalogs.
    if indexes != list(range(max(nplurals, len(indexes)))):
        needed = "msgstr[0]" if nplurals == 1 else f"msgstr[0] to msgstr[{nplurals - 1}]"
        raise CatalogError(f"a plural entry needs {needed} (Plural-Forms: "
                           f"nplurals={nplurals})", rel, entry["line"])


def check_newlines(entry: dict, rel: str) -> None:
    """As msgfmt -c: a translation begins and ends with a newline iff its msgid does."""
    msgid = entry["msgid"]
    for keyword, text in translations_of(entry):
        source = entry.get("msgid_plural", msgid) if keyword not in ("msgstr", "msgstr[0]") \
            else msgid
        line = entry.get("lines", {}).get(keyword, entry["line"])
        if source.startswith("\n") != text.startswith("\n"):
            raise CatalogError(f"'msgid' and '{keyword}' do not both begin with '\\n'", rel,
                               line)
        if source.endswith("\n") != text.endswith("\n"):
            raise CatalogError(f"'msgid' and '{keyword}' do not both end with '\\n'", rel,
                               line)


def check_template_strings(catalog, rel: str) -> None:
    """Each translation in the templates' catalog (a Babel Catalog read from *rel*) must
    be a format string Jinja2 can fill: its newstyle gettext applies ``%`` to every
    string, so an unknown ``%(name)s`` or a lone ``%`` would crash the build. Fuzzy
    entries are skipped (they are never used). Errors cite the msgid's line."""
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]
        strings = list(message.string) if isinstance(message.string, (list, tuple)) \
            else [message.string]
        names = {m.group(1) for i in ids for m in PYTHON_FORMAT.finditer(i) if m.group(1)}
        if len(ids) > 1:
            names.add("num")  # ngettext passes the count as num
        values = {name: 0 for name in names}
        for text in filter(None, strings):
            try:
                text % values
            except KeyError as exc:
                raise CatalogError(f"the translation uses the placeholder %({exc.args[0]})s, "
                                   "which the msgid does not have", rel,
                                   message.lineno) from None
            except (ValueError, TypeError) as exc:
                raise CatalogError(f"the translation is not a valid format string ({exc}; "
                                   "write a literal percent sign as %%)", rel,
                                   message.lineno) from None


def check_header(header: dict, rel: str, lang: str | None) -> int | None:
    """Check the header entry; return the catalog's nplurals, if it declares them."""
    fields = dict(
        line.split(":", 1) for line in header.get("msgstr", "").split("\n") if ":" in line
    )
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    content_type = fields.get("Content-Type", "").lower()
    if "charset=" in content_type and "charset=utf-8" not in content_type:
        raise CatalogError("catalogs must be UTF-8 (Content-Type charset)", rel, header["line"])
    language = fields.get("Language")
    if lang and language and \
            language.replace("_", "-").lower() != lang.replace("_", "-").lower():
        raise CatalogError(f"header says Language: {language}, but the file is in the "
                           f"{lang!r} folder", rel, header["line"])
    plural = fields.get("Plural-Forms")
    if not plural:
        return None
    m = re.search(r"nplurals\s*=\s*(\d+)", plural)
    if not m or not 0 < int(m.group(1)) < 100:
        raise CatalogError("Plural-Forms lacks a valid nplurals", rel, header["line"])
    nplurals = int(m.group(1))
    if lang:
        expected = get_plural(lang.replace("-", "_")).num_plurals
        if nplurals != expected:
            raise CatalogError(f"Plural-Forms must have nplurals={expected} for {lang}", rel,
                               header["line"])
    check_plural_expression(plural, nplurals, rel, header["line"])
    return nplurals


def check_plural_expression(plural: str, nplurals: int, rel: str, line: int) -> None:
    m = re.search(r"plural\s*=\s*([^;]+);?\s*$", plural)
    if not m:
        raise CatalogError("Plural-Forms lacks a plural expression", rel, line)
    expression = m.group(1).strip()
    try:
        choose = gettext.c2py(expression)
    except (ValueError, SyntaxError, RecursionError):
        raise CatalogError(f"invalid plural expression {expression!r}", rel, line) from None
    for n in PLURAL_PROBES:
        try:
            form = choose(n)
        except (ArithmeticError, ValueError):
            raise CatalogError(f"plural expression {expression!r} fails for n={n}", rel,
                               line) from None
        if not 0 <= form < nplurals:
            raise CatalogError(f"plural expression {expression!r} gives form {form} for "
                               f"n={n}, but nplurals={nplurals}", rel, line)


def control_character(text: str) -> tuple[int, str] | None:
    """(1-based line, character) of the first control character in *text* (tabs and
    newlines aside), for sources other than catalogs: a brief, its front matter."""
    m = TEXT_CONTROL.search(text)
    if not m:
        return None
    return text.count("\n", 0, m.start()) + 1, m.group(0)
