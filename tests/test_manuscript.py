"""briefpress import: Word manuscripts made in the test session (by pandoc from Markdown,
and by python-docx with an image, a footnote, a table, tracked changes and a comment)."""

from __future__ import annotations

import datetime as dt
import struct
import subprocess
import zlib
from pathlib import Path

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from lxml import etree

from briefpress import pandoc
from briefpress.load import load
from briefpress.segment import segment
from conftest import run_cli

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


def png(width: int, height: int, rgb=(200, 30, 30)) -> bytes:
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def w(tag: str, **attrs) -> etree._Element:
    element = etree.Element(qn(f"w:{tag}"))
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    return element


def run(text: str, deleted: bool = False) -> etree._Element:
    r = w("r")
    t = etree.SubElement(r, qn("w:delText" if deleted else "w:t"))
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return r


def add_footnote(document, paragraph, text: str) -> None:
    """A footnote, as Word stores it: a footnotes part python-docx does not make, and a
    reference run in the paragraph."""
    root = etree.Element(qn("w:footnotes"), nsmap={"w": W})
    for ident, kind in (("-1", "separator"), ("0", "continuationSeparator")):
        note = etree.SubElement(root, qn("w:footnote"))
        note.set(qn("w:type"), kind)
        note.set(qn("w:id"), ident)
        etree.SubElement(etree.SubElement(note, qn("w:p")), qn("w:r")).append(w(kind))
    note = etree.SubElement(root, qn("w:footnote"))
    note.set(qn("w:id"), "1")
    p = etree.SubElement(note, qn("w:p"))
    ref = etree.SubElement(p, qn("w:r"))
    ref.append(w("footnoteRef"))
    p.append(run(" " + text))
    part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES,
                etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True),
                document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES)
    r = w("r")
    r.append(w("footnoteReference", id="1"))
    paragraph._p.append(r)


@pytest.fixture(scope="session")
def word_manuscript(tmp_path_factory) -> Path:
    """A manuscript as an author's Word makes it, with an editor's tracked changes."""
    folder = tmp_path_factory.mktemp("docx")
    (folder / "chart.png").write_bytes(png(40, 20))
    d = docx.Document()
    props = d.core_properties
    props.title = "Alliance Burden-Sharing in Northeast Asia"
    props.author = "Mariko Sato; Jae-won Kim"
    props.subject = "A Working Paper"
    props.keywords = "alliances, burden-sharing"
    props.created = dt.datetime(2026, 10, 14, 9, 30)
    d.add_heading("Background", level=1)
    p = d.add_paragraph("Host-nation support has grown since ")
    p.add_run("2016").italic = True
    p.add_run(", and ")
    p.add_run("both governments").bold = True
    p.add_run(" have revised it.")
    add_footnote(d, p, "Figures from the 2016 special measures agreement.")
    p = d.add_paragraph("The agreement was ")                      # paragraph 3
    ins = w("ins", id="101", author="Editor One", date="2026-11-20T10:00:00Z")
    ins.append(run("quietly "))
    p._p.append(ins)
    p._p.append(run("renewed"))
    deletion = w("del", id="102", author="Editor One", date="2026-11-20T10:01:00Z")
    deletion.append(run(" in haste", deleted=True))
    p._p.append(deletion)
    p._p.append(run("."))
    comment_p = d.add_paragraph("Costs are shared unevenly.")    # paragraph 4
    d.add_comment(comment_p.runs, text="Source for this claim?", author="Reviewer Two")
    table = d.add_table(rows=2, cols=2)                              # paragraphs 5-8
    for row, values in zip(table.rows, [("Year", "Support"), ("2016", "Revised")]):
        for cell, value in zip(row.cells, values):
            cell.text = value
    d.add_paragraph("First step", style="List Bullet")
    d.add_paragraph("Second step", style="List Bullet")
    shape = d.add_picture(str(folder / "chart.png"))
    shape._inline.docPr.set("descr", "Bar chart of host-nation support, 2016 to 2026")
    d.add_paragraph("Negotiators should plan for the long term.", style="Quote")
    boxed = d.add_paragraph("A sidebar follows. ")                   # paragraph 13 (the picture is 11)
    boxed._p.append(parse_xml(
        f'<w:r xmlns:w="{W}" xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:shape '
        'style="width:200pt;height:50pt"><v:textbox><w:txbxContent><w:p><w:r><w:t>Key '
        'figures at a glance</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape>'
        '</w:pict></w:r>'))
    d.add_paragraph("The end.")                                      # paragraph 14
    path = folder / "manuscript.docx"
    d.save(path)
    return path


