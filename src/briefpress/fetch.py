"""What the engines may read: only regular files inside the allowed folders.

WeasyPrint and pandoc will otherwise read any local file or URL a document names. A
brief (or a translation) that points at ``file:///etc/passwd``, ``../../secret``, a
symlink out of the project or a network address must fail the build, not leak.
"""

from __future__ import annotations

import mimetypes
import stat
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import ResourceError

MAX_RESOURCE_BYTES = 20 * 1024 * 1024


def resolve_local(target: str, base: Path, root: Path, cited_in: str, line: int,
                  allowed: tuple[Path, ...] | None = None) -> Path:
    """The file a relative reference *target* (from a document in *base*) names.

    Raises ResourceError, citing ``cited_in:line``, for any other kind of reference.
    """
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        raise ResourceError(f"refused {target!r}: only files beside the brief may be used",
                            cited_in, line)
    raw_path = unquote(parts.path)
    if not raw_path or raw_path.startswith(("/", "\\")) or "\\" in raw_path:
        raise ResourceError(f"refused {target!r}: use a path relative to the brief",
                            cited_in, line)
    allowed = allowed or (base,)
    path = (base / raw_path).resolve()
    if not any(path.is_relative_to(a.resolve()) for a in allowed):
        raise ResourceError(f"refused {target!r}: it points outside the brief's folder",
                            cited_in, line)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ResourceError(f"missing file {target!r}", cited_in, line) from None
    if not stat.S_ISREG(info.st_mode):
        raise ResourceError(f"refused {target!r}: not a regular file", cited_in, line)
    if info.st_size > MAX_RESOURCE_BYTES:
        raise ResourceError(f"refused {target!r}: larger than {MAX_RESOURCE_BYTES} bytes",
                            cited_in, line)
    return path


def weasyprint_fetcher(allowed: tuple[Path, ...], references: dict[str, tuple[str, int]]):
    """A WeasyPrint URL fetcher serving only files under *allowed*.

    *references* maps a URL to the (file, line) that cites it, for error messages. Any
    refusal stops the rendering: it raises a FatalURLFetchingError subclass that
    carries our ResourceError.
    """
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class Refused(FatalURLFetchingError):
        def __init__(self, error: ResourceError):
            super().__init__(str(error))
            self.error = error

    class ProjectFetcher(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=("file",), fail_on_errors=True)
            self.fetched: list[Path] = []

        def fetch(self, url, headers=None):
            cited_in, line = references.get(url, ("(template)", 0))
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise Refused(ResourceError(f"refused {url!r}: no network access", cited_in,
                                            line))
            path = Path(unquote(parts.path))
            try:
                real = path.resolve(strict=True)
            except (FileNotFoundError, RuntimeError):
                raise Refused(ResourceError(f"missing file {url!r}", cited_in, line)) from None
            if not any(real.is_relative_to(a.resolve()) for a in allowed):
                raise Refused(ResourceError(f"refused {url!r}: outside the project's folders",
                                            cited_in, line))
            info = real.stat()
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_RESOURCE_BYTES:
                raise Refused(ResourceError(f"refused {url!r}: not a regular file of "
                                            "reasonable size", cited_in, line))
            self.fetched.append(real)
            mime = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
            return URLFetcherResponse(real.as_uri(), real.read_bytes(),
                                      {"Content-Type": mime})

    ProjectFetcher.Refused = Refused
    return ProjectFetcher()
