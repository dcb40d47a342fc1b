"""What every process laying out PDFs would otherwise pay on its first one, paid once
before the pool forks its workers (so they all start with it): the hyphenation
dictionaries of the languages that hyphenate, parsed once and then read from the engine
cache (``cache.engine_folder()``).
"""

from __future__ import annotations

import json

from .. import cache
from ..render import LanguageStyle


def warm_engines(styles: dict[str, LanguageStyle]) -> None:
    """Load what the PDFs in the languages of *styles* (the renderer's) will need, here."""
    for lang, style in styles.items():
        if style.hyphenate:
            hyphenation(lang)


def hyphenation(lang: str) -> None:
    """Put *lang*'s pyphen dictionary in pyphen's own cache, where WeasyPrint finds it.
    Parsing hyph_en_US.dic takes 0.1-0.16 s in each process; its patterns, kept as JSON
    in the engine cache (a clean build does not empty it), read back in 5-10 ms."""
    import pyphen

    name = pyphen.language_fallback(lang)
    path = pyphen.LANGUAGES.get(name) if name else None
    if path is None or path in pyphen.hdcache:
        return
    parts = [cache.package_version("pyphen"), path.name, path.read_bytes()]
    with cache.using(cache.engine_folder()):
        found = cache.get("hyphenation", parts)
        if found is not None and (stored := json.loads(found)) is not None:
            patterns = pyphen.HyphDict.__new__(pyphen.HyphDict)
            patterns.patterns = {key: (start, tuple(values))
                                 for key, (start, values) in stored["patterns"].items()}
            patterns.cache, patterns.maxlen = {}, stored["maxlen"]
            pyphen.hdcache[path] = patterns
            return
        parsed = pyphen.HyphDict(path)
        if found is None:
            # patterns with alternative spellings (DataInt) are not plain data: kept as
            # null, and parsed each time
            plain = all(type(v) is int for _, values in parsed.patterns.values()
                        for v in values)
            cache.put("hyphenation", parts, json.dumps(
                {"patterns": parsed.patterns, "maxlen": parsed.maxlen} if plain else None
            ).encode())
    pyphen.hdcache[path] = parsed
