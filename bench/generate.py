"""Generated projects for the scale benchmarks: a long brief made of the corpus briefs'
bodies, each copy numbered so every unit is its own (headings, lists, tables, notes,
math, links), a brief with one huge paragraph, and N small briefs.

    python bench/generate.py long DEST [--kb 300]
    python bench/generate.py paragraph DEST [--kb 2000]
    python bench/generate.py many DEST --briefs 100
"""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

from scaled import split_front_matter  # bench/: run from there or with it on sys.path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
SEED = "japan-rok-security"

FRONT = """---
title: "{title}"
date: 2026-01-01
authors:
  - name: Bench Author
summary: >-
  A generated brief for the scale benchmark.
---

"""


def corpus_bodies() -> list[str]:
    """The corpus briefs' bodies without their figures (a generated brief has none)."""
    bodies = []
    for brief in sorted(CORPUS.glob("*/brief.md")):
        body = split_front_matter(brief.read_text(encoding="utf-8"))[1]
        body = re.sub(r"^!\[.*$\n?", "", body, flags=re.M)  # figures: files not copied
        body = re.sub(r"\{#(?:fig|tbl)[^}]*\}", "", body)
        bodies.append(body.strip("\n"))
    return bodies


def numbered(body: str, copy: int) -> str:
    """*body* with footnote labels and section ids made unique to copy *copy*, and its
    paragraphs made distinct ("(copy 12)" after each heading)."""
    body = re.sub(r"\[\^([^\]]+)\]", lambda m: f"[^{m.group(1)}-{copy}]", body)
    body = re.sub(r"\{#([^}\s]+)", lambda m: "{#" + f"{m.group(1)}-{copy}", body)
    body = re.sub(r"^(#+ .*?)(\s*\{.*\})?$", lambda m: f"{m.group(1)} (part {copy})"
                  + (m.group(2) or ""), body, flags=re.M)
    return body


def long_body(kb: int) -> str:
    bodies = corpus_bodies()
    parts, size, copy = [], 0, 0
    while size < kb * 1024:
        for body in bodies:
            copy += 1
            text = numbered(body, copy)
            parts.append(text)
            size += len(text.encode("utf-8")) + 2
    return "\n\n".join(parts) + "\n"


def paragraph_body(kb: int) -> str:
    words = ("Security cooperation between Japan and the Republic of Korea has been "
             "encouraged by Washington, costing $5 and 10% of $P$ at rate $r$. ")
    return "## One paragraph\n\n" + words * (kb * 1024 // len(words) + 1) + "\n"


def write_project(dest: Path, briefs: dict[str, str]) -> Path:
    """A project at *dest* with *briefs* (slug: body) and the seed's templates; no
    catalogs yet (extract and update make them)."""
    if dest.exists():
        shutil.rmtree(dest)
    for slug, body in briefs.items():
        folder = dest / "content" / slug
        folder.mkdir(parents=True)
        (folder / "brief.md").write_text(FRONT.format(title=slug) + body, encoding="utf-8")
    (dest / "locales").mkdir(parents=True, exist_ok=True)
    if (ROOT / "templates").is_dir():
        shutil.copytree(ROOT / "templates", dest / "templates")
    return dest


def many_project(root: Path, dest: Path, briefs: int) -> Path:
    """*briefs* copies of the seed brief (slugs seed-001...) with their catalogs, so each
    builds in all three languages exactly as the seed does."""
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "content").mkdir(parents=True)
    for lang in ("ja", "ko"):
        (dest / "locales" / lang / "LC_MESSAGES").mkdir(parents=True)
        shutil.copy(root / "locales" / lang / "LC_MESSAGES" / "templates.po",
                    dest / "locales" / lang / "LC_MESSAGES" / "templates.po")
    for n in range(1, briefs + 1):
        slug = f"seed-{n:03d}"
        shutil.copytree(root / "content" / SEED, dest / "content" / slug)
        for lang in ("ja", "ko"):
            shutil.copy(root / "locales" / lang / "LC_MESSAGES" / f"{SEED}.po",
                        dest / "locales" / lang / "LC_MESSAGES" / f"{slug}.po")
    if (root / "templates").is_dir():
        shutil.copytree(root / "templates", dest / "templates")
    return dest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["long", "paragraph", "many"])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--kb", type=int, default=None)
    parser.add_argument("--briefs", type=int, default=100)
    args = parser.parse_args()
    if args.kind == "long":
        write_project(args.dest, {"long": long_body(args.kb or 300)})
    elif args.kind == "paragraph":
        write_project(args.dest, {"paragraph": paragraph_body(args.kb or 2000)})
    else:
        many_project(ROOT, args.dest, args.briefs)


if __name__ == "__main__":
    main()
