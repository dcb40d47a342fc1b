"""Where the time of a warm in-process build goes: cProfile over every group's stages
and publish steps, summed into named costs.

The costs are cumulative times of known functions: an indented entry is part of the one
above it, and top-level entries can overlap (pandoc runs inside load and render).
(This module is not named profile.py: that would hide the standard library's
`profile`, which cProfile imports.)
"""

from __future__ import annotations

import cProfile
import importlib
import pstats

# (label, "module:function") whose cumulative time is reported; indentation shows what
# holds what. Names the installed versions lack are left out.
NAMED_COSTS = [
    ("briefpress: load (front matter, pandoc parse, positions)", "briefpress.load:load"),
    ("briefpress: segment", "briefpress.segment:segment"),
    ("briefpress: localize (copy, batched parse, checks)", "briefpress.localize:localize"),
    ("briefpress: render (pandoc HTML + Jinja2)", "briefpress.render:Renderer.editions"),
    ("briefpress: EPUB (publish.epub_bytes)", "briefpress.publish.epub:epub_bytes"),
    ("  EPUB cover (publish.cover_svg)", "briefpress.publish.cover:cover_svg"),
    ("briefpress: font subsets (publish.subset_font)", "briefpress.publish.fonts:subset_font"),
    ("fc-match processes (publish.font_file)", "briefpress.publish.fonts:font_file"),
    ("pandoc processes (briefpress.pandoc.run)", "briefpress.pandoc:run"),
    ("WeasyPrint: all (publish.pdf_bytes)", "briefpress.publish.pdf:pdf_bytes"),
    ("  fontconfig set-up per document (FontConfiguration)",
     "weasyprint.text.fonts:FontConfiguration.__init__"),
    ("  parse HTML (HTML.__init__)", "weasyprint:HTML.__init__"),
    ("  CSS: stylesheets and cascade set-up",
     "weasyprint.document:Document._build_layout_context"),
    ("  boxes and computed styles",
     "weasyprint.formatting_structure.build:build_formatting_structure"),
    ("  layout (text shaping, line breaking, Pango font loading)",
     "weasyprint.layout:layout_document"),
    ("  write PDF (generate_pdf)", "weasyprint.pdf:generate_pdf"),
    ("    font objects (copy each face's font file)", "weasyprint.pdf.fonts:Font.__init__"),
    ("    embed fonts (build_fonts_dictionary)",
     "weasyprint.pdf.fonts:build_fonts_dictionary"),
    ("      subset fonts (HarfBuzz)", "weasyprint.pdf.fonts:Font.subset"),
    ("    PDF/UA structure tags (add_tags)", "weasyprint.pdf.tags:add_tags"),
]


def code_key(target: str):
    """cProfile's key (file, first line, name) for "module:Class.function", or None."""
    module_name, _, path = target.partition(":")
    try:
        obj = importlib.import_module(module_name)
        for part in path.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return None
    code = getattr(getattr(obj, "__func__", obj), "__code__", None)
    return (code.co_filename, code.co_firstlineno, code.co_name) if code else None


def profile(fn) -> dict:
    """Run fn() under cProfile; named costs and the top functions by own time."""
    profiler = cProfile.Profile()
    profiler.runcall(fn)
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    costs = []
    for label, target in NAMED_COSTS:
        key = code_key(target)
        if key is None:
            continue
        entry = stats.stats.get(key)
        costs.append({"cost": label, "seconds": entry[3] if entry else 0.0,
                      "calls": entry[1] if entry else 0})
    own = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:12]
    top = [{"function": f"{pstats.func_std_string(key)}", "own_seconds": value[2],
            "cumulative_seconds": value[3], "calls": value[1]} for key, value in own]
    return {"total_seconds": total, "costs": costs, "top_own_time": top}
