"""Stage 1, load: read a brief's front matter (YAML) and parse its body with pandoc once
(body.py).

It refuses (raises FrontMatterError or MarkdownError for) a brief no command can use; it
reports nothing: that is check's part (see check's docstring for the split)."""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from pathlib import Path

import yaml
from babel import Locale, UnknownLocaleError

from . import pandoc
from .body import native_divs, normalize_inlines, parse_body, unwrap_positions
from .errors import FrontMatterError, MarkdownError
from .layout import Layout
from .model import Document
from .posyntax import control_character
from .sandbox import check_link_target, check_raw_html, resolve_local

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Field name -> (type, required). Translatable string fields are listed in segment.py.
FIELDS = {
    "title": (str, True),
    "subtitle": (str, False),
    "short_title": (str, False),
    "lang": (str, False),
    "date": (dt.date, True),
    "series": (str, False),
    "publisher": (str, False),
    "license": (str, False),
    "authors": (list, True),
    "summary": (str, False),
    "keywords": (list, False),
    "cover": (dict, False),
}
AUTHOR_FIELDS = {"name": True, "affiliation": False, "bio": False}
COVER_FIELDS = {"image": True, "alt": True, "caption": False, "credit": False}


def load(root: Path, slug: str) -> Document:
    """Read ``content/<slug>/brief.md`` under *root* into a Document."""
    rel = Layout.brief(slug)
    path = root / rel
    if not SLUG.match(slug):
        raise FrontMatterError(
            f"brief folder name {slug!r} must be lower-case letters, digits and hyphens", rel, 1)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FrontMatterError("no such brief", rel) from None
    text = decode_utf8(raw, rel)
    check_controls(text, rel)
    meta, meta_lines, body_start = read_front_matter(text, rel)
    lang = meta["lang"] or "en"
    check_locale(lang, rel, meta_lines.get("lang", 1))
    lang = meta["lang"] = normalize_locale(lang)
    # Pad the body with the front matter's lines so pandoc's positions are file lines.
    body = "\n" * body_start + text.split("\n", body_start)[-1] if body_start else text
    with pandoc.no_gc():
        blocks = normalize_inlines(unwrap_positions(parse_body(body)))
        doc = Document(slug=slug, root=root, lang=lang, meta=meta, meta_lines=meta_lines,
                       blocks=blocks, date=meta["date"])
        check_resources(doc)
        doc.blocks = native_divs(doc.blocks)  # after the check of their raw tags
    return doc


def decode_utf8(raw: bytes, rel: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise MarkdownError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", rel, line) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


def check_controls(text: str, rel: str) -> None:
    """No control characters (tabs and newlines aside) anywhere in a brief: they end up
    in PDFs, EPUB XML and web pages, where they are invalid or invisible."""
    found = control_character(text)
    if found:
        line, char = found
        raise MarkdownError(f"control character U+{ord(char):04X} in the brief", rel, line)


def babel_locale(lang: str) -> Locale:
    """The Babel locale of a language code written either way (``zh-Hans``, ``zh_Hans``)."""
    return Locale.parse(lang.replace("-", "_"))


def language_tag(lang: str) -> str:
    """The BCP 47 tag documents carry (``lang`` attributes, PDF /Lang, EPUB)."""
    return lang.replace("_", "-")


def normalize_locale(lang: str, known: list[str] = ()) -> str:
    """A language code in its one spelling (``JA`` -> ``ja``, ``zh_hans`` -> ``zh-Hans``),
    or the spelling of the folder in *known* that names the same language; ValueError
    for a code Babel does not know."""
    try:
        locale = babel_locale(lang.strip())
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"unknown language {lang!r}") from None
    tag = language_tag(str(locale))
    for folder in known:
        try:
            if str(babel_locale(folder)) == str(locale):
                return folder
        except (UnknownLocaleError, ValueError):
            continue
    return tag


def check_locale(lang: str, rel: str, line: int) -> None:
    try:
        babel_locale(lang)
    except (UnknownLocaleError, ValueError):
        raise FrontMatterError(f"unknown language {lang!r}", rel, line) from None


class BadScalar(Exception):
    def __init__(self, value: str, reason: str, line: int):
        super().__init__(reason)
        self.value, self.reason, self.line = value, reason, line


class FrontMatterLoader(yaml.SafeLoader):
    """YAML's safe loader, with an impossible date (2025-02-30) reported at its line
    instead of escaping as a bare ValueError."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise BadScalar(node.value, str(exc), node.start_mark.line) from None


FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp",
                                  FrontMatterLoader.construct_yaml_timestamp)


def as_date(value):
    """A front-matter date: YAML's own, or the same written as a quoted string."""
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value):
        return dt.date.fromisoformat(value.strip())
    return value


