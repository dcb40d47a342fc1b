"""Stage 3, catalogs (Babel): extract POT files, update PO files, read them strictly.

Where the catalogs are is layout.Layout's: ``locales/<slug>.pot`` and
``locales/<lang>/LC_MESSAGES/<slug>.po``, plus the templates' own words in the
``templates`` domain. Files are rewritten only when
something other than their dates changed, so an unchanged ``extract``/``update`` leaves
every byte as it was.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import logging
import os
import re
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po

from . import pofile
from .errors import CatalogError
from .layout import TEMPLATES_DOMAIN, Layout
from .load import babel_locale
from .model import Document, Segment
from .output import write_atomic
from .posyntax import check_po_bytes

logger = logging.getLogger(__name__)
LOGGED: set[tuple] = set()
DATE_HEADERS = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"\r?$', re.M)


@dataclass
class Entry:
    """The translation of one msgid, and the line of its msgid in the PO file."""

    text: str
    line: int
    fuzzy: bool


def unit_state(entry: Entry | None) -> str:
    """A unit's state, the one definition every command uses: "missing" (not in the
    catalog), "untranslated" (no text, fuzzy or not), "fuzzy" (text whose source has
    changed since), or "translated" (the only one a build shows)."""
    if entry is None:
        return "missing"
    if not entry.text:
        return "untranslated"
    return "fuzzy" if entry.fuzzy else "translated"


@dataclass
class Translations:
    """One PO file read for lookup: msgid -> Entry."""

    path: str  # relative to the root, as messages cite it
    lang: str
    entries: dict[str, Entry]
    catalog: Catalog

    def usable(self, msgid: str) -> Entry | None:
        """The entry for *msgid* if it is translated and not fuzzy."""
        entry = self.entries.get(msgid)
        return entry if unit_state(entry) == "translated" else None


def source_date(root: Path, paths: list[Path]) -> dt.datetime:
    """The date written into catalogs and PDFs: SOURCE_DATE_EPOCH, else the last commit
    that touched *paths*, else their newest modification time."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        try:
            epoch = subprocess.run(
                ["git", "log", "-1", "--format=%ct", "--", *map(str, paths)],
                cwd=root, capture_output=True, text=True, timeout=10, check=False,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            epoch = ""
    if not epoch:
        epoch = str(int(max((p.stat().st_mtime for p in paths if p.exists()), default=0)))
    return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)


def date_of(root: Path, slug: str) -> dt.datetime:
    """The date a brief's catalogs and outputs carry: SOURCE_DATE_EPOCH, else the last
    commit of the brief's own sources (its folder and its catalogs)."""
    layout = Layout(root)
    return source_date(root, [layout.brief_folder(slug), *layout.pos(domain=slug)])


def template_for_brief(doc: Document, segments: list[Segment], date: dt.datetime) -> Catalog:
    """The POT of one brief: a message per unit, with its line and what it is."""
    catalog = new_catalog(doc.slug, None, date)
    for seg in segments:
        existing = catalog.get(seg.text)
        location = (doc.source_path, seg.line)
        comment = seg.kind + ("" if seg.markdown else " (plain text)")
        if existing:
            existing.locations.append(location)
            if comment not in existing.auto_comments:
                existing.auto_comments.append(comment)
        else:
            # Prose is no format string: Babel flags any "%" (as in "rose 5%").
            catalog.add(seg.text, locations=[location], auto_comments=[comment])
            catalog.get(seg.text).flags.discard("python-format")
    return catalog


def template_for_templates(templates_dir: Path, date: dt.datetime) -> Catalog:
    """The POT of the templates' own words, extracted with Jinja2's Babel extractor."""
    catalog = new_catalog(TEMPLATES_DOMAIN, None, date)
    method_map = [("**.j2", "jinja2.ext:babel_extract")]
    options = {"**.j2": {"trimmed": "true"}}
    for filename, lineno, message, comments, context in extract_from_dir(
            templates_dir, method_map, options, comment_tags=("Translators:",),
            strip_comment_tags=True):
        location = (f"templates/{filename}", lineno)
        catalog.add(message, locations=[location], auto_comments=comments, context=context)
    return catalog


