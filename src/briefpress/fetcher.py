"""WeasyPrint's URL fetcher inside the sandbox: it serves only regular files under the
allowed folders and ``data:`` URLs, every image screened by ``sandbox.check_image``
before WeasyPrint decodes it, never the network. A refused URL is cited at the line of
the template, stylesheet or brief that names it.
"""

from __future__ import annotations

import mimetypes
import re
import stat
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from .errors import ResourceError
from .sandbox import MAX_RESOURCE_BYTES, check_image

# How a template, a stylesheet or a brief names a resource, to cite the line of a
# refused URL: CSS url(...) and @import, HTML attributes, Markdown links and images.
REFERENCE = re.compile(
    r"""url\(\s*(['"]?)(?P<css>[^'")]*)\1\s*\)"""
    r"""|@import\s+(['"])(?P<imp>[^'"]*)\3"""
    r"""|\b(?:src|href|srcset|poster|data)\s*=\s*(['"])(?P<attr>[^'"]*)\5"""
    r"""|\]\(\s*<?(?P<md>[^)>\s]+)""", re.IGNORECASE)
CITABLE_SUFFIXES = {".md", ".css", ".j2", ".html", ".htm", ".svg"}


def weasyprint_fetcher(allowed: tuple[Path, ...], references: dict[str, tuple[str, int]],
                       root: Path | None = None):
    """A WeasyPrint URL fetcher serving only files under *allowed* (the brief's folder
    first, then the template folders) and ``data:`` URLs, never the network.

    *references* maps a URL to the (file, line) that cites it, for error messages; for
    any other URL the templates and the brief are searched for the line that names it.
    Any refusal stops the rendering: it raises a FatalURLFetchingError subclass that
    carries our ResourceError. ``requested`` lists every URL asked for, ``fetched``
    every file served.
    """
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    folders = tuple(a.resolve() for a in allowed)
    if root is None and folders and folders[0].parent.name == "content":
        root = folders[0].parents[1]

    class Refused(FatalURLFetchingError):
        def __init__(self, error: ResourceError):
            super().__init__(str(error))
            self.error = error

    class ProjectFetcher(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=("file", "data"), fail_on_errors=True)
            self.fetched: list[Path] = []
            self.requested: list[str] = []

        def fetch(self, url, headers=None):
            self.requested.append(url)
            try:
                return self.serve(url, headers)
            except ResourceError as exc:
                error = exc
            except (OSError, ValueError) as exc:
                error = ResourceError(f"cannot read {url[:80]!r}: {exc}")
            if error.path is None:  # cite the line that names the URL
                error.path, error.line = references.get(url) or citing(url, folders, root)
            raise Refused(error) from None

        def serve(self, url, headers):
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "data":  # images briefpress inlined itself: no I/O
                response = super().fetch(url, headers)
                data = response.read(MAX_RESOURCE_BYTES + 1)
                response.close()
                check_data_url(url, data, response.content_type)
                return URLFetcherResponse(url, data, {"Content-Type": response.content_type})
            if scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ResourceError(f"refused {url!r}: no network access")
            real = allowed_file(url, parts.path, folders)
            data, mime = file_bytes(url, real)
            self.fetched.append(real)
            return URLFetcherResponse(real.as_uri(), data, {"Content-Type": mime})

    ProjectFetcher.Refused = Refused
    return ProjectFetcher()


def check_data_url(url: str, data: bytes, mime: str) -> None:
    """Refuse a ``data:`` URL's content that is too large or an unsafe image."""
    name = url[:40] + "..."
    if len(data) > MAX_RESOURCE_BYTES:
        raise ResourceError(f"refused {name!r}: larger than {MAX_RESOURCE_BYTES} bytes")
    if mime.startswith("image/"):
        check_image(data, name, None, None)


def allowed_file(url: str, url_path: str, folders: tuple[Path, ...]) -> Path:
    """The real path of a ``file:`` URL if it is inside *folders*; else ResourceError."""
    path = Path(unquote(url_path))
    if "\x00" in str(path):
        raise ResourceError(f"refused {url!r}: a NUL character in a file name")
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise ResourceError(f"missing file {url!r}") from None
    if not any(real.is_relative_to(a) for a in folders):
        raise ResourceError(f"refused {url!r}: outside the project's folders")
    return real


def file_bytes(url: str, real: Path) -> tuple[bytes, str]:
    """The content and type of a regular file of reasonable size (images checked)."""
    info = real.stat()
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_RESOURCE_BYTES:
        raise ResourceError(f"refused {url!r}: not a regular file of reasonable size")
    data = real.read_bytes()
    mime = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
    if mime.startswith("image/"):
        check_image(data, url, None, None)
    return data, mime


def shown_path(path: Path, root: Path | None, folders: tuple[Path, ...]) -> str:
    """*path* as a message cites it: from the root, or "templates/brief.css"."""
    if root is not None and path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    for folder in folders[1:]:  # the packaged templates: "templates/brief.css"
        if path.is_relative_to(folder):
            return f"{folder.name}/{path.relative_to(folder).as_posix()}"
    return str(path)


def references_in(path: Path):
    """(line number, URL) for each reference *path* makes; none if it is a symlink, too
    large or unreadable."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > 2 * 1024 * 1024:
            return
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    for number, line in enumerate(text.split("\n"), start=1):
        for m in REFERENCE.finditer(line):
            ref = next(g for g in (m.group("css"), m.group("imp"), m.group("attr"),
                                   m.group("md")) if g is not None).strip()
            if ref:
                yield number, ref


def citing(url: str, folders: tuple[Path, ...], root: Path | None) -> tuple[str, int | None]:
    """The (file, line) to cite for a refused *url*: where it is named, if found."""
    try:
        return locate(url, folders, root) or ("(template)", None)
    except OSError:
        return "(template)", None


def locate(url: str, folders: tuple[Path, ...], root: Path | None) -> tuple[str, int] | None:
    """The first (file, line) among the brief and the templates naming *url*."""
    want = url.split("#", 1)[0]
    base = folders[0].as_uri() + "/" if folders else ""
    for folder in folders:
        candidates = sorted(p for p in folder.rglob("*") if p.suffix in CITABLE_SUFFIXES)
        for path in candidates[:500]:
            own = path.as_uri()
            for number, ref in references_in(path):
                if any(urljoin(b, ref).split("#", 1)[0] == want for b in (base, own)):
                    return shown_path(path, root, folders), number
    return None
