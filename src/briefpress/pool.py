"""A fork-after-import pool: independent jobs run side by side in worker processes
forked from this one, so they share everything it has imported (WeasyPrint, briefpress)
and computed (parsed briefs, rendered HTML) without paying for it again.

A job is any callable, of no arguments, or of one where it needs another job's value
(``run(after=...)``): the workers inherit the list of jobs when they are forked, so only
its index (and that value) goes to a worker and only its result (which must pickle)
comes back. Results come back in the jobs' order whatever order they finished in, each
as ``(True, value)`` or ``(False, exception)``; an exception that does not survive
pickling comes back as a RuntimeError naming it.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import threading

_jobs: list = []


def cores() -> int:
    """The cores this process may use (``BRIEFPRESS_JOBS`` overrides)."""
    chosen = os.environ.get("BRIEFPRESS_JOBS", "")
    if chosen.isdigit() and int(chosen) > 0:
        return int(chosen)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def attempt(index: int, *args) -> tuple[bool, object]:
    """Job *index* (given *args*), its exception caught (and made picklable)."""
    try:
        return True, _jobs[index](*args)
    except Exception as exc:  # noqa: BLE001  (handed back to the parent as it is)
        try:
            pickle.loads(pickle.dumps(exc))
            return False, exc
        except Exception:  # noqa: BLE001
            return False, RuntimeError(f"{type(exc).__name__}: {exc}")


def run(jobs: list, workers: int | None = None, done=None, skip=None,
        after: dict[int, int] | None = None) -> list[tuple[bool, object]]:
    """Every job, in *workers* forked processes (default: every core); with one worker
    or one job, here in this process, in order, where a job for which ``skip(index)``
    is true is not run (its outcome: ``(True, None)``). ``done(index, outcome)`` is
    called as each job finishes (in this process, in the order they finish).

    *after* maps a job to the one it needs: it starts once that one has ended, given
    its value (side by side, the jobs that need none start first, in order, and each
    other as soon as it can); it is not run if that one failed (``(True, None)``)."""
    workers = 1 if not alone() else min(workers or cores(), len(jobs))
    after = after or {}
    _jobs[:] = jobs
    try:
        if workers <= 1:
            return in_order(len(jobs), done or (lambda i, o: None), skip, after)
        # The workers' copies of what is here stay shared: their collector leaves it
        # alone. No collection first (30-40 ms of every build): garbage frozen with the
        # rest is never touched, so it stays shared too, and is collected after the pool.
        gc.freeze()
        try:
            return side_by_side(len(jobs), workers, done or (lambda i, o: None), after)
        finally:
            gc.unfreeze()
    finally:
        _jobs.clear()


def in_order(count: int, done, skip, after: dict[int, int]) -> list:
    outcomes: list = [None] * count
    for i in range(count):
        needed = outcomes[after[i]] if i in after else (True, None)
        if (skip and skip(i)) or not needed[0] or (i in after and needed[1] is None):
            outcomes[i] = (True, None)
        else:
            outcomes[i] = attempt(i, *((needed[1],) if i in after else ()))
        done(i, outcomes[i])
    return outcomes


def side_by_side(count: int, workers: int, done, after: dict[int, int]) -> list:
    import multiprocessing
    import queue

    outcomes: list = [None] * count
    finished: queue.SimpleQueue = queue.SimpleQueue()
    waiting: dict[int, list[int]] = {}
    for job, needed in after.items():
        waiting.setdefault(needed, []).append(job)
    with multiprocessing.get_context("fork").Pool(workers) as workers_pool:
        def start(i: int, *args) -> None:
            workers_pool.apply_async(numbered, (i, *args), callback=finished.put,
                                     error_callback=lambda exc, i=i: finished.put(
                                         (i, (False, exc))))
        for i in range(count):
            if i not in after:
                start(i)
        left = count
        while left:
            ready = [finished.get()]
            while ready:
                i, outcome = ready.pop()
                outcomes[i], left = outcome, left - 1
                done(i, outcome)
                for job in waiting.get(i, ()):
                    if outcome[0] and outcome[1] is not None:
                        start(job, outcome[1])
                    else:  # what it needs failed or was not run
                        ready.append((job, (True, None)))
    return outcomes


def alone() -> bool:
    """Whether this process may fork: a child forked while another thread holds a lock
    (Pango's, fontconfig's) waits on it for ever. With other threads (a test harness, a
    program embedding briefpress) the work runs here instead, with the same bytes."""
    return threading.active_count() == 1


def numbered(index: int, *args) -> tuple[int, tuple[bool, object]]:
    return index, attempt(index, *args)


class Background:
    """*work()* in one process forked from this one, while this one goes on (watch
    writes the bilingual editions so, and drops them when the next save comes).
    ``result()``: None while it runs, then ``(True, value)`` or ``(False, exception)``."""

    def __init__(self, work, nice: int = 10):
        if threading.active_count() > 1:  # see alone()
            self.pid, self.outcome = 0, attempt_one(work)
            return
        read, write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the worker: never back into the caller's loop
            os.close(read)
            code = 1
            try:
                os.nice(nice)  # the caller's next job comes first on a busy machine
                data = pickle.dumps(attempt_one(work))
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self.fd = read
        os.set_blocking(read, False)
        self.data = b""
        self.outcome = None

    def result(self, wait: bool = False):
        if self.outcome is None and self.pid:
            os.set_blocking(self.fd, wait)
            while True:
                try:
                    chunk = os.read(self.fd, 1 << 16)
                except BlockingIOError:
                    break
                if not chunk:
                    break
                self.data += chunk
            pid, status = os.waitpid(self.pid, 0 if wait else os.WNOHANG)
            if pid:
                self.pid = 0
                self.data += self.drain()
                os.close(self.fd)
                try:
                    self.outcome = pickle.loads(self.data)
                except Exception:  # noqa: BLE001  (it died before it could say)
                    self.outcome = (False, RuntimeError(f"worker ended with status {status}"))
        return self.outcome

    def drain(self) -> bytes:
        out = b""
        os.set_blocking(self.fd, True)
        while chunk := os.read(self.fd, 1 << 16):
            out += chunk
        return out

    def cancel(self) -> None:
        """Stop it now (its outputs are written atomically: none is left half-written).
        SIGTERM's default action, not a handler: a worker forked while another thread
        held a lock may be stuck on it, where no Python handler runs; a temporary it
        leaves is removed by the next write of that file (output.write_atomic)."""
        if self.pid:
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
            self.pid = 0
            os.close(self.fd)


def attempt_one(work) -> tuple[bool, object]:
    _jobs[:] = [work]
    try:
        return attempt(0)
    finally:
        _jobs.clear()