@pytest.fixture(scope="session")
def pandoc_manuscript(tmp_path_factory) -> Path:
    """A docx pandoc writes from Markdown: the Title, Subtitle, Author, Date and
    Abstract styles Word templates use."""
    folder = tmp_path_factory.mktemp("pandoc-docx")
    (folder / "map.png").write_bytes(png(30, 30, (20, 90, 200)))
    (folder / "in.md").write_text("""---
title: "Deterrence and Reassurance"
subtitle: "Choices for Tokyo and Seoul"
author: [Hana Lee, Taro Yamada]
date: 2026-11-02
abstract: Two allies, one threat, and the choices before them.
---

# Why now

Deterrence rests on *credibility*, **capability** and [communication](https://example.org/c).[^n]

> Words matter as much as weapons.

1. Consult early
2. Exercise together

| Measure | Since |
|---------|-------|
| GSOMIA  | 2016  |

![Map of the region](map.png)

[^n]: See the 2022 National Security Strategy.
""")
    path = folder / "deterrence.docx"
    subprocess.run([pandoc.pandoc_path(), "-f", "markdown", "-t", "docx", "-o", str(path),
                    "in.md"], cwd=folder, check=True)
    return path


def test_word_manuscript(tmp_path, word_manuscript):
    code, _, err = run_cli("import", "--root", str(tmp_path), str(word_manuscript),
                           "--slug", "burden-sharing")
    assert code == 0, err
    text = (tmp_path / "content/burden-sharing/brief.md").read_text()
    doc = load(tmp_path, "burden-sharing")  # a brief briefpress reads
    assert doc.meta["title"] == "Alliance Burden-Sharing in Northeast Asia"
    assert doc.meta["subtitle"] == "A Working Paper"
    assert [a["name"] for a in doc.meta["authors"]] == ["Mariko Sato", "Jae-won Kim"]
    assert doc.meta["date"] == dt.date(2026, 10, 14)
    assert doc.meta["keywords"] == ["alliances", "burden-sharing"]
    assert 'title: "Alliance Burden-Sharing in Northeast Asia"  # CHECK: from the document properties' in text
    for line in text.split("---")[1].splitlines():
        if line and not line.startswith(("#", "authors:", "    #")):
            assert "# CHECK" in line, line
    body = text.split("---", 2)[2]
    assert "# Background" in body
    assert "*2016*" in body and "**both governments**" in body
    assert "[^1]" in body and "[^1]: Figures from the 2016 special measures agreement." in \
        " ".join(body.split())
    assert "The agreement was quietly renewed." in body and "in haste" not in body
    assert "| Year | Support |\n|------|---------|\n| 2016 | Revised |" in body
    assert doc.meta["summary"] is None  # python-docx's "comments" property is no abstract
    assert "- First step" in body and "> Negotiators should plan" in body
    assert "![Bar chart of host-nation support, 2016 to 2026](figure-1.png)" in body
    figure = tmp_path / "content/burden-sharing/figure-1.png"
    assert figure.read_bytes() == (word_manuscript.parent / "chart.png").read_bytes()
    # Tracked changes and comments, with the docx paragraph they sit in.
    name = str(word_manuscript)
    assert (f"{name}: paragraph 3: tracked insertion by Editor One on 2026-11-20, accepted: "
            "“quietly”") in err
    assert f"{name}: paragraph 3: tracked deletion by Editor One on 2026-11-20, dropped: “in haste”" in err
    assert f"{name}: paragraph 4: comment by Reviewer Two, not carried into the brief: " \
           "“Source for this claim?”" in err
    assert f"{name}: paragraph 13: a text box could not be converted: “Key figures at a " \
           "glance”; redo it" in err
    assert "Key figures" not in body and "The end." in body
    assert err.count("could not be converted") == 1
    # Units a translator gets: the footnote and table cells among them.
    kinds = {s.kind.split(" (")[0] for s in segment(doc)}
    assert {"heading", "paragraph", "footnote 1", "table cell", "list item", "block quote",
            "figure caption"} <= {k.split(" (level")[0] for k in kinds}


