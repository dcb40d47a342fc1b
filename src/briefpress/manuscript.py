"""``briefpress import``: a Word manuscript (.docx) becomes ``content/<slug>/brief.md``.

pandoc's docx reader (with ``+styles``, so the Abstract and caption styles can be told
apart) gives the body; the front matter comes from pandoc's metadata (the Title,
Subtitle, Author and Date styles of the first lines), else from the document's core
properties, and every field is marked ``# CHECK`` for the editor. Images are copied from
the docx into the brief's folder as ``figure-1.png``, ``figure-2.jpeg``, ... in reading
order, with their alt text. What Word has that a brief does not keep (tracked changes,
comments, charts, text boxes, embedded objects) is reported with the number of the
docx paragraph it sits in (body paragraphs, table cells' included, counted from 1).
Tracked insertions are accepted and deletions dropped, as Word's "Accept all" does.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from pathlib import Path, PurePosixPath

from lxml import etree

from . import pandoc
from .errors import BriefpressError, UsageError
from .layout import Layout
from .load import SLUG
from .output import write_atomic

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {
    "w": W,
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "m": "http://schemas.openxmlformats.org/officeDocument/2006/math",
}
SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
CHECK = "# CHECK"
# Things in a paragraph that pandoc's docx reader does not turn into Markdown.
UNCONVERTED = [
    (".//w:txbxContent", "a text box"),
    (".//a:graphicData[contains(@uri, '/chart')]", "a chart"),
    (".//a:graphicData[contains(@uri, '/diagram')]", "a SmartArt diagram"),
    (".//w:object", "an embedded object"),
    (".//w:pict[not(.//w:txbxContent)]", "a legacy (VML) drawing"),
]


def import_docx(root: Path, manuscript: Path, slug: str, *, force: bool = False
                ) -> tuple[Path, list[str]]:
    """Write ``content/<slug>/brief.md`` and its figures; (the brief, report lines)."""
    shown = str(manuscript)
    if not SLUG.match(slug):
        raise UsageError(f"--slug {slug!r}: lower-case letters, digits and hyphens only")
    folder = Layout(root).brief_folder(slug)
    brief = root / Layout.brief(slug)
    if brief.exists() and not force:
        raise UsageError(f"{Layout.brief(slug)} exists: pass --force to overwrite it")
    package = open_docx(manuscript, shown)
    with package:
        document = read_part(package, "word/document.xml", shown)
        report = changes_report(package, document, shown)
        core = core_properties(package, shown)
        data = manuscript.read_bytes()
        ast = json.loads(pandoc.run(["-f", "docx+styles", "-t", "json"], data))
        meta, blocks = front_matter(ast, core, shown)
        figures, notes = extract_images(package, blocks, shown)
        report += notes
    body = pandoc.run(["-f", "json", "-t", pandoc.MARKDOWN + "-smart", "--wrap=auto",
                       "--columns=88"], pandoc.to_json(pandoc.document(blocks)))
    raw = [line for line in body.splitlines() if re.match(r"\s*</?(table|figure|div)\b", line)]
    if raw:
        report.append(f"{shown}: {len(raw)} lines of the body are raw HTML (a table "
                      "Markdown cannot hold, or a figure): rewrite them as Markdown")
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in figures.items():
        write_atomic(folder / name, content)
    write_atomic(brief, (meta + "\n" + body.rstrip("\n") + "\n").encode("utf-8"))
    return brief, report


def open_docx(path: Path, shown: str) -> zipfile.ZipFile:
    if path.suffix.lower() != ".docx":
        raise BriefpressError("not a Word document: the manuscript must be a .docx file",
                              shown)
    try:
        package = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise BriefpressError("no such file", shown) from None
    except (zipfile.BadZipFile, OSError):
        raise BriefpressError("not a Word document (.docx): not a zip package", shown) from None
    if "word/document.xml" not in package.namelist():
        package.close()
        raise BriefpressError("not a Word document (.docx): no word/document.xml", shown)
    return package


def read_part(package: zipfile.ZipFile, name: str, shown: str):
    try:
        return etree.fromstring(package.read(name), SAFE_XML)
    except KeyError:
        return None
    except etree.XMLSyntaxError as exc:
        raise BriefpressError(f"broken Word document: {name}: {exc}", shown) from None


def core_properties(package: zipfile.ZipFile, shown: str) -> dict:
    """title, creator, subject, description, keywords, language, created from
    ``docProps/core.xml`` (empty values left out)."""
    core = read_part(package, "docProps/core.xml", shown)
    out = {}
    if core is None:
        return out
    for key, path in [("title", "dc:title"), ("creator", "dc:creator"),
                      ("subject", "dc:subject"), ("description", "dc:description"),
                      ("keywords", "cp:keywords"), ("language", "dc:language"),
                      ("created", "dcterms:created")]:
        value = core.findtext(path, namespaces=NS)
        if value and value.strip():
            out[key] = " ".join(value.split())
    return out


# --- tracked changes, comments and what cannot be converted ------------------------


def text_of(element) -> str:
    parts = element.xpath(".//w:t/text() | .//w:delText/text()", namespaces=NS)
    if etree.QName(element).localname == "p":  # a text box's words are not the paragraph's
        parts = element.xpath(".//w:t[not(ancestor::w:txbxContent)]/text() | "
                              ".//w:delText[not(ancestor::w:txbxContent)]/text()",
                              namespaces=NS)
    return " ".join("".join(parts).split())


def changes_report(package: zipfile.ZipFile, document, shown: str) -> list[str]:
    comments = {}
    part = read_part(package, "word/comments.xml", shown)
    if part is not None:
        for c in part.iterfind("w:comment", NS):
            comments[c.get(f"{{{W}}}id")] = (c.get(f"{{{W}}}author") or "someone", text_of(c))
    lines = []
    paragraphs = document.xpath(".//w:body//w:p[not(ancestor::w:txbxContent)]", namespaces=NS)
    for number, p in enumerate(paragraphs, start=1):
        where = f"{shown}: paragraph {number}"
        for kind, path, verdict in [("insertion", "w:ins", "accepted"),
                                    ("deletion", "w:del", "dropped"),
                                    ("moved text", "w:moveTo", "kept at its new place")]:
            for change in p.iterfind(f".//{path}", NS):
                if change.getparent() is not None and \
                        etree.QName(change.getparent()).localname in ("ins", "del"):
                    continue
                author = change.get(f"{{{W}}}author") or "someone"
                date = (change.get(f"{{{W}}}date") or "")[:10]
                lines.append(f"{where}: tracked {kind} by {author}"
                             f"{' on ' + date if date else ''}, {verdict}: "
                             f"“{text_of(change)[:80]}”")
        if p.find(".//w:rPrChange", NS) is not None or p.find(".//w:pPrChange", NS) is not None:
            lines.append(f"{where}: tracked formatting change, accepted")
        for ref in p.iterfind(".//w:commentReference", NS):
            author, text = comments.get(ref.get(f"{{{W}}}id"), ("someone", ""))
            lines.append(f"{where}: comment by {author}, not carried into the brief: "
                         f"“{text[:80]}”")
        for path, what in UNCONVERTED:
            for found in p.xpath(path, namespaces=NS):
                text = text_of(found)
                lines.append(f"{where}: {what} could not be converted"
                             f"{': “' + text[:80] + '”' if text else ''}; redo it as text "
                             "or as a figure (an SVG or PNG beside brief.md)")
    for name, label in [("word/footnotes.xml", "footnote"), ("word/endnotes.xml", "endnote")]:
        part = read_part(package, name, shown)
        if part is None:
            continue
        for note in part:
            ident = note.get(f"{{{W}}}id")
            for path, kind in [("w:ins", "insertion"), ("w:del", "deletion")]:
                for change in note.iterfind(f".//{path}", NS):
                    author = change.get(f"{{{W}}}author") or "someone"
                    lines.append(f"{shown}: {label} {ident}: tracked {kind} by {author}, "
                                 f"{'accepted' if kind == 'insertion' else 'dropped'}: "
                                 f"“{text_of(change)[:80]}”")
    return lines


# --- front matter ----------------------------------------------------------------------


def meta_text(value) -> str:
    if value is None:
        return ""
    t, c = value.get("t"), value.get("c")
    if t == "MetaString":
        return c
    if t == "MetaInlines":
        return pandoc.stringify(c)
    if t == "MetaBlocks":
        return " ".join(pandoc.stringify(b.get("c", [])) for b in c)
    return ""


def meta_list(value) -> list[str]:
    if value is None:
        return []
    if value.get("t") == "MetaList":
        return [meta_text(v) for v in value["c"] if meta_text(v)]
    return [meta_text(value)] if meta_text(value) else []


def styled(block, *names: str) -> bool:
    return block.get("t") == "Div" and dict(block["c"][0][2]).get("custom-style") in names


def front_matter(ast: dict, core: dict, shown: str) -> tuple[str, list]:
    """The YAML front matter (each field marked for checking) and the body's blocks."""
    meta = ast.get("meta", {})
    blocks = ast["blocks"]
    abstract = [b for b in blocks if styled(b, "Abstract")]
    blocks = [b for b in blocks if not styled(b, "Abstract", "Abstract Title")]
    blocks = unwrap_styles(blocks)
    fields: list[tuple[str, object, str]] = []

    title, where = meta_text(meta.get("title")), "the Title-styled first line"
    if not title and core.get("title"):
        title, where = core["title"], "the document properties"
    if not title:
        heading = next((b for b in blocks if b["t"] == "Header"), None)
        if heading is not None:
            title, where = pandoc.stringify(heading["c"][2]), "the first heading"
            blocks = [b for b in blocks if b is not heading]
    fields.append(("title", title or "TITLE", f"from {where}" if title
                   else "none found in the manuscript: write the title"))
    subtitle = meta_text(meta.get("subtitle")) or core.get("subject", "")
    if subtitle:
        fields.append(("subtitle", subtitle, "from the Subtitle line or the document subject"))
    language = (core.get("language") or "en").split("-")[0].lower()
    fields.append(("lang", language, "the manuscript's language"
                   + (" (from the document properties)" if core.get("language") else
                      " (not recorded in the docx)")))
    date, date_note = parse_date(meta_text(meta.get("date"))), "from the Date line"
    if date is None and core.get("created"):
        date, date_note = parse_date(core["created"]), "the docx's creation date"
    if date is None:
        date, date_note = dt.date.today(), "today's date: none in the manuscript"
    fields.append(("date", date, date_note + "; the publication date goes here"))
    authors = meta_list(meta.get("author")) or [
        a.strip() for a in re.split(r"[;,]| and ", core.get("creator", "")) if a.strip()]
    summary = " ".join(pandoc.stringify(b["c"][1][0]["c"]) for b in abstract
                       if b["c"][1] and b["c"][1][0]["t"] in ("Para", "Plain"))
    if summary:  # the Abstract style only: a docx's "comments" property is rarely one
        fields.append(("summary", summary, "from the Abstract"))
    keywords = [k.strip() for k in re.split(r"[;,]", core.get("keywords", "")) if k.strip()]
    if keywords:
        fields.append(("keywords", keywords, "from the document properties"))

    lines = ["---", f"# Imported from {Path(shown).name} by briefpress import. Check each "
             "field marked CHECK,", "# then delete the marks.", ]
    for key, value, note in fields:
        lines.append(f"{key}: {scalar(value)}  {CHECK}: {note}")
    lines.append("authors:")
    if not authors:
        lines.append(f"  - name: AUTHOR  {CHECK}: no author in the manuscript: write one")
    for name in authors:
        lines.append(f"  - name: {scalar(name)}  {CHECK}: from the "
                     f"{'Author line' if meta.get('author') else 'document properties'}")
        lines.append(f"    # affiliation: and bio: (optional) go here")
    lines.append("---")
    return "\n".join(lines) + "\n", blocks