def new_catalog(domain: str, lang: str | None, date: dt.datetime) -> Catalog:
    catalog = Catalog(locale=lang and babel_locale(lang), domain=domain, project="briefpress", version=None,
                      creation_date=date, revision_date=date, charset="utf-8",
                      fuzzy=False, copyright_holder="the authors and translators",
                      msgid_bugs_address="")
    catalog.header_comment = (
        f"# {'Translations template' if lang is None else 'Translations'} for "
        f"{'the templates' if domain == TEMPLATES_DOMAIN else 'the brief ' + domain}"
        ".\n# Made by briefpress: edit the PO files, never the POT.\n#")
    if lang:
        catalog.last_translator = "briefpress translators"
        catalog.language_team = babel_locale(lang).get_display_name("en")
    return catalog


def po_bytes(catalog: Catalog, newline: str = "\n") -> bytes:
    """The bytes of *catalog* as a PO/POT file, laid out and wrapped as GNU gettext's
    msgcat writes it (see pofile), with *newline* ending each line."""
    return pofile.po_text(catalog).replace("\n", newline).encode("utf-8")


def changed_bytes(path: Path, catalog: Catalog) -> bytes | None:
    """The bytes to write for *catalog* at *path*, or None if the file differs only in
    its dates. A file with CRLF line endings keeps them."""
    old = path.read_bytes() if path.is_file() else None
    newline = "\r\n" if old and old.split(b"\n", 1)[0].endswith(b"\r") else "\n"
    data = po_bytes(catalog, newline)
    if old is not None and DATE_HEADERS.sub("", old.decode("utf-8", "replace")) == \
            DATE_HEADERS.sub("", data.decode("utf-8")):
        return None
    return data


def write_catalog(path: Path, catalog: Catalog) -> bool:
    """Write *catalog* unless the file differs only in its dates. True if written."""
    data = changed_bytes(path, catalog)
    if data is None:
        return False
    write_atomic(path, data)
    return True


