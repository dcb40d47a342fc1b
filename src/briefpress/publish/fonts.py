"""Font files as fontconfig finds them, and subsets of them cut with HarfBuzz: for
the PDF's CJK faces, the EPUB's embedded fonts and the cover's outlines."""

from __future__ import annotations

import functools
import hashlib
import re

from .. import cache
from ..environment import missing_font
from ..errors import ResourceError


FONTCONFIG = """
typedef struct _FcPattern FcPattern;
typedef struct _FcConfig FcConfig;
typedef unsigned char FcChar8;
typedef int FcBool;
typedef enum { FcMatchPattern, FcMatchFont, FcMatchScan } FcMatchKind;
typedef enum { FcResultMatch, FcResultNoMatch, FcResultTypeMismatch, FcResultNoId,
               FcResultOutOfMemory } FcResult;
FcPattern *FcNameParse(const FcChar8 *name);
FcBool FcConfigSubstitute(FcConfig *config, FcPattern *p, FcMatchKind kind);
void FcDefaultSubstitute(FcPattern *pattern);
FcPattern *FcFontMatch(FcConfig *config, FcPattern *p, FcResult *result);
FcResult FcPatternGetString(const FcPattern *p, const char *object, int n, FcChar8 **s);
FcResult FcPatternGetInteger(const FcPattern *p, const char *object, int n, int *i);
void FcPatternDestroy(FcPattern *p);
"""


@functools.lru_cache(maxsize=1)
def fontconfig():
    """fontconfig's matching functions, in this process: what ``fc-match`` does, without
    a process per lookup (7 ms each; a build looks up a dozen)."""
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(FONTCONFIG)
    return ffi, ffi.dlopen("libfontconfig.so.1")


@functools.lru_cache(maxsize=64)
def font_file(family: str, style: str = "Regular") -> tuple[str, int]:
    """The file and collection index fontconfig picks for *family* in *style* (as
    ``fc-match 'FAMILY:style=STYLE'`` would)."""
    try:
        ffi, fc = fontconfig()
    except OSError:
        raise missing_font(family) from None
    pattern = fc.FcNameParse(f"{family}:style={style}".encode())
    if pattern == ffi.NULL:
        raise ResourceError(f"cannot find the font {family!r} (fontconfig cannot parse it)")
    fc.FcConfigSubstitute(ffi.NULL, pattern, fc.FcMatchPattern)
    fc.FcDefaultSubstitute(pattern)
    match = fc.FcFontMatch(ffi.NULL, pattern, ffi.new("FcResult *"))
    fc.FcPatternDestroy(pattern)
    if match == ffi.NULL:
        raise missing_font(family, "")
    try:
        text, number = ffi.new("FcChar8 **"), ffi.new("int *")
        path = ffi.string(text[0]).decode() \
            if fc.FcPatternGetString(match, b"file", 0, text) == fc.FcResultMatch else ""
        index = number[0] \
            if fc.FcPatternGetInteger(match, b"index", 0, number) == fc.FcResultMatch else 0
        families = []
        while fc.FcPatternGetString(match, b"family", len(families), text) == fc.FcResultMatch:
            families.append(ffi.string(text[0]).decode())
    finally:
        fc.FcPatternDestroy(match)
    if family not in families or not path:
        raise missing_font(family, families[0] if families else "")
    return path, index


def subset_font(family: str, text: str, style: str = "Regular") -> tuple[str, bytes]:
    """*family* cut down to the characters of *text*: (file name, OpenType bytes).

    HarfBuzz's subsetter takes milliseconds where fontTools takes seconds on a CJK font.
    Only the cmap's glyphs are kept, and the vertical and substitution tables dropped:
    their closure (vertical forms, other locales' glyphs) would double the size for
    nothing a horizontal EPUB shows.
    """
    path, index = font_file(family, style)
    chars = "".join(sorted(set(text)))
    data = cache.cached("fonts", [cache.file_identity(path), index, family, style, chars,
                                  cache.package_version("uharfbuzz")],
                        lambda: cut(family, path, index, chars))
    name = re.sub(r"[^A-Za-z0-9]+", "-", f"{family} {style}")
    return f"{name}-{hashlib.sha256(data).hexdigest()[:12]}.otf", data


def cut(family: str, path: str, index: int, text: str) -> bytes:
    """The subset itself (HarfBuzz)."""
    import uharfbuzz as hb

    subset = hb.SubsetInput()
    for char in set(text):
        subset.unicode_set.add(ord(char))
    subset.flags = hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.NO_LAYOUT_CLOSURE
    for table in ("GSUB", "vhea", "vmtx", "VORG", "BASE"):
        subset.drop_table_tag_set.add(int.from_bytes(table.encode(), "big"))
    face = hb.subset(hb.Face(hb.Blob.from_file_path(path), index), subset)
    if face is None:
        raise ResourceError(f"could not subset the font {family!r} ({path})")
    return bytes(face.blob.data)
