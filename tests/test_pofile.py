"""PO files as GNU gettext writes them: msgcat leaves our output byte-identical, on the
shipped catalogs and on synthetic ones with every entry kind (msgctxt, plurals, previous
msgids, obsolete entries, escapes, CJK without spaces, long lines)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message

from briefpress.catalogs import new_catalog, po_bytes, read_catalog, write_catalog
from conftest import ROOT, SLUG, run_cli

GOLDEN = Path(__file__).parent / "golden"
SHIPPED = sorted(ROOT.glob("locales/*.pot")) + sorted(ROOT.glob("locales/*/LC_MESSAGES/*.po"))
DATE = dt.datetime(2025, 11, 29, tzinfo=dt.timezone.utc)
LONG = ("Japan’s security ties with South Korea have long run through the U.S.-Japan "
        "alliance, and history issues have repeatedly derailed defense cooperation.")
CJK = ("日本と韓国との安全保障上の結びつきは長らく日米同盟を介して形づくられてきたが、"
       "日韓の防衛協力は歴史問題によって幾度となく頓挫してきた。（GSOMIA）の署名式")
KO = "한국과 일본의 안보 협력은 오랫동안 미일 동맹을 통해 이루어져 왔으며, 역사 문제는 국방 협력을 거듭 좌초시켰다."


def msgcat(path: Path) -> bytes:
    return subprocess.run(["msgcat", str(path)], capture_output=True, check=True).stdout


def msgfmt_check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True,
                          text=True)


def synthetic(lang: str | None) -> Catalog:
    catalog = new_catalog("synthetic", lang, DATE)
    src = "content/synthetic/brief.md"
    catalog.add(LONG, CJK if lang else "", locations=[(src, 3)], auto_comments=["paragraph"])
    catalog.add("Line one\nline two, with a \"quote\", a tab\tand a backslash \\.\n",
                "一行目\n二行目「引用」\tと\\。\n" if lang else "", locations=[(src, 5)])
    catalog.add("May", "五月" if lang else "", context="month", locations=[(src, 7)],
                flags={"fuzzy"} if lang else set())
    catalog.add(("%(num)d passage is not translated: %(names)s and the rest of them here.",
                 "%(num)d passages are not translated: %(names)s and the rest of them here."),
                ("未翻訳の箇所が%(num)d箇所ある：%(names)sほか。",) if lang else ("", ""),
                flags={"python-format"}, locations=[("templates/masthead.html.j2", 18)])
    catalog.add(KO * 2, KO * 2 if lang == "ko" else "", locations=[(src, 9)],
                user_comments=["Translator's note: keep the order."])
    many = [(f"content/synthetic/figures/figure-{n}.svg", n) for n in range(1, 9)]
    catalog.add("Figure", "図" if lang else "", locations=many, auto_comments=["svg text"])
    if lang:
        may = catalog.get("May", context="month")
        may.previous_id = ["Mai"]
        may.previous_context = "months"
        plural = catalog.get("%(num)d passage is not translated: %(names)s and the rest of "
                             "them here.")
        plural.flags.add("fuzzy")
        plural.previous_id = ["%(num)d passage is untranslated.", "%(num)d passages are untranslated."]
        catalog.obsolete["Gone"] = type(may)("Gone", "消えた", user_comments=["old"],
                                             flags={"fuzzy"})
        catalog.obsolete["Empty"] = type(may)("Empty", "")
    return catalog


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_catalogs_are_what_msgcat_writes(path):
    assert msgcat(path) == path.read_bytes()


@pytest.mark.parametrize("path", sorted(ROOT.glob("locales/*/LC_MESSAGES/*.po")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_msgmerge_update_changes_no_shipped_catalog(tmp_path, path):
    """The header too is in gettext's order, so a translator's msgmerge makes no diff."""
    po = tmp_path / path.name
    shutil.copy(path, po)
    subprocess.run(["msgmerge", "--quiet", "--update", "--previous", "--backup=none", str(po),
                    str(ROOT / f"locales/{path.stem}.pot")], check=True)
    assert po.read_bytes() == path.read_bytes()


@pytest.mark.parametrize("name,lang", [("synthetic.pot", None), ("synthetic.ja.po", "ja"),
                                       ("synthetic.ko.po", "ko")])
def test_golden_catalogs(tmp_path, name, lang):
    """Our bytes are the golden file, msgcat leaves them as they are, msgfmt -c accepts
    them, and reading then writing them changes nothing (previous msgctxt and plural
    previous ids included)."""
    path = tmp_path / name
    path.write_bytes(po_bytes(synthetic(lang)))
    assert path.read_bytes() == (GOLDEN / name).read_bytes()
    assert msgcat(path) == path.read_bytes()
    if lang:
        result = msgfmt_check(path)
        assert result.returncode == 0, result.stderr
        again = po_bytes(read_catalog(path, name, lang))
        assert again == path.read_bytes()


def test_previous_msgid_of_a_msgctxt_entry_sits_before_msgctxt():
    """Regression: '#|' lines went between msgctxt and msgid (msgfmt: syntax error)."""
    text = (GOLDEN / "synthetic.ja.po").read_text()
    assert '#, fuzzy\n#| msgctxt "months"\n#| msgid "Mai"\nmsgctxt "month"\nmsgid "May"\n' in text
    assert '#| msgid_plural "%(num)d passages are untranslated."\n' in text


def test_cjk_without_spaces_breaks_by_display_width():
    lines = (GOLDEN / "synthetic.ja.po").read_text().splitlines()
    cjk = [line for line in lines if line.startswith('"日本と')]
    assert cjk and all(len(line.encode("utf-8")) > 79 for line in cjk)
    assert all(sum(2 if ord(c) > 0x2e80 else 1 for c in line) <= 79 for line in lines)


def test_crlf_file_keeps_its_line_endings(tmp_path):
    path = tmp_path / "ja.po"
    catalog = synthetic("ja")
    path.write_bytes(po_bytes(catalog).replace(b"\n", b"\r\n"))
    read = read_catalog(path, "ja.po", "ja")
    read.get("Figure").string = "図版"
    assert write_catalog(path, read)
    data = path.read_bytes()
    assert b"\r\n" in data and data.count(b"\n") == data.count(b"\r\n")
    assert 'msgstr "図版"' in data.decode()


def test_a_file_msgmerge_wrote_passes_update_unchanged(project):
    """A translator runs msgmerge --update (as Poedit and Weblate do); our next update
    leaves the file as msgmerge wrote it."""
    brief = project / f"content/{SLUG}/brief.md"
    text = brief.read_text()
    brief.write_text(text.replace("Ever since war broke out", "Ever since the war broke out", 1))
    assert run_cli("extract", "--root", str(project))[0] == 0
    po = project / f"locales/ja/LC_MESSAGES/{SLUG}.po"
    subprocess.run(["msgmerge", "--quiet", "--update", "--previous", "--backup=none", str(po),
                    str(project / f"locales/{SLUG}.pot")], check=True)
    merged = po.read_bytes()
    assert b"#| msgid" in merged
    code, out, err = run_cli("update", "--root", str(project))
    assert code == 0, err
    assert po.read_bytes() == merged


PIECES = ["word", "a", "longerword", "U.S.-Japan", "https://example.org/a/very/long/path/"
          "without/spaces/that/goes/on/and/on", "日本語の文章", "한국어 문장", "“quoted”",
          "(paren)", "%(num)d", "%s", "5%", "\\", '"', "\t", "\n", "—", "…", "、", "。",
          "「括弧」", "ＧＳＯＭＩＡ", "x" * 90, "  ", "-", "/", "1,000", "US$3", "&copy;"]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("lang", [None, "ja", "en"])
def test_random_catalogs_are_what_msgcat_writes(tmp_path, seed, lang):
    """Entries made of the awkward pieces above (escapes, CJK, words longer than a line,
    format directives where a line would break), with contexts, plurals, previous msgids
    and obsolete entries: msgcat changes no byte of what we write."""
    import random

    rng = random.Random(seed)

    def text(n):
        return "".join(rng.choice(PIECES) + rng.choice([" ", "", " ", "\n"]) for _ in range(n))

    catalog = new_catalog("random", lang, DATE)
    for i in range(120):
        msgid = text(rng.randint(0, 30)) + str(i)
        context = text(rng.randint(1, 8)) if rng.random() < .2 else None
        flags = {"python-format"} if rng.random() < .3 else set()
        if rng.random() < .15:
            msgid = (msgid, msgid + " plural")
            string = tuple(text(rng.randint(0, 25)) if lang else ""
                           for _ in range(catalog.num_plurals))
        else:
            string = text(rng.randint(0, 30)) if lang else ""
        catalog.add(msgid, string, context=context, flags=flags, locations=[("f.md", i + 1)])
        if lang and rng.random() < .2:
            message = catalog.get(msgid, context=context)
            message.flags.add("fuzzy")
            message.previous_id = [text(rng.randint(1, 20))]
    for i in range(10):
        catalog.obsolete[f"old {i}"] = Message(f"old {i} " + text(10), "t " + text(12))
    path = tmp_path / "random.po"
    path.write_bytes(po_bytes(catalog))
    assert msgcat(path) == path.read_bytes()
