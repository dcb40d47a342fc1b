"""Stage 1, load: front matter, body, source positions, and errors with file:line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from briefpress.errors import FrontMatterError, MarkdownError, ResourceError
from briefpress.load import load

RICH = Path(__file__).parent / "fixtures" / "rich"

GOOD = """---
title: T
date: 2025-01-02
authors:
  - name: A
---

First paragraph.

Second paragraph
on two lines.
"""


def write_brief(root: Path, text: str, slug: str = "b") -> Path:
    path = root / "content" / slug / "brief.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return root


def test_loads_front_matter_and_body_with_source_lines(tmp_path):
    doc = load(write_brief(tmp_path, GOOD), "b")
    assert doc.meta["title"] == "T"
    assert doc.date == dt.date(2025, 1, 2)
    assert doc.lang == "en"
    assert doc.meta["subtitle"] is None  # every known field is present
    assert [b["t"] for b in doc.blocks] == ["Para", "Para"]
    assert [b["_line"] for b in doc.blocks] == [8, 10]


def test_rich_brief_loads(tmp_path):
    doc = load(RICH, "rich")
    assert doc.meta["authors"][0]["affiliation"] == "Example Institute"
    assert doc.blocks[0]["t"] == "Header"
    assert any(b["t"] == "Figure" for b in doc.blocks)


@pytest.mark.parametrize("text, line, words", [
    (GOOD.replace("date: 2025-01-02", "date: [2025"), 3, "invalid YAML"),
    (GOOD.replace("title: T\n", "title: T\ncolour: red\n"), 3, "unknown front-matter field 'colour'"),
    (GOOD.replace("title: T\n", ""), 1, "required field 'title'"),
    (GOOD.replace("date: 2025-01-02", "date: next week"), 3, "'date' must be a date"),
    (GOOD.replace("  - name: A", "  - nom: A"), 5, "unknown field 'nom'"),
    (GOOD.replace("authors:\n  - name: A", "authors: []"), 4, "at least one author"),
    (GOOD.replace("title: T", "title: T\nlang: xx-notalang"), 3, "unknown language"),
    ("no front matter\n", 1, "must start with YAML front matter"),
    ("---\ntitle: T\n", 1, "not closed"),
])
def test_front_matter_errors_name_the_line(tmp_path, text, line, words):
    with pytest.raises(FrontMatterError) as err:
        load(write_brief(tmp_path, text), "b")
    assert str(err.value).startswith(f"content/b/brief.md:{line}: ")
    assert words in str(err.value)


def test_invalid_utf8_names_the_line(tmp_path):
    path = write_brief(tmp_path, GOOD) / "content/b/brief.md"
    path.write_bytes(GOOD.encode() + b"\nbad \xff byte\n")
    with pytest.raises(MarkdownError, match=r"brief.md:13: not valid UTF-8"):
        load(tmp_path, "b")


@pytest.mark.parametrize("target, words", [
    ("missing.png", "missing file"),
    ("../outside.png", "outside the brief's folder"),
    ("/etc/passwd", "relative to the brief"),
    ("file:///etc/passwd", "only files beside the brief"),
    ("https://example.org/x.png", "only files beside the brief"),
])
def test_images_must_be_files_in_the_brief_folder(tmp_path, target, words):
    (tmp_path / "outside.png").write_bytes(b"x")
    write_brief(tmp_path, GOOD + f"\nSee ![x]({target}).\n")
    with pytest.raises(ResourceError) as err:
        load(tmp_path, "b")
    assert str(err.value).startswith("content/b/brief.md:13: ")
    assert words in str(err.value)


def test_symlink_out_of_the_brief_is_refused(tmp_path):
    (tmp_path / "secret.png").write_bytes(b"x")
    write_brief(tmp_path, GOOD + "\n![x](link.png)\n")
    (tmp_path / "content/b/link.png").symlink_to(tmp_path / "secret.png")
    with pytest.raises(ResourceError, match="outside the brief's folder"):
        load(tmp_path, "b")
