"""The PDF's structure, read from the file: outline, metadata, links, tags, paper."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest

from conftest import SLUG, run_cli

RICH = Path(__file__).parent / "fixtures" / "rich"


@pytest.fixture(scope="module")
def rich_pdf(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rich")
    code, _, err = run_cli("build", "--root", str(RICH), "--out", str(out), "--format", "pdf",
                           "--paper", "letter")
    assert code == 0, err
    return out / "rich" / "rich.en.pdf"


def outline_titles(pdf: pikepdf.Pdf) -> list[str]:
    with pdf.open_outline() as outline:
        titles = []
        stack = list(outline.root)
        while stack:
            item = stack.pop(0)
            titles.append(item.title)
            stack[:0] = list(item.children)
        return titles


def test_outline_follows_the_headings(rich_pdf):
    with pikepdf.open(rich_pdf) as pdf:
        assert outline_titles(pdf) == ["A Rich Brief", "Summary", "Introduction",
                                       "About the author"]


def test_external_links_work(rich_pdf):
    with pikepdf.open(rich_pdf) as pdf:
        uris = [str(a.A.URI) for page in pdf.pages for a in page.get("/Annots", [])
                if a.get("/A") and a.A.get("/URI")]
    assert uris == ["https://example.org/report", "https://example.org/b"]


def test_metadata_from_front_matter_and_source_date(rich_pdf):
    with pikepdf.open(rich_pdf) as pdf:
        info = pdf.docinfo
        assert str(info["/Title"]) == "A Rich Brief: Every kind of unit"
        assert str(info["/Author"]) == "Ada Writer"
        assert str(info["/Subject"]) == "A brief that holds every kind of translation unit."
        assert str(info["/Keywords"]) == "testing, units"
        # SOURCE_DATE_EPOCH (the test session's) is the creation date.
        assert str(info["/CreationDate"]).startswith("D:20251129000000")
        assert str(pdf.Root.Lang) == "en"
        assert pdf.Root.MarkInfo.Marked and "/StructTreeRoot" in pdf.Root
        meta = pdf.open_metadata()
        assert meta.get("pdfuaid:part") == "1"


def test_us_letter_by_option(rich_pdf):
    with pikepdf.open(rich_pdf) as pdf:
        box = [float(v) for v in pdf.pages[0].MediaBox]
    assert box[2:] == [612.0, 792.0]


def test_a4_by_default(built):
    with pikepdf.open(built / f"{SLUG}.en.pdf") as pdf:
        assert [round(float(v)) for v in pdf.pages[0].MediaBox][2:] == [595, 842]
    with pikepdf.open(built / f"{SLUG}.en-ja.pdf") as pdf:  # bilingual: landscape
        assert [round(float(v)) for v in pdf.pages[0].MediaBox][2:] == [842, 595]


def test_footnote_sits_at_the_foot_of_its_page(rich_pdf):
    import subprocess

    text = subprocess.run(["pdftotext", "-layout", str(rich_pdf), "-"], capture_output=True,
                          text=True, check=True).stdout.split("\f")[0]
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    note = next(i for i, l in enumerate(lines) if "The note’s own text" in l)
    assert note >= len(lines) - 3  # below the body, above the page number
    assert lines.index(next(l for l in lines if l.startswith("About the author"))) < note
