"""Korean keep-all inside WeasyPrint's own line breaking (KLREQ 3.2: Korean breaks
between words, not between syllables).

WeasyPrint 70 has no ``word-break: keep-all``, and Pango breaks Hangul between any two
syllables. Wrapping every word in a nowrap span kept words whole, but each span is an
inline box and a PDF structure element: ko.pdf took twice ja.pdf's time. Here each run
of non-space characters holding Hangul gets Pango's ``allow_breaks=false`` attribute
(Pango >= 1.44) in the text WeasyPrint lays out, so a word stays whole without a box of
its own. A word that crosses an element boundary (``<em>국방</em>협력``) lies in two
layouts, and no attribute joins them: the keep-all transform still gives such a word
its span (transforms.keep_all).

It applies to the text whose ``lang`` has keep_all on in languages.yaml, given by
``keeping()`` around a layout.
"""

from __future__ import annotations

from contextlib import contextmanager

from ..transforms import HANGUL_WORD  # the words the keep-all transform keeps whole

active: frozenset[str] = frozenset()  # the primary language subtags keep-all is on for
installed = False


@contextmanager
def keeping(languages):
    """Keep Korean (or any of *languages*) words whole in the layouts made inside."""
    global active
    install()
    before, active = active, frozenset(languages)
    try:
        yield
    finally:
        active = before


def install() -> None:
    global installed
    if installed:
        return
    from weasyprint.text import line_break
    from weasyprint.text.ffi import ffi, pango

    ffi.cdef("PangoAttribute * pango_attr_allow_breaks_new (gboolean allow_breaks);"
             "PangoAttrList * pango_attr_list_copy (PangoAttrList *list);")
    set_text = line_break.Layout.set_text

    def keep_all_set_text(self, text, justify=False):
        lang = (self.style["lang"] or "").split("-")[0].lower()
        if lang not in active:
            return set_text(self, text, justify)
        if not hasattr(self, "bp_base"):  # what setup() gave, before any text's own
            self.bp_base = copy_attributes(pango.pango_layout_get_attributes(self.layout))
        pango.pango_layout_set_attributes(self.layout, copy_attributes(self.bp_base))
        set_text(self, text, justify)
        words = list(HANGUL_WORD.finditer(self.text))
        if words:
            attrs = copy_attributes(pango.pango_layout_get_attributes(self.layout))
            if attrs == ffi.NULL:
                attrs = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
            for word in words:
                attr = pango.pango_attr_allow_breaks_new(False)
                attr.start_index = len(self.text[:word.start()].encode("utf-8"))
                attr.end_index = attr.start_index + len(word.group().encode("utf-8"))
                pango.pango_attr_list_insert(attrs, attr)  # the list owns it now
            pango.pango_layout_set_attributes(self.layout, attrs)

    def copy_attributes(attrs):
        if attrs == ffi.NULL:
            return ffi.NULL
        return ffi.gc(pango.pango_attr_list_copy(attrs), pango.pango_attr_list_unref)

    line_break.Layout.set_text = keep_all_set_text
    installed = True
