"""The sandbox: what the engines may read, only regular files inside the allowed folders.

WeasyPrint and pandoc will otherwise read any local file or URL a document names. A
brief (or a translation) that points at ``file:///etc/passwd``, ``../../secret``, a
symlink out of the project or a network address must fail the build, not leak.

Images are checked before an engine decodes them: a raster image may declare at most
MAX_PIXELS pixels (a few bytes of PNG can declare 50000 x 50000), and an SVG must be
self-contained (no DOCTYPE or entities, no reference to another file or URL, no
script), since WeasyPrint parses SVG itself and an EPUB reader would too.

WeasyPrint's URL fetcher, in fetcher.py, applies this policy. This module was fetch.py:
it fetches nothing, it refuses (raises ResourceError), as load and posyntax do (see
check's docstring for the split).
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import stat
import warnings
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit
from xml.parsers import expat

from .errors import ResourceError

MAX_RESOURCE_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000
# The raster formats an EPUB may hold (and WeasyPrint draws); Pillow tries no others,
# so no other decoder (EPS and its Ghostscript, for one) ever sees a brief's file.
RASTER_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
# Link schemes that run code or read local data in a reader's PDF viewer or browser.
FORBIDDEN_LINK_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")


def resolve_local(target: str, base: Path, root: Path, cited_in: str, line: int,
                  allowed: tuple[Path, ...] | None = None, *, image: bool = True) -> Path:
    """The file a relative reference *target* (from a document in *base*) names.

    Raises ResourceError, citing ``cited_in:line``, for any other kind of reference, and
    (with *image*) for a file that is not an image briefpress can use safely.
    """
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        raise ResourceError(f"refused {target!r}: only files beside the brief may be used",
                            cited_in, line)
    raw_path = unquote(parts.path)
    if not raw_path or raw_path.startswith(("/", "\\")) or "\\" in raw_path:
        raise ResourceError(f"refused {target!r}: use a path relative to the brief",
                            cited_in, line)
    if "\x00" in raw_path:
        raise ResourceError(f"refused {target!r}: a NUL character in a file name",
                            cited_in, line)
    allowed = allowed or (base,)
    try:
        path = (base / raw_path).resolve()
    except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
        raise ResourceError(f"refused {target!r}: a symlink loop or unreadable path",
                            cited_in, line) from None
    if not any(path.is_relative_to(a.resolve()) for a in allowed):
        raise ResourceError(f"refused {target!r}: it points outside the brief's folder",
                            cited_in, line)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ResourceError(f"missing file {target!r}", cited_in, line) from None
    except OSError as exc:
        raise ResourceError(f"cannot read {target!r}: {exc.strerror}", cited_in,
                            line) from None
    if not stat.S_ISREG(info.st_mode):
        raise ResourceError(f"refused {target!r}: not a regular file", cited_in, line)
    if info.st_size > MAX_RESOURCE_BYTES:
        raise ResourceError(f"refused {target!r}: larger than {MAX_RESOURCE_BYTES} bytes",
                            cited_in, line)
    if image:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ResourceError(f"cannot read {target!r}: {exc.strerror}", cited_in,
                                line) from None
        check_image(data, target, cited_in, line)
    return path


# --- images ----------------------------------------------------------------------


def is_svg(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<")


def check_image(data: bytes, target: str, cited_in: str | None, line: int | None) -> None:
    """Refuse *data* unless it is a PNG, JPEG, GIF or WebP of at most MAX_PIXELS pixels,
    or a self-contained SVG. Nothing is decoded: only headers are read."""
    if is_svg(data):
        check_svg(data, target, cited_in, line)
    else:
        check_raster(data, target, cited_in, line)


def check_raster(data: bytes, target: str, cited_in: str | None, line: int | None) -> None:
    from PIL import Image

    def refuse(why: str):
        raise ResourceError(f"refused {target!r}: {why}", cited_in, line)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=RASTER_FORMATS) as picture:
                width, height = picture.size
    except Image.DecompressionBombError:
        refuse(f"the image declares more than {MAX_PIXELS:,} pixels (a decompression bomb?)")
    except Exception:  # noqa: BLE001 - any failure to read a hostile header is a refusal
        refuse("not a PNG, JPEG, GIF, WebP or SVG image")
    if width * height > MAX_PIXELS:
        refuse(f"the image declares {width} x {height} pixels, more than "
               f"{MAX_PIXELS:,} (a decompression bomb?)")


URL_FUNCTION = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.IGNORECASE | re.DOTALL)
SVG_FORBIDDEN = {"script", "foreignObject", "iframe", "object", "embed", "handler",
                 "listener"}


class SvgScreen:
    """The expat handlers of check_svg: each refuses what it sees that a self-contained
    figure may not hold."""

    def __init__(self, target: str, cited_in: str | None, line: int | None):
        self.target, self.cited_in, self.line = target, cited_in, line
        self.root: str | None = None
        self.style = 0  # depth of <style> elements
        self.css: list[str] = []

    def refuse(self, why: str):
        raise ResourceError(f"refused {self.target!r}: {why}", self.cited_in, self.line)

    def reference(self, value: str) -> None:
        value = value.strip()
        if value.startswith("#") or not value:
            return
        if value.lower().startswith("data:image/") and "svg" not in value[:20].lower():
            check_raster(data_url_bytes(value, self.target, self.cited_in, self.line),
                         self.target, self.cited_in, self.line)
            return
        self.refuse(f"the SVG refers to {value[:60]!r}: a figure must be self-contained")

    def start(self, name: str, attrs: dict) -> None:
        local = name.rsplit("}", 1)[-1]
        if self.root is None:
            self.root = local
            if local != "svg":
                self.refuse(f"not an SVG file (its root element is <{local}>)")
        if local in SVG_FORBIDDEN:
            self.refuse(f"an SVG figure may not hold <{local}>")
        for attr, value in attrs.items():
            self.attribute(local, attr.rsplit("}", 1)[-1], value)
        if local == "style":
            self.style += 1

    def attribute(self, element: str, attr: str, value: str) -> None:
        if attr.lower().startswith("on"):
            self.refuse(f"an SVG figure may not hold event handlers ({attr})")
        if attr in ("href", "src"):
            if element == "a":
                check_link_target(value, self.cited_in, self.line)
            else:
                self.reference(value)
        for m in URL_FUNCTION.finditer(value):
            self.reference(m.group(2))

    def text(self, chunk: str) -> None:
        if self.style:
            self.css.append(chunk)

    def end(self, name: str) -> None:
        if name.rsplit("}", 1)[-1] == "style":
            self.style -= 1
            css = "".join(self.css)
            self.css = []
            if "@import" in css.lower():
                self.refuse("the SVG's stylesheet imports another file")
            for m in URL_FUNCTION.finditer(css):
                self.reference(m.group(2))

    def doctype(self, *_args) -> None:
        self.refuse("the SVG has a DOCTYPE (entities could read other files)")

    def entity(self, *_args) -> None:
        self.refuse("the SVG declares entities")

    def external(self, *_args) -> int:
        self.refuse("the SVG refers to an external entity")
        return 0

    def instruction(self, name: str, _data: str) -> None:
        if name.lower() == "xml-stylesheet":
            self.refuse("the SVG links a stylesheet")

    def parser(self):
        parser = expat.ParserCreate(namespace_separator="}")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self.doctype
        parser.EntityDeclHandler = self.entity
        parser.UnparsedEntityDeclHandler = self.entity
        parser.ExternalEntityRefHandler = self.external
        parser.ProcessingInstructionHandler = self.instruction
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        return parser


def check_svg(data: bytes, target: str, cited_in: str | None, line: int | None) -> None:
    """Refuse an SVG that declares a DOCTYPE or entities (XXE, billion laughs), links a
    stylesheet, holds scripts, or refers to anything but its own ``#fragments``."""
    screen = SvgScreen(target, cited_in, line)
    try:
        screen.parser().Parse(data, True)
    except expat.ExpatError as exc:
        screen.refuse(f"not a well-formed SVG file ({expat.ErrorString(exc.code)}, "
                      f"line {exc.lineno})")
    if screen.root is None:
        screen.refuse("not an SVG file")


