"""Writing files so that a failure never leaves a half-written one in place.

A file is written to ``.<name>.<pid>-<random>.tmp`` beside its target, flushed to disk
and renamed over the target, so a reader sees the old file or the new one, never a
part. A build killed with SIGKILL (or a power cut) can leave such a temporary behind;
the next write of the same target removes it, once the process that made it is gone.
Temporaries of processes still running are left alone, so two builds into the same
folder do not delete each other's work.
"""

from __future__ import annotations

import os
import re
import signal
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from .errors import ToolError

# Temporaries this process is writing now (another thread's are not stale).
_active: set[str] = set()
_active_lock = threading.Lock()
# A temporary of a live process that is this old is an orphan of an earlier process
# whose pid was reused; a write in progress keeps its file's time fresh.
ORPHAN_SECONDS = 3600


def temporary_pattern(name: str) -> re.Pattern:
    """``.<name>.<pid>-<random>.tmp``, and ``.<name>.<random>.tmp`` of older versions."""
    return re.compile(rf"^\.{re.escape(name)}\.(?:(\d+)-)?[A-Za-z0-9_]+\.tmp$")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    except OSError:
        return False
    return True


def sweep_temporaries(folder: Path) -> None:
    """Remove the temporaries in *folder* of writers that are gone (a build's workers
    ended by Ctrl-C die mid-write)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    targets = {m.group(1) for entry in entries
               if (m := re.match(r"^\.(.+)\.\d+-[A-Za-z0-9_]+\.tmp$", entry.name))}
    for name in targets:
        remove_stale_temporaries(folder / name)


def stale_temporaries(path: Path) -> list[Path]:
    """Temporaries of *path* left behind by writers that are gone."""
    pattern = temporary_pattern(path.name)
    stale = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return []
    now = time.time()
    for entry in entries:
        m = pattern.match(entry.name)
        if not m:
            continue
        full = os.path.join(path.parent, entry.name)
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        old = now - info.st_mtime > ORPHAN_SECONDS
        if m.group(1) is None:  # no pid in the name: an older briefpress's
            gone = old
        else:
            pid = int(m.group(1))
            if pid == os.getpid():
                with _active_lock:
                    gone = full not in _active
            else:
                gone = not pid_alive(pid) or old
        if gone:
            stale.append(Path(full))
    return stale


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Remove the temporaries of *path* that no live writer owns. Returns them."""
    removed = []
    for tmp in stale_temporaries(path):
        try:
            os.unlink(tmp)
            removed.append(tmp)
        except FileNotFoundError:
            pass  # another build removed it first
    return removed


@contextmanager
def _signals_deferred():
    """Hold SIGINT and SIGTERM for a moment, so a Ctrl-C cannot land between creating a
    temporary and recording it (where nothing would remove it)."""
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError):
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def write_atomic(path: Path, data: bytes) -> None:
    """Write *data* to a temporary file beside *path*, then rename it into place.

    An operating-system failure (disk full, no permission, a folder in the way) is a
    ToolError naming *path*; the target is then as it was.
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path)
        # Created and recorded under the lock: another thread's sweep waits for the
        # record before it decides whether the file is stale.
        with _signals_deferred(), _active_lock:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp",
                                       dir=path.parent)
            _active.add(tmp)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        sync_folder(path.parent)
    except BaseException as exc:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        if isinstance(exc, OSError):
            raise ToolError(f"cannot write the file: {exc.strerror or exc}", path) from exc
        raise
    finally:
        if tmp is not None:
            with _active_lock:
                _active.discard(tmp)


def sync_folder(folder: Path) -> None:
    """Make a rename in *folder* durable (a power cut then keeps the new file)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_html(target: Path, html: str) -> None:
    write_atomic(target, html.encode("utf-8"))
