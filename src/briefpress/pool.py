"""A fork-after-import pool: independent jobs run side by side in worker processes
forked from this one, so they share everything it has imported (WeasyPrint, briefpress)
and computed (parsed briefs, rendered HTML) without paying for it again.

A job is any callable of no arguments: the workers inherit the list of jobs when they
are forked, so only its index goes to a worker and only its result (which must pickle)
comes back. Results come back in the jobs' order whatever order they finished in, each
as ``(True, value)`` or ``(False, exception)``; an exception that does not survive
pickling comes back as a RuntimeError naming it.
"""

from __future__ import annotations

import gc
import os
import pickle

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


def attempt(index: int) -> tuple[bool, object]:
    """Job *index*, its exception caught (and made picklable)."""
    try:
        return True, _jobs[index]()
    except Exception as exc:  # noqa: BLE001  (handed back to the parent as it is)
        try:
            pickle.loads(pickle.dumps(exc))
            return False, exc
        except Exception:  # noqa: BLE001
            return False, RuntimeError(f"{type(exc).__name__}: {exc}")


def run(jobs: list, workers: int | None = None, done=None) -> list[tuple[bool, object]]:
    """Every job, in *workers* forked processes (default: every core); with one worker
    or one job, here in this process. ``done(index, outcome)`` is called as each job
    finishes (in this process, in the order they finish)."""
    workers = min(workers or cores(), len(jobs))
    outcomes: list = [None] * len(jobs)
    if workers <= 1:
        for i in range(len(jobs)):
            _jobs[:] = jobs
            outcomes[i] = attempt(i)
            if done:
                done(i, outcomes[i])
        _jobs.clear()
        return outcomes
    import multiprocessing

    _jobs[:] = jobs
    gc.collect()
    gc.freeze()  # the workers' copies of what is here stay shared: no refcount writes
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for i, outcome in pool.imap_unordered(numbered, range(len(jobs))):
                outcomes[i] = outcome
                if done:
                    done(i, outcome)
    finally:
        gc.unfreeze()
        _jobs.clear()
    return outcomes


def numbered(index: int) -> tuple[int, tuple[bool, object]]:
    return index, attempt(index)
