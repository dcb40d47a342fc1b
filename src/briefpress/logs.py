"""The package's two loggers, and the handlers the command line puts on them.

The policy is the package docstring's (``briefpress.__doc__``). Library code gets its
logger here (or ``logging.getLogger(__name__)``, a child of ``briefpress``) and never
configures logging; only ``cli.main`` installs handlers, for the length of a command.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

LOGGER = logging.getLogger("briefpress")
LOGGER.addHandler(logging.NullHandler())

PROGRESS = logging.getLogger("briefpress.progress")
PROGRESS.addHandler(logging.NullHandler())


def progress(done: int, total: int, label: str) -> None:
    """One finished step of *total* (an output written): a record the CLI shows as a
    bar on a terminal and as ``[done/total] label`` otherwise."""
    PROGRESS.info("[%d/%d] %s", done, total, label,
                  extra={"done": done, "total": total, "label": label})


class Once(logging.Filter):
    """Lets each distinct message through once (WeasyPrint repeats a CSS warning for
    every element it applies to)."""

    def __init__(self):
        super().__init__()
        self.seen: set = set()

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, record.getMessage())
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


class ProgressHandler(logging.StreamHandler):
    """``briefpress.progress`` records: steps as a bar on a terminal, plain lines off
    one; any other record as its message."""

    def emit(self, record: logging.LogRecord) -> None:
        done = getattr(record, "done", None)
        tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        if done is None or not tty:
            return super().emit(record)
        width, total = 24, record.total
        filled = width * done // max(total, 1)
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] "
                          f"{done}/{total} {record.label[:60]:<60}")
        if done == total:
            self.stream.write("\n")
        self.flush()


@contextmanager
def shown_on(stream):
    """For the length of a command: every logger's warnings and errors (briefpress's,
    WeasyPrint's, fontTools'...) on *stream* as ``logger: message``, each distinct one
    once; progress records (level INFO and up) as they are."""
    shown = logging.StreamHandler(stream)
    shown.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    shown.setLevel(logging.WARNING)
    shown.addFilter(Once())
    shown.addFilter(lambda record: not record.name.startswith(PROGRESS.name))
    steps = ProgressHandler(stream)
    root = logging.getLogger()
    old_level = PROGRESS.level
    PROGRESS.setLevel(logging.INFO)
    root.addHandler(shown)
    PROGRESS.addHandler(steps)
    try:
        yield
    finally:
        PROGRESS.removeHandler(steps)
        root.removeHandler(shown)
        PROGRESS.setLevel(old_level)
