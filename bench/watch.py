"""`briefpress watch` latency: from saving a PO file to the rewritten PDF.

Measured only when `briefpress --help` lists a watch command. The watcher runs in a
temporary copy of the project (`briefpress watch --root COPY`) and is stopped by its own
process id afterwards. A first save warms it up (and tells us it is watching); each
timed save waits until the build folder has been quiet for a second, so no rebuild is
still running when the clock starts.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import matrix
from common import env_with_venv, median, run_process

BRIEFPRESS = Path(sys.executable).parent / "briefpress"


def mtime(path: Path) -> int:
    return path.stat().st_mtime_ns if path.exists() else 0


def save_and_wait(po: Path, pdf: Path, timeout: float) -> float | None:
    """Save *po* again; seconds until *pdf* is rewritten, or None."""
    before = mtime(pdf)
    started = time.perf_counter()
    matrix.save_again(po)
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


def measure(root: Path, slug: str, lang: str, reps: int, work: Path) -> dict:
    helptext = run_process([BRIEFPRESS, "--help"]).stdout
    if "watch" not in helptext:
        return {"status": "not implemented", "detail": "`briefpress --help` lists no watch"}
    project = matrix.copy_project(root, work)
    pdf = project / "build" / slug / f"{slug}.{lang}.pdf"
    po = project / "locales" / lang / "LC_MESSAGES" / f"{slug}.po"
    watcher = subprocess.Popen([BRIEFPRESS, "watch", "--root", project], cwd=project,
                               env=env_with_venv(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    latencies = []
    try:
        deadline = time.monotonic() + 90  # warm-up: save until the watcher reacts
        while watcher.poll() is None and time.monotonic() < deadline:
            if save_and_wait(po, pdf, timeout=10) is not None:
                break
        for _ in range(reps):
            wait_quiet(project / "build")
            if watcher.poll() is not None:
                break
            seconds = save_and_wait(po, pdf, timeout=30)
            if seconds is not None:
                latencies.append(seconds)
    finally:
        watcher.terminate()
        try:
            watcher.wait(timeout=10)
        except subprocess.TimeoutExpired:
            watcher.kill()
            watcher.wait()
    if not latencies:
        return {"status": "failed", "detail": f"no rewritten {pdf.name} within 30 s of a "
                "save (ran `briefpress watch --root DIR`)"}
    return {"status": "measured", "latency_s": median(latencies), "samples": latencies,
            "output": pdf.name}
