"""Hostile and broken input (issue 6): translations are untrusted, builds never lose a
good file.

Every hostile case builds a copy of the rich fixture (with a Japanese catalog) into an
output folder that holds a previous good build, and asserts:

- the exit code (1 for bad input, 2 for a bad option) and the one-line
  ``path:line: message`` on stderr, with no traceback;
- that no file outside the project was read: the WeasyPrint fetcher is spied on (every
  URL asked for, every file served), and an audit hook records every file Python opens
  (the secrets outside the project, /etc/passwd and /dev/zero must not be among them)
  and every pandoc run (sandboxed, or the EPUB writer in its private folder);
- that no network connection was attempted (socket connect, create_connection and
  getaddrinfo are replaced by recorders that refuse);
- that the previous outputs are byte-for-byte unchanged, with nothing added.

Then the "nothing lost" tests run the real command in a subprocess: killed with SIGKILL
mid-way, interrupted with Ctrl-C, and two builds at once into the same folder.
"""

from __future__ import annotations

import io
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from conftest import EPOCH, ROOT, run_cli
from PIL import Image

import briefpress.fetcher
import briefpress.sandbox
import briefpress.publish.pdf
from briefpress.errors import BriefpressError, ResourceError, ToolError
from briefpress.output import remove_stale_temporaries, write_atomic
from briefpress.render import default_templates

RICH = Path(__file__).parent / "fixtures" / "rich"
BRIEF = "content/rich/brief.md"
PO = "locales/ja/LC_MESSAGES/rich.po"
KO_PO = "locales/ko/LC_MESSAGES/rich.po"
TEMPLATES_PO = "locales/ja/LC_MESSAGES/templates.po"
PARA = "A paragraph with *emphasis*"
SECOND_ITEM = 'msgstr "Second item'  # the start of a msgstr line the PO cases break
SECOND = 'msgstr "Second'
BRIEFPRESS = Path(sys.executable).with_name("briefpress")
PROGRESS = re.compile(r"^\[\d+/\d+\] ")
# A log record the CLI shows beside the problem (a catalog warning, WeasyPrint's CSS notes).
WARNING = re.compile(r"(briefpress\.\w+|weasyprint[\w.]*|fontTools[\w.]*): ")
PATH_LINE = re.compile(r"^[^\s:]+:\d+: \S")


# --- spies ---------------------------------------------------------------------------


@dataclass
class Spy:
    """What one build asked for: URLs, files, processes, connections."""

    fetchers: list = field(default_factory=list)  # every WeasyPrint fetcher made
    asked: list[str] = field(default_factory=list)  # every URL a fetcher was asked for
    opened: list[str] = field(default_factory=list)  # every file Python opened
    popen: list[tuple] = field(default_factory=list)  # (argv, cwd) of every process
    connections: list = field(default_factory=list)  # every connection attempted


_ACTIVE: Spy | None = None


def _audit(event: str, args: tuple) -> None:
    """Records opens, processes and sockets while a spied build runs (audit hooks cannot
    be removed, so this one does nothing otherwise)."""
    spy = _ACTIVE
    if spy is None:
        return
    if event == "open":
        if isinstance(args[0], (str, bytes, os.PathLike)):
            spy.opened.append(os.fsdecode(args[0]))
    elif event == "subprocess.Popen":
        spy.popen.append((list(map(os.fsdecode, args[1] or [])), args[2]))
    elif event in ("socket.connect", "socket.getaddrinfo"):
        spy.connections.append((event, args[1:]))


sys.addaudithook(_audit)


@pytest.fixture
def spy(monkeypatch) -> Spy:
    recorder = Spy()

    def refuse(*args, **kwargs):
        recorder.connections.append(args)
        raise OSError("network access is disabled in this test")

    # Every edition laid out here, not in forked workers, so the spies see every read
    # (the workers run the very same fetcher and sandbox).
    monkeypatch.setenv("BRIEFPRESS_JOBS", "1")
    monkeypatch.setattr(socket.socket, "connect", lambda self, *a: refuse(*a))
    monkeypatch.setattr(socket.socket, "connect_ex", lambda self, *a: refuse(*a))
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)

    original = briefpress.fetcher.weasyprint_fetcher

    def spying_fetcher(*args, **kwargs):
        fetcher = original(*args, **kwargs)
        recorder.fetchers.append(fetcher)
        inner = fetcher.fetch

        def fetch(url, headers=None):
            recorder.asked.append(url)
            return inner(url, headers)

        fetcher.fetch = fetch
        return fetcher

    for module in (briefpress.fetcher, briefpress.publish.pdf):
        if hasattr(module, "weasyprint_fetcher"):
            monkeypatch.setattr(module, "weasyprint_fetcher", spying_fetcher)
    return recorder


# --- the project, its previous build, and files outside it ---------------------------


