"""One error class for every problem in the user's input, and one for the tools'.

Each input error names a file and a 1-based line, and prints as ``path:line: message``
(as Jinja2's TemplateSyntaxError does), so editors and CI logs can jump to it: exit
status 1. A ToolError is not the user's to fix in the brief: pandoc failed or timed
out, or the disk refused a write: exit status 4.
"""

from __future__ import annotations


class BriefpressError(Exception):
    """A problem in the user's input: exit status 1, no traceback."""

    category = "error"

    def __init__(self, message: str, path: object = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        where = self.path or ""
        if where and self.line:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}" if where else self.message


class FrontMatterError(BriefpressError):
    category = "front-matter"


class MarkdownError(BriefpressError):
    category = "markdown"


class CatalogError(BriefpressError):
    category = "catalog"


class TranslationError(BriefpressError):
    category = "translation"


class TemplateError(BriefpressError):
    category = "template"


class ResourceError(BriefpressError):
    category = "resource"


class EnvironmentProblem(BriefpressError):
    """Something briefpress needs from the machine is missing (a system library, a font,
    pandoc): exit status 1 and a message naming it and the command that installs it."""

    category = "environment"

    def __init__(self, message: str, install: str | None = None, as_root: bool = True):
        super().__init__(message)
        self.install = install
        self.as_root = as_root

    def __str__(self) -> str:
        text = f"briefpress: {self.message}"
        if self.install:
            text += f"\n  install it{' as root' if self.as_root else ''}:\n    {self.install}"
        if self.as_root:
            text += "\n  (`make setup` installs every Debian package briefpress needs)"
        return text


class UsageError(BriefpressError):
    """A bad option or argument: exit status 2."""

    category = "usage"


class ErrorList(BriefpressError):
    """Several problems found in one pass; reported together."""

    def __init__(self, errors: list[BriefpressError]):
        super().__init__(f"{len(errors)} problems")
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class ToolError(Exception):
    """A tool briefpress runs, or the machine, failed: pandoc failed or timed out, an
    output could not be written (disk full, no permission). Exit status 4; finished
    outputs stay in place, the failed one is not half-written. Not a BriefpressError:
    no brief is to blame, so a command stops at once instead of going on with the
    other briefs."""

    category = "tool"

    def __init__(self, message: str, path: object = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None

    def __str__(self) -> str:
        return f"briefpress: {self.path + ': ' if self.path else ''}{self.message}"
