"""PO text as GNU gettext writes it (``msgcat``, ``msgmerge``, ``xgettext``), byte for byte.

Translators' tools (Poedit, Weblate, msgmerge) wrap as gettext does; a writer that wraps
otherwise rewraps every long entry on the next ``update`` and every translator's commit
fights ours. This is gettext's ``write-po.c`` in Python: the same entry layout, the same
escapes, and the same line breaks, which gettext takes from libunistring's
``ulc_width_linebreaks`` (Unicode line breaking by display width, so CJK text without
spaces breaks between characters). libunistring is part of every Debian system (libidn2
and GnuTLS need it); it is called here through ctypes, so the breaks are gettext's own.

translate-toolkit's ``pypo`` was measured first: it keeps unchanged lines as read, but
its own wrapping differs from msgcat's on 8, 42 and 122 lines of the shipped catalogs
(breaks before closing CJK punctuation, after opening quotes, inside "U.S.").
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re

from babel.messages.catalog import Catalog, Message

PAGE_WIDTH = 79
UNDEFINED, PROHIBITED, POSSIBLE = 0, 1, 2  # libunistring's UC_BREAK_* values
ESCAPES = {"\a": "a", "\b": "b", "\f": "f", "\n": "n", "\r": "r", "\t": "t", "\v": "v",
           "\\": "\\", '"': '"'}
HEADER_ORDER = ("Project-Id-Version", "Report-Msgid-Bugs-To", "POT-Creation-Date",
                "PO-Revision-Date", "Last-Translator", "Language-Team", "Language",
                "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Plural-Forms")
FORMAT_FLAGS = ("c-format", "python-format", "python-brace-format")


class _Linebreaker:
    def __init__(self):
        self.function = None

    def __call__(self, portion: bytes, width: int, start: int, overrides: bytes) -> bytes:
        if self.function is None:
            name = ctypes.util.find_library("unistring") or "libunistring.so.2"
            try:
                lib = ctypes.CDLL(name)
            except OSError as exc:
                raise RuntimeError("briefpress writes PO files with GNU libunistring "
                                   f"(Debian: libunistring2), which is missing: {exc}") from None
            function = getattr(lib, "ulc_width_linebreaks_v2", None) or lib.ulc_width_linebreaks
            function.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                                 ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p]
            function.restype = ctypes.c_int
            self.function = function
        out = ctypes.create_string_buffer(len(portion) or 1)
        self.function(portion, len(portion), width, start, 0, overrides, b"UTF-8", out)
        return out.raw[:len(portion)]


linebreaks = _Linebreaker()


def directive_interiors(value: str) -> set[int]:
    """Indexes inside (not at the start of) Python format directives, where gettext never
    breaks a line. As gettext's format-python.c, parsing stops at the first invalid
    directive (or one mixing named and unnamed arguments): later ones are not protected."""
    interiors: set[int] = set()
    named = unnamed = 0
    i = 0
    while (i := value.find("%", i)) >= 0:
        start, i = i, i + 1
        name = None
        if value[i:i + 1] == "(":
            depth, j = 1, i + 1
            while j < len(value) and depth:
                depth += {"(": 1, ")": -1}.get(value[j], 0)
                j += 1
            if depth:
                return interiors
            name, i = value[i + 1:j - 1], j
        while value[i:i + 1] in ("-", "+", " ", "#", "0") and i < len(value):
            i += 1
        if value[i:i + 1] == "*":
            if name is not None:
                return interiors
            unnamed, i = unnamed + 1, i + 1
        while value[i:i + 1].isdigit():
            i += 1
        if value[i:i + 1] == ".":
            i += 1
            if value[i:i + 1] == "*":
                if name is not None:
                    return interiors
                unnamed, i = unnamed + 1, i + 1
            while value[i:i + 1].isdigit():
                i += 1
        if value[i:i + 1] in ("h", "l", "L") and i < len(value):
            i += 1
        conversion = value[i:i + 1]
        if not conversion or conversion not in "%cdiouxXeEfFgGrsa":
            return interiors
        if name is not None:
            named += 1
            if unnamed:
                return interiors
        elif conversion != "%":
            unnamed += 1
            if named:
                return interiors
        interiors.update(range(start + 1, i + 1))
        i += 1
    return interiors


def wrap(prefix: str, name: str, value: str, python_format: bool = False) -> list[str]:
    """The lines of ``name "value"`` after *prefix* (``""``, ``"#| "``, ``"#~ "``)."""
    interiors = directive_interiors(value) if python_format else set()
    lines: list[str] = []
    first = True
    start = 0
    while True:
        end = value.find("\n", start) + 1 or len(value)
        portion, overrides = bytearray(), bytearray()
        for i in range(start, end):
            char = value[i]
            brk = PROHIBITED if i in interiors else UNDEFINED
            data = ("\\" + ESCAPES[char] if char in ESCAPES else char).encode("utf-8")
            portion += data
            overrides += bytes([brk]) + bytes([PROHIBITED]) * (len(data) - 1)
        if value[start:end].endswith("\n"):
            overrides[-2] = PROHIBITED  # never break just before a final "\n"
        after_break = len(prefix) + 1
        width = PAGE_WIDTH - 1 - after_break
        while True:
            column = len(prefix) + (len(name) + 1 if first else 0) + 1 - after_break
            breaks = linebreaks(bytes(portion), width, column, bytes(overrides))
            if first and portion and (end < len(value) or column > width or POSSIBLE in breaks):
                lines.append(f'{prefix}{name} ""')
                first = False
                continue
            break
        line = prefix + (f"{name} " if first else "") + '"'
        first = False
        last = 0
        for i, kind in enumerate(breaks):
            if kind == POSSIBLE and i > last:
                lines.append(line + portion[last:i].decode("utf-8") + '"')
                line, last = prefix + '"', i
        lines.append(line + portion[last:].decode("utf-8") + '"')
        start = end
        if start >= len(value):
            return lines


def comment_lines(mark: str, comments: list[str]) -> list[str]:
    """``# text`` / ``#. text`` lines; a comment holding newlines gives one line each."""
    return [f"#{mark} {part}" if part else f"#{mark}"
            for comment in comments for part in comment.split("\n")]


