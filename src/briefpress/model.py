"""The data the stages pass to each other: a Document and its translation Segments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .layout import Layout


@dataclass
class Document:
    """One brief: validated front matter plus the pandoc AST of its body."""

    slug: str
    root: Path  # the project root that holds content/ and locales/
    lang: str  # the language the brief is written in
    meta: dict  # validated front matter (plain Python values)
    meta_lines: dict  # front-matter field path ("authors.0.bio") -> 1-based line
    blocks: list  # pandoc JSON blocks; block dicts carry "_line"
    date: dt.date
    assets: dict = field(default_factory=dict)  # image target -> localized file bytes

    @property
    def source_path(self) -> str:
        """The brief's path relative to the root, as errors and catalogs cite it."""
        return Layout.brief(self.slug)

    @property
    def folder(self) -> Path:
        return Layout(self.root).brief_folder(self.slug)


@dataclass
class Segment:
    """One translation unit: a heading, paragraph, caption, front-matter field..."""

    text: str  # the source text a translator sees (Markdown inlines, or plain text)
    kind: str  # what it is, for the translator comment: "paragraph", "front matter: title"
    line: int  # 1-based line in the brief
    markdown: bool = True  # False for front-matter fields, which are plain text
    key: tuple = field(default=())  # where it sits: ("meta", "title") or ("body", n)


@dataclass
class Fallback:
    """A unit shown in the source language because it has no usable translation."""

    segment: Segment
    state: str  # "untranslated", "fuzzy", or "missing" (not in the PO file at all)
    po_line: int | None
