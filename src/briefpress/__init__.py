"""briefpress: policy briefs in several languages, from Markdown and gettext catalogs
to PDF, EPUB and HTML.

The stages, one module each: load, segment, catalogs, localize, render, publish.
Where a project's files are is layout.Layout's alone.

Logging policy (as WeasyPrint's ``logger.py`` states its own):

- Two loggers, each with a NullHandler, so a program that imports briefpress and
  configures no logging sees nothing: ``briefpress`` (and its children, one per module,
  ``briefpress.catalogs``...) and ``briefpress.progress`` (logs.LOGGER, logs.PROGRESS).
- Levels are used for specific purposes: errors and warnings in ``briefpress`` for
  problems the run survived (a catalog entry dropped, a brief left out of the index,
  units shown in the source language); infos in ``briefpress.progress`` for the steps
  of a long command (each output written, watch and serve rebuilding), and errors there
  for the problems a watch or serve loop reports and survives.
- Library code logs; it never prints, and takes no ``stream=`` argument. A problem the
  run cannot survive is an exception, never a log record: BriefpressError for the
  user's input (exit status 1), ToolError for a tool or the machine (pandoc failed or
  timed out, the disk refused a write: exit status 4).
- Only the command line (cli.main, through logs.shown_on) installs handlers, for the
  length of one command: every logger's warnings and errors, WeasyPrint's included
  (bad CSS, missing fonts), as ``logger: message``, each distinct message once; progress
  as a bar on a terminal and one line per step elsewhere.
"""

from .errors import BriefpressError, ToolError
from .load import load
from .localize import localize
from .model import Document, Segment
from .segment import segment

__version__ = "0.1.0"
__all__ = ["BriefpressError", "Document", "Segment", "ToolError", "load", "localize",
           "segment"]