def bomb_png() -> bytes:
    """A valid PNG header declaring 50000 x 50000 pixels, in a few dozen bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", 50000, 50000, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 1024)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def outside(tmp_path_factory) -> Path:
    """Secrets beside the project: nothing may read them."""
    folder = tmp_path_factory.mktemp("outside")
    Image.new("RGB", (4, 4), "red").save(folder / "secret.png")
    (folder / "secret.txt").write_text("TOP SECRET\n", encoding="utf-8")
    return folder


def set_identity(po: Path) -> None:
    """Translate every unit of *po* as itself (markup kept, so the build is clean)."""
    with po.open("rb") as f:
        catalog = read_po(f)
    for message in catalog:
        if message.id:
            message.string = message.id
    buf = io.BytesIO()
    write_po(buf, catalog, width=76)
    po.write_bytes(buf.getvalue())


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> tuple[Path, Path]:
    """(root, out): the rich brief with a Japanese catalog, and its good build."""
    root = tmp_path_factory.mktemp("hostile-base")
    shutil.copytree(RICH / "content", root / "content")
    shutil.copytree(ROOT / "templates", root / "templates")
    assert run_cli("extract", "--root", str(root))[0] == 0
    assert run_cli("update", "--root", str(root), "--locale", "ja")[0] == 0
    set_identity(root / PO)
    out = tmp_path_factory.mktemp("hostile-out")
    code, _, err = run_cli("build", "--root", str(root), "--out", str(out),
                           "--format", "pdf,epub,html")
    assert code == 0, err
    return root, out


def snapshot(folder: Path) -> dict[str, bytes]:
    """The outputs in *folder*. The disk cache (.cache/) is no output: a refused input
    may leave pandoc's parse of it there, which is checked again on every use like a
    fresh one (tests/test_warm.py)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()
            and p.relative_to(folder).parts[0] != ".cache"}


def briefpress_private(path: Path) -> bool:
    """A file briefpress made itself in a private temporary folder (font subsets)."""
    tmp = Path(tempfile.gettempdir()).resolve()
    return path.is_relative_to(tmp) and path.relative_to(tmp).parts[0].startswith("briefpress-")


@dataclass
class Hostile:
    """A copy of the base project and of its outputs, and the spies."""

    root: Path
    out: Path
    outside: Path
    spy: Spy
    before: dict[str, bytes]
    must_ask: str | None = None  # a URL the fetcher must have been asked for (and refused)

    # -- editing --
    def edit(self, rel: str, old: str | bytes, new: str | bytes) -> None:
        path = self.root / rel
        data = path.read_bytes()
        old_b = old.encode() if isinstance(old, str) else old
        new_b = new.encode() if isinstance(new, str) else new
        assert old_b in data, (rel, old)
        path.write_bytes(data.replace(old_b, new_b, 1))

    def line_of(self, rel: str, text: str) -> int:
        for number, line in enumerate((self.root / rel).read_text(
                encoding="utf-8", errors="replace").split("\n"), start=1):
            if text in line:
                return number
        raise AssertionError(f"{text!r} not in {rel}")

    def translate(self, msgid_start: str, msgstr: str, rel: str = PO) -> int:
        """Set the translation of the unit starting with *msgid_start*; the line of its
        msgid, as errors cite it."""
        path = self.root / rel
        with path.open("rb") as f:
            catalog = read_po(f)
        message = next(m for m in catalog if m.id and m.id.startswith(msgid_start))
        message.string = msgstr
        buf = io.BytesIO()
        write_po(buf, catalog, width=76)
        path.write_bytes(buf.getvalue())
        with path.open("rb") as f:
            return read_po(f).get(message.id).lineno

    def secret(self, name: str = "secret.png") -> Path:
        return self.outside / name

    def relative_secret(self, name: str = "secret.png") -> str:
        return os.path.relpath(self.secret(name), self.root / "content" / "rich")

    # -- running --
    def run(self, *args: str, command: str = "build", out: bool = True):
        global _ACTIVE
        argv = [command, "--root", str(self.root), *(["--out", str(self.out)] if out else [])]
        _ACTIVE = self.spy
        try:
            return run_cli(*argv, *args)
        finally:
            _ACTIVE = None

    # -- checking --
    def assert_nothing_read_outside(self) -> None:
        allowed = [self.root.resolve(), default_templates().resolve()]
        for fetcher in self.spy.fetchers:
            for path in fetcher.fetched:
                assert any(Path(path).is_relative_to(a) for a in allowed) \
                    or briefpress_private(Path(path)), path
        forbidden = [self.outside.resolve(), Path("/etc/passwd"), Path("/etc/shadow"),
                     Path("/dev/zero")]
        for opened in self.spy.opened:
            real = Path(os.path.realpath(opened))
            assert not any(real == f or real.is_relative_to(f) for f in forbidden), opened
        for argv, cwd in self.spy.popen:
            if argv and "pandoc" in Path(argv[0]).name:
                assert "--sandbox" in argv or "briefpress-epub-" in str(cwd), argv
                assert not any(str(self.outside) in a for a in argv), argv

    def assert_no_network(self) -> None:
        assert self.spy.connections == []

    def assert_outputs_unchanged(self) -> None:
        assert snapshot(self.out) == self.before

    def assert_refused(self, result, code: int, expected: str | re.Pattern) -> str:
        status, _stdout, stderr = result
        assert status == code, stderr
        assert "Traceback" not in stderr, stderr
        problems = [line for line in stderr.splitlines()
                    if line.strip() and not PROGRESS.match(line) and not WARNING.match(line)]
        assert len(problems) == 1, stderr
        message = problems[0]
        if isinstance(expected, re.Pattern):
            assert expected.match(message), message
        else:
            assert message.startswith(expected), message
        if code == 1:
            assert PATH_LINE.match(message), message
        else:
            assert message.startswith("briefpress: "), message
        if self.must_ask:  # the refusal came from the spied fetcher
            assert self.must_ask in self.spy.asked, self.spy.asked
        self.assert_nothing_read_outside()
        self.assert_no_network()
        self.assert_outputs_unchanged()
        return message


