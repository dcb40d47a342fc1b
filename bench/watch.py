"""`briefpress watch` latency: from saving a PO file to the rewritten PDF.

Measured only when `briefpress --help` lists a watch command. The watcher runs in a
temporary copy of the project (`briefpress watch --root COPY`) and is stopped by its own
process id afterwards. A first save warms it up (and tells us it is watching); each
timed save waits until the build folder has been quiet for a second, so no rebuild is
still running when the clock starts.

Each timed save is a translator's edit of a paragraph's translation, so nothing the
watcher keeps from the last build can stand in for laying the PDF out again:

- a word changed: the paragraph's first character moved to its end, and back at the
  next save (the same characters, so the same font subsets);
- a new character: the paragraph's last character replaced by one the brief has
  nowhere else, a different one each save (every font subset is made anew).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import matrix
from common import env_with_venv, median, run_process

BRIEFPRESS = Path(sys.executable).parent / "briefpress"


def mtime(path: Path) -> int:
    return path.stat().st_mtime_ns if path.exists() else 0


def save_and_wait(po: Path, pdf: Path, timeout: float, text: str | None = None) -> float | None:
    """Save *po* again (as *text*, if given); seconds until *pdf* is rewritten, or None."""
    before = mtime(pdf)
    started = time.perf_counter()
    if text is None:
        matrix.save_again(po)
    else:
        po.write_text(text, encoding="utf-8")
    while time.perf_counter() - started < timeout:
        if mtime(pdf) != before:
            return time.perf_counter() - started
        time.sleep(0.005)
    return None


def wait_quiet(folder: Path, quiet: float = 1.0, timeout: float = 60) -> None:
    """Until no file under *folder* has changed for *quiet* seconds."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        state = {p: mtime(p) for p in folder.rglob("*")} if folder.exists() else {}
        if state != last:
            last, since = state, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.1)


RARE = "鬱鬯麤爨鼈齾驫龘靐齉鸞麣"  # in the CJK fonts, in no brief of ours


def paragraph(po_text: str) -> str:
    """The first line of the first body paragraph's translation (a PO file wraps it:
    ``msgstr ""`` and then its lines), if it has no escapes."""
    for entry in po_text.split("\n\n"):
        lines = entry.splitlines()
        if "#. paragraph" in lines and 'msgstr ""' in lines:
            line = lines[lines.index('msgstr ""') + 1]
            if re.fullmatch(r'"[^"\\]{20,}"', line):
                return line[1:-1]
    raise RuntimeError("no translated paragraph to edit")


def edits(po_text: str, kind: str, count: int) -> list[str]:
    """*count* versions of the PO text, each a *kind* edit ("word" or "character") of
    one paragraph's translation from the one before."""
    text = paragraph(po_text)
    if kind == "word":
        variants = [text[1:] + text[0], text]
    else:
        rare = [c for c in RARE if c not in po_text]
        variants = [text[:-1] + c for c in rare]
    return [po_text.replace(f'msgstr ""\n"{text}"', f'msgstr ""\n"{variants[i % len(variants)]}"',
                            1) for i in range(count)]


def timed_saves(po: Path, pdf: Path, versions: list[str], build: Path, watcher) -> list:
    latencies = []
    for version in versions:
        wait_quiet(build)
        if watcher.poll() is not None:
            break
        seconds = save_and_wait(po, pdf, timeout=30, text=version)
        if seconds is not None:
            latencies.append(seconds)
    return latencies


def measure(root: Path, slug: str, lang: str, reps: int, work: Path) -> dict:
    helptext = run_process([BRIEFPRESS, "--help"]).stdout
    if "watch" not in helptext:
        return {"status": "not implemented", "detail": "`briefpress --help` lists no watch"}
    project = matrix.copy_project(root, work)
    pdf = project / "build" / slug / f"{slug}.{lang}.pdf"
    po = project / "locales" / lang / "LC_MESSAGES" / f"{slug}.po"
    original = po.read_text(encoding="utf-8")
    watcher = subprocess.Popen([BRIEFPRESS, "watch", "--root", project], cwd=project,
                               env=env_with_venv(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    found = {}
    try:
        deadline = time.monotonic() + 90  # warm-up: save until the watcher reacts
        while watcher.poll() is None and time.monotonic() < deadline:
            if save_and_wait(po, pdf, timeout=10) is not None:
                break
        count = max(reps, 6)
        for kind in ("word", "character"):
            found[kind] = timed_saves(po, pdf, edits(original, kind, count),
                                      project / "build", watcher)
    finally:
        watcher.terminate()
        try:
            watcher.wait(timeout=10)
        except subprocess.TimeoutExpired:
            watcher.kill()
            watcher.wait()
    if not found.get("word") or not found.get("character"):
        return {"status": "failed", "detail": f"no rewritten {pdf.name} within 30 s of a "
                "save (ran `briefpress watch --root DIR`)"}
    return {"status": "measured", "latency_s": median(found["word"]),
            "samples": found["word"], "new_character_s": median(found["character"]),
            "new_character_samples": found["character"], "output": pdf.name}
