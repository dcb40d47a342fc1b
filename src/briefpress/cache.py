"""The disk cache under ``build/.cache/<kind>/``: results that cost a process or a
subsetter (pandoc's parses and conversions, font subsets, EPUB cover SVGs), shared by
every process that builds into the same folder.

An entry's name is the SHA-256 of its kind, briefpress's own code (its version and the
bytes of its modules, so an edited module is another version) and the caller's key,
which names every tool version the result depends on. Its file holds that digest and the
SHA-256 of the payload before the payload itself: a truncated, corrupt or foreign file
fails the check and is ignored (and rewritten), never trusted. Entries are written to a
temporary file and renamed into place, so a reader sees a whole entry or none.

The cache is off until ``configure`` names a folder (a build names ``OUT/.cache``;
what depends only on the installed engines goes to ``engine_folder()``);
``BRIEFPRESS_NO_CACHE=1`` keeps it off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import tempfile
from pathlib import Path

MAGIC = b"briefpress-cache 1\n"
_folder: list[Path] = []
stats = {"hits": 0, "misses": 0, "rejected": 0}


def configure(folder: Path | None) -> None:
    """Use *folder* (``OUT/.cache``) from now on; None turns the cache off."""
    _folder[:] = [] if folder is None or os.environ.get("BRIEFPRESS_NO_CACHE") else [folder]


@contextlib.contextmanager
def using(where: Path | None):
    """The cache in *where* for the length of a ``with`` block (a build's), then as it
    was before."""
    before = list(_folder)
    configure(where)
    try:
        yield
    finally:
        _folder[:] = before


def folder() -> Path | None:
    return _folder[0] if _folder else None


def engine_folder() -> Path:
    """Where what depends only on the installed engines is kept (a hyphenation
    dictionary's patterns): the user's cache, which a clean build does not empty."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "briefpress"


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """briefpress's version and a digest of its modules' bytes."""
    digest = hashlib.sha256(package_version("briefpress").encode())
    here = Path(__file__).resolve().parent
    for path in sorted(here.rglob("*.py")):
        digest.update(path.relative_to(here).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def digest(kind: str, parts: list) -> str:
    """The entry name of *parts* (strings or bytes) of *kind*."""
    h = hashlib.sha256(f"{kind}\0{code_version()}\0".encode())
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8")
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def path_of(kind: str, name: str) -> Path | None:
    base = folder()
    return base / kind / name[:2] / name if base is not None else None


def get(kind: str, parts: list) -> bytes | None:
    """The payload stored for *parts*, or None (no cache, no entry, or a bad one)."""
    name = digest(kind, parts)
    path = path_of(kind, name)
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        stats["misses"] += 1
        return None
    header = MAGIC + name.encode() + b"\n"
    body = data[len(header) + 65:]
    if not data.startswith(header) or \
            data[len(header):len(header) + 65] != hashlib.sha256(body).hexdigest().encode() + b"\n":
        stats["rejected"] += 1
        return None
    stats["hits"] += 1
    return body


def put(kind: str, parts: list, payload: bytes) -> None:
    """Store *payload* for *parts*, atomically; a disk that refuses is not an error
    (the cache only saves time)."""
    name = digest(kind, parts)
    path = path_of(kind, name)
    if path is None:
        return
    data = MAGIC + name.encode() + b"\n" + hashlib.sha256(payload).hexdigest().encode() \
        + b"\n" + payload
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except (OSError, UnboundLocalError):
            pass


def cached(kind: str, parts: list, make):
    """``make()`` (bytes), or what the cache holds for *parts*."""
    found = get(kind, parts)
    if found is not None:
        return found
    payload = make()
    put(kind, parts, payload)
    return payload


@functools.lru_cache(maxsize=None)
def package_version(name: str) -> str:
    """An installed distribution's version ("" if it is not installed)."""
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def file_identity(path: str) -> str:
    """A file's path, size and modification time: a tool or font replaced in place is
    another version."""
    try:
        st = os.stat(path)
    except OSError:
        return f"{path}:missing"
    return f"{path}:{st.st_size}:{st.st_mtime_ns}"


def content_nonce(data) -> str:
    """A separator nonce for a batched pandoc call, derived from the batch itself
    (*data*, JSON-able): the same batch gives the same pandoc input, which the cache can
    then keep, and no text can hold the nonce made from it (that would take a SHA-256
    fixed point), which is all a random nonce offered."""
    import json

    text = json.dumps(data, ensure_ascii=False, default=repr)  # the same batch, the same order
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
