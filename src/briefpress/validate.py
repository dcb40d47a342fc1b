"""PO syntax checks as strict as ``msgfmt -c``, made before Babel reads a file.

Babel's ``read_po`` quietly accepts some broken catalogs (garbage lines, duplicate
entries, control characters); translations come from outside, so a catalog that
msgfmt would refuse must stop the build, with the file and line of the problem.
"""

from __future__ import annotations

import re

from babel.messages.plurals import get_plural

from .errors import CatalogError

STRING = r'"(?:[^"\\]|\\.)*"'
KEYWORD_LINE = re.compile(rf'^(msgctxt|msgid|msgid_plural|msgstr|msgstr\[\d+\])\s+({STRING})\s*$')
CONTINUATION = re.compile(rf"^({STRING})\s*$")
ESCAPE = re.compile(r"\\(.)")
VALID_ESCAPES = set('ntr"\\abfv')
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def check_po_bytes(raw: bytes, rel: str, lang: str | None) -> list[dict]:
    """Check *raw* as a PO file; return its entries (keyword -> text, "line", and
    "previous": the ``#|`` keywords before it, which Babel does not read)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CatalogError("not valid UTF-8", rel, line) from None
    entries: list[dict] = []
    current: dict | None = None
    last_keyword = None
    previous: dict = {}
    previous_keyword = None
    for number, line in enumerate(text.split("\n"), start=1):
        if CONTROL.search(line.replace("\r", "")):
            raise CatalogError("control character in the catalog", rel, number)
        stripped = line.strip()
        if stripped.startswith("#|"):
            body = stripped[2:].strip()
            if m := KEYWORD_LINE.match(body):
                previous_keyword = m.group(1)
                previous[previous_keyword] = unquote(m.group(2))
            elif (m := CONTINUATION.match(body)) and previous_keyword:
                previous[previous_keyword] += unquote(m.group(1))
            else:
                raise CatalogError("malformed previous-msgid comment ('#|')", rel, number)
            continue
        obsolete = stripped.startswith("#~")
        if obsolete:
            stripped = stripped[2:].strip()
            if not stripped:
                continue
        elif not stripped or stripped.startswith("#"):
            if not stripped and current is not None:
                current = None
            continue
        if m := KEYWORD_LINE.match(stripped):
            keyword, literal = m.groups()
            check_escapes(literal, rel, number)
            context_only = current is not None and "msgctxt" in current and "msgid" not in current
            if keyword == "msgctxt" or (keyword == "msgid" and not context_only):
                current = {"line": number, "obsolete": obsolete, "previous": previous}
                entries.append(current)
                previous, previous_keyword = {}, None
            elif current is None:
                raise CatalogError(f"'{keyword}' without a msgid before it", rel, number)
            elif keyword in current:
                raise CatalogError(f"'{keyword}' given twice in one entry", rel, number)
            current[keyword] = unquote(literal)
            last_keyword = keyword
        elif m := CONTINUATION.match(stripped):
            if current is None or last_keyword is None:
                raise CatalogError("a string outside any entry", rel, number)
            check_escapes(m.group(1), rel, number)
            current[last_keyword] += unquote(m.group(1))
        elif stripped.startswith('"') or re.match(r"^(msg\w*)", stripped):
            raise CatalogError("unterminated or malformed string", rel, number)
        else:
            raise CatalogError(f"not PO syntax: {stripped[:40]!r}", rel, number)
    check_entries(entries, rel, lang)
    return entries


def check_escapes(literal: str, rel: str, number: int) -> None:
    for m in ESCAPE.finditer(literal):
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
    if header is not None and lang:
        check_header(header, rel, lang)


def check_header(header: dict, rel: str, lang: str) -> None:
    fields = dict(
        line.split(":", 1) for line in header.get("msgstr", "").split("\n") if ":" in line
    )
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    content_type = fields.get("Content-Type", "").lower()
    if "charset=" in content_type and "charset=utf-8" not in content_type:
        raise CatalogError("catalogs must be UTF-8 (Content-Type charset)", rel, header["line"])
    language = fields.get("Language")
    if language and language.replace("_", "-").lower() != lang.replace("_", "-").lower():
        raise CatalogError(f"header says Language: {language}, but the file is in the "
                           f"{lang!r} folder", rel, header["line"])
    plural = fields.get("Plural-Forms")
    if plural:
        m = re.search(r"nplurals\s*=\s*(\d+)", plural)
        expected = get_plural(lang.replace("-", "_")).num_plurals
        if not m or int(m.group(1)) != expected:
            raise CatalogError(f"Plural-Forms must have nplurals={expected} for {lang}", rel,
                               header["line"])
