"""Font files as fontconfig finds them, and subsets of them cut with HarfBuzz: for
the PDF's CJK faces, the EPUB's embedded fonts and the cover's outlines."""

from __future__ import annotations

import functools
import hashlib
import re
import subprocess

from .. import cache
from ..environment import missing_font
from ..errors import ResourceError


@functools.lru_cache(maxsize=64)
def font_file(family: str, style: str = "Regular") -> tuple[str, int]:
    """The file and collection index fontconfig picks for *family* in *style*."""
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}|%{index}|%{family}",
                              f"{family}:style={style}"], capture_output=True, text=True,
                             timeout=30, check=True).stdout
    except FileNotFoundError:
        raise missing_font(family) from None
    except (OSError, subprocess.SubprocessError) as exc:
        raise ResourceError(f"cannot find the font {family!r} (fc-match: {exc})") from None
    path, index, families = out.split("|", 2) if out.count("|") >= 2 else ("", "0", "")
    if family not in families.split(","):
        raise missing_font(family, families.split(",")[0])
    return path, int(index)


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
