"""Translation memory in `update`: a second brief reusing the seed brief's words."""

from __future__ import annotations

import datetime
import json
import shutil

import yaml

from briefpress.catalogs import read_catalog
from briefpress.memory import MARK
from conftest import ROOT, SLUG, run_cli


def seed_texts():
    text = (ROOT / f"content/{SLUG}/brief.md").read_text()
    meta = yaml.safe_load(text.split("---")[1])
    body = text.split("---", 2)[2].strip().split("\n\n")
    return meta["authors"][0], [" ".join(p.split()) for p in body]


def second_brief(project, paragraphs: list[str], author: dict | None = None) -> None:
    author = author or seed_texts()[0]
    folder = project / "content" / "second"
    folder.mkdir()
    front = {"title": "Deterrence on the Korean Peninsula after 2026", "lang": "en",
             "date": datetime.date(2026, 12, 1), "authors": [author]}
    (folder / "brief.md").write_text("---\n" + yaml.safe_dump(front, allow_unicode=True)
                                     + "---\n\n" + "\n\n".join(paragraphs) + "\n")


def po_of(project, lang="ja", slug="second"):
    rel = f"locales/{lang}/LC_MESSAGES/{slug}.po"
    return read_catalog(project / rel, rel, lang)


def test_second_brief_gets_bio_and_paragraph_from_memory(project):
    author, paragraphs = seed_texts()
    reused = paragraphs[0]
    # One word changed in a long paragraph: a close match, not an exact one.
    changed = reused.replace("continued", "persistent", 1)
    assert changed != reused
    second_brief(project, [reused, changed, "A paragraph no brief has had before, about "
                           "nothing in the seed brief at all."])
    seed_po = po_of(project, slug=SLUG)
    code, _, err = run_cli("extract", "--root", str(project))
    assert code == 0, err
    code, _, err = run_cli("update", "--root", str(project))
    assert code == 0, err
    # Name, affiliation, bio, the paragraph and the close match, per language.
    assert "locales/ja/LC_MESSAGES/second.po: 5 units filled from translation memory" in err
    assert "locales/ko/LC_MESSAGES/second.po: 5 units filled from translation memory" in err

    po = po_of(project)
    bio = " ".join(author["bio"].split())
    for source in (bio, reused, author["name"], author["affiliation"]):
        entry, old = po.get(source), seed_po.get(source)
        assert entry.string == old.string and entry.string
        assert not entry.fuzzy, source
        note = " ".join(entry.user_comments)
        assert note.startswith(f"{MARK} (exact): locales/ja/LC_MESSAGES/{SLUG}.po:")
    close = po.get(changed)
    assert close.fuzzy and close.string == seed_po.get(reused).string
    assert close.previous_id == [reused]
    assert " ".join(close.user_comments).startswith(f"{MARK} (98% similar): ")
    assert not po.get(next(m.id for m in po if m.id and m.id.startswith("A paragraph no"))).string
    # The PO file is what gettext reads: msgfmt accepts it, "#|" included.
    text = (project / "locales/ja/LC_MESSAGES/second.po").read_text()
    assert f"# {MARK} (exact): locales/ja/LC_MESSAGES/{SLUG}.po:" in text
    assert "#| msgid" in text

    code, out, _ = run_cli("status", "--root", str(project), "--brief", "second", "--json")
    ja = json.loads(out)[0]["languages"]["ja"]
    assert ja["from_memory"]["units"] == 5
    assert ja["translated"]["units"] == 4 and ja["fuzzy"]["units"] == 1
    code, out, _ = run_cli("status", "--root", str(project), "--brief", "second")
    assert "from memory 5" in out

    # A second update finds everything in place: no file changes, nothing filled again.
    before = text
    code, _, err = run_cli("update", "--root", str(project))
    assert "filled" not in err
    assert (project / "locales/ja/LC_MESSAGES/second.po").read_text() == before

    # A translator empties the close match to start over: the next update fills it again,
    # with one memory note, the old one (wrapped over two lines) replaced.
    po_file = project / "locales/ja/LC_MESSAGES/second.po"
    catalog = po_of(project)
    catalog.get(changed).string = ""
    from briefpress.catalogs import write_catalog
    write_catalog(po_file, catalog)
    assert run_cli("update", "--root", str(project), "--locale", "ja")[0] == 0
    refilled = po_of(project).get(changed)
    assert refilled.string == seed_po.get(reused).string and refilled.fuzzy
    assert " ".join(refilled.user_comments) == \
        f"{MARK} (98% similar): locales/ja/LC_MESSAGES/{SLUG}.po:{seed_po.get(reused).lineno}"


def test_context_and_compendium(project):
    """The seed's bio used as a paragraph: exact, but another kind of unit, so fuzzy.
    A compendium's entry fills what no brief has."""
    author, _ = seed_texts()
    bio = " ".join(author["bio"].split())
    phrase = "Extended deterrence rests on the credibility of the U.S. commitment."
    (project / "locales/ja/compendium.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n"Language: ja\\n"\n\n'
        f'msgid "{phrase}"\nmsgstr "拡大抑止は米国のコミットメントの信頼性に基づく。"\n')
    second_brief(project, [bio, phrase], {"name": "Another Author"})
    run_cli("extract", "--root", str(project))
    code, _, err = run_cli("update", "--root", str(project), "--locale", "ja")
    assert code == 0, err
    po = po_of(project)
    as_paragraph = po.get(bio)
    assert as_paragraph.auto_comments == ["paragraph"]
    assert as_paragraph.fuzzy and as_paragraph.string
    assert "another kind of unit" in " ".join(as_paragraph.user_comments)
    from_compendium = po.get(phrase)
    assert from_compendium.string.startswith("拡大抑止") and not from_compendium.fuzzy
    assert "(exact): locales/ja/compendium.po:" in " ".join(from_compendium.user_comments)
    import subprocess
    subprocess.run(["msgfmt", "-c", "-o", "/dev/null",
                    str(project / "locales/ja/LC_MESSAGES/second.po")], check=True)
