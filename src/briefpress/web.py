"""The web edition: each brief in each language as a page made for screens.

The print HTML stays WeasyPrint's (render.py); this page has its own template
(``web.html.j2``) and stylesheet (``web.css``): a viewport, a measure for reading, the
language switcher, download links, footnotes linked both ways, no script and no request
to anywhere. The browser does natively what the PDF needs transforms for (Korean
``word-break: keep-all``, Japanese ``text-autospace`` and ``text-spacing-trim``), so the
page carries the text as the translator wrote it.
"""

from __future__ import annotations

import re

from markupsafe import Markup

from . import pandoc
from .config import Site
from .load import babel_locale, language_tag
from .localize import Localized
from .model import Document
from .render import Renderer, find_template_file
from .rewrite import Options, prepare

UI_SOURCE = "en"  # the language of the templates' msgids, the listing's index.html
NOTES = re.compile(r'<section id="footnotes" class="footnotes[^"]*" role="doc-endnotes">'
                   r'\s*<hr />\s*(.*?)</section>', re.S)
BACKLINK = re.compile(r'(<a href="#fnref\d+" class="footnote-back" role="doc-backlink")>')


def listing_page(lang: str, ui_langs: list[str]) -> str:
    """The listing page's file name in *lang* (the English one if it has none)."""
    return "index.html" if lang == UI_SOURCE or lang not in ui_langs else f"index.{lang}.html"


def og_locale(lang: str) -> str:
    """Open Graph's ``ll_TT`` form, with CLDR's likely territory."""
    from babel.core import get_global

    locale = babel_locale(lang)
    territory = locale.territory or get_global("likely_subtags").get(
        locale.language, "").split("_")[-1]
    return f"{locale.language}_{territory}" if territory else locale.language


def bilingual_title(renderer: Renderer, title: str, source: str, target: str) -> str:
    """A bilingual edition's title, in the reader's (the target) language."""
    locale = babel_locale(target)
    ui = renderer.translations(target)
    return ui.gettext("%(title)s (bilingual edition, %(source)s and %(target)s)") % {
        "title": title, "source": babel_locale(source).get_display_name(locale),
        "target": locale.get_display_name(locale)}


def backlinks(notes: Markup, label: str) -> Markup:
    """The footnotes' links back to their calls, named *label* for screen readers."""
    named = str(Markup(' aria-label="{}"').format(label))
    return Markup(BACKLINK.sub(lambda m: m.group(1) + named + ">", str(notes)))


def body_and_notes(doc: Document, blocks: list) -> tuple[Markup, Markup]:
    """pandoc's HTML of *blocks*, and its footnotes apart."""
    html = pandoc.run(["-f", "json", "-t", "html5", "--wrap=none"],
                      pandoc.to_json(pandoc.document(blocks)))
    notes = ""
    found = NOTES.search(html)
    if found:
        html = html[:found.start()] + html[found.end():]
        notes = found.group(1)
    return Markup(html), Markup(notes)


def web_editions(renderer: Renderer, source: Document, localized: dict[str, Localized],
                 editions: list[str], project_langs: list[str], formats: tuple[str, ...],
                 site: Site) -> dict[str, str]:
    """The web edition of each language in *editions* (source and/or targets).

    *project_langs* are all the brief's languages (source first), the ones the language
    switcher offers; *formats* those this build makes, the ones offered for download.
    """
    docs = {source.lang: source, **{lang: loc.doc for lang, loc in localized.items()}}
    slug = source.slug
    ui_langs = list(dict.fromkeys([UI_SOURCE, *project_langs]))
    css = find_template_file(renderer.root, "web.css").read_text(encoding="utf-8")
    renderer.env.filters["backlinks"] = backlinks
    out = {}
    for lang in editions:
        doc = docs[lang]
        blocks = prepare(doc.blocks, "web", Options(doc, adapt=renderer.svg_fonts(lang)))
        body, notes = body_and_notes(doc, blocks)
        context = renderer.context(doc, lang)
        name = context["language_name"]

        def files(edition: str, langs: list[str]) -> list[dict]:
            return [{"href": f"{slug}.{edition}.{kind}", "kind": kind,
                     "bilingual": len(langs) > 1, "source": name(langs[0]),
                     "target": name(langs[-1]),
                     "type": {"pdf": "application/pdf", "epub": "application/epub+zip"}[kind]}
                    for kind in ("pdf", "epub") if kind in formats]

        downloads = files(lang, [lang])
        pairs = [other for other in project_langs if other != source.lang] \
            if lang == source.lang else [lang]
        for target in pairs:
            downloads += files(f"{source.lang}-{target}", [source.lang, target])
        own = f"{slug}.{lang}.html"
        cover = f"{slug}.{lang}.cover.png" if "pdf" in formats else None
        out[lang] = renderer.render(
            "web.html.j2", lang, body=body, notes=notes, downloads=downloads,
            source_lang=source.lang, fallbacks=localized[lang].fallbacks
            if lang in localized else [],
            languages=[{"code": language_tag(code), "href": f"{slug}.{code}.html",
                        "name": babel_locale(code).get_display_name(babel_locale(code)),
                        "current": code == lang} for code in project_langs],
            home=f"../{listing_page(lang, ui_langs)}",
            brief_page=listing_page(lang, ui_langs),
            favicon="../favicon.svg",
            url=site.url(f"{slug}/{own}") if site.base_url else None,
            image=(site.url(f"{slug}/{cover}") if site.base_url else cover) if cover else None,
            og_locale=og_locale(lang),
            og_alternates=[og_locale(code) for code in project_langs if code != lang],
            web_css=Markup(css),  # a project file, as trusted as the templates
            **context)
    return out
