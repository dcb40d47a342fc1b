"""Stage 5, render: Jinja2 templates turn localized documents into HTML.

One pandoc call writes the HTML of every top-level block of every language; the
single-language editions join them, the bilingual editions pair them block by block.
Typography per language (fonts, line breaking) comes from ``templates/languages.yaml``,
so adding a language is configuration, not code.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from babel.dates import format_date
from babel.lists import format_list
import jinja2
from jinja2 import (ChoiceLoader, Environment, FileSystemBytecodeCache, FileSystemLoader,
                    StrictUndefined)
from jinja2 import TemplateError as JinjaTemplateError
from markupsafe import Markup, escape

from . import cache, pandoc
from .cache import content_nonce
from .catalogs import TEMPLATES_DOMAIN, gnu_translations, load_translations
from .errors import TemplateError
from .load import babel_locale, language_tag
from .localize import Localized
from .rewrite import Options, prepare, suffix_ids
from .segment import parse_svg
from .transforms import svg_autospace, transform_html
from .model import Document
from .posyntax import check_template_strings



def default_templates() -> Path:
    """The templates shipped with briefpress (in a wheel, or in a source checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parents[1] / "templates"):
        if (candidate / "brief.html.j2").exists():
            return candidate
    raise TemplateError("briefpress's own templates are missing from this installation")


def template_dirs(root: Path) -> list[Path]:
    dirs = [root / "templates"] if (root / "templates").is_dir() else []
    default = default_templates()
    return dirs + ([default] if default.resolve() not in [d.resolve() for d in dirs] else [])


def find_template_file(root: Path, name: str) -> Path:
    for folder in template_dirs(root):
        if (folder / name).exists():
            return folder / name
    raise TemplateError(f"no template file {name!r}", f"{root}/templates")


@dataclass
class LanguageStyle:
    lang: str
    serif: list[str]
    sans: list[str]
    keep_all: bool = False  # break lines only between words (Korean)
    autospace: bool = False  # a quarter em between kanji/kana and Latin (Japanese)
    trim_punctuation: bool = False  # adjacent brackets and stops at 1.5 em (Japanese)
    hyphenate: bool = False
    embed: list[str] = field(default_factory=list)  # fonts an EPUB carries
    figure_font: str = ""  # the one family WeasyPrint uses for text in SVG figures
    pdf_subset: list[str] = field(default_factory=list)  # fonts subset before WeasyPrint


def language_styles(root: Path) -> dict[str, LanguageStyle]:
    path = find_template_file(root, "languages.yaml")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise TemplateError(f"invalid YAML: {exc.problem}", path, line) from None
    styles = {}
    for lang, spec in data.items():
        if not isinstance(spec, dict) or "serif" not in spec:
            raise TemplateError(f"language {lang!r} needs at least 'serif' fonts", path)
        styles[lang] = LanguageStyle(
            lang=lang, serif=as_list(spec["serif"]), sans=as_list(spec.get("sans", [])),
            keep_all=bool(spec.get("keep_all")), hyphenate=bool(spec.get("hyphenate")),
            autospace=bool(spec.get("autospace")),
            trim_punctuation=bool(spec.get("trim_punctuation")),
            embed=as_list(spec.get("embed", [])),
            pdf_subset=as_list(spec.get("pdf_subset", [])),
            figure_font=spec.get("figure_font") or as_list(spec.get("sans") or spec["serif"])[-1])
    return styles


