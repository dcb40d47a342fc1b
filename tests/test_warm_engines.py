"""publish.warm: the hyphenation dictionaries read back from the engine cache are the
ones pyphen parses, so a PDF hyphenates the same whichever way it got them."""

from __future__ import annotations

import pyphen

from briefpress import cache
from briefpress.publish.warm import hyphenation, warm_engines
from briefpress.render import language_styles
from conftest import ROOT

WORDS = ["relationship", "infrastructure", "hyphenation", "extraordinarily", "Takeshima",
         "acquisition", "cross-servicing", "agreement"]


def test_patterns_from_the_cache_hyphenate_as_pyphen_does(tmp_path, monkeypatch):
    path = pyphen.LANGUAGES[pyphen.language_fallback("en")]
    parsed = pyphen.HyphDict(path)
    monkeypatch.setattr(pyphen, "hdcache", {})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    hyphenation("en")  # parsed, and stored
    assert pyphen.hdcache[path].patterns == parsed.patterns
    assert list((tmp_path / "briefpress" / "hyphenation").rglob("*"))
    monkeypatch.setattr(pyphen, "hdcache", {})
    hits = cache.stats["hits"]
    hyphenation("en")
    assert cache.stats["hits"] == hits + 1  # read back, not parsed
    stored = pyphen.hdcache[path]
    assert stored is not parsed and stored.patterns == parsed.patterns
    assert stored.maxlen == parsed.maxlen
    dictionary = pyphen.Pyphen(lang="en")  # what WeasyPrint asks for
    assert dictionary.hd is stored
    for word in WORDS:
        assert stored.positions(word) == parsed.positions(word), word
        assert dictionary.inserted(word) == pyphen.Pyphen(lang="en", cache=False).inserted(word)


def test_a_bad_cache_entry_is_parsed_again(tmp_path, monkeypatch):
    monkeypatch.setattr(pyphen, "hdcache", {})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    hyphenation("en")
    for entry in (tmp_path / "briefpress" / "hyphenation").rglob("*"):
        if entry.is_file():
            entry.write_bytes(entry.read_bytes()[:-40])  # truncated
    monkeypatch.setattr(pyphen, "hdcache", {})
    rejected = cache.stats["rejected"]
    hyphenation("en")
    assert cache.stats["rejected"] == rejected + 1
    path = pyphen.LANGUAGES[pyphen.language_fallback("en")]
    assert pyphen.hdcache[path].patterns == pyphen.HyphDict(path).patterns


def test_languages_without_hyphenation_load_nothing(monkeypatch):
    monkeypatch.setattr(pyphen, "hdcache", {})
    hyphenation("ja")
    hyphenation("ko")
    assert pyphen.hdcache == {}
    warm_engines(language_styles(ROOT))  # the sample's languages: English hyphenates
    assert list(pyphen.hdcache) == [pyphen.LANGUAGES[pyphen.language_fallback("en")]]
