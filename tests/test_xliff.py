"""XLIFF 1.2 exchange: export, import, refusals, conflicts and the byte-identical round trip."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from translate.storage import factory

from briefpress.catalogs import read_catalog
from briefpress.xliff import NS, X
from briefpress.xlifftags import Span, fill, parse_spans, spans_by_id, to_markdown
from conftest import ROOT, SLUG, run_cli

RICH = Path(__file__).parent / "fixtures" / "rich"
PARA = ("A paragraph with *emphasis*, **strength**, a [link](https://example.org/report "
        "\"Report\"), `inline code` and a note.[^1]")
# Checks of translate-toolkit that judge style by English rules, not what the text
# keeps: full-width brackets and 「」 quotes, a sentence split differently, no space
# before a Korean parenthetical gloss, capitals and acronyms a CJK script lacks.
STYLE_CHECKS = ["acronyms", "brackets", "doublequoting", "singlequoting", "endpunc",
                "startpunc", "sentencecount", "simplecaps", "startcaps", "simpleplurals",
                "spellcheck", "hassuggestion", "puncspacing"]
POFILTER = Path(sys.executable).with_name("pofilter")


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes()
            for p in sorted((root / "locales").rglob("*")) if p.is_file()}


def pofilter(path: Path, lang: str, tmp: Path) -> list[str]:
    """The notes pofilter adds to the units failing its checks (none: no file)."""
    out = tmp / f"pofilter-{path.name}"
    subprocess.run([str(POFILTER), f"--language={lang}", "--progress=none",
                    *[f"--excludefilter={c}" for c in STYLE_CHECKS], str(path), "-o", str(out)],
                   check=True, capture_output=True)
    if not out.exists():
        return []
    return [n for u in factory.getobject(str(out)).units for n in [u.getnotes("pofilter")] if n]


def xlf_tree(path: Path):
    return etree.parse(str(path))


def unit(tree, source_start: str):
    for element in tree.iter(X + "trans-unit"):
        if "".join(element.find(X + "source").itertext()).startswith(source_start):
            return element
    raise AssertionError(source_start)


@pytest.fixture
def rich(tmp_path) -> Path:
    """The rich fixture with a Japanese catalog: the paragraph full of markup and two
    plain units translated."""
    shutil.copytree(RICH / "content", tmp_path / "content")
    assert run_cli("extract", "--root", str(tmp_path))[0] == 0
    assert run_cli("update", "--root", str(tmp_path), "--locale", "ja")[0] == 0
    po = tmp_path / "locales/ja/LC_MESSAGES/rich.po"
    text = po.read_text()
    for source, target in [
            ("A quoted sentence.", "引用された一文。"),
            ("Introduction", "はじめに")]:
        text = text.replace(f'msgid "{source}"\nmsgstr ""', f'msgid "{source}"\nmsgstr "{target}"')
    po.write_text(text)
    return tmp_path


def test_seed_round_trip_is_byte_identical(project, tmp_path):
    before = snapshot(project)
    out = tmp_path / "xlf"
    for lang in ("ja", "ko"):
        code, _, err = run_cli("xliff", "export", "--root", str(project), "--locale", lang,
                               "--out", str(out))
        assert code == 0, err
    files = sorted(out.glob("*.xlf"))
    assert [f.name for f in files] == [f"{SLUG}.ja.xlf", f"{SLUG}.ko.xlf"]
    code, _, err = run_cli("xliff", "import", "--root", str(project), *map(str, files))
    assert code == 0, err
    assert "0 units merged, unchanged" in err
    assert snapshot(project) == before

    for lang, path in zip(("ja", "ko"), files):
        store = factory.getobject(str(path))  # translate-toolkit reads it back
        po = read_catalog(project / f"locales/{lang}/LC_MESSAGES/{SLUG}.po", "po", lang)
        messages = [m for m in po if m.id]
        assert len(store.units) == len(messages)
        root = xlf_tree(path).getroot()
        assert root.get("version") == "1.2" and root.nsmap[None] == NS
        assert root[0].get("target-language") == lang
        first = unit(xlf_tree(path), "Ever since war broke out")
        notes = [n.text for n in first.iter(X + "note")]
        assert "paragraph" in notes and f"content/{SLUG}/brief.md:29" in notes
        assert first.find(X + "target").get("state") == "translated"
        assert pofilter(path, lang, tmp_path) == []


def test_pofilter_checks_do_run(project, tmp_path):
    """The pofilter run above can fail: a number changed in a target is caught."""
    out = tmp_path / "xlf"
    run_cli("xliff", "export", "--root", str(project), "--locale", "ja", "--out", str(out))
    path = out / f"{SLUG}.ja.xlf"
    path.write_text(path.read_text().replace("1950年", "1951年", 1))
    assert any(n.startswith("numbers") for n in pofilter(path, "ja", tmp_path))


def test_markdown_spans_are_protected(rich, tmp_path):
    out = tmp_path / "xlf"
    assert run_cli("xliff", "export", "--root", str(rich), "--locale", "ja",
                   "--out", str(out))[0] == 0
    path = out / "rich.ja.xlf"
    tree = xlf_tree(path)
    para = unit(tree, "A paragraph with")
    source = para.find(X + "source")
    tags = [(etree.QName(e).localname, e.get("ctype"), e.text) for e in source]
    assert tags == [("g", "italic", "emphasis"), ("g", "bold", "strength"),
                    ("g", "link", "link"), ("ph", "x-code", "`inline code`"),
                    ("ph", "x-footnote", "[^1]")]
    assert "https://example.org" not in "".join(source.itertext()).replace("`inline code`", "")
    assert para.find(X + "target").get("state") == "new"

    # A CAT tool's translation: tags moved into Japanese word order.
    target = para.find(X + "target")
    target.clear()
    target.set("state", "translated")
    target.text = "この段落には、"
    for ident, ctype, text, tail in [("1", "italic", "強調", "、"), ("2", "bold", "強さ", "、コード"),
                                     ("4", None, None, "、そして"), ("3", "link", "リンク", "と注がある。")]:
        e = etree.SubElement(target, X + ("ph" if ctype is None else "g"), id=ident)
        if ctype:
            e.set("ctype", ctype)
            e.text = text
        else:
            e.text = "`inline code`"
        e.tail = tail
    etree.SubElement(target, X + "ph", id="5").text = "[^1]"
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    code, _, err = run_cli("xliff", "import", "--root", str(rich), str(path))
    assert code == 0, err
    po = read_catalog(rich / "locales/ja/LC_MESSAGES/rich.po", "po", "ja")
    assert po.get(PARA).string == ("この段落には、*強調*、**強さ**、コード`inline code`、そして"
                                   "[リンク](https://example.org/report \"Report\")と注がある。[^1]")
    assert not po.get(PARA).fuzzy
    # Exporting again gives the same tags for the translation as for the source.
    run_cli("xliff", "export", "--root", str(rich), "--locale", "ja", "--out", str(out))
    again = unit(xlf_tree(path), "A paragraph with").find(X + "target")
    assert [(etree.QName(e).localname, e.get("id")) for e in again] == \
        [("g", "1"), ("g", "2"), ("ph", "4"), ("g", "3"), ("ph", "5")]


def test_lost_tag_and_failed_check_refuse_the_file(rich, tmp_path):
    out = tmp_path / "xlf"
    run_cli("xliff", "export", "--root", str(rich), "--locale", "ja", "--out", str(out))
    path = out / "rich.ja.xlf"
    before = snapshot(rich)
    tree = xlf_tree(path)
    target = unit(tree, "A paragraph with").find(X + "target")
    target.text, target.attrib["state"] = "注を失った段落。", "translated"
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    code, _, err = run_cli("xliff", "import", "--root", str(rich), str(path))
    assert code == 1
    line = unit(xlf_tree(path), "A paragraph with").sourceline
    assert f"{path}:{line}: unit u" in err and "tags of the source missing" in err
    assert '<ph id="5"> (x-footnote)' in err
    assert snapshot(rich) == before



def test_failed_check_refuses_the_file(project, tmp_path):
    out = tmp_path / "xlf"
    run_cli("xliff", "export", "--root", str(project), "--locale", "ja", "--out", str(out))
    path = out / f"{SLUG}.ja.xlf"
    before = snapshot(project)
    tree = xlf_tree(path)
    target = unit(tree, "Ever since war broke out").find(X + "target")
    target.text = target.text.replace("1950年", "戦後")
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    code, _, err = run_cli("xliff", "import", "--root", str(project), str(path))
    assert code == 1
    line = unit(xlf_tree(path), "Ever since war broke out").sourceline
    assert f"{path}:{line}: [numbers] numbers of the source missing: 1950" in err
    assert snapshot(project) == before


def test_changed_source_is_refused(rich, tmp_path):
    out = tmp_path / "xlf"
    run_cli("xliff", "export", "--root", str(rich), "--locale", "ja", "--out", str(out))
    brief = rich / "content/rich/brief.md"
    brief.write_text(brief.read_text().replace("A quoted sentence.", "A quoted remark."))
    assert run_cli("extract", "--root", str(rich))[0] == 0
    before = snapshot(rich)
    path = out / "rich.ja.xlf"
    code, _, err = run_cli("xliff", "import", "--root", str(rich), str(path))
    assert code == 1
    line = unit(xlf_tree(path), "A quoted sentence.").sourceline
    assert f"{path}:{line}: unit u" in err
    assert "its source is no longer in locales/rich.pot" in err and "'A quoted sentence.'" in err
    assert err.count("no longer in") == 1
    assert snapshot(rich) == before
    # A unit in the POT that the PO does not have yet (update not run): named, refused.
    assert run_cli("update", "--root", str(rich), "--locale", "ja")[0] == 0
    run_cli("xliff", "export", "--root", str(rich), "--locale", "ja", "--out", str(out))
    (rich / "locales/ja/LC_MESSAGES/rich.po").write_bytes(before["locales/ja/LC_MESSAGES/rich.po"])
    tree = xlf_tree(path)
    unit(tree, "A quoted remark.").find(X + "target").text = "引用された発言。"
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    code, _, err = run_cli("xliff", "import", "--root", str(rich), str(path))
    assert code == 1
    assert "not in locales/ja/LC_MESSAGES/rich.po yet: run 'briefpress update --locale ja'" in err


def test_newer_po_edit_is_a_conflict(rich, tmp_path):
    out = tmp_path / "xlf"
    run_cli("xliff", "export", "--root", str(rich), "--locale", "ja", "--out", str(out))
    po = rich / "locales/ja/LC_MESSAGES/rich.po"
    po.write_text(po.read_text().replace('msgstr "はじめに"', 'msgstr "序論"'))
    path = out / "rich.ja.xlf"
    tree = xlf_tree(path)
    heading = unit(tree, "Introduction").find(X + "target")
    heading.text = "導入"
    quote = unit(tree, "A quoted sentence.").find(X + "target")
    quote.text = "引用した一文。"
    item = unit(tree, "First item").find(X + "target")
    item.text, item.attrib["state"] = "最初の項目", "needs-review-translation"
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    code, _, err = run_cli("xliff", "import", "--root", str(rich), str(path))
    assert code == 1  # a conflict needs a person
    assert "conflict: locales/ja/LC_MESSAGES/rich.po:" in err and "'Introduction'" in err
    catalog = read_catalog(po, "po", "ja")
    assert catalog.get("Introduction").string == "序論"  # the PO's newer edit kept
    assert catalog.get("A quoted sentence.").string == "引用した一文。"
    assert catalog.get("First item").string == "最初の項目" and catalog.get("First item").fuzzy


def test_fuzzy_units_carry_the_previous_source(project, tmp_path):
    brief = project / f"content/{SLUG}/brief.md"
    brief.write_text(brief.read_text().replace("Ever since war broke out", "Ever since the war broke out"))
    run_cli("extract", "--root", str(project))
    run_cli("update", "--root", str(project))
    out = tmp_path / "xlf"
    run_cli("xliff", "export", "--root", str(project), "--locale", "ja", "--out", str(out))
    path = out / f"{SLUG}.ja.xlf"
    element = unit(xlf_tree(path), "Ever since the war")
    assert element.find(X + "target").get("state") == "needs-review-translation"
    assert element.get("approved") == "no"
    alt = element.find(X + "alt-trans")
    assert alt.get("origin") == "previous"
    assert alt.find(X + "source").text.startswith("Ever since war broke out")
    before = snapshot(project)
    assert run_cli("xliff", "import", "--root", str(project), str(path))[0] == 0
    assert snapshot(project) == before  # fuzzy stays fuzzy, "#|" kept, same bytes
    # The reviewer accepts it in the CAT tool: fuzzy and the previous source go.
    tree = xlf_tree(path)
    target = unit(tree, "Ever since the war").find(X + "target")
    target.set("state", "translated")
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    code, _, err = run_cli("xliff", "import", "--root", str(project), str(path))
    assert code == 0, err
    text = (project / f"locales/ja/LC_MESSAGES/{SLUG}.po").read_text()
    assert "#| msgid" not in text and "#, fuzzy" not in text


def test_every_unit_text_survives_the_inline_tags(rich):
    """Source -> tags -> Markdown is exact for every unit of the seed and rich briefs."""
    for pot in [ROOT / f"locales/{SLUG}.pot", rich / "locales/rich.pot"]:
        for message in read_catalog(pot, "pot", None):
            if message.id:
                tree = parse_spans(message.id)
                element = etree.Element(X + "source")
                fill(element, tree)
                assert to_markdown(element, spans_by_id(tree), set()) == message.id
    tree = parse_spans("an *unclosed star and [bracket")
    assert tree == ["an *unclosed star and [bracket"]
    assert isinstance(parse_spans("[a *b*](u)")[0], Span)


def test_bad_input(rich, tmp_path):
    bad = tmp_path / "notes.xlf"
    bad.write_text("<not-xliff")
    code, _, err = run_cli("xliff", "import", "--root", str(rich), str(bad))
    assert code == 1 and f"{bad}:1: not an XLIFF 1.2 file" in err
    code, _, err = run_cli("xliff", "export", "--root", str(rich), "--locale", "ko")
    assert code == 2 and "briefpress update --locale ko" in err


def test_entities_are_not_expanded(rich, tmp_path):
    """An XLIFF file naming an external entity gets none of that file into a PO."""
    out = tmp_path / "xlf"
    run_cli("xliff", "export", "--root", str(rich), "--locale", "ja", "--out", str(out))
    path = out / "rich.ja.xlf"
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    text = path.read_text().replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xliff [<!ENTITY e SYSTEM "{secret.as_uri()}">]>', 1)
    text = text.replace('<target state="translated">はじめに</target>',
                        '<target state="translated">序論&e;</target>', 1)
    path.write_text(text)
    code, _, err = run_cli("xliff", "import", "--root", str(rich), str(path))
    po = (rich / "locales/ja/LC_MESSAGES/rich.po").read_text()
    assert "TOP-SECRET" not in po and "TOP-SECRET" not in err
    assert code == 1 and "entity reference &e; (entities are not read)" in err
