"""Running pandoc, and small helpers over its JSON AST.

pandoc comes with pypandoc-binary; we call the binary directly with ``--sandbox`` (no
file or network access beyond what we pass) and a time limit, and count the calls so
the benchmark can report spawns per output.

The EPUB writer cannot run sandboxed (``--sandbox`` forbids its stylesheet and fonts),
and unsandboxed it reads every image a document names, raw HTML ``<img src>`` included,
and packs it into the book. So an unsandboxed run takes only a JSON document, in a
private folder, whose images are all ``data:`` URIs and whose raw HTML loads nothing:
anything else is refused before pandoc starts.
"""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache

from . import cache
from .cache import file_identity
from .environment import missing_pandoc
from .errors import ResourceError, ToolError
from .sandbox import check_raw_html

# CommonMark plus pandoc's extensions: the one pandoc Markdown reader that reports
# source positions, which every translation unit and error message needs.
MARKDOWN = "commonmark_x+implicit_figures"
# Unit text is written without `smart`, so curly quotes and apostrophes stay as the
# author typed them instead of being turned back into ASCII.
UNIT_MARKDOWN = "commonmark_x-smart"
TIMEOUT_SECONDS = 120

spawn_count = 0
_counting = threading.Lock()  # run_all spawns from threads


@lru_cache(maxsize=1)
def pandoc_path() -> str:
    """$PYPANDOC_PANDOC if set, else the pandoc pypandoc-binary ships (pinned, so builds
    are reproducible), else pandoc on PATH. Found without running it: pypandoc's own
    search starts every candidate to compare versions."""
    chosen = os.environ.get("PYPANDOC_PANDOC")
    if chosen:
        candidates = [chosen]
    else:
        import pypandoc

        candidates = [os.path.join(os.path.dirname(pypandoc.__file__), "files", "pandoc"),
                      shutil.which("pandoc")]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise missing_pandoc(chosen or candidates[0], bool(chosen))


_api_version: list[int] = []


def api_version() -> list[int]:
    """The JSON API version of this pandoc: taken from the first document it parsed
    (every build parses one before it writes one), else asked for once."""
    if not _api_version:
        _api_version[:] = json.loads(run(["-f", "markdown", "-t", "json"], ""))["pandoc-api-version"]
    return _api_version


def run(args: list[str], stdin: str | bytes, *, binary_output: bool = False,
        sandbox: bool = True, cwd=None, env=None, cited_in: str | None = None) -> str | bytes:
    """Run pandoc on *stdin*; raise ToolError if it fails or times out.

    Sandboxed by default. The EPUB writer must read its stylesheet and fonts, which
    ``--sandbox`` forbids: it runs in a private folder holding only copies of those,
    on a document checked by ``check_unsandboxed`` (errors cite *cited_in*).
    """
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    if not sandbox:
        check_unsandboxed(args, data, cwd, cited_in)
        out = spawn(args, data, sandbox, cwd, env)
    else:  # a pure function of its arguments and input: kept in the disk cache
        out = cache.cached("pandoc", [file_identity(pandoc_path()), *args, data],
                           lambda: spawn(args, data, sandbox, cwd, env))
    return out if binary_output else out.decode("utf-8")


def run_all(args: list[str], inputs, at_once: int) -> list[str]:
    """``run(args, text)`` for each of *inputs*, up to *at_once* pandoc processes side by
    side (a thread waits on each). Given an iterator, each text is handed over as soon
    as it is made, so the next is made while pandoc runs."""
    if at_once < 2:
        return [run(args, text) for text in inputs]
    with ThreadPoolExecutor(at_once) as threads:
        return list(threads.map(lambda text: run(args, text), inputs))


# pandoc's heap grows to twice its live data before each major collection (GHC's
# default -F2): parsing a brief of one 2 MB paragraph with sourcepos takes it over 1 GB.
# A big input is given -F1.5 (about 800 MB there, a few percent more time), unless the
# caller set GHCRTS itself.
BIG_INPUT = 1 << 20
BIG_INPUT_RTS = "-F1.5"


def spawn(args: list[str], data: bytes, sandbox: bool, cwd, env) -> bytes:
    global spawn_count
    with _counting:
        spawn_count += 1
    if env is None and len(data) > BIG_INPUT and "GHCRTS" not in os.environ:
        env = {**os.environ, "GHCRTS": BIG_INPUT_RTS}
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
        raise ToolError(f"pandoc took longer than {TIMEOUT_SECONDS} s") from exc
    except OSError as exc:  # gone or unrunnable since it was found
        from .environment import missing_pandoc

        raise missing_pandoc(pandoc_path(), bool(os.environ.get("PYPANDOC_PANDOC"))) from exc
    if proc.returncode != 0:
        raise ToolError("pandoc failed: " + proc.stderr.decode("utf-8", "replace").strip())
    return proc.stdout


# Metadata the EPUB writer reads as file names: only plain names of files in its folder.
FILE_METADATA = {"cover-image", "epub-cover-image", "css", "stylesheet", "epub-fonts",
                 "epub-embed-font", "epub-metadata", "epub-embed-fonts"}
HTML_FORMATS = ("html", "html4", "html5", "epub", "epub2", "epub3", "xhtml")