def read_catalog(path: Path, rel: str, lang: str | None, *, log: bool = True) -> Catalog:
    """Read a PO/POT file; any syntax problem is an error naming the file and line.

    Text is NFC-normalized, so a msgid saved in NFD still matches its source. Problems
    that do not stop a build are kept in ``catalog.notes`` as (line, check, message):
    a translation not in NFC, and plural forms beyond the language's ``Plural-Forms``
    (as a round trip through XLIFF adds), which are dropped, their text kept in a
    ``#`` comment, and logged as warnings unless *log* is false.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CatalogError("no such catalog", rel) from None
    entries = check_po_bytes(raw, rel, lang)
    nplurals = Catalog(locale=babel_locale(lang)).num_plurals if lang else None
    extra = {line for entry in entries if not entry["obsolete"]
             for line in extra_forms(entry, nplurals).values()}
    # Babel reads "#|" lines as translator comments, and refuses extra plural forms;
    # blank both (keeping line numbers) and restore them from our own reading.
    lines, dropping = [], False
    for number, line in enumerate(unicodedata.normalize("NFC", raw.decode("utf-8")).split("\n"), 1):
        dropping = number in extra or (dropping and line.lstrip().startswith('"'))
        lines.append("#." if dropping or line.lstrip().startswith("#|") else line)
    text = "\n".join(lines)
    try:
        catalog = read_po(io.StringIO(text), locale=lang and babel_locale(lang),
                          abort_invalid=True, charset="utf-8")
    except PoFileError as exc:
        line = getattr(exc, "lineno", None)
        raise CatalogError(f"invalid PO syntax: {exc}", rel, line + 1 if line else None) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise CatalogError(f"invalid catalog: {exc}", rel) from None
    catalog.notes = []
    for entry in entries:
        entry = {k: nfc(v) for k, v in entry.items()}
        if entry["obsolete"]:
            continue
        if entry["msgid"] == "" and "msgctxt" not in entry:
            catalog.raw_header = entry.get("msgstr", "")  # written back as it was
            continue
        message = catalog.get(entry["msgid"], context=entry.get("msgctxt"))
        if message is None:
            continue
        restore_entry(catalog, message, entry, rel)
    if log:
        for line, _, note in catalog.notes:
            if (rel, line, note) not in LOGGED:  # once per message: commands read a file often
                LOGGED.add((rel, line, note))
                logger.warning("%s:%d: %s", rel, line, note)
    for entry in entries:
        for keyword, value in entry.items():
            if keyword.startswith("msgstr") and isinstance(value, str) and \
                    not unicodedata.is_normalized("NFC", value):
                catalog.notes.append((entry.get("lines", {}).get(keyword, entry["line"]), "nfc",
                                      f"{keyword} is not in Unicode NFC (composed) form; "
                                      "briefpress reads it as NFC: save it composed"))
    return catalog


def nfc(value):
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def restore_entry(catalog: Catalog, message, entry: dict, rel: str) -> None:
    """What Babel's reader loses or adds: the previous msgids (``#|``), the file's own
    format flags (Babel adds python-format to any msgid with a %), plural forms beyond
    nplurals (dropped, with a note)."""
    previous = entry["previous"]
    if "msgid" in previous:
        message.previous_id = [previous["msgid"]] + (
            [previous["msgid_plural"]] if "msgid_plural" in previous else [])
        message.previous_context = previous.get("msgctxt")
    if "python-format" not in entry["flags"]:
        message.flags.discard("python-format")
    extra = extra_forms(entry, catalog.num_plurals if catalog.locale else None)
    if extra:
        forms = ", ".join(extra)
        dropped = [f"briefpress dropped {forms}: Plural-Forms has nplurals="
                   f"{catalog.num_plurals} for {catalog.locale_identifier}. It said:"]
        dropped += [f"{keyword} {entry[keyword]!r}" for keyword in extra]
        message.user_comments.append("\n".join(dropped))
        catalog.notes.append((entry["line"], "plurals",
                              f"{forms} dropped: Plural-Forms has nplurals={catalog.num_plurals}"
                              f" (kept in a comment): {entry['msgid'][:50]!r}"))


def extra_forms(entry: dict, nplurals: int | None) -> dict[str, int]:
    """The msgstr[N] keywords of *entry* beyond *nplurals*, with their lines."""
    if nplurals is None or "msgid_plural" not in entry:
        return {}
    return {k: line for k, line in entry.get("lines", {}).items()
            if k.startswith("msgstr[") and int(k[7:-1]) >= nplurals}


def updated(po_file: Path, rel: str, template: Catalog, domain: str, lang: str, *,
            drop_obsolete: bool = False, prefill=None) -> Catalog:
    """The PO catalog *po_file* updated from its template, in memory (Babel's merge:
    changed units become fuzzy, removed ones obsolete).

    *prefill(catalog, fresh)*, if given, may fill entries before writing (translation
    memory); *fresh* holds the msgids this update added."""
    before: set = set()
    if po_file.exists():
        catalog = read_catalog(po_file, rel, lang)
        before = {m.id for m in catalog}
        # Babel forgets the previous msgid of an entry that is still fuzzy; keep it.
        previous = {(m.id, m.context): (m.previous_id, getattr(m, "previous_context", None))
                    for m in catalog if m.fuzzy and m.previous_id}
        catalog.update(template, update_header_comment=False, update_creation_date=True)
        for message in catalog:
            key = (message.id, message.context)
            if message.fuzzy and not message.previous_id and key in previous:
                message.previous_id, message.previous_context = previous[key]
    else:
        catalog = new_catalog(domain, lang, template.creation_date)
        catalog.update(template)
    for message in catalog:  # format flags come from the template, not from old files
        source = template.get(message.id, context=message.context) if message.id else None
        if source is not None and "python-format" not in source.flags:
            message.flags.discard("python-format")
    catalog.creation_date = template.creation_date
    if drop_obsolete:
        catalog.obsolete.clear()
    if prefill is not None:
        prefill(catalog, {m.id for m in catalog if m.id and m.id not in before})
    return catalog


def update(po_file: Path, rel: str, template: Catalog, domain: str, lang: str, *,
           drop_obsolete: bool = False, prefill=None) -> bool:
    """Create or update one PO file from its template. True if the file was written."""
    return write_catalog(po_file, updated(po_file, rel, template, domain, lang,
                                          drop_obsolete=drop_obsolete, prefill=prefill))


def lookup(catalog: Catalog, rel: str, lang: str) -> Translations:
    entries = {}
    for message in catalog:
        if message.id and isinstance(message.id, str):
            text = message.string if isinstance(message.string, str) else ""
            entries[message.id] = Entry(text=text, line=message.lineno or 1,
                                        fuzzy=message.fuzzy)
    return Translations(path=rel, lang=lang, entries=entries, catalog=catalog)


def load_translations(root: Path, lang: str, domain: str) -> Translations | None:
    """The translations of *domain* into *lang*, or None if there is no PO file."""
    rel = Layout.po(lang, domain)
    path = root / rel
    if not path.exists():
        return None
    return lookup(read_catalog(path, rel, lang), rel, lang)


def gnu_translations(translations: Translations | None) -> gettext.NullTranslations:
    """A gettext object (fuzzy entries left out) for Jinja2's i18n extension."""
    if translations is None:
        return gettext.NullTranslations()
    catalog = translations.catalog
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)