@pytest.fixture
def hostile(base, outside, spy, tmp_path) -> Hostile:
    root, out = base
    shutil.copytree(root, tmp_path / "project", symlinks=True)
    shutil.copytree(out, tmp_path / "out", symlinks=True)
    return Hostile(tmp_path / "project", tmp_path / "out", outside, spy,
                   snapshot(tmp_path / "out"))


# --- the cases -------------------------------------------------------------------------
# Each takes the Hostile project, breaks it, and returns (arguments, exit code, the
# expected start of the one-line message, or a pattern it must match).


def c_translation_img_file_url(h):
    line = h.translate("Introduction", '<img src="file:///etc/passwd">Introduction')
    return [], 1, f"{PO}:{line}: [ja] raw HTML not in the source: <img src=\"file:///etc/passwd\">"


def c_translation_iframe(h):
    line = h.translate("Introduction", 'Introduction <iframe src="https://evil.example/"></iframe>')
    return [], 1, (f"{PO}:{line}: [ja] raw HTML not in the source: </iframe>, "
                   '<iframe src="https://evil.example/">')


def c_translation_script(h):
    line = h.translate("First item", 'First <script>fetch("https://evil.example/")</script> item')
    return [], 1, f"{PO}:{line}: [ja] raw HTML not in the source: </script>, <script>"


def c_translation_raw_html_block(h):
    line = h.translate("A quoted sentence.", f'<div><img src="{h.secret()}"></div>')
    return [], 1, f"{PO}:{line}: [ja] raw HTML not in the source: <div><img src="


def c_translation_raw_html_block_on_lines(h):
    line = h.translate("A quoted sentence.", f'<div>\n<img src="{h.secret()}">\n</div>')
    return [], 1, f"{PO}:{line}: [ja] raw HTML not in the source: "


def c_translation_new_link_target(h):
    line = h.translate("Second item", "[Second](https://evil.example/) item")
    return [], 1, (f"{PO}:{line}: [ja] link differs from the source "
                   "(added https://evil.example/)")


def c_translation_javascript_link(h):
    line = h.translate("Nested item", "Nested item with a [second link](javascript:alert(1))")
    return [], 1, (f"{PO}:{line}: [ja] link differs from the source (missing "
                   "https://example.org/b; added javascript:alert(1))")


def c_translation_new_image(h):
    line = h.translate("Second item", f"Second item ![x]({h.relative_secret()})")
    return [], 1, f"{PO}:{line}: [ja] image differs from the source (added "


def c_translation_footnote_lost(h):
    source = next(m.id for m in read_po((h.root / PO).open("rb")) if m.id.startswith(PARA))
    line = h.translate(PARA, source.replace("[^1]", ""))
    return [], 1, f"{PO}:{line}: [ja] footnote differs from the source (missing [^1])"


def c_translation_footnote_added(h):
    line = h.translate("Second item", "Second item[^1]")
    return [], 1, f"{PO}:{line}: [ja] footnote differs from the source (added [^1])"


def c_translation_unclosed_code_fence(h):
    source = next(m.id for m in read_po((h.root / PO).open("rb")) if m.id.startswith(PARA))
    line = h.translate(PARA, "```\n" + source)
    return [], 1, f"{PO}:{line}: [ja] the translation breaks the Markdown around it"


def c_translation_style_attribute(h):
    line = h.translate("Second item", f'[Second]{{style="background: url(file://{h.secret()})"}} item')
    return [], 1, f"{PO}:{line}: [ja] attributes differ from the source"


def c_translation_attachment_attribute(h):
    line = h.translate("Nested item", "Nested item with a "
                       '[second link](https://example.org/b){rel="attachment"}')
    return [], 1, f"{PO}:{line}: [ja] attributes differ from the source"


def c_po_unterminated_string(h):
    h.edit(PO, 'msgstr "Second item"', 'msgstr "Second item')
    return [], 1, f"{PO}:{h.line_of(PO, SECOND_ITEM)}: unterminated or malformed string"


def c_po_duplicate_msgid(h):
    first = h.line_of(PO, 'msgid "Second item"')
    h.edit(PO, 'msgid "Second item"', 'msgid "Second item"\nmsgstr "Second item"\n\n'
           'msgid "Second item"')
    return [], 1, f"{PO}:{first + 3}: duplicate entry (first at line {first})"