def check_unsandboxed(args: list[str], data: bytes, cwd, cited_in: str | None) -> None:
    """Refuse to give unsandboxed pandoc anything that would make it read a file other
    than those in its private folder *cwd*."""
    if cwd is None:
        raise RuntimeError("pandoc runs without --sandbox only in a private folder (cwd)")
    formats = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-f", "--from", "-r")]
    formats += [a.split("=", 1)[1] for a in args if a.startswith(("--from=", "--read="))]
    if formats != ["json"]:
        raise RuntimeError("pandoc runs without --sandbox only on a JSON document")
    doc = json.loads(data)

    def plain_name(value) -> bool:
        text = stringify(value["c"]) if value.get("t") == "MetaInlines" else value.get("c")
        return isinstance(text, str) and "/" not in text and "\\" not in text \
            and ":" not in text and text not in ("", ".", "..")

    for key, value in doc.get("meta", {}).items():
        values = value["c"] if value.get("t") == "MetaList" else [value]
        if key in FILE_METADATA and not all(plain_name(v) for v in values):
            raise ResourceError(f"refused metadata {key!r}: the EPUB writer may only read "
                                "files briefpress put beside it", cited_in)

    for node, line in walk(doc.get("blocks", [])):
        t, c = node["t"], node.get("c")
        if t == "Image" and not c[2][0].startswith("data:"):
            raise ResourceError(f"refused {c[2][0][:60]!r}: the EPUB writer may only "
                                "be given embedded (data:) images", cited_in, line)
        if t in ("RawBlock", "RawInline") and str(c[0]).lower() in HTML_FORMATS:
            check_raw_html(c[1], cited_in, line)


def document(blocks: list, meta: dict | None = None) -> dict:
    return {"pandoc-api-version": api_version(), "meta": meta or {}, "blocks": blocks}


def to_json(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


parse_count = 0


def parse_markdown(text: str, *, sourcepos: bool = False, reader: str = MARKDOWN) -> dict:
    global parse_count
    parse_count += 1
    fmt = reader + ("+sourcepos" if sourcepos else "")
    out = run(["-f", fmt, "-t", "json"], text, binary_output=True)
    ast = loads(unwrap_leaves(out) if sourcepos else out)
    _api_version[:] = ast["pandoc-api-version"]
    return ast


# The wrapper Span ``+sourcepos`` puts around every word, space and line break: two
# thirds of the JSON and of the nodes decoded from it. Each is replaced, in the JSON
# text, by what body.unwrap_positions makes of it: the word alone, with its line as
# "_line". Wrappers around anything else are left to unwrap_positions.
LEAF_WRAPPER = re.compile(
    rb'\{"t":"Span","c":\[\["",\[\],\[\["wrapper","1"\],\["data-pos",'
    rb'"([1-9][0-9]*):[0-9]+-[0-9]+:[0-9]+"\]\]\],'
    rb'\[(\{"t":"(?:Str","c":"(?:[^"\\]|\\.)*"|Space"|SoftBreak"|LineBreak"))\}\]\]\}')


def unwrap_leaves(data: bytes) -> bytes:
    parts = LEAF_WRAPPER.split(data)  # text, line, leaf without its "}", text, ...
    out = []
    for i in range(0, len(parts) - 1, 3):
        out += (parts[i], parts[i + 2], b',"_line":', parts[i + 1], b"}")
    out.append(parts[-1])
    return b"".join(out)


@contextmanager
def no_gc():
    """The garbage collector paused: building or decoding a big AST makes millions of
    containers, none of them garbage, and each collection the allocations trigger walks
    all of them again (decoding a 9 MB AST: 1.4 s with collections, 0.25 s without).
    After it, what it made is moved to the oldest generation at once (freeze, then
    unfreeze: two list splices), or the first young collection walks it all (0.1 s after
    a 300 KB brief); not where something else froze objects (the pool's workers keep
    their shared pages untouched so)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def loads(text: str):
    with no_gc():
        return json.loads(text)


# --- AST helpers -------------------------------------------------------------------


def walk(tree, line: int | None = None):
    """Every node (a dict with ``"t"``) of *tree*, in reading order, with the source line
    of the nearest enclosing node that has one (``_line``, set by load)."""
    stack = [(tree, line)]  # not recursive: nested generators cost their depth per node
    while stack:
        node, line = stack.pop()
        if isinstance(node, list):
            stack.extend((item, line) for item in reversed(node) if isinstance(item, (list, dict)))
        elif isinstance(node, dict):
            line = node.get("_line", line)
            if "t" in node:
                yield node, line
            c = node.get("c")
            if isinstance(c, (list, dict)):
                stack.append((c, line))


def rebuild(tree, rules: dict):
    """A copy of *tree* in which each node whose type has a rule is replaced by
    ``rule(node, rebuild_children)``; other nodes are copied with their children
    rebuilt. A rule calls ``rebuild_children`` on the parts it wants rewritten too."""

    def go(node):
        if isinstance(node, list):
            return [go(item) for item in node]
        if not isinstance(node, dict) or "t" not in node:
            return node
        rule = rules.get(node["t"])
        if rule:
            return rule(node, go)
        return {**node, "c": go(node["c"])} if isinstance(node.get("c"), list) else node

    return go(tree)


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
            elif t in ("Span",) or t in ("Link", "Image"):
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
