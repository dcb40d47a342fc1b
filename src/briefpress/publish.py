"""Stage 6, publish: HTML to PDF with WeasyPrint, a localized document to EPUB 3 with
pandoc. Every output is written to a temporary file and renamed into place."""

from __future__ import annotations

import base64
import copy
import logging
import mimetypes
import os
import tempfile
from pathlib import Path
from urllib.parse import urljoin

from . import pandoc
from .errors import ResourceError
from .fetch import resolve_local, weasyprint_fetcher
from .load import language_tag, line_of
from .model import Document
from .output import write_atomic

log = logging.getLogger("briefpress")


def image_references(doc: Document) -> list[tuple[str, int]]:
    """(target, line) of every image in *doc*'s body."""
    found = []

    def visit(node):
        if isinstance(node, dict):
            if node.get("t") == "Image":
                found.append((node["c"][2][0], line_of(node)))
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(doc.blocks)
    return found


def pdf_bytes(html: str, doc: Document, allowed: tuple[Path, ...]) -> bytes:
    """Lay out *html* (whose images are relative to the brief's folder) as a tagged PDF."""
    from weasyprint import HTML

    base_url = doc.folder.resolve().as_uri() + "/"
    references = {urljoin(base_url, target): (doc.source_path, line)
                  for target, line in image_references(doc)}
    fetcher = weasyprint_fetcher(allowed, references)
    try:
        document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render()
        return document.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False)
    except fetcher.Refused as exc:
        raise exc.error from None


def write_pdf(target: Path, html: str, doc: Document, allowed: tuple[Path, ...]) -> None:
    write_atomic(target, pdf_bytes(html, doc, allowed))


def write_html(target: Path, html: str) -> None:
    write_atomic(target, html.encode("utf-8"))


def embed_images(blocks: list, doc: Document) -> list:
    """Images as data: URIs, so the EPUB writer needs to read no file of the brief."""
    blocks = copy.deepcopy(blocks)

    def visit(node):
        if isinstance(node, dict):
            if node.get("t") == "Image":
                target = node["c"][2][0]
                path = resolve_local(target, doc.folder, doc.root, doc.source_path,
                                     line_of(node))
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                data = base64.b64encode(path.read_bytes()).decode("ascii")
                node["c"][2][0] = f"data:{mime};base64,{data}"
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(blocks)
    return blocks


def epub_metadata(doc: Document, date_epoch: int) -> dict:
    meta = doc.meta
    out = {
        "title": pandoc.meta_string(meta["title"]),
        "lang": pandoc.meta_string(language_tag(doc.lang)),
        "date": pandoc.meta_string(doc.date.isoformat()),
        "author": pandoc.meta_list([pandoc.meta_string(a["name"]) for a in meta["authors"]]),
        "identifier": pandoc.meta_string(f"urn:briefpress:{doc.slug}:{doc.lang}"),
    }
    for key, field in (("subtitle", "subtitle"), ("publisher", "publisher"),
                       ("description", "summary"), ("rights", "license")):
        if meta.get(field):
            out[key] = pandoc.meta_string(meta[field])
    if meta.get("keywords"):
        out["subject"] = pandoc.meta_list([pandoc.meta_string(k) for k in meta["keywords"]])
    return out


def epub_bytes(doc: Document, css: str, about_label: str, date_epoch: int) -> bytes:
    """The EPUB 3 of a localized document, with its authors' biographies at the end."""
    from .render import show_credits

    blocks = embed_images(show_credits(doc.blocks), doc)
    bios = [a["bio"] for a in doc.meta["authors"] if a.get("bio")]
    if bios:
        blocks.append({"t": "Header", "c": [1, ["about-the-author", [], []],
                                            [{"t": "Str", "c": about_label}]]})
        blocks += [{"t": "Para", "c": [{"t": "Str", "c": bio}]} for bio in bios]
    source = pandoc.to_json(pandoc.document(blocks, epub_metadata(doc, date_epoch)))
    with tempfile.TemporaryDirectory(prefix="briefpress-epub-") as work:
        Path(work, "style.css").write_text(css, encoding="utf-8")
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(date_epoch)}
        pandoc.run(["-f", "json", "-t", "epub3", "--css", "style.css", "--split-level=1",
                    "--resource-path=.", "-o", "out.epub"], source, sandbox=False,
                   cwd=work, env=env)
        data = Path(work, "out.epub").read_bytes()
    if not data.startswith(b"PK"):
        raise ResourceError("pandoc wrote no EPUB", doc.source_path)
    return data


def write_epub(target: Path, doc: Document, css: str, about_label: str,
               date_epoch: int) -> None:
    write_atomic(target, epub_bytes(doc, css, about_label, date_epoch))