def c_po_garbage_line(h):
    h.edit(PO, 'msgid "Second item"', 'this is not a PO line\nmsgid "Second item"')
    return [], 1, f"{PO}:{h.line_of(PO, 'this is not')}: not PO syntax: 'this is not a PO line'"


def c_po_plural_forms_ja(h):
    h.edit(PO, "nplurals=1; plural=0;", "nplurals=2; plural=(n != 1);")
    return [], 1, f"{PO}:4: Plural-Forms must have nplurals=1 for ja"


def c_po_plural_forms_ko(h):
    ko = h.root / KO_PO
    ko.parent.mkdir(parents=True)
    ko.write_bytes((h.root / PO).read_bytes().replace(b"Language: ja", b"Language: ko")
                   .replace(b"nplurals=1; plural=0;", b"nplurals=2; plural=(n != 1);"))
    return [], 1, f"{KO_PO}:4: Plural-Forms must have nplurals=1 for ko"


def c_po_plural_expression(h):
    h.edit(PO, "nplurals=1; plural=0;", "nplurals=1; plural=n>1;")
    return [], 1, f"{PO}:4: plural expression 'n>1' gives form 1 for n=2, but nplurals=1"


def c_po_invalid_utf8(h):
    h.edit(PO, b'msgstr "Second item"', b'msgstr "Second \xff item"')
    return [], 1, f"{PO}:{h.line_of(PO, SECOND)}: not valid UTF-8"


def c_po_escape_character(h):
    h.edit(PO, 'msgstr "Second item"', 'msgstr "Second \x1b[2J item"')
    return [], 1, f"{PO}:{h.line_of(PO, SECOND)}: control character in the catalog"


def c_po_c1_control_character(h):
    h.edit(PO, 'msgstr "Second item"', 'msgstr "Second \u0085 item"')
    return [], 1, f"{PO}:{h.line_of(PO, SECOND)}: control character in the catalog"


def c_po_escaped_control_character(h):
    h.edit(PO, 'msgstr "Second item"', 'msgstr "Second \\a item"')
    return [], 1, (f"{PO}:{h.line_of(PO, SECOND)}: control character in the "
                   "catalog ('\\a')")


def c_po_lone_carriage_return(h):
    h.edit(PO, 'msgstr "Second item"', 'msgstr "Second\r item"')
    return [], 1, f"{PO}:{h.line_of(PO, SECOND)}: control character in the catalog"


def c_po_unknown_placeholder(h):
    h.edit(TEMPLATES_PO, 'msgid "Series: %(series)s"\nmsgstr ""',
           'msgid "Series: %(series)s"\nmsgstr "Series: %(nope)s"')
    line = h.line_of(TEMPLATES_PO, 'msgid "Series: %(series)s"')
    return [], 1, (f"{TEMPLATES_PO}:{line}: the translation uses the placeholder %(nope)s, "
                   "which the msgid does not have")


def c_po_stray_percent(h):
    h.edit(TEMPLATES_PO, 'msgid "Series: %(series)s"\nmsgstr ""',
           'msgid "Series: %(series)s"\nmsgstr "100% %(series)s"')
    line = h.line_of(TEMPLATES_PO, 'msgid "Series: %(series)s"')
    return [], 1, f"{TEMPLATES_PO}:{line}: the translation is not a valid format string"


def c_po_unknown_locale_folder(h):
    shutil.copytree(h.root / "locales/ja", h.root / "locales/xx-bogus")
    return [], 1, ("locales/xx-bogus/LC_MESSAGES/rich.po:1: 'xx-bogus' is not a language "
                   "code")


def c_brief_bad_yaml(h):
    h.edit(BRIEF, "date: 2025-03-01", "date: [2025-03-01")
    return [], 1, f"{BRIEF}:4: invalid YAML"


def c_brief_unknown_field(h):
    h.edit(BRIEF, "series: Test Series", "serie: Test Series")
    return [], 1, f"{BRIEF}:5: unknown front-matter field 'serie'"


def c_brief_unknown_language(h):
    h.edit(BRIEF, "title: A Rich Brief", "title: A Rich Brief\nlang: xx-notalang")
    return [], 1, f"{BRIEF}:3: unknown language 'xx-notalang'"


def c_brief_missing_figure(h):
    h.edit(BRIEF, "](chart.svg)", "](nochart.svg)")
    return [], 1, f"{BRIEF}:25: missing file 'nochart.svg'"


def c_brief_dotdot_path(h):
    target = h.relative_secret()
    assert target.startswith("..")
    h.edit(BRIEF, "](chart.svg)", f"]({target})")
    return [], 1, f"{BRIEF}:25: refused {target!r}: it points outside the brief's folder"


def c_brief_absolute_path(h):
    h.edit(BRIEF, "](chart.svg)", f"]({h.secret()})")
    return [], 1, f"{BRIEF}:25: refused '{h.secret()}': use a path relative to the brief"


