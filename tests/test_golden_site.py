"""Golden files for what `briefpress rules` and `briefpress distribute` write, on the test
root tests/golden/site/project (two small briefs, en and ja, a draft catalog each, a
site URL). Refresh them after an intended change with
``BRIEFPRESS_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden_site.py``
and review the diff.

The feeds describe the outputs by size and checksum only, so the test root's editions
are fixed bytes (EPUB and HTML: no PDF, whose covers would need a rendering): the
golden files then change when the feeds do, not whenever the layout of a PDF does.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from briefpress.distribute import distribute
from briefpress.layout import Layout
from briefpress.load import load
from briefpress.makefile import make_rules
from briefpress.render import default_templates

SITE = Path(__file__).parent / "golden" / "site"
PACKAGE = Path(__file__).resolve().parents[1] / "src" / "briefpress"


def matches_golden(text: str, name: str) -> None:
    golden = SITE / name
    if os.environ.get("BRIEFPRESS_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no {golden}: run with BRIEFPRESS_UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8"), f"{name} differs from its golden file"


@pytest.fixture
def site(tmp_path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(SITE / "project", root)
    return root


def placeholder_editions(root: Path) -> None:
    """Every EPUB and HTML edition the project's catalogs call for, as fixed bytes."""
    layout = Layout(root)
    for slug in layout.briefs():
        source = load(root, slug).lang
        targets = [lang for lang in layout.locales() if lang != source]
        names = [(lang, fmt) for lang in [source, *targets] for fmt in ("epub", "html")]
        names += [(f"{source}-{lang}", "epub") for lang in targets]
        for edition, fmt in names:
            path = layout.output(slug, edition, fmt)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(f"{path.name}\n".encode() * 8)


def test_rules_mk_matches_its_golden_file(site):
    rules = make_rules(site, "build")
    # The code and the shipped templates are where briefpress is installed: named once.
    code = " ".join(sorted(str(p) for p in PACKAGE.rglob("*.py")))
    assert code in rules
    rules = rules.replace(code, "$(BRIEFPRESS_CODE)")
    rules = rules.replace(str(default_templates()), "$(BRIEFPRESS_TEMPLATES)")
    matches_golden(rules, "rules.mk")


@pytest.mark.parametrize("name", ["feed.xml", "opds.xml", "sitemap.xml", "SHA256SUMS"])
def test_feeds_match_their_golden_files(site, name):
    placeholder_editions(site)
    distribute(site, site / "build", search=False)
    matches_golden((site / "build" / name).read_text(encoding="utf-8"), name)


def test_feeds_keep_their_prefixes_after_weasyprint_registers_its_own(site):
    """WeasyPrint registers "" and "dc" for its PDF metadata when it writes a PDF; a
    feed written later in the same process (``briefpress serve``) must not change."""
    import importlib

    import weasyprint.pdf.metadata

    importlib.reload(weasyprint.pdf.metadata)  # its registration, after ours
    placeholder_editions(site)
    distribute(site, site / "build", search=False)
    for name in ("feed.xml", "opds.xml"):
        matches_golden((site / "build" / name).read_text(encoding="utf-8"), name)
