"""What a user would otherwise run for one language's PDF, on the same localized text:

- the peer: `pandoc brief.<lang>.md -o x.pdf --pdf-engine=weasyprint` (a whole process,
  pandoc starting the `weasyprint` command);
- for reference, the Typst route: `pandoc -t typst` of the same Markdown, a preamble
  that sets the language's fonts, compiled by the `typst` package from PyPI.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import yaml

from briefpress import pandoc
from briefpress.render import find_template_file

from common import env_with_venv, run_process

TYPST_COMPILE = "import sys, typst; typst.compile(sys.argv[1], output=sys.argv[2])"


def peer_pdf(markdown: Path, pdf: Path, cwd: Path):
    """pandoc + WeasyPrint as one command, timed as a whole process."""
    return run_process([pandoc.pandoc_path(), str(markdown), "-o", str(pdf),
                        "--pdf-engine=weasyprint"], cwd=cwd, env=env_with_venv()
                       ).check("pandoc --pdf-engine=weasyprint")


def briefpress_pdf(root: Path, slug: str, lang: str, out: Path):
    """`briefpress build --format pdf` for one brief and language, as a whole process
    (interpreter start and imports included). For a target language it also writes the
    bilingual edition, as the command does."""
    return run_process([Path(sys.executable).parent / "briefpress", "build", "--root", root,
                        "--brief", slug, "--locale", lang, "--format", "pdf", "--out", out],
                       env=env_with_venv()).check("briefpress build")


def typst_fonts(root: Path, lang: str) -> list[str]:
    """The serif fonts briefpress uses for *lang* (templates/languages.yaml)."""
    styles = yaml.safe_load(find_template_file(root, "languages.yaml").read_text("utf-8"))
    spec = styles.get(lang) or styles.get(lang.split("-")[0]) or styles["default"]
    serif = spec["serif"]
    return [serif] if isinstance(serif, str) else list(serif)


def typst_source(markdown: Path, title: str, lang: str, fonts: list[str]) -> tuple[float, str]:
    """(seconds of the pandoc step, Typst source): the same Markdown through
    `pandoc -t typst`, after a preamble with the language's fonts and the title."""
    proc = run_process([pandoc.pandoc_path(), str(markdown), "-f", "markdown", "-t", "typst"]
                       ).check("pandoc -t typst")
    font_list = ", ".join(json.dumps(f) for f in fonts)
    preamble = (f'#set page(paper: "a4")\n'
                f'#set text(font: ({font_list},), lang: "{lang}")\n'
                f'#heading(level: 1, {json.dumps(title, ensure_ascii=False)})\n\n')
    return proc.wall, preamble + proc.stdout


def typst_process(source: Path, pdf: Path):
    """The Typst compiler as a whole process (`python -c 'typst.compile(...)'`)."""
    return run_process([sys.executable, "-c", TYPST_COMPILE, source, pdf]
                       ).check("typst compile")


def typst_warm(source: Path) -> tuple[float, float]:
    """The Typst compiler kept in this process, as `typst watch` keeps it: (seconds of a
    compile once the fonts are scanned, seconds of the next compile after an edit)."""
    import typst

    compiler = typst.Compiler(str(source))  # scans the fonts: not timed
    started = time.perf_counter()
    compiler.compile()
    warm = time.perf_counter() - started
    text = source.read_text(encoding="utf-8")
    source.write_text(text + "\n\nEdited.\n", encoding="utf-8")
    try:
        started = time.perf_counter()
        compiler.compile()
        edited = time.perf_counter() - started
    finally:
        source.write_text(text, encoding="utf-8")
    return warm, edited


def ensure_typst() -> str | None:
    """The typst package (installed into this venv from PyPI if missing); None if it
    cannot be had, and the Typst figures are then skipped."""
    try:
        import typst  # noqa: F401
    except ImportError:
        proc = run_process([sys.executable, "-m", "pip", "install", "-q", "typst==0.15.2"])
        if proc.returncode:
            return None
    import importlib.metadata

    return importlib.metadata.version("typst")