def c_brief_symlink_out(h):
    (h.root / "content/rich/chart.svg").unlink()
    (h.root / "content/rich/chart.svg").symlink_to(h.secret())
    return [], 1, f"{BRIEF}:25: refused 'chart.svg': it points outside the brief's folder"


def c_brief_device_file(h):
    (h.root / "content/rich/chart.svg").unlink()
    (h.root / "content/rich/chart.svg").symlink_to("/dev/zero")
    return [], 1, f"{BRIEF}:25: refused 'chart.svg': it points outside the brief's folder"


def c_brief_fifo(h):
    os.mkfifo(h.root / "content/rich/pipe.png")
    h.edit(BRIEF, "](chart.svg)", "](pipe.png)")
    return [], 1, f"{BRIEF}:25: refused 'pipe.png': not a regular file"


def c_brief_symlink_loop(h):
    (h.root / "content/rich/chart.svg").unlink()
    (h.root / "content/rich/chart.svg").symlink_to("chart.svg")
    return [], 1, f"{BRIEF}:25: refused 'chart.svg': a symlink loop"


def c_brief_nul_in_path(h):
    h.edit(BRIEF, "](chart.svg)", "](chart%00.svg)")
    return [], 1, f"{BRIEF}:25: refused 'chart%00.svg': a NUL character in a file name"


def c_brief_file_url(h):
    h.edit(BRIEF, "](chart.svg)", f"](file://{h.secret()})")
    return [], 1, f"{BRIEF}:25: refused 'file://{h.secret()}': only files beside the brief"


def c_brief_http_url(h):
    h.edit(BRIEF, "](chart.svg)", "](http://127.0.0.1:9/chart.png)")
    return [], 1, f"{BRIEF}:25: refused 'http://127.0.0.1:9/chart.png': only files beside"


def c_brief_decompression_bomb(h):
    (h.root / "content/rich/bomb.png").write_bytes(bomb_png())
    h.edit(BRIEF, "](chart.svg)", "](bomb.png)")
    return [], 1, f"{BRIEF}:25: refused 'bomb.png': the image declares more than 50,000,000"


def c_brief_svg_xxe(h):
    (h.root / "content/rich/chart.svg").write_text(
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE svg [<!ENTITY x SYSTEM "file://{h.secret("secret.txt")}">]>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60">'
        '<text x="10" y="30">&x;</text></svg>\n', encoding="utf-8")
    return [], 1, f"{BRIEF}:25: refused 'chart.svg': the SVG has a DOCTYPE"


def c_brief_svg_external_file(h):
    (h.root / "content/rich/chart.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="200" height="60"><image xlink:href="{h.relative_secret()}" width="9" '
        'height="9"/></svg>\n', encoding="utf-8")
    return [], 1, f"{BRIEF}:25: refused 'chart.svg': the SVG refers to "


def c_brief_not_an_image(h):
    (h.root / "content/rich/chart.svg").write_bytes(b"%PDF-1.7 not an image at all\n")
    return [], 1, f"{BRIEF}:25: refused 'chart.svg': not a PNG, JPEG, GIF, WebP or SVG image"


def c_brief_raw_html_image(h):
    h.edit(BRIEF, "> A quoted sentence.", f'> A quoted <img src="{h.relative_secret()}"> sentence.')
    return ["--format", "pdf"], 1, re.compile(
        rf"^{re.escape(BRIEF)}:23: (refused 'file://{re.escape(str(h.secret()))}': outside|"
        r"raw HTML may not hold <img>)")


def c_brief_raw_html_image_epub(h):
    h.edit(BRIEF, "> A quoted sentence.", f'> A quoted <img src="{h.secret()}"> sentence.')
    return ["--format", "epub"], 1, f"{BRIEF}:23: raw HTML may not hold <img>"


def c_brief_javascript_link(h):
    h.edit(BRIEF, "- Second item", "- Second [item](javascript:alert(1))")
    return [], 1, f"{BRIEF}:20: refused link to 'javascript:alert(1)'"


def c_brief_control_character(h):
    h.edit(BRIEF, "> A quoted sentence.", "> A quoted \x1b[2J sentence.")
    return [], 1, f"{BRIEF}:23: control character U+001B"


def c_template_css_url_file(h):
    h.edit("templates/brief.css", "body { margin: 0; }",
           f'body {{ margin: 0; }}\nhtml {{ background: url("file://{h.secret()}"); }}')
    line = h.line_of("templates/brief.css", "html { background: url(")
    h.must_ask = h.secret().as_uri()
    return [], 1, (f"templates/brief.css:{line}: refused 'file://{h.secret()}': outside the "
                   "project's folders")


def c_template_css_url_relative(h):
    h.edit("templates/brief.css", "body { margin: 0; }",
           f'body {{ margin: 0; }}\nhtml {{ background: url("{h.relative_secret()}"); }}')
    line = h.line_of("templates/brief.css", "html { background: url(")
    h.must_ask = h.secret().as_uri()
    return [], 1, f"templates/brief.css:{line}: refused 'file://{h.secret()}': outside"


