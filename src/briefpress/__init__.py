"""briefpress: policy briefs in several languages, from Markdown and gettext catalogs
to PDF, EPUB and HTML.

The stages, one module each: load, segment, catalogs, localize, render, publish.
"""

from .errors import BriefpressError
from .load import load
from .localize import localize
from .model import Document, Segment
from .segment import segment

__version__ = "0.1.0"
__all__ = ["BriefpressError", "Document", "Segment", "load", "localize", "segment"]
