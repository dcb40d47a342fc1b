"""Item 7 of issue 10: every text a reader sees or hears is a unit. An image's title
(a tooltip), a link's title, an aria-label, raw ``<abbr title>`` are extracted into the
POT, shown translated in the web edition and the EPUB, and fall back to the source when
untranslated. Translations are untrusted: what they hold is escaped, not markup."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import lxml.html
from babel.messages.pofile import read_po, write_po

from conftest import run_cli

RICH = Path(__file__).parent / "fixtures" / "rich" / "content" / "rich"
BODY = """
# Shown

![A chart of nothing.](chart.svg "Chart title"){aria-label="Chart label"}

See the [report](https://example.org/r "Report title") by the
<abbr title="Sample Lab">SL</abbr>.

::: {aria-label="Box label"}
A boxed paragraph.
:::
"""
UNSAFE = 'Quote " gt > amp & end'
JA = {
    "Chart title": UNSAFE,
    "Chart label": "図のラベル",
    "Box label": "枠のラベル",
    "See the": '[報告](https://example.org/r "報告の題")は'
               '`<abbr title="例示研究所 &amp; 協会">`{=html}SL`</abbr>`{=html}が出したものです。',
}


def make_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "content" / "shown").mkdir(parents=True)
    shutil.copy(RICH / "chart.svg", root / "content" / "shown" / "chart.svg")
    front = (RICH / "brief.md").read_text().split("\n---\n")[0] + "\n---\n"
    (root / "content" / "shown" / "brief.md").write_text(front + BODY)
    for args in (("extract",), ("update", "--locale", "ja")):
        code, _, err = run_cli(*args, "--root", str(root))
        assert code == 0, err
    return root


def translate(root: Path, texts: dict[str, str]) -> None:
    path = root / "locales" / "ja" / "LC_MESSAGES" / "shown.po"
    with path.open("rb") as f:
        catalog = read_po(f)
    for message in catalog:
        key = message.id if message.id in texts else message.id[:7]  # "See the"
        if key in texts:
            message.string, message.flags = texts[key], set()
    with path.open("wb") as f:
        write_po(f, catalog)


def build(root: Path) -> tuple[lxml.html.HtmlElement, str]:
    code, _, err = run_cli("build", "--root", str(root), "--out", str(root / "out"),
                           "--brief", "shown", "--locale", "ja", "--format", "html,epub")
    assert code == 0, err
    html = lxml.html.fromstring((root / "out/shown/shown.ja.html").read_bytes())
    with zipfile.ZipFile(root / "out/shown/shown.ja.epub") as epub:
        xhtml = "".join(epub.read(n).decode() for n in epub.namelist()
                        if n.endswith(".xhtml"))
    return html, xhtml


def test_shown_attributes_are_units_of_the_pot(tmp_path):
    pot = (make_root(tmp_path) / "locales" / "shown.pot").read_text()
    for text in ("Chart title", "Chart label", "Box label"):
        assert f'msgid "{text}"' in pot
    assert "Report title" in pot and 'title=\\"Sample Lab\\"' in pot


def test_translated_attributes_are_shown_and_escaped(tmp_path):
    root = make_root(tmp_path)
    translate(root, JA)
    html, xhtml = build(root)
    img = html.xpath("//figure//img")[0]
    assert img.get("title") == UNSAFE and img.get("aria-label") == "図のラベル"
    assert html.xpath("//div[@aria-label='枠のラベル']")
    assert html.xpath("//a[@title='報告の題']")
    assert html.xpath("//abbr")[0].get("title") == "例示研究所 & 協会"
    assert 'title="Quote &quot; gt &gt; amp &amp; end"' in xhtml or \
        'title="Quote &quot; gt > amp &amp; end"' in xhtml
    for text in ("図のラベル", "枠のラベル", "報告の題", "例示研究所 &amp; 協会"):
        assert text in xhtml
    assert "Chart label" not in xhtml and "Sample Lab" not in xhtml


def test_untranslated_attributes_fall_back_to_the_source(tmp_path):
    root = make_root(tmp_path)
    html, xhtml = build(root)
    img = html.xpath("//figure//img")[0]
    assert img.get("title") == "Chart title" and img.get("aria-label") == "Chart label"
    assert html.xpath("//div[@aria-label='Box label']")
    assert 'aria-label="Chart label"' in xhtml and 'title="Sample Lab"' in xhtml


def test_raw_html_whose_translated_title_breaks_out_is_refused(tmp_path):
    root = make_root(tmp_path)
    translate(root, {"See the": JA["See the"].replace(
        'title="例示研究所 &amp; 協会"', 'title="x" onclick="alert(1)"')})
    code, _, err = run_cli("build", "--root", str(root), "--out", str(root / "out"),
                           "--brief", "shown", "--locale", "ja", "--format", "html",
                           "--strict")
    assert code == 1 and "raw HTML" in err