def c_template_css_import_network(h):
    h.edit("templates/brief.css", "@page {", '@import url("http://127.0.0.1:9/x.css");\n@page {')
    line = h.line_of("templates/brief.css", "@import")
    h.must_ask = "http://127.0.0.1:9/x.css"
    return [], 1, (f"templates/brief.css:{line}: refused 'http://127.0.0.1:9/x.css': no "
                   "network access")


def c_usage_unknown_locale(h):
    return ["--locale", "qq"], 2, "briefpress: no catalog folder for 'qq'"


def c_usage_bad_format(h):
    return ["--format", "pdf,docx"], 2, "briefpress: unknown format docx"


def c_usage_empty_format(h):
    return ["--format", ","], 2, "briefpress: --format needs at least one of"


CASES = [
    c_translation_img_file_url, c_translation_iframe, c_translation_script,
    c_translation_raw_html_block,
    c_translation_raw_html_block_on_lines,
    c_translation_new_link_target,
    c_translation_javascript_link, c_translation_new_image, c_translation_footnote_lost,
    c_translation_footnote_added, c_translation_unclosed_code_fence,
    c_translation_style_attribute,
    c_translation_attachment_attribute,
    c_po_unterminated_string, c_po_duplicate_msgid, c_po_garbage_line, c_po_plural_forms_ja,
    c_po_plural_forms_ko, c_po_plural_expression, c_po_invalid_utf8, c_po_escape_character,
    c_po_c1_control_character, c_po_escaped_control_character, c_po_lone_carriage_return,
    c_po_unknown_placeholder,
    c_po_stray_percent,
    c_po_unknown_locale_folder,
    c_brief_bad_yaml, c_brief_unknown_field, c_brief_unknown_language,
    c_brief_missing_figure, c_brief_dotdot_path, c_brief_absolute_path, c_brief_symlink_out,
    c_brief_device_file, c_brief_fifo, c_brief_symlink_loop, c_brief_nul_in_path,
    c_brief_file_url, c_brief_http_url, c_brief_decompression_bomb, c_brief_svg_xxe,
    c_brief_svg_external_file, c_brief_not_an_image, c_brief_raw_html_image,
    c_brief_raw_html_image_epub,
    c_brief_javascript_link,
    c_brief_control_character,
    c_template_css_url_file, c_template_css_url_relative, c_template_css_import_network,
    c_usage_unknown_locale, c_usage_bad_format,
    c_usage_empty_format,
]


def case_id(case) -> str:
    func = case.values[0] if hasattr(case, "values") else case
    return func.__name__.removeprefix("c_").replace("_", "-")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_hostile_input_is_refused_with_file_and_line(hostile, case):
    args, code, expected = case(hostile)
    hostile.assert_refused(hostile.run(*args), code, expected)


def test_there_are_at_least_25_hostile_cases():
    assert len(CASES) >= 25


def test_the_spies_see_a_read_outside_and_a_connection(hostile):
    """The harness itself: a read of a secret and a connection attempt are caught."""
    global _ACTIVE
    _ACTIVE = hostile.spy
    try:
        hostile.secret().read_bytes()
        with pytest.raises(OSError, match="disabled"):
            socket.create_connection(("127.0.0.1", 9))
    finally:
        _ACTIVE = None
    with pytest.raises(AssertionError):
        hostile.assert_nothing_read_outside()
    with pytest.raises(AssertionError):
        hostile.assert_no_network()


def test_update_with_an_unknown_locale_is_a_usage_error(hostile):
    result = hostile.run("--locale", "qq", command="update", out=False)
    hostile.assert_refused(result, 2, "briefpress: --locale: unknown language 'qq'")
    assert not (hostile.root / "locales/qq").exists()


class Timeout(BaseException):
    """Raised by the alarm: a BaseException, so the command cannot turn it into exit 3."""


def test_yaml_alias_bomb_is_refused_quickly(hostile):
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    hostile.edit(BRIEF, "series: Test Series\n", "series: Test Series\n" + "\n".join(lines) + "\n")

    def alarm(*_):
        raise Timeout("the front matter took more than 5 seconds to read")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, 5)
    try:
        result = hostile.run()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    hostile.assert_refused(result, 1, f"{BRIEF}:7: YAML aliases")


@pytest.mark.parametrize("char, name", [("\u202e", "RIGHT-TO-LEFT OVERRIDE"),
                                        ("\u200b", "ZERO WIDTH SPACE")])
def test_check_reports_invisible_characters(hostile, char, name):
    line = hostile.translate("Second item", f"Second{char} item")
    code, stdout, stderr = hostile.run(command="check", out=False)
    assert code == 1 and "Traceback" not in stderr
    assert f"{PO}:{line}: [invisible-characters] invisible characters: U+{ord(char):04X} " \
           f"{name}" in stdout.splitlines()
    assert "check: 1 errors" in stderr
    hostile.assert_nothing_read_outside()
    hostile.assert_no_network()
    hostile.assert_outputs_unchanged()


