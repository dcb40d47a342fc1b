"""What every process laying out PDFs would otherwise pay on its first one, paid once
before the pool forks its workers (so they all start with it): the hyphenation
dictionaries of the languages that hyphenate, parsed once and then read from the engine
cache (``cache.engine_folder()``), and where fontconfig finds each font.
"""

from __future__ import annotations

import marshal
import sys

from .. import cache
from ..errors import BriefpressError
from ..render import LanguageStyle
from .fonts import font_file


def warm_engines(styles: dict[str, LanguageStyle]) -> None:
    """Load what the PDFs in the languages of *styles* (the renderer's) will need, here."""
    for style in styles.values():  # fontconfig's answers, for the subsets and the EPUBs
        for family in dict.fromkeys([*style.pdf_subset, *style.embed]):
            for weight in ("Regular", "Bold"):
                try:
                    font_file(family, weight)
                except BriefpressError:  # said where the font is needed, if it is
                    pass
    for lang, style in styles.items():
        if style.hyphenate:
            hyphenation(lang)


def hyphenation(lang: str) -> None:
    """Put *lang*'s pyphen dictionary in pyphen's own cache, where WeasyPrint finds it.
    Parsing hyph_en_US.dic takes 0.1-0.16 s in each process; its patterns, kept in the
    engine cache (a clean build does not empty it) in ``marshal``'s format (plain
    strings, ints and tuples: read back in a few milliseconds, where JSON, whose lists
    must be made tuples again, took 40 ms), are read back instead."""
    import pyphen

    name = pyphen.language_fallback(lang)
    path = pyphen.LANGUAGES.get(name) if name else None
    if path is None or path in pyphen.hdcache:
        return
    parts = [cache.package_version("pyphen"), path.name, path.read_bytes(),
             f"marshal {marshal.version} python {sys.version_info[:2]}"]
    with cache.using(cache.engine_folder()):
        found = cache.get("hyphenation", parts)
        stored = None
        if found is not None:
            try:
                stored = marshal.loads(found)
            except (EOFError, ValueError, TypeError):
                found = None  # not ours after all: parsed and stored again
        if stored:
            patterns = pyphen.HyphDict.__new__(pyphen.HyphDict)
            patterns.patterns, patterns.maxlen = stored
            patterns.cache = {}
            pyphen.hdcache[path] = patterns
            return
        parsed = pyphen.HyphDict(path)
        if found is None:
            # patterns with alternative spellings (DataInt) are not plain data: kept as
            # None, and parsed each time
            plain = all(type(v) is int for _, values in parsed.patterns.values()
                        for v in values)
            cache.put("hyphenation", parts, marshal.dumps(
                ({key: (start, tuple(values)) for key, (start, values)
                  in parsed.patterns.items()}, parsed.maxlen) if plain else None))
    pyphen.hdcache[path] = parsed
