"""Small helpers the benchmark sections share: clocks, medians, measured subprocesses,
and what is inside a PDF (pages, embedded fonts)."""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def median(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


@contextmanager
def clock(times: dict, name: str):
    """Add the seconds spent in the with-block to times[name]."""
    started = time.perf_counter()
    try:
        yield
    finally:
        times[name] = times.get(name, 0.0) + time.perf_counter() - started


@dataclass
class Proc:
    """One finished subprocess: wall time, CPU time (its own and that of every process
    it waited for), exit code, output, and (when asked for) peak resident memory of
    the largest process in its tree."""

    wall: float
    cpu: float
    returncode: int
    stdout: str
    stderr: str
    maxrss_mb: float | None = None

    def check(self, what: str) -> "Proc":
        if self.returncode != 0:
            raise RuntimeError(f"{what} failed (exit {self.returncode}):\n"
                               f"{self.stderr[-3000:]}")
        return self


# Peak memory needs a small parent: Linux starts a child's ru_maxrss at the size of the
# process it was forked from (here the benchmark itself, hundreds of MiB once WeasyPrint
# has loaded fonts). So a command whose memory is measured runs under this tiny Python,
# which reports its children's getrusage (~20 ms more wall time).
MEMORY_PROBE = ("import json, resource, subprocess, sys; rc = subprocess.call(sys.argv[2:]); "
                "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
                "open(sys.argv[1], 'w').write(json.dumps(u.ru_maxrss)); sys.exit(rc)")


def run_process(cmd: list, *, cwd=None, env=None, stdin: bytes | None = None,
                memory: bool = False) -> Proc:
    """Run *cmd*; wall time, and CPU time from os.wait4 (this child's own usage: the
    same figure as a getrusage(RUSAGE_CHILDREN) difference around it)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.TemporaryFile() as inp, tempfile.NamedTemporaryFile() as rss:
        if stdin is not None:
            inp.write(stdin)
            inp.seek(0)
        argv = [str(c) for c in cmd]
        if memory:
            argv = [sys.executable, "-S", "-c", MEMORY_PROBE, rss.name, *argv]
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=inp, stdout=out, stderr=err,
                                start_new_session=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        result = Proc(wall=wall, cpu=usage.ru_utime + usage.ru_stime,
                      returncode=proc.returncode,
                      stdout=out.read().decode("utf-8", "replace"),
                      stderr=err.read().decode("utf-8", "replace"))
        if memory:
            text = Path(rss.name).read_text()
            result.maxrss_mb = int(text) / 1024 if text else None  # Linux: KiB
        return result


def env_with_venv(**extra) -> dict:
    """The environment with .venv/bin first on PATH (pandoc finds `weasyprint` there)."""
    env = {**os.environ, **{k: str(v) for k, v in extra.items()}}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


FONT_FILE_KINDS = {"/FontFile": "Type 1", "/FontFile2": "TrueType outlines (glyf)"}


def font_breakdown(pdf: bytes) -> dict:
    """Bytes of a PDF that are embedded font programs, per font face.

    Sizes are the stored (compressed) stream lengths, so they add up to a share of the
    file; 'decoded' is the font program as a font file."""
    import pikepdf

    faces: dict[str, dict] = {}
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for obj in doc.objects:
            if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/FontDescriptor":
                continue
            for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                if key not in obj:
                    continue
                stream = obj[key]
                kind = FONT_FILE_KINDS.get(key)
                if kind is None:  # FontFile3: the stream's subtype says what it holds
                    kind = {"/OpenType": "OpenType (CFF outlines)",
                            "/CIDFontType0C": "CFF (CID-keyed)",
                            "/Type1C": "CFF"}.get(str(stream.get("/Subtype")),
                                                  str(stream.get("/Subtype")))
                name = str(obj.get("/FontName", "?")).lstrip("/")
                name = name.split("+", 1)[-1]  # drop the subset tag
                face = faces.setdefault(name, {"name": name, "kind": kind, "bytes": 0,
                                               "decoded": 0, "programs": 0})
                face["bytes"] += len(stream.read_raw_bytes())
                face["decoded"] += len(stream.read_bytes())
                face["programs"] += 1
                face.update(font_program_anatomy(stream.read_bytes()))
    fonts = sorted(faces.values(), key=lambda f: -f["bytes"])
    font_bytes = sum(f["bytes"] for f in fonts)
    return {"bytes": len(pdf), "font_bytes": font_bytes,
            "font_share": round(font_bytes / len(pdf), 3) if pdf else None,
            "fonts": fonts}


def font_program_anatomy(data: bytes) -> dict:
    """How many glyph slots an embedded font program has and how many hold a glyph,
    and each table's size compressed alone (what it roughly costs in the PDF)."""
    from fontTools.ttLib import TTFont

    if data[:4] not in (b"OTTO", b"\x00\x01\x00\x00", b"true"):
        return bare_cff_anatomy(data)
    try:
        font = TTFont(io.BytesIO(data), lazy=True)
        slots = font["maxp"].numGlyphs
        if "CFF " in font:
            index = font["CFF "].cff.topDictIndex[0].CharStrings.charStringsIndex
            used = sum(1 for i in range(len(index)) if len(index[i].bytecode or b"") > 1)
        else:
            glyf = font["glyf"]
            used = sum(1 for name in font.getGlyphOrder() if glyf[name].numberOfContours)
        tables = {tag.strip(): len(zlib.compress(font.reader[tag]))
                  for tag in font.reader.keys()}
    except Exception as exc:  # a font program fontTools cannot read: report, go on
        return {"anatomy_error": str(exc)}
    big = dict(sorted(tables.items(), key=lambda t: -t[1])[:4])
    return {"glyph_slots": slots, "glyphs_used": used, "tables_compressed": big}


def bare_cff_anatomy(data: bytes) -> dict:
    """The same for a bare CFF font program (/CIDFontType0C or /Type1C)."""
    from fontTools.cffLib import CFFFontSet

    try:
        cff = CFFFontSet()
        cff.decompile(io.BytesIO(data), None)
        index = cff[cff.fontNames[0]].CharStrings.charStringsIndex
        used = sum(1 for i in range(len(index)) if len(index[i].bytecode or b"") > 1)
    except Exception as exc:
        return {"anatomy_error": str(exc)}
    return {"glyph_slots": len(index), "glyphs_used": used,
            "tables_compressed": {"CFF": len(zlib.compress(data))}}


def kib(n: float | None) -> str:
    return "-" if n is None else f"{n / 1024:.0f} KiB"


def secs(s: float | None) -> str:
    return "-" if s is None else f"{s:.3f} s"