def test_raw_html_in_a_brief_never_reaches_an_epub(hostile):
    """pandoc's EPUB writer cannot run sandboxed and would pack any file a raw <img>
    names into the book: such a document is refused before pandoc starts."""
    hostile.edit(BRIEF, "> A quoted sentence.", f'> A quoted <img src="{hostile.secret()}"> x.')
    code, _, err = hostile.run("--format", "epub")
    assert code == 1 and "Traceback" not in err
    assert "raw HTML may not hold <img>" in err
    hostile.assert_nothing_read_outside()
    hostile.assert_no_network()
    hostile.assert_outputs_unchanged()


def test_a_translated_ui_string_is_escaped(hostile):
    """Template strings from the UI catalog never carry markup into the page."""
    hostile.edit(TEMPLATES_PO, 'msgid "Series: %(series)s"\nmsgstr ""',
                 'msgid "Series: %(series)s"\nmsgstr "<img src=\\"file:///etc/passwd\\"> '
                 '%(series)s"')
    code, _, err = hostile.run("--locale", "ja", "--format", "pdf,html")
    assert code == 0, err
    assert not any(url.startswith("file:///etc") for url in hostile.spy.asked)
    html = (hostile.out / "rich" / "rich.ja.html").read_text(encoding="utf-8")
    assert '<img src="file:///etc/passwd">' not in html
    hostile.assert_nothing_read_outside()
    hostile.assert_no_network()


# --- the fetcher and write_atomic on their own -----------------------------------------


def fetcher_for(folder: Path, templates: Path):
    return briefpress.fetcher.weasyprint_fetcher((folder, templates), {})


@pytest.mark.parametrize("url, words", [
    ("file:///etc/passwd", "outside the project's folders"),
    ("http://127.0.0.1:9/x.png", "no network access"),
    ("https://example.org/x.png", "no network access"),
    ("ftp://example.org/x.png", "no network access"),
    ("file://evil.example/etc/passwd", "no network access"),
    ("file:///dev/zero", "outside the project's folders"),
])
def test_the_fetcher_refuses_everything_outside(tmp_path, spy, url, words):
    folder = tmp_path / "content" / "b"
    folder.mkdir(parents=True)
    fetcher = fetcher_for(folder, tmp_path / "templates")
    with pytest.raises(fetcher.Refused) as err:
        fetcher.fetch(url)
    assert words in str(err.value.error)
    assert fetcher.fetched == [] and fetcher.requested == [url]
    assert spy.connections == []


def test_the_fetcher_size_checks_images_before_they_are_decoded(tmp_path):
    folder = tmp_path / "content" / "b"
    folder.mkdir(parents=True)
    (folder / "bomb.png").write_bytes(bomb_png())
    (folder / "brief.md").write_text("![x](bomb.png)\n", encoding="utf-8")
    fetcher = fetcher_for(folder, tmp_path / "templates")
    with pytest.raises(fetcher.Refused) as err:
        fetcher.fetch((folder / "bomb.png").as_uri())
    assert "declares more than 50,000,000 pixels" in str(err.value.error)
    assert str(err.value.error).startswith("content/b/brief.md:1: ")
    import base64

    data = "data:image/png;base64," + base64.b64encode(bomb_png()).decode()
    with pytest.raises(fetcher.Refused, match="declares more than"):
        fetcher.fetch(data)
    assert fetcher.fetched == []


def test_the_fetcher_serves_files_of_the_brief_and_the_templates(tmp_path):
    folder = tmp_path / "content" / "b"
    folder.mkdir(parents=True)
    Image.new("RGB", (2, 2)).save(folder / "ok.png")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "x.css").write_text("p {}", encoding="utf-8")
    fetcher = fetcher_for(folder, tmp_path / "templates")
    assert fetcher.fetch((folder / "ok.png").as_uri()).read().startswith(b"\x89PNG")
    assert fetcher.fetch((tmp_path / "templates" / "x.css").as_uri()).read() == b"p {}"
    assert fetcher.fetched == [(folder / "ok.png").resolve(),
                               (tmp_path / "templates" / "x.css").resolve()]


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_write_atomic_removes_stale_temporaries_but_not_live_ones(tmp_path):
    target = tmp_path / "b.pdf"
    stale = tmp_path / f".b.pdf.{dead_pid()}-abcd1234.tmp"
    stale.write_bytes(b"half a PDF")
    with subprocess.Popen(["sleep", "30"]) as live:
        busy = tmp_path / f".b.pdf.{live.pid}-efgh5678.tmp"
        busy.write_bytes(b"another build is writing this")
        other = tmp_path / f".c.pdf.{dead_pid()}-abcd1234.tmp"
        other.write_bytes(b"another target's")
        write_atomic(target, b"%PDF-new")
        assert target.read_bytes() == b"%PDF-new"
        assert not stale.exists()
        assert busy.exists() and other.exists()
        live.kill()
    live.wait()
    assert remove_stale_temporaries(target) == [busy]
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, "b.pdf"]


