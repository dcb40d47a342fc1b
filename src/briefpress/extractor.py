"""A Babel extractor for briefs: ``pybabel extract -F babel.cfg`` gives the same units
as ``briefpress extract`` (entry point ``briefpress`` in ``babel.extractors``)."""

from __future__ import annotations

from pathlib import Path

from .load import load
from .segment import segment


def babel_extract(fileobj, keywords, comment_tags, options):
    """Yield (line, funcname, message, comments) for each unit of the brief *fileobj*
    is (``content/<slug>/brief.md``), as Babel's extractor interface asks."""
    path = Path(fileobj.name).resolve()
    root = path.parents[2]
    doc = load(root, path.parent.name)
    for seg in segment(doc):
        comment = seg.kind + ("" if seg.markdown else " (plain text)")
        yield seg.line, None, seg.text, [comment]