def as_list(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def style_for(styles: dict[str, LanguageStyle], lang: str) -> LanguageStyle:
    lang = language_tag(lang)
    base = lang.split("-")[0]
    return styles.get(lang) or styles.get(base) or styles["default"]


def css_string(text: str) -> Markup:
    """*text* as a CSS string literal, safe in a <style> element whatever it holds."""
    if isinstance(text, Markup):
        text = text.unescape()
    return Markup('"' + "".join(c if c.isalnum() or c in " .,:;!?/()[]-–—·、。" else
                                f"\\{ord(c):x} " for c in str(text)) + '"')


PAGE_MARK, PAGES_MARK = "\x01", "\x02"


def css_counters(text: str) -> Markup:
    """A translated page label, with the PAGE_MARK/PAGES_MARK placeholders, as a CSS
    ``content`` value (everything else escaped as CSS strings)."""
    parts = re.split(f"([{PAGE_MARK}{PAGES_MARK}])", str(text))
    parts = [Markup(p).unescape() for p in parts]
    return Markup(" ".join({PAGE_MARK: "counter(page)", PAGES_MARK: "counter(pages)"}
                           .get(p) or css_string(p) for p in parts if p) or '""')


def font_list(names: list[str]) -> str:
    return ", ".join(css_string(n) for n in names)


def language_css(styles: dict[str, LanguageStyle]) -> str:
    """Fonts and line-breaking rules keyed by :lang(), from languages.yaml."""
    rules = []
    for lang, style in styles.items():
        selector = "html" if lang == "default" else f":lang({lang})"
        sans = font_list(style.sans or style.serif)
        rules.append(f"{selector} {{ font-family: {font_list(style.serif)}; "
                     f"--sans: {sans}; }}")
        rules.append(f"{selector} .sans, {selector} h1, {selector} h2, {selector} h3, "
                     f"{selector} .masthead {{ font-family: {sans}; }}")
        if style.hyphenate:
            rules.append(f"{selector} p {{ hyphens: auto; }}")
        if style.keep_all:
            rules.append(f"{selector} .kw {{ white-space: nowrap; }}")
        if style.autospace:
            rules.append(f"{selector} .as-b {{ margin-left: 0.25em; }} "
                         f"{selector} .as-a {{ margin-right: 0.25em; }} "
                         f"{selector} .as-ba {{ margin: 0 0.25em; }}")
        if style.trim_punctuation:  # Chromium trims by itself (text-spacing-trim)
            rules.append(f"{selector} .nb {{ white-space: nowrap; }} "
                         f"{selector} .halt {{ font-feature-settings: \"halt\"; }} "
                         f"@media screen {{ {selector} {{ text-spacing-trim: normal; }} "
                         f"{selector} .halt {{ font-feature-settings: normal; }} }}")
    return "\n".join(rules)


def blocks_html(groups: list[list]) -> list[list[str]]:
    """The HTML of every block in each group, from one pandoc call."""
    nonce = content_nonce(groups)
    separator = {"t": "RawBlock", "c": ["html", f"<!--bp-{nonce}-->"]}
    blocks: list = []
    for group in groups:
        for block in group:
            blocks += [block, separator]
    if not blocks:
        return [[] for _ in groups]
    html = pandoc.run(["-f", "json", "-t", "html5", "--wrap=none"],
                      pandoc.to_json(pandoc.document(blocks)))
    pieces = [p.strip("\n") for p in html.split(f"<!--bp-{nonce}-->")]
    out, i = [], 0
    for group in groups:
        out.append(pieces[i: i + len(group)])
        i += len(group)
    return out


def listing(items, style: str, locale) -> str:
    """Babel's list format; some locales' data lack the narrow styles. "plain" joins with
    the locale's list comma alone: keywords are not a series ("A, B 및 C" reads as one
    compound keyword)."""
    items = list(items)
    if style == "plain":
        middle = locale.list_patterns["standard"]["middle"]
        return functools.reduce(middle.format, items) if items else ""
    try:
        return format_list(items, style=style, locale=locale)
    except KeyError:
        return format_list(items, style="standard", locale=locale)


def template_frame(exc: Exception, name: str) -> tuple[str, int | None]:
    """The template file and line where a rendering error happened: Jinja2 puts template
    frames into the traceback, named after the template file."""
    found = (getattr(exc, "filename", None) or name, getattr(exc, "lineno", None))
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith(".j2"):
            found = (frame.filename, frame.lineno)
    return found


# What Jinja2 compiles a template with (beside its source): its bytecode cache is
# named after these, as its own key is only the template's name and source.
JINJA_OPTIONS = {"autoescape": True, "extensions": ["jinja2.ext.i18n"], "trim_blocks": True,
                 "lstrip_blocks": True}


def bytecode_cache() -> FileSystemBytecodeCache | None:
    """Jinja2's compiled templates, kept in the engine cache: compiling the templates
    cost each process 40-80 ms. Jinja2 checks every entry against its template's
    source, and its own version and Python's, so an edited template is compiled anew."""
    if os.environ.get("BRIEFPRESS_NO_CACHE"):
        return None
    key = hashlib.sha256(repr((jinja2.__version__, JINJA_OPTIONS)).encode()).hexdigest()
    folder = cache.engine_folder() / "jinja" / key[:16]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # no cache, then: each process compiles
        return None
    return FileSystemBytecodeCache(str(folder))


class Renderer:
    """Templates, language styles and UI catalogs of one project root."""

    def __init__(self, root: Path, paper: str = "A4"):
        self.root = root
        self.paper = paper
        self.styles = language_styles(root)
        self.lang_css = language_css(self.styles)
        self.print_css = find_template_file(root, "brief.css").read_text(encoding="utf-8")
        self.epub_css = find_template_file(root, "epub.css").read_text(encoding="utf-8")
        self.env = Environment(
            loader=ChoiceLoader([FileSystemLoader(str(d)) for d in template_dirs(root)]),
            undefined=StrictUndefined, bytecode_cache=bytecode_cache(), **JINJA_OPTIONS)
        self.env.filters["css_string"] = css_string
        self.env.filters["css_counters"] = css_counters
        self.env.globals.update(PAGE_MARK=PAGE_MARK, PAGES_MARK=PAGES_MARK)
        self.ui: dict = {}

    def translations(self, lang: str):
        if lang not in self.ui:
            found = load_translations(self.root, lang, TEMPLATES_DOMAIN)
            if found is not None:  # Jinja2 fills every string with %: it must be able to
                check_template_strings(found.catalog, found.path)
            self.ui[lang] = gnu_translations(found)
        return self.ui[lang]

    def template(self, name: str, lang: str):
        """*name* with the i18n extension bound to *lang*'s UI catalog.

        Translator text is escaped: the installed callables return escaped Markup, so
        Jinja2's newstyle gettext (which marks its result safe) cannot pass HTML through.
        """
        ui = self.translations(lang)
        self.env.install_gettext_callables(
            lambda s: escape(ui.gettext(s)),
            lambda s, p, n: escape(ui.ngettext(s, p, n)), newstyle=True)
        try:
            return self.env.get_template(name)
        except JinjaTemplateError as exc:
            raise TemplateError(exc.message or str(exc), getattr(exc, "filename", name),
                                getattr(exc, "lineno", None)) from None

    def context(self, doc: Document, lang: str) -> dict:
        locale = babel_locale(lang)
        return {
            "doc": doc,
            "meta": doc.meta,
            "lang": language_tag(lang),
            "dir": "rtl" if locale.character_order == "right-to-left" else "ltr",
            "date": format_date(doc.date, "long", locale=locale),
            "iso_date": doc.date.isoformat(),
            "language_name": lambda code: babel_locale(code).get_display_name(locale),
            "listing": lambda items, style="standard": listing(items, style, locale),
        }

    def render(self, name: str, ui_lang: str, **values) -> str:
        try:
            return self.template(name, ui_lang).render(
                print_css=Markup(self.print_css), lang_css=Markup(self.lang_css), **values)
        except JinjaTemplateError as exc:
            path, line = template_frame(exc, name)
            raise TemplateError(exc.message or str(exc), path, line) from None

    def svg_fonts(self, lang: str):
        """An image adapter giving SVG figures the language's figure font, so Han
        characters in a Japanese figure take Japanese glyph forms. (WeasyPrint draws SVG
        text in one family, not a fallback list: it must cover the language.)"""
        family = style_for(self.styles, lang).figure_font

        def adapt(target: str, data: bytes) -> bytes:
            if not target.lower().endswith(".svg"):
                return data
            from lxml import etree

            root = parse_svg(data, target, 0)
            root.set("font-family", family)
            svg_autospace(root, self.typesetting)
            return etree.tostring(root, encoding="utf-8", xml_declaration=True)

        return adapt

    def editions(self, source: Document, localized: dict[str, Localized],
                 created: str = "", with_source: bool = True) -> dict[str, str]:
        """HTML of every edition: ``"en"``, ``"ja"``..., and bilingual ``"en-ja"``...
        (the source's own, ``"en"``, only *with_source*: its blocks are still rendered,
        as the bilingual editions' source half)."""
        docs = {source.lang: source, **{lang: loc.doc for lang, loc in localized.items()}}
        prepared = {lang: prepare(doc.blocks, "pdf", Options(doc, adapt=self.svg_fonts(lang)))
                    for lang, doc in docs.items()}
        # The translation half of a bilingual edition, with ids of its own.
        prepared.update({f"{source.lang}-{lang}": suffix_ids(prepared[lang], lang)
                         for lang in localized})
        fragments = dict(zip(prepared, blocks_html(list(prepared.values()))))
        out = {}
        for lang, doc in docs.items():
            if lang == source.lang and not with_source:
                continue
            fallbacks = localized[lang].fallbacks if lang in localized else []
            out[lang] = self.render(
                "brief.html.j2", lang, paper=self.paper, created=created, body=Markup("\n".join(fragments[lang])),
                fallbacks=fallbacks, source_lang=source.lang, **self.context(doc, lang))
        for lang, loc in localized.items():
            rows = [(Markup(a), Markup(b)) for a, b in
                    zip(fragments[source.lang], fragments[f"{source.lang}-{lang}"])]
            out[f"{source.lang}-{lang}"] = self.render(
                "bilingual.html.j2", lang, paper=self.paper, created=created, rows=rows, source=self.context(source, source.lang),
                target=self.context(loc.doc, lang), fallbacks=loc.fallbacks,
                **self.context(loc.doc, lang))
        return {name: transform_html(html, self.typesetting) for name, html in out.items()}

    def typesetting(self, switch: str, lang: str) -> bool:
        """Whether the composition rule *switch* (a LanguageStyle flag) is on for *lang*."""
        return bool(getattr(style_for(self.styles, lang), switch))
