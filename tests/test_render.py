"""Stage 5, render: templates, escaping of translator text, per-language typography."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from briefpress.render import css_string, language_css, language_styles
from conftest import SLUG, run_cli


def set_translation(po: Path, msgid: str, msgstr: str) -> None:
    with open(po, "rb") as f:
        catalog = read_po(f)
    catalog[msgid].string = msgstr
    buf = io.BytesIO()
    write_po(buf, catalog)
    po.write_bytes(buf.getvalue())


def test_translator_text_in_templates_is_escaped(project):
    ui = project / "locales/ja/LC_MESSAGES/templates.po"
    set_translation(ui, "About the author", '<script>alert("x")</script>著者')
    set_translation(ui, "%(page)s / %(pages)s",
                    '%(page)s"; } body { display: none } x { content: "</style><b>')
    body = project / f"locales/ja/LC_MESSAGES/{SLUG}.po"
    set_translation(body, "Keio University", "<b>慶應</b>")
    code, _, err = run_cli("build", "--root", str(project), "--locale", "ja", "--format",
                           "html", "--out", str(project / "out"))
    assert code == 0, err
    web = (project / f"out/{SLUG}/{SLUG}.ja.html").read_text(encoding="utf-8")
    assert "<script>" not in web and "&lt;script&gt;alert" in web and "<b>慶應" not in web
    # The print HTML (WeasyPrint's, not written out) carries the page label in its CSS.
    from briefpress.load import load
    from briefpress.localize import localize
    from briefpress.project import translations_for
    from briefpress.render import Renderer
    from briefpress.segment import segment

    doc = load(project, SLUG)
    localized = localize(doc, segment(doc), translations_for(project, SLUG, ["ja"]))
    html = Renderer(project).editions(doc, localized)["ja"]
    assert "<script>" not in html and "&lt;script&gt;alert" in html
    assert "</style><b>" not in html and "display: none" not in html.split("</style>")[0] \
        .split("@bottom-center")[1].split(";")[0]
    assert "<b>慶應" not in html


def test_css_string_escapes_everything_that_could_end_it():
    for hostile in ('"; } * { color: red }', "</style>", "\\", "\n"):
        literal = css_string(hostile)
        inner = literal[1:-1]
        assert '"' not in inner and "<" not in inner and "\n" not in inner
    assert css_string("日韓安全保障関係") == '"日韓安全保障関係"'


@pytest.mark.slow
def test_languages_are_configuration(project):
    """A new language takes an entry in languages.yaml and a locales folder."""
    styles = language_styles(project)
    css = language_css(styles)
    assert ':lang(ja) { font-family: "Noto Serif", "Noto Serif CJK JP"' in css
    assert ":lang(ko) .kw { white-space: nowrap; }" in css
    (project / "locales/zh-Hans/LC_MESSAGES").mkdir(parents=True)
    code, _, err = run_cli("update", "--root", str(project), "--locale", "zh-Hans")
    assert code == 0, err
    po = project / f"locales/zh-Hans/LC_MESSAGES/{SLUG}.po"
    set_translation(po, "Japan’s Security Relationship with the Republic of Korea",
                    "日本与大韩民国的安全关系")
    code, _, err = run_cli("build", "--root", str(project), "--locale", "zh-Hans",
                           "--format", "html,pdf", "--out", str(project / "out"))
    assert code == 0, err
    html = (project / f"out/{SLUG}/{SLUG}.zh-Hans.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hans"' in html and "日本与大韩民国的安全关系" in html
    assert "2026年11月29日" in html  # Babel's Chinese date format
    assert (project / f"out/{SLUG}/{SLUG}.en-zh-Hans.pdf").exists()


def test_compiled_templates_are_kept_and_an_edit_is_compiled_anew(project, tmp_path,
                                                                   monkeypatch):
    """Jinja2's bytecode cache (in the engine cache) spares each process compiling the
    templates; a template edited since is compiled from its new source."""
    from briefpress.render import Renderer

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    probe = project / "templates" / "probe.html.j2"
    probe.write_text("{{ x }} one", encoding="utf-8")
    assert Renderer(project).env.get_template("probe.html.j2").render(x="a") == "a one"
    kept = list((tmp_path / "cache" / "briefpress" / "jinja").rglob("*.cache"))
    assert kept
    probe.write_text("{{ x }} two", encoding="utf-8")
    assert Renderer(project).env.get_template("probe.html.j2").render(x="a") == "a two"
    monkeypatch.setenv("BRIEFPRESS_NO_CACHE", "1")
    assert Renderer(project).env.bytecode_cache is None