def location_lines(message: Message) -> list[str]:
    """``#:`` lines as gettext fills them: up to the page width, sorted as Babel sorts."""
    try:
        locations = sorted(message.locations, key=lambda x: (x[0], x[1] if isinstance(x[1], int) else -1))
    except TypeError:
        locations = list(message.locations)
    refs: list[str] = []
    for filename, lineno in locations:
        filename = filename.replace("\\", "/")
        if " " in filename:
            filename = f"\u2068{filename}\u2069"
        ref = f"{filename}:{lineno}" if lineno else filename
        if ref not in refs:
            refs.append(ref)
    if not refs:
        return []
    lines, line, column = [], "#:", 2
    for ref in refs:
        width = len(ref.encode("utf-8")) + 1
        if column > 2 and column + width > PAGE_WIDTH:
            lines.append(line)
            line, column = "#:", 2
        line += " " + ref
        column += width
    return lines + [line]


def forms(message: Message, num_plurals: int) -> list[str]:
    strings = list(message.string) if isinstance(message.string, (list, tuple)) \
        else [message.string]
    strings = [s or "" for s in strings]
    return strings + [""] * (num_plurals - len(strings))


def entry_lines(message: Message, num_plurals: int, obsolete: bool = False) -> list[str]:
    """One entry in gettext's order: comments, ``#.``, ``#:``, ``#,``, ``#|``, keywords."""
    plural = isinstance(message.id, (list, tuple))
    ids = list(message.id) if plural else [message.id]
    strings = forms(message, num_plurals) if plural else [message.string or ""]
    python_format = "python-format" in message.flags
    lines = comment_lines("", message.user_comments) + comment_lines(".", message.auto_comments)
    lines += location_lines(message)
    flags = [f for f in sorted(message.flags) if f != "fuzzy"]
    if obsolete:
        flags = [f for f in flags if f in FORMAT_FLAGS or f.startswith("no-") or f == "no-wrap"]
    if message.fuzzy and (strings[0] or obsolete):
        flags.insert(0, "fuzzy")
    if flags:
        lines.append("#, " + ", ".join(flags))
    prefix = "#~ " if obsolete else ""
    previous_prefix = "#~| " if obsolete else "#| "
    previous_context = getattr(message, "previous_context", None)
    if previous_context is not None:
        lines += wrap(previous_prefix, "msgctxt", previous_context, python_format)
    for keyword, text in zip(("msgid", "msgid_plural"), message.previous_id or ()):
        lines += wrap(previous_prefix, keyword, text, python_format)
    if message.context is not None:
        lines += wrap(prefix, "msgctxt", message.context, python_format)
    lines += wrap(prefix, "msgid", ids[0], python_format)
    if plural:
        lines += wrap(prefix, "msgid_plural", ids[1], python_format)
        for index, text in enumerate(strings):
            lines += wrap(prefix, f"msgstr[{index}]", text, python_format)
    else:
        lines += wrap(prefix, "msgstr", strings[0], python_format)
    return lines


def po_text(catalog: Catalog) -> str:
    """The PO (or POT) text of *catalog*, as msgcat would write it."""
    fields = {k: str(v).strip() for k, v in catalog.mime_headers}
    raw = getattr(catalog, "raw_header", None)
    if raw is None:  # in the order (and charset spelling) msgmerge gives a header
        if "Content-Type" in fields:
            fields["Content-Type"] = fields["Content-Type"].replace("charset=utf-8", "charset=UTF-8")
        order = [k for k in HEADER_ORDER if k in fields] + [k for k in fields if k not in HEADER_ORDER]
        text = "".join(f"{k}: {fields[k]}\n" for k in order)
        comment = catalog.header_comment
    else:  # a catalog read from a file keeps its header as written; update changes one date
        text = re.sub(r"^POT-Creation-Date:.*$", lambda m: "POT-Creation-Date: "
                      + fields["POT-Creation-Date"], raw, count=1, flags=re.M)
        comment = catalog._header_comment  # the getter would fill in "YEAR", "PROJECT"...
    header = Message("", text, flags={"fuzzy"} if catalog.fuzzy else set())
    header.user_comments = [line[1:].removeprefix(" ") if line.startswith("#") else line
                            for line in comment.split("\n")] if comment else []
    entries = [entry_lines(header, 1)]
    entries += [entry_lines(m, catalog.num_plurals) for m in catalog if m.id]
    entries += [entry_lines(m, catalog.num_plurals, obsolete=True)
                for m in catalog.obsolete.values() if forms(m, 1)[0]]
    return "\n".join("\n".join(lines) + "\n" for lines in entries)
