"""Stage 3, catalogs: POT/PO files translators' tools accept, no churn, strict reading."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from briefpress.catalogs import read_catalog
from briefpress.errors import CatalogError
from conftest import ROOT, SLUG, run_cli

PO_FILES = sorted(ROOT.glob("locales/*/LC_MESSAGES/*.po"))


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("locales/**/*"))
            if p.is_file()}


def test_shipped_catalogs_are_current(project):
    """extract and update on the shipped project change nothing, byte for byte."""
    before = snapshot(project)
    for _ in range(2):
        assert run_cli("extract", "--root", str(project))[0] == 0
        assert run_cli("update", "--root", str(project))[0] == 0
    assert snapshot(project) == before


def test_pot_references_and_comments(project):
    with open(ROOT / f"locales/{SLUG}.pot", "rb") as f:
        pot = read_po(f)
    first = next(m for m in pot if m.id.startswith("Ever since war broke out"))
    assert first.locations == [(f"content/{SLUG}/brief.md", 29)]
    assert first.auto_comments == ["paragraph"]
    title = next(m for m in pot if m.id.startswith("Japan’s Security Relationship"))
    assert title.auto_comments == ["front matter: title (plain text)"]
    assert "POT-Creation-Date: 2025-11-29 00:00+0000" in (ROOT / f"locales/{SLUG}.pot").read_text()


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_msgfmt_check_accepts_every_po_file(po, tmp_path):
    result = subprocess.run(["msgfmt", "-c", "-o", str(tmp_path / "x.mo"), str(po)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("lang", ["ja", "ko"])
def test_headers_for_cjk(lang):
    text = (ROOT / f"locales/{lang}/LC_MESSAGES/{SLUG}.po").read_text(encoding="utf-8")
    assert f'"Language: {lang}\\n"' in text
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in text


def test_template_strings_have_their_own_domain():
    with open(ROOT / "locales/templates.pot", "rb") as f:
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    assert {"About the author", "by %(authors)s", "%(page)s / %(pages)s"} <= ids
    assert not any(i.startswith("Ever since war") for i in ids)


def test_one_edited_paragraph_becomes_one_fuzzy_unit_per_language(project):
    brief = project / f"content/{SLUG}/brief.md"
    brief.write_text(brief.read_text().replace(
        "Security cooperation between Japan and the Republic of Korea (ROK) has therefore",
        "Security cooperation between Japan and the Republic of Korea (ROK) has thus"))
    assert run_cli("extract", "--root", str(project))[0] == 0
    assert run_cli("update", "--root", str(project))[0] == 0
    for lang in ("ja", "ko"):
        rel = f"locales/{lang}/LC_MESSAGES/{SLUG}.po"
        catalog = read_catalog(project / rel, rel, lang)
        fuzzy = [m for m in catalog if m.id and m.fuzzy]
        assert len(fuzzy) == 1 and "has thus" in fuzzy[0].id
        assert fuzzy[0].previous_id and "has therefore" in fuzzy[0].previous_id[0]
    # The draft build falls back for it; the strict build refuses it, naming it.
    code, _, err = run_cli("build", "--root", str(project), "--locale", "ja", "--format",
                           "html", "--out", str(project / "out"))
    assert code == 0 and "1 units fell back" in err and "fuzzy" in err
    code, _, err = run_cli("build", "--root", str(project), "--locale", "ja", "--format",
                           "html", "--out", str(project / "out"), "--strict")
    assert code == 1
    assert f"locales/ja/LC_MESSAGES/{SLUG}.po:" in err and "fuzzy unit" in err


def test_removed_paragraph_is_kept_as_obsolete(project):
    brief = project / f"content/{SLUG}/brief.md"
    text = brief.read_text()
    start = text.index("Security cooperation between Japan")
    end = text.index("However, in recent decades")
    brief.write_text(text[:start] + text[end:])
    run_cli("extract", "--root", str(project))
    run_cli("update", "--root", str(project))
    po = (project / f"locales/ja/LC_MESSAGES/{SLUG}.po").read_text(encoding="utf-8")
    assert '#~ msgid ""\n#~ "Security cooperation between Japan' in po


BROKEN = {
    "unterminated": ('msgid "A"\nmsgstr "B\n', 2, "unterminated"),
    "garbage": ('msgid "A"\nmsgstr "B"\nthis is not po\n', 3, "not PO syntax"),
    "duplicate": ('msgid "A"\nmsgstr "B"\n\nmsgid "A"\nmsgstr "C"\n', 4, "duplicate entry"),
    "bad escape": ('msgid "A"\nmsgstr "B\\q"\n', 2, "invalid escape"),
    "control": ('msgid "A"\nmsgstr "B\x1b[31m"\n', 2, "control character"),
    "no msgstr": ('msgid "A"\n\nmsgid "B"\nmsgstr "C"\n', 1, "without msgstr"),
    "plural forms": ('msgid ""\nmsgstr "Language: ja\\nPlural-Forms: nplurals=2; plural=(n != 1);\\n"\n',
                     1, "nplurals=1"),
}


@pytest.mark.parametrize("name", BROKEN)
def test_broken_catalogs_are_errors_with_lines(tmp_path, name):
    text, line, words = BROKEN[name]
    path = tmp_path / "x.po"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        read_catalog(path, "locales/ja/LC_MESSAGES/x.po", "ja")
    assert str(err.value).startswith(f"locales/ja/LC_MESSAGES/x.po:{line}: ")
    assert words in str(err.value)


def test_invalid_utf8_catalog(tmp_path):
    path = tmp_path / "x.po"
    path.write_bytes(b'msgid "A"\nmsgstr "\xff"\n')
    with pytest.raises(CatalogError, match=r"x.po:2: not valid UTF-8"):
        read_catalog(path, "locales/ja/LC_MESSAGES/x.po", "ja")


def test_pybabel_extract_gives_the_same_units(tmp_path):
    pybabel = Path(__file__).resolve().parents[1] / ".venv/bin/pybabel"
    out = tmp_path / "x.pot"
    subprocess.run([str(pybabel), "-q", "extract", "-F", "babel.cfg", "-o", str(out),
                    "--omit-header", "content"], cwd=ROOT, check=True)
    with open(out, "rb") as f:
        theirs = {m.id for m in read_po(f) if m.id}
    with open(ROOT / f"locales/{SLUG}.pot", "rb") as f:
        ours = {m.id for m in read_po(f) if m.id}
    assert theirs == ours
