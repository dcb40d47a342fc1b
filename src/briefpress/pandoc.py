"""Running pandoc, and small helpers over its JSON AST.

pandoc comes with pypandoc-binary; we call the binary directly with ``--sandbox`` (no
file or network access beyond what we pass) and a time limit, and count the calls so
the benchmark can report spawns per output.
"""

from __future__ import annotations

import json
import subprocess
from functools import lru_cache

from .errors import BriefpressError

# CommonMark plus pandoc's extensions: the one pandoc Markdown reader that reports
# source positions, which every translation unit and error message needs.
MARKDOWN = "commonmark_x+implicit_figures"
# Unit text is written without `smart`, so curly quotes and apostrophes stay as the
# author typed them instead of being turned back into ASCII.
UNIT_MARKDOWN = "commonmark_x-smart"
TIMEOUT_SECONDS = 120

spawn_count = 0


@lru_cache(maxsize=1)
def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


@lru_cache(maxsize=1)
def api_version() -> list[int]:
    out = run(["-f", "markdown", "-t", "json"], "")
    return json.loads(out)["pandoc-api-version"]


def run(args: list[str], stdin: str | bytes, *, binary_output: bool = False,
        sandbox: bool = True, cwd=None, env=None) -> str | bytes:
    """Run pandoc on *stdin*; raise BriefpressError on failure.

    Sandboxed by default. The EPUB writer must read its stylesheet and fonts, which
    ``--sandbox`` forbids: it runs in a private folder holding only copies of those.
    """
    global spawn_count
    spawn_count += 1
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    try:
        proc = subprocess.run(
            [pandoc_path(), *(["--sandbox"] if sandbox else []), *args],
            input=data,
            cwd=cwd,
            env=env,
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BriefpressError(f"pandoc took longer than {TIMEOUT_SECONDS} s") from exc
    if proc.returncode != 0:
        raise BriefpressError("pandoc failed: " + proc.stderr.decode("utf-8", "replace").strip())
    return proc.stdout if binary_output else proc.stdout.decode("utf-8")


def document(blocks: list, meta: dict | None = None) -> dict:
    return {"pandoc-api-version": api_version(), "meta": meta or {}, "blocks": blocks}


def to_json(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def parse_markdown(text: str, *, sourcepos: bool = False, reader: str = MARKDOWN) -> dict:
    fmt = reader + ("+sourcepos" if sourcepos else "")
    return json.loads(run(["-f", fmt, "-t", "json"], text))


# --- AST helpers -------------------------------------------------------------------


def stringify(inlines: list) -> str:
    """Plain text of a list of inlines (as pandoc's stringify)."""
    out: list[str] = []

    def walk(items: list) -> None:
        for node in items:
            t = node["t"]
            c = node.get("c")
            if t == "Str":
                out.append(c)
            elif t in ("Space", "SoftBreak", "LineBreak"):
                out.append(" ")
            elif t in ("Emph", "Strong", "Underline", "Strikeout", "Superscript",
                       "Subscript", "SmallCaps"):
                walk(c)
            elif t in ("Span",):
                walk(c[1])
            elif t in ("Link", "Image"):
                walk(c[1])
            elif t == "Quoted":
                q = ("“", "”") if c[0]["t"] == "DoubleQuote" else ("‘", "’")
                out.append(q[0])
                walk(c[1])
                out.append(q[1])
            elif t == "Cite":
                walk(c[1])
            elif t in ("Code", "Math"):
                out.append(c[1])
            # Note and RawInline add no running text.

    walk(inlines)
    return "".join(out)


def meta_to_python(value: dict):
    """A pandoc MetaValue as plain Python (strings stringified)."""
    t, c = value["t"], value.get("c")
    if t == "MetaMap":
        return {k: meta_to_python(v) for k, v in c.items()}
    if t == "MetaList":
        return [meta_to_python(v) for v in c]
    if t == "MetaInlines":
        return stringify(c)
    if t == "MetaBlocks":
        return "\n\n".join(stringify(b["c"]) for b in c if b["t"] in ("Para", "Plain"))
    return c


def meta_string(text: str) -> dict:
    return {"t": "MetaString", "c": text}


def meta_inlines(inlines: list) -> dict:
    return {"t": "MetaInlines", "c": inlines}


def meta_list(items: list) -> dict:
    return {"t": "MetaList", "c": items}


def meta_map(mapping: dict) -> dict:
    return {"t": "MetaMap", "c": mapping}