def test_write_atomic_from_many_threads_leaves_one_whole_file(tmp_path):
    target = tmp_path / "out" / "b.pdf"
    payloads = [bytes([i]) * 200_000 for i in range(8)]
    errors = []

    def write(data):
        try:
            for _ in range(5):
                write_atomic(target, data)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(p,)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert target.read_bytes() in payloads
    assert [p.name for p in target.parent.iterdir()] == ["b.pdf"]


def test_write_atomic_failure_is_a_clean_error_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "b.pdf"
    target.write_bytes(b"old")
    (tmp_path / "blocked").mkdir()
    with pytest.raises(ToolError, match="cannot write the file"):
        write_atomic(tmp_path / "blocked", b"new")  # a folder is in the way
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("msgid, msgstr, words", [
    ("Series: %(series)s", "Series: %(nope)s", "uses the placeholder %(nope)s"),
    ("Series: %(series)s", "100% %(series)s", "not a valid format string"),
    ("About the author", "50% off", "not a valid format string"),
    ("Series: %(series)s", "%(series)s, 100%%", None),
    ("About the author", "著者について", None),
])
def test_template_strings_must_be_format_strings_jinja_can_fill(msgid, msgstr, words):
    from babel.messages.catalog import Catalog

    from briefpress.errors import CatalogError
    from briefpress.posyntax import check_template_strings

    catalog = Catalog(locale="ja")
    catalog.add(msgid, msgstr, lineno=7)
    catalog.add("Untranslated %(x)s", "%(zzz)s", lineno=9, flags=["fuzzy"])  # never used
    if words is None:
        check_template_strings(catalog, TEMPLATES_PO)
        return
    with pytest.raises(CatalogError, match=re.escape(words)) as err:
        check_template_strings(catalog, TEMPLATES_PO)
    assert str(err.value).startswith(f"{TEMPLATES_PO}:7: ")


def test_resolve_local_errors_are_resource_errors(tmp_path):
    (tmp_path / "x.png").write_bytes(b"GIF89a broken")
    with pytest.raises(ResourceError, match="not a PNG, JPEG, GIF, WebP or SVG"):
        briefpress.sandbox.resolve_local("x.png", tmp_path, tmp_path, "b.md", 3)


# --- nothing lost ------------------------------------------------------------------------


def command(root: Path, out: Path) -> list[str]:
    return [str(BRIEFPRESS), "build", "--root", str(root), "--out", str(out),
            "--format", "pdf,epub,html"]


def start_build(root: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    return subprocess.Popen(command(root, out), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)


def wait_for_first_output(proc: subprocess.Popen, timeout: float = 120) -> str:
    """Read stderr until the first progress line ("[1/N] path"): one output is written
    and the next is being made."""
    deadline = time.monotonic() + timeout
    buffer = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 0.5)
        if ready:
            chunk = os.read(proc.stderr.fileno(), 4096)
            if not chunk:
                break
            buffer += chunk
            if re.search(rb"^\[1/\d+\] ", buffer, re.MULTILINE):
                return buffer.decode()
    proc.kill()
    raise AssertionError(f"no progress line: {buffer.decode(errors='replace')}")


def temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.tmp")]


@pytest.mark.slow
def test_a_build_killed_mid_way_then_rerun_gives_the_same_bytes(base, tmp_path):
    root, reference = base
    out = tmp_path / "out"
    proc = start_build(root, out)
    wait_for_first_output(proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    # What a kill during a write leaves: a temporary beside its target.
    (out / "rich").mkdir(parents=True, exist_ok=True)
    (out / "rich" / f".rich.ja.pdf.{dead_pid()}-killed01.tmp").write_bytes(b"%PDF-1.7 half")
    code, _, err = run_cli("build", "--root", str(root), "--out", str(out),
                           "--format", "pdf,epub,html")
    assert code == 0, err
    assert temporaries(out) == []
    assert snapshot(out) == snapshot(reference)


@pytest.mark.slow
def test_ctrl_c_mid_build_exits_130_and_keeps_the_previous_files(base, tmp_path):
    root, reference = base
    out = tmp_path / "out"
    shutil.copytree(reference, out)
    before = snapshot(out)
    proc = start_build(root, out)
    wait_for_first_output(proc)
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=60)
    assert proc.returncode == 130, rest.decode()
    assert b"interrupted" in rest and b"Traceback" not in rest
    assert temporaries(out) == []
    assert snapshot(out) == before


@pytest.mark.slow
def test_two_builds_at_once_into_one_folder_both_succeed(base, tmp_path):
    from pypdf import PdfReader

    root, reference = base
    out = tmp_path / "out"
    procs = [start_build(root, out) for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    assert temporaries(out) == []
    pdfs = sorted((out / "rich").glob("*.pdf"))
    assert len(pdfs) == 3
    for pdf in pdfs:
        reader = PdfReader(pdf)
        assert len(reader.pages) >= 1 and reader.metadata.title
    for epub in (out / "rich").glob("*.epub"):
        with zipfile.ZipFile(epub) as z:
            assert z.testzip() is None
    assert snapshot(out) == snapshot(reference)