def data_url_bytes(url: str, target: str, cited_in: str | None, line: int | None) -> bytes:
    header, sep, payload = url.partition(",")
    if not sep:
        raise ResourceError(f"refused {target!r}: a malformed data: URL", cited_in, line)
    try:
        raw = unquote_to_bytes(payload)
        return base64.b64decode(raw) if header.lower().endswith(";base64") else raw
    except (binascii.Error, ValueError):
        raise ResourceError(f"refused {target!r}: a malformed data: URL", cited_in,
                            line) from None


# --- links and raw HTML ------------------------------------------------------------


def check_link_target(target: str, cited_in: str | None, line: int | None) -> None:
    """Refuse a link a reader's viewer would run or resolve locally (``javascript:``,
    ``data:``, ``file:``...). Browsers ignore whitespace and control characters inside
    a scheme, so they are ignored here too."""
    squeezed = re.sub(r"[\x00-\x20\x7f]+", "", target).lower()
    if squeezed.startswith(FORBIDDEN_LINK_SCHEMES):
        raise ResourceError(f"refused link to {target[:60]!r}: "
                            f"{squeezed.split(':', 1)[0]}: links are not allowed",
                            cited_in, line)


# Elements that load or run something, and attributes that make an element load a file.
RAW_FORBIDDEN_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet",
                      "link", "base", "meta", "style", "form", "portal", "svg", "math",
                      "template", "noscript", "img", "picture", "video", "audio",
                      "source", "track", "image", "input", "button"}
RAW_RESOURCE_ATTRS = {"src", "srcset", "poster", "data", "background", "formaction",
                      "action", "codebase", "archive", "longdesc", "lowsrc", "dynsrc",
                      "manifest", "ping", "xlink:href", "imagesrcset"}


def check_raw_html(html: str, cited_in: str | None, line: int | None) -> None:
    """Refuse raw HTML (in a brief) that would load a file or URL, or run a script.

    Inline markup such as ``<abbr title="...">``, ``<sup>`` or ``<a href="https://...">``
    passes; images belong in Markdown (``![alt](file)``), where they are checked.
    """

    def refuse(why: str):
        raise ResourceError(f"raw HTML may not {why}: {html.strip()[:60]!r}", cited_in, line)

    class Checker(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in RAW_FORBIDDEN_TAGS:
                refuse(f"hold <{tag}> (use Markdown for images and links)")
            for name, value in attrs:
                value = value or ""
                if name.startswith("on"):
                    refuse(f"hold event handlers ({name})")
                if name in RAW_RESOURCE_ATTRS:
                    refuse(f"load a file or URL ({name}=)")
                if name == "href":
                    check_link_target(value, cited_in, line)
                if URL_FUNCTION.search(value) or "@import" in value.lower():
                    refuse("load a file or URL from a style")

        handle_startendtag = handle_starttag

    checker = Checker(convert_charrefs=True)
    checker.feed(html)
    checker.close()
