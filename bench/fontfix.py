"""An experiment for the size section: what a WeasyPrint PDF would weigh if each
CID-keyed CFF font it embeds held only the glyphs it uses.

WeasyPrint subsets with HarfBuzz's "retain glyph ids" flag, so a Noto CJK subset keeps
an empty slot for each of the face's 40-65 thousand glyphs (its CFF index pays bytes per
slot, used or not). A CID-keyed CFF can instead keep just the used glyphs under their
original CIDs (the charset maps CID to glyph), which is what the PDF's Identity-H codes
refer to. The font is stored as bare CFF (/CIDFontType0C), the form that tells a reader
to look glyphs up by CID; text and page content stay untouched.
"""

from __future__ import annotations

import io


def resubset_cff_fonts(pdf: bytes) -> bytes:
    import pikepdf
    from fontTools import subset
    from fontTools.ttLib import TTFont

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for obj in doc.objects:
            if not isinstance(obj, pikepdf.Dictionary) or "/FontFile3" not in obj:
                continue
            stream = obj["/FontFile3"]
            if stream.get("/Subtype") != "/OpenType":
                continue
            font = TTFont(io.BytesIO(stream.read_bytes()))
            if "CFF " not in font or not hasattr(font["CFF "].cff.topDictIndex[0], "ROS"):
                continue  # only CID-keyed CFF keeps its CIDs through a subset
            index = font["CFF "].cff.topDictIndex[0].CharStrings.charStringsIndex
            order = font.getGlyphOrder()
            used = [order[i] for i in range(len(index)) if len(index[i].bytecode or b"") > 1]
            options = subset.Options(retain_gids=False, notdef_outline=True,
                                     desubroutinize=False, layout_features=[],
                                     name_IDs=["*"])
            subsetter = subset.Subsetter(options)
            subsetter.populate(glyphs=used)
            subsetter.subset(font)
            out = io.BytesIO()
            font.save(out)
            cff = TTFont(io.BytesIO(out.getvalue())).reader["CFF "]
            stream.write(cff)
            stream.Subtype = pikepdf.Name("/CIDFontType0C")
        out = io.BytesIO()
        doc.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()