def test_pandoc_manuscript(tmp_path, pandoc_manuscript):
    code, _, err = run_cli("import", "--root", str(tmp_path), str(pandoc_manuscript),
                           "--slug", "deterrence")
    assert code == 0, err
    doc = load(tmp_path, "deterrence")
    assert doc.meta["title"] == "Deterrence and Reassurance"
    assert doc.meta["subtitle"] == "Choices for Tokyo and Seoul"
    assert [a["name"] for a in doc.meta["authors"]] == ["Hana Lee", "Taro Yamada"]
    assert doc.meta["date"] == dt.date(2026, 11, 2)
    assert doc.meta["summary"] == "Two allies, one threat, and the choices before them."
    body = (tmp_path / "content/deterrence/brief.md").read_text().split("---", 2)[2]
    assert "Abstract" not in body and "Deterrence and Reassurance" not in body
    for kept in ["# Why now", "*credibility*", "**capability**",
                 "[communication](https://example.org/c)", "[^1]",
                 "See the 2022 National Security Strategy.", "> Words matter",
                 "1.  Consult early", "| GSOMIA", "![Map of the region](figure-1.png)"]:
        assert kept in body, kept
    assert (tmp_path / "content/deterrence/figure-1.png").exists()
    assert "tracked" not in err and "comment" not in err
    # The imported brief goes through the pipeline.
    assert run_cli("extract", "--root", str(tmp_path))[0] == 0
    code, _, err = run_cli("build", "--root", str(tmp_path), "--format", "html",
                           "--out", str(tmp_path / "build"))
    assert code == 0, err
    html = (tmp_path / "build/deterrence/deterrence.en.html").read_text()
    assert "Deterrence and Reassurance" in html and "<table" in html and "<blockquote" in html


def test_refusals(tmp_path, pandoc_manuscript):
    args = ["import", "--root", str(tmp_path), str(pandoc_manuscript), "--slug", "d"]
    assert run_cli(*args)[0] == 0
    brief = tmp_path / "content/d/brief.md"
    brief.write_text(brief.read_text() + "\nAn editor's addition.\n")
    code, _, err = run_cli(*args)
    assert code == 2 and "content/d/brief.md exists: pass --force" in err
    assert "An editor's addition." in brief.read_text()
    assert run_cli(*args, "--force")[0] == 0
    assert "An editor's addition." not in brief.read_text()

    fake = tmp_path / "notes.docx"
    fake.write_text("just text")
    code, _, err = run_cli("import", "--root", str(tmp_path), str(fake), "--slug", "x")
    assert code == 1 and err.startswith(f"{fake}: not a Word document")
    odt = tmp_path / "manuscript.odt"
    odt.write_bytes(pandoc_manuscript.read_bytes())
    code, _, err = run_cli("import", "--root", str(tmp_path), str(odt), "--slug", "x")
    assert code == 1 and err.startswith(f"{odt}: not a Word document")
    assert not (tmp_path / "content/x").exists()