def read_front_matter(text: str, rel: str) -> tuple[dict, dict, int]:
    """Return (fields, field lines, number of lines the front matter takes)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise FrontMatterError("the brief must start with YAML front matter ('---')", rel, 1)
    for end, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            break
    else:
        raise FrontMatterError("front matter is not closed with '---'", rel, 1)
    source = "\n".join(lines[1:end])
    try:
        # Aliases let a few lines of YAML stand for billions of nodes (a "billion
        # laughs"); front matter has no use for them.
        for event in yaml.parse(source, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise FrontMatterError("YAML aliases (*name) are not allowed in front matter",
                                       rel, event.start_mark.line + 2)
        node = yaml.compose(source, Loader=yaml.SafeLoader)
        data = yaml.load(source, Loader=FrontMatterLoader)
    except BadScalar as exc:
        raise FrontMatterError(f"invalid date {exc.value!r}: {exc.reason}", rel,
                               exc.line + 2) from None
    except yaml.MarkedYAMLError as exc:
        # The context mark is where the broken construct starts (an unclosed bracket or
        # quote); the problem mark is where the parser gave up, often a line later.
        mark = exc.context_mark or exc.problem_mark
        line = mark.line + 2 if mark else 1
        what = f"{exc.context}: {exc.problem}" if exc.context else exc.problem
        raise FrontMatterError(f"invalid YAML: {what}", rel, line) from None
    if not isinstance(data, dict):
        raise FrontMatterError("front matter must be a mapping of fields", rel, 2)
    field_lines: dict[str, int] = {}
    collect_lines(node, "", field_lines)
    validate_front_matter(data, field_lines, rel)
    return normalize(data), field_lines, end + 1


def normalize(data: dict) -> dict:
    """Every known field present (None when absent), so templates need no guards."""
    out = {key: data.get(key) for key in FIELDS}
    out["authors"] = [{k: a.get(k) for k in AUTHOR_FIELDS} for a in data["authors"]]
    out["keywords"] = data.get("keywords") or []
    if data.get("cover"):
        out["cover"] = {k: data["cover"].get(k) for k in COVER_FIELDS}
    return out


def collect_lines(node, prefix: str, out: dict) -> None:
    """Map each field path ("authors.0.bio") to its 1-based line in the brief."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}{key.value}"
            out[path] = key.start_mark.line + 2
            collect_lines(value, path + ".", out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[f"{prefix}{i}"] = item.start_mark.line + 2
            collect_lines(item, f"{prefix}{i}.", out)


def validate_front_matter(data: dict, lines: dict, rel: str) -> None:
    """Refuse front matter whose fields are unknown, missing or of the wrong type."""
    def fail(message: str, key: str) -> None:
        raise FrontMatterError(message, rel, lines.get(key, 1))

    for key in data:
        if key not in FIELDS:
            fail(f"unknown front-matter field {key!r} (known: {', '.join(FIELDS)})", str(key))
    for key, (kind, required) in FIELDS.items():
        if key not in data:
            if required:
                fail(f"front matter lacks the required field {key!r}", key)
            continue
        value = data[key]
        if kind is dt.date:
            try:
                value = data[key] = as_date(value)
            except ValueError as exc:
                fail(f"invalid date {value.strip()!r}: {exc}", key)
            if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
                fail(f"{key!r} must be a date written YYYY-MM-DD", key)
        elif not isinstance(value, kind) or (kind is str and not value.strip()):
            fail(f"{key!r} must be a {kind.__name__}" + (" (not empty)" if kind is str else ""), key)
    if not data["authors"]:
        fail("'authors' must list at least one author", "authors")
    for i, author in enumerate(data["authors"]):
        check_mapping(author, AUTHOR_FIELDS, f"authors.{i}", lines, rel)
    if "cover" in data:
        check_mapping(data["cover"], COVER_FIELDS, "cover", lines, rel)
    for i, word in enumerate(data.get("keywords", [])):
        if not isinstance(word, str):
            fail("each keyword must be a string", f"keywords.{i}")


def check_mapping(value, fields: dict, key: str, lines: dict, rel: str) -> None:
    line = lines.get(key, 1)
    if not isinstance(value, dict):
        raise FrontMatterError(f"{key!r} must be a mapping with {', '.join(fields)}", rel, line)
    for name in value:
        if name not in fields:
            raise FrontMatterError(f"unknown field {name!r} in {key!r}", rel,
                                   lines.get(f"{key}.{name}", line))
    for name, required in fields.items():
        if required and name not in value:
            raise FrontMatterError(f"{key!r} lacks {name!r}", rel, line)
        if name in value and not (isinstance(value[name], str) and value[name].strip()):
            raise FrontMatterError(f"'{key}.{name}' must be a non-empty string", rel,
                                   lines.get(f"{key}.{name}", line))


def find_images(node) -> list[dict]:
    """Every Image node in *node* (blocks, inlines, notes), in reading order: the nodes
    pandoc.walk visits, without the lines it keeps (a third of the time on a long brief)."""
    found, stack = [], [node]
    while stack:
        item = stack.pop()
        if type(item) is list:
            stack.extend(reversed(item))
        elif type(item) is dict:
            if item.get("t") == "Image":
                found.append(item)
            c = item.get("c")
            if isinstance(c, (list, dict)):
                stack.append(c)
    return found


def image_references(doc: Document) -> list[tuple[str, int]]:
    """(target, line) of every image in *doc*'s body."""
    return [(image["c"][2][0], line_of(image)) for image in find_images(doc.blocks)]


def line_of(node, default: int = 1) -> int:
    """The first source line found in *node* or its descendants."""
    queue = deque([node])
    while queue:
        item = queue.popleft()
        if isinstance(item, dict):
            if "_line" in item:
                return item["_line"]
            queue.extend(item.values())
        elif isinstance(item, list):
            queue.extend(item)
    return default


def check_resources(doc: Document) -> None:
    """Every image the body uses is a file inside the brief's folder; no link runs code or
    opens a local file; raw HTML loads nothing (pandoc's EPUB writer would read any file
    a raw <img> names)."""
    for node, line in pandoc.walk(doc.blocks, 1):
        t = node["t"]
        if t == "Image":
            resolve_local(node["c"][2][0], doc.folder, doc.root, doc.source_path,
                          line_of(node, line))
        elif t == "Link":
            check_link_target(node["c"][2][0], doc.source_path, line)
        elif t in ("RawBlock", "RawInline") and \
                str(node["c"][0]).lower() in ("html", "html4", "html5"):
            check_raw_html(node["c"][1], doc.source_path, line)
    cover = doc.meta.get("cover")
    if cover:
        resolve_local(cover["image"], doc.folder, doc.root, doc.source_path,
                      doc.meta_lines.get("cover.image", 1))
