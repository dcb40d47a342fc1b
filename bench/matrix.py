"""The whole matrix through `make -j2`, in a temporary copy of the project.

The copy keeps modification times (so make sees the set-up stamps in the shared .venv
as up to date) and make is told never to remake those stamps (`-o`), so the benchmark
cannot reinstall anything into .venv.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from common import env_with_venv, run_process

COPIED = ("content", "locales", "templates", "Makefile", "pyproject.toml", "src", "scripts")
MAKE = ["make", "-j2", "-o", ".venv/.installed", "-o", ".venv/.system-build",
        "-o", ".venv/.system-test"]


def copy_project(root: Path, dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in COPIED:
        src = root / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    (dest / ".venv").symlink_to((root / ".venv").resolve())
    return dest


def make(project: Path, *targets: str, memory: bool = False):
    return run_process([*MAKE, *targets], cwd=project, env=env_with_venv(),
                       memory=memory).check("make")


def outputs(project: Path) -> dict[str, int]:
    """Every file make wrote under build/ -> mtime in ns (not the generated rules, not
    hidden caches)."""
    build = project / "build"
    found = {}
    for p in build.rglob("*"):
        rel = p.relative_to(build)
        if p.is_file() and p.name != "rules.mk" and not rel.parts[0].startswith("."):
            found[str(rel)] = p.stat().st_mtime_ns
    return found


def is_brief_output(rel: str, slug: str) -> bool:
    """build/<slug>/<slug>.<edition>.<format>, as opposed to index pages, covers,
    checksums and feeds, which show every output (a cover is rewritten only when its
    PDF's first page looks different)."""
    return rel.startswith(f"{slug}/{slug}.") and not rel.endswith((".cover.png", ".thumb.png"))


def clean_build(project: Path):
    """make -j2 from an empty build/ (peak memory: the largest process it ran)."""
    shutil.rmtree(project / "build", ignore_errors=True)
    return make(project, memory=True)


def noop(project: Path) -> tuple[float, list[str]]:
    """(seconds, files rewritten) of a make with nothing to do. Files rewritten mean
    some input changed meanwhile (e.g. briefpress's code, which the rules name)."""
    before = outputs(project)
    proc = make(project)
    after = outputs(project)
    return proc.wall, sorted(k for k in after if before.get(k) != after[k])


def save_again(path: Path) -> None:
    """What an editor's save does to the file: same bytes, new modification time."""
    path.write_bytes(path.read_bytes())


def po_change(project: Path, slug: str, lang: str, source_lang: str) -> dict:
    """Save one PO file again, run make, and say which outputs were rewritten."""
    before = outputs(project)
    save_again(project / "locales" / lang / "LC_MESSAGES" / f"{slug}.po")
    proc = make(project)
    after = outputs(project)
    changed = sorted(k for k in after if before.get(k) != after[k])
    rebuilt = [k for k in changed if is_brief_output(k, slug)]
    expected = sorted(k for k in after if is_brief_output(k, slug) and (
        k.startswith(f"{slug}/{slug}.{lang}.") or
        k.startswith(f"{slug}/{slug}.{source_lang}-{lang}.")))
    return {"wall": proc.wall, "rebuilt": rebuilt,
            "listings_rewritten": [k for k in changed if k not in rebuilt],
            "expected": expected, "only_dependents": set(rebuilt) <= set(expected),
            "all_dependents": set(expected) <= set(rebuilt)}
