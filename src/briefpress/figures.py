"""Per-language figures and files, Sphinx's ``figure_language_filename`` convention:
``timeline.ja.svg`` or ``timeline.ja.png`` beside ``timeline.svg`` replaces it in every
Japanese edition (single-language and bilingual). Without such a file the source figure
is used, its SVG text translated through the catalogs as before.
"""

from __future__ import annotations

import subprocess
from pathlib import Path, PurePosixPath

from .layout import Layout
from .load import find_images

EXTENSIONS = (".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp")


def language_file(folder: Path, target: str, lang: str) -> str | None:
    """The per-language version of the image *target* (a path relative to *folder*) for
    *lang*, as a target beside it: the same extension first, then any image type."""
    if "://" in target or target.startswith(("data:", "/")):
        return None
    path = PurePosixPath(target)
    tags = [lang] + ([lang.split("-")[0]] if "-" in lang else [])
    for tag in tags:
        for ext in (path.suffix.lower(), *EXTENSIONS):
            candidate = str(path.with_name(f"{path.stem}.{tag}{ext}"))
            if ext and (folder / candidate).is_file():
                return candidate
    return None


def localize_figures(blocks: list, folder: Path, lang: str) -> dict[str, str]:
    """Point each image of *blocks* (edited in place) at its *lang* file where one
    exists; returns {source target: language target}."""
    replaced = {}
    for image in find_images(blocks):
        target = image["c"][2][0]
        found = language_file(folder, target, lang)
        if found:
            image["c"][2][0] = found
            replaced[target] = found
    return replaced


def commit_time(path: Path) -> float | None:
    """The time of the last commit of *path*, if git tracks it unmodified."""
    try:
        def git(*args):
            return subprocess.run(["git", *args, "--", path.name], cwd=path.parent,
                                  capture_output=True, text=True, timeout=10,
                                  check=False).stdout.strip()

        when, dirty = git("log", "-1", "--format=%ct"), git("status", "--porcelain")
    except (OSError, subprocess.SubprocessError):
        return None
    return float(when) if when and not dirty else None


def older(path: Path, than: Path) -> bool:
    """Whether *path* last changed before *than*: by their commits when git has both
    (a fresh clone gives every file the same time), else by modification time."""
    a, b = commit_time(path), commit_time(than)
    if a is not None and b is not None:
        return a < b
    return path.stat().st_mtime < than.stat().st_mtime


def stale_figures(doc, langs: list[str]) -> list[tuple[str, str, str]]:
    """(language file, source file, lang) for each language figure of *doc* older than
    its source figure (both relative to the root)."""
    out = []
    seen = set()
    for image in find_images(doc.blocks):
        target = image["c"][2][0]
        for lang in langs:
            found = language_file(doc.folder, target, lang)
            if not found or (found, target) in seen:
                continue
            seen.add((found, target))
            if older(doc.folder / found, doc.folder / target):
                base = str(Path(Layout.brief(doc.slug)).parent)
                out.append((f"{base}/{found}", f"{base}/{target}", lang))
    return out
