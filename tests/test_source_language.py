"""A brief written in Japanese, translated into English and Korean, works the same way."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

from babel.messages.pofile import read_po, write_po

from conftest import ROOT, run_cli

BRIEF = """---
title: 日韓協力の展望
lang: ja
date: 2025-06-01
authors:
  - name: 山田花子
    bio: 山田花子は研究員である。
---

日本と韓国は2015年に合意した。

両国はさらに協力すべきである。
"""

TRANSLATIONS = {
    "en": {"日韓協力の展望": "Prospects for Japan–ROK Cooperation", "山田花子": "Hanako Yamada",
           "山田花子は研究員である。": "Hanako Yamada is a research fellow.",
           "日本と韓国は2015年に合意した。": "Japan and South Korea reached an agreement in 2015.",
           "両国はさらに協力すべきである。": "The two countries should cooperate further."},
    "ko": {"日韓協力の展望": "한일 협력의 전망", "山田花子": "야마다 하나코",
           "山田花子は研究員である。": "야마다 하나코는 연구원이다.",
           "日本と韓国は2015年に合意した。": "일본과 한국은 2015년에 합의했다.",
           "両国はさらに協力すべきである。": "양국은 더욱 협력해야 한다."},
}


def test_a_japanese_brief_translated_into_english_and_korean(tmp_path):
    root = tmp_path
    (root / "content/ja-brief").mkdir(parents=True)
    (root / "content/ja-brief/brief.md").write_text(BRIEF, encoding="utf-8")
    shutil.copytree(ROOT / "templates", root / "templates")
    (root / "locales").mkdir()
    assert run_cli("extract", "--root", str(root))[0] == 0
    assert run_cli("update", "--root", str(root), "--locale", "en,ko")[0] == 0
    for lang, mapping in TRANSLATIONS.items():
        po = root / f"locales/{lang}/LC_MESSAGES/ja-brief.po"
        with open(po, "rb") as f:
            catalog = read_po(f, locale=lang)
        for message in catalog:
            if message.id:
                message.string = mapping[message.id]
        buf = io.BytesIO()
        write_po(buf, catalog)
        po.write_bytes(buf.getvalue())
    code, out, _ = run_cli("status", "--root", str(root))
    assert "en: 100.0% translated" in out and "ko: 100.0% translated" in out
    code, _, err = run_cli("build", "--root", str(root), "--out", str(root / "out"),
                           "--format", "pdf,html", "--strict")
    assert code == 0, err
    folder = root / "out/ja-brief"
    assert sorted(p.name for p in folder.glob("*.pdf")) == [
        "ja-brief.en.pdf", "ja-brief.ja-en.pdf", "ja-brief.ja-ko.pdf", "ja-brief.ja.pdf",
        "ja-brief.ko.pdf"]
    en = (folder / "ja-brief.en.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in en and "Translated from Japanese" in en
    assert "reached an agreement in 2015" in en
    text = subprocess.run(["pdftotext", str(folder / "ja-brief.ja-ko.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    compact = re.sub(r"\s+", "", text)
    assert "日本と韓国は2015年に合意した。" in compact and "일본과한국은2015년에합의했다." in compact
