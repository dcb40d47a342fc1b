"""What a listing knows of a brief: its editions on disk (Edition), its front matter in
each language (Text), gathered per brief (Brief). Read by ``distribute`` and written
out as pages by it and as feeds by ``feeds``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Document

UI_SOURCE = "en"  # the language of the templates' msgids: the untranslated page
KINDS = {"pdf": "application/pdf", "epub": "application/epub+zip", "html": "text/html",
         "bilingual": "application/pdf", "bilingual-epub": "application/epub+zip"}


def page_name(lang: str) -> str:
    return "index.html" if lang == UI_SOURCE else f"index.{lang}.html"


@dataclass
class Edition:
    """One output file of a brief."""

    path: str  # relative to out, with "/"
    lang: str  # the language it is in (the target language of a bilingual edition)
    kind: str  # pdf, epub, html, bilingual (PDF) or bilingual-epub
    size: int
    sha256: str

    @property
    def edition(self) -> str:
        """The edition this file belongs to: "ja", or "en-ja" for a bilingual one."""
        return self.path.rsplit("/", 1)[1].split(".")[-2]


@dataclass
class Text:
    """A string and the language it is actually in (the source language on fallback)."""

    text: str
    lang: str


@dataclass
class Brief:
    doc: Document
    langs: list[str]  # languages with at least one edition, source first
    meta: dict[str, dict[str, Text]]  # lang -> front-matter path -> Text
    editions: list[Edition]
    covers: dict[str, str] = field(default_factory=dict)  # edition -> cover image path

    def text(self, lang: str, path: str) -> Text | None:
        return self.meta[lang].get(path)

    def files(self, lang: str) -> list[Edition]:
        return [e for e in self.editions if e.lang == lang]
