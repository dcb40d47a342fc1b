"""A PDF's first page as the listings show it: a cover image and a thumbnail (PNG),
drawn by pdfium. Kept in the disk cache by the PDF's SHA-256: a build that distributes
draws them in its workers as each PDF is written, and the listings, made after the
pool, find them there."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from .. import cache

COVER_WIDTH, THUMB_WIDTH = 800, 240  # pixels


def previews(pdf: Path, digest: str | None = None) -> tuple[bytes, bytes]:
    """(cover, thumbnail) of *pdf*, whose SHA-256 is *digest* (computed if not given)."""
    if digest is None:
        with pdf.open("rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
    parts = [digest, COVER_WIDTH, THUMB_WIDTH, cache.package_version("pypdfium2"),
             cache.package_version("pillow")]
    cover, thumb = cache.get("cover-png", parts), cache.get("thumb-png", parts)
    if cover is None or thumb is None:
        cover, thumb = draw(pdf)
        cache.put("cover-png", parts, cover)
        cache.put("thumb-png", parts, thumb)
    return cover, thumb


def draw(pdf: Path) -> tuple[bytes, bytes]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf))
    try:
        page = document[0]
        image = page.render(scale=COVER_WIDTH / page.get_width()).to_pil().convert("RGB")
        page.close()
    finally:
        document.close()
    thumb = image.resize((THUMB_WIDTH, round(image.height * THUMB_WIDTH / image.width)),
                         resample=3)  # bicubic

    def png(img) -> bytes:
        # zlib level 3: for these pages 23 % smaller than optimize=True, and 6x faster
        buffer = io.BytesIO()
        img.save(buffer, "PNG", compress_level=3)
        return buffer.getvalue()

    return png(image), png(thumb)
