"""Per-language figures: timeline.ja.png beside timeline.svg replaces it in Japanese."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import zipfile

import pytest

from conftest import SLUG, run_cli
from test_manuscript import png

FIGURE = f"content/{SLUG}/timeline.svg"


def data_uris(html: str) -> list[tuple[str, bytes]]:
    return [(m.group(1), base64.b64decode(m.group(2)))
            for m in re.finditer(r'src="data:([^;]+);base64,([^"]+)"', html)]


@pytest.mark.slow
def test_language_figure_replaces_the_source_figure(project, tmp_path):
    ja_png = png(64, 40, (10, 120, 60))
    (project / f"content/{SLUG}/timeline.ja.png").write_bytes(ja_png)
    out = tmp_path / "build"
    code, _, err = run_cli("build", "--root", str(project), "--out", str(out),
                           "--format", "html,epub,pdf", "--strict")
    assert code == 0, err
    folder = out / SLUG
    ja = data_uris((folder / f"{SLUG}.ja.html").read_text())
    assert ("image/png", ja_png) in ja and not any(m == "image/svg+xml" for m, _ in ja)
    en = data_uris((folder / f"{SLUG}.en.html").read_text())
    assert [m for m, _ in en] == ["image/svg+xml"]
    # Korean has no file of its own: the source SVG, its text from the Korean catalog.
    ko = dict(data_uris((folder / f"{SLUG}.ko.html").read_text()))["image/svg+xml"].decode()
    assert "한반도" in ko and "War breaks out" not in ko
    # The bilingual EPUB: the Japanese side shows the PNG.
    with zipfile.ZipFile(folder / f"{SLUG}.en-ja.epub") as epub:
        images = {n: epub.read(n) for n in epub.namelist() if n.startswith("EPUB/media/")}
    assert ja_png in images.values()
    # The PDFs: the PNG is the one raster image of the Japanese editions, single and
    # bilingual, and the English PDF draws the SVG (no image at all).
    for name, count in [(f"{SLUG}.ja.pdf", 1), (f"{SLUG}.en-ja.pdf", 1), (f"{SLUG}.en.pdf", 0),
                        (f"{SLUG}.ko.pdf", 0)]:
        listing = subprocess.run(["pdfimages", "-list", str(folder / name)], check=True,
                                 capture_output=True, text=True).stdout.splitlines()[2:]
        assert [line.split()[3:5] for line in listing] == [["64", "40"]] * count, name
    with zipfile.ZipFile(folder / f"{SLUG}.ja.epub") as epub:
        media = [epub.read(n) for n in epub.namelist() if n.startswith("EPUB/media/")]
    assert ja_png in media and not any(b"<svg" in m[:400] and b"1950" in m for m in media)


def test_check_warns_when_the_language_figure_is_older(project):
    path = project / f"content/{SLUG}/timeline.ja.svg"
    source = project / FIGURE
    path.write_bytes(source.read_bytes())
    then = source.stat().st_mtime
    os.utime(path, (then - 3600, then - 3600))
    code, out, _ = run_cli("check", "--root", str(project))
    assert code == 0
    assert (f"content/{SLUG}/timeline.ja.svg:1: [figure] older than {FIGURE}: the ja "
            "figure may not show the source's changes") in out
    os.utime(path, (then + 60, then + 60))
    code, out, _ = run_cli("check", "--root", str(project))
    assert "[figure]" not in out
