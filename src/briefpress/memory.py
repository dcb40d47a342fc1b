"""Translation memory for ``update``: new units are pre-filled from the project's other
catalogs of the same language and from an optional ``locales/<lang>/compendium.po``.

An exact match in a unit of the same kind is filled as a translation; an exact match in
another kind of unit (a bio reused as a paragraph) and a close match (80 % similar or
more, rapidfuzz's normalized Indel ratio) are filled as fuzzy, the close match with the
source it translated as the previous msgid (``#|``), as msgmerge shows it. Each filled
entry carries a translator comment ``translation memory (exact): FILE:LINE`` naming where the text came from: a
comment every PO editor shows and keeps, which ``status`` counts as "from memory".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog

from .catalogs import read_catalog
from .layout import TEMPLATES_DOMAIN, Layout

MARK = "translation memory"
THRESHOLD = 80.0


@dataclass
class Memory:
    """The translated, reviewed entries of one language: msgid -> [(msgstr, kind, where)]."""

    lang: str
    entries: dict[str, list[tuple[str, str, str]]]

    def lookup(self, msgid: str, kind: str, exclude: str):
        """(source, msgstr, kind, where, score) of the best match for *msgid* from a
        catalog other than *exclude*, a unit of the same *kind* first; None below the
        threshold."""
        def usable(source):
            return [c for c in self.entries[source] if not c[2].startswith(exclude + ":")]

        if msgid in self.entries and usable(msgid):
            found = usable(msgid)
            best = next((c for c in found if c[1] == kind), found[0])
            return (msgid, *best, 100.0)
        from rapidfuzz import fuzz, process  # here: a build never looks up the memory

        choices = {k: k for k in self.entries if k != msgid and usable(k)}
        hit = process.extractOne(msgid, choices, scorer=fuzz.ratio, score_cutoff=THRESHOLD)
        if hit is None:
            return None
        found = usable(hit[2])
        best = next((c for c in found if c[1] == kind), found[0])
        return (hit[2], *best, hit[1])


def is_from_memory(message) -> bool:
    return any(c.startswith(MARK) for c in message.user_comments)


def without_marks(comments: list[str]) -> list[str]:
    """*comments* without earlier memory notes (and the FILE:LINE a long one wraps to)."""
    out, after_mark = [], False
    for comment in comments:
        if comment.startswith(MARK) or (after_mark and re.fullmatch(r"\S+:\d+", comment)):
            after_mark = comment.startswith(MARK) and not comment.endswith(tuple("0123456789"))
            continue
        after_mark = False
        out.append(comment)
    return out


def kind_of(message) -> str:
    return message.auto_comments[0] if message.auto_comments else ""


def build(root: Path, lang: str) -> Memory:
    """Every usable entry of *lang*'s catalogs, in a fixed order (file name, then PO
    order), the compendium last so the project's own catalogs win a tie."""
    layout = Layout(root)
    files = [p for p in layout.pos(lang)
             if p.stem != TEMPLATES_DOMAIN]  # the templates' words are not prose
    if layout.path(layout.compendium(lang)).is_file():
        files.append(layout.path(layout.compendium(lang)))
    entries: dict[str, list[tuple[str, str, str]]] = {}
    for path in files:
        rel = str(path.relative_to(root))
        for message in read_catalog(path, rel, lang):
            text = message.string
            if not message.id or not isinstance(message.id, str) or message.fuzzy \
                    or not isinstance(text, str) or not text:
                continue
            entries.setdefault(message.id, []).append(
                (text, kind_of(message), f"{rel}:{message.lineno or 1}"))
    return Memory(lang, entries)


def prefill(catalog: Catalog, memory: Memory, rel: str, fresh: set[str]) -> int:
    """Fill the untranslated entries of *catalog* (the PO file *rel*), and those this
    update made fuzzy (ids in *fresh*) when the memory has the exact text. Returns how
    many entries were filled."""
    filled = 0
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or message.context:
            continue
        empty = not message.string
        if not empty and not (message.fuzzy and message.id in fresh):
            continue
        hit = memory.lookup(message.id, kind_of(message), rel)
        if hit is None or (not empty and hit[4] < 100.0):
            continue
        source, text, kind, where, score = hit
        message.string = text
        message.user_comments = without_marks(message.user_comments)
        if score == 100.0:
            same_kind = not kind or kind == kind_of(message)  # a compendium may not say
            note = "exact" if same_kind else f"exact, in another kind of unit: {kind or '?'}"
            message.user_comments.append(f"{MARK} ({note}): {where}")
            message.previous_id = []
            if same_kind:
                message.flags.discard("fuzzy")
            else:
                message.flags.add("fuzzy")
        else:
            message.user_comments.append(f"{MARK} ({int(score)}% similar): {where}")
            message.flags.add("fuzzy")
            message.previous_id = [source]
        filled += 1
    return filled
