"""Stage 6, publish: HTML to PDF with WeasyPrint (pdf), a localized document to EPUB 3
with pandoc (epub). Every output is written to a temporary file and renamed into place.
"""

from .epub import EpubStyle, EpubWords, write_epub
from .pdf import page_map, pdf_bytes, write_pdf

__all__ = ["EpubStyle", "EpubWords", "page_map", "pdf_bytes", "write_epub", "write_pdf"]