def scalar(value) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML string


def parse_date(text: str) -> dt.date | None:
    text = text.strip()
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    try:
        if m:
            return dt.date(*map(int, m.groups()))
        for fmt in ("%B %d, %Y", "%d %B %Y", "%Y/%m/%d", "%m/%d/%Y"):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    except ValueError:
        return None
    return None


def unwrap_styles(node):
    """The AST without the Divs and Spans ``+styles`` wraps around styled text."""
    if isinstance(node, list):
        out = []
        for item in node:
            if isinstance(item, dict) and item.get("t") in ("Div", "Span") \
                    and dict(item["c"][0][2]).get("custom-style") is not None:
                out += unwrap_styles(item["c"][1])
            else:
                out.append(unwrap_styles(item))
        return out
    if isinstance(node, dict):
        if node.get("t") == "Figure":
            node["c"][0] = ["", [], []]
        return {k: unwrap_styles(v) for k, v in node.items()}
    return node


# --- images ----------------------------------------------------------------------------


def extract_images(package: zipfile.ZipFile, blocks: list, shown: str
                   ) -> tuple[dict[str, bytes], list[str]]:
    """Point every image at ``figure-N.EXT`` (reading order, one name per picture) and
    return those files' bytes; images without alt text are reported."""
    names = set(package.namelist())
    figures: dict[str, bytes] = {}
    by_source: dict[str, str] = {}
    notes: list[str] = []

    def visit(node):
        if isinstance(node, list):
            for item in node:
                visit(item)
        elif isinstance(node, dict):
            if node.get("t") == "Image":
                attr, alt, (src, title) = node["c"]
                if src not in by_source:
                    member = next((n for n in (f"word/{src}", src, f"word/media/"
                                               f"{PurePosixPath(src).name}") if n in names), None)
                    if member is None:
                        notes.append(f"{shown}: image {src!r} is linked, not in the docx: "
                                     "add the file to the brief's folder by hand")
                        by_source[src] = src
                    else:
                        ext = PurePosixPath(member).suffix.lower() or ".png"
                        name = f"figure-{len(figures) + 1}{'.jpg' if ext == '.jpeg' else ext}"
                        figures[name] = package.read(member)
                        by_source[src] = name
                node["c"] = [["", [], []], alt, [by_source[src], ""]]
                if not pandoc.stringify(alt).strip():
                    notes.append(f"{shown}: {by_source[src]} has no alt text in the docx: "
                                 "write one in brief.md")
            for value in node.values():
                visit(value)

    visit(blocks)
    return figures, notes
