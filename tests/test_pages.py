"""Page images: the first page of each edition against a reference image, so a layout
change is seen. After a deliberate change, look at the new pages and refresh the
references with ``BRIEFPRESS_UPDATE_REFERENCES=1 make test``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from conftest import SLUG, run_cli

REFERENCES = Path(__file__).parent / "reference"
EDITIONS = ["en", "ja", "ko", "en-ja", "en-ko"]
DPI = 40
# Share of pixels that may differ (anti-aliasing, font versions) before a page counts
# as changed. A one-point change of the body size moves far more than this.
TOLERANCE = 0.005


def first_page(pdf: Path, out: Path) -> Image.Image:
    prefix = out / pdf.stem
    subprocess.run(["pdftoppm", "-png", "-gray", "-r", str(DPI), "-f", "1", "-l", "1",
                    "-singlefile", str(pdf), str(prefix)], check=True)
    return Image.open(f"{prefix}.png").convert("L")


def changed_share(a: Image.Image, b: Image.Image) -> float:
    if a.size != b.size:
        return 1.0
    diff = ImageChops.difference(a, b).point(lambda v: 255 if v > 48 else 0)
    return sum(diff.histogram()[255:]) / (a.size[0] * a.size[1])


@pytest.mark.parametrize("edition", EDITIONS)
def test_first_page_matches_its_reference(built, tmp_path, edition):
    page = first_page(built / f"{SLUG}.{edition}.pdf", tmp_path)
    reference = REFERENCES / f"{SLUG}.{edition}.p1.png"
    if os.environ.get("BRIEFPRESS_UPDATE_REFERENCES"):
        page.save(reference, optimize=True)
        pytest.skip(f"reference written: {reference.name}; look at it and commit it")
    assert reference.exists(), f"no reference image {reference.name}: see this module's doc"
    share = changed_share(page, Image.open(reference).convert("L"))
    if share > TOLERANCE:  # keep the new page for a person to look at
        artifacts = Path(__file__).resolve().parents[1] / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        page.save(artifacts / f"{SLUG}.{edition}.p1.png")
    assert share <= TOLERANCE, f"{share:.2%} of the page changed"


def test_a_deliberate_layout_change_is_caught(project, tmp_path):
    css = project / "templates/brief.css"
    css.write_text(css.read_text().replace("html { font-size: 10.5pt;", "html { font-size: 11.5pt;"))
    code, _, err = run_cli("build", "--root", str(project), "--out", str(tmp_path / "out"),
                           "--locale", "en", "--format", "pdf")
    assert code == 0, err
    page = first_page(tmp_path / "out" / SLUG / f"{SLUG}.en.pdf", tmp_path)
    share = changed_share(page, Image.open(REFERENCES / f"{SLUG}.en.p1.png").convert("L"))
    assert share > 10 * TOLERANCE
