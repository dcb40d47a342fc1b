"""Scaling: a generated project whose brief is the seed brief's body repeated k times.

The repeated units are identical text, so the seed's PO files still translate every one
of them. Run as a script, this module is the measured subprocess: it builds one
language's PDF in-process (after a warm-up on the seed brief) and prints JSON; the
parent measures its peak memory (common.run_process with memory=True).
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import sys
import time
from pathlib import Path


def split_front_matter(text: str) -> tuple[str, str]:
    """('---\\n...\\n---\\n', body) of a brief."""
    if not text.startswith("---"):
        return "", text
    end = text.index("\n---", 3)
    end = text.index("\n", end + 1) + 1
    return text[:end], text[end:]


def make_scaled_project(root: Path, slug: str, times: int, dest: Path) -> Path:
    """A copy of *root*'s brief *slug*, catalogs and templates at *dest*, with the body
    repeated *times* times."""
    shutil.copytree(root / "content" / slug, dest / "content" / slug)
    shutil.copytree(root / "locales", dest / "locales")
    if (root / "templates").is_dir():
        shutil.copytree(root / "templates", dest / "templates")
    brief = dest / "content" / slug / "brief.md"
    front, body = split_front_matter(brief.read_text(encoding="utf-8"))
    brief.write_text(front + "\n\n".join([body.strip("\n")] * times) + "\n",
                     encoding="utf-8")
    return dest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--warm-root", type=Path, required=True)
    parser.add_argument("--slug", required=True)
    parser.add_argument("--lang", required=True)
    parser.add_argument("--reps", type=int, default=1)
    args = parser.parse_args()

    import stages
    from common import median, pages

    def pdf_once(root: Path) -> tuple[float, float, bytes]:
        started = time.perf_counter()
        group = stages.prepare(root, args.slug, args.lang)
        pdf = stages.pdf_only(group)
        total = time.perf_counter() - started
        raw_started = time.perf_counter()
        stages.raw_pdf(group.html[args.lang], group)
        raw_seconds = time.perf_counter() - raw_started
        del group
        gc.collect()  # WeasyPrint's documents hold fonts in reference cycles: free them
        return total, raw_seconds, pdf

    pdf_once(args.warm_root)  # imports, fontconfig, first fonts: not per-page costs
    runs = [pdf_once(args.root) for _ in range(args.reps)]
    n = pages(runs[-1][2])
    json.dump({"seconds": median(r[0] for r in runs), "raw_seconds": median(r[1] for r in runs),
               "pages": n, "pdf_bytes": len(runs[-1][2])}, sys.stdout)


if __name__ == "__main__":
    main()
