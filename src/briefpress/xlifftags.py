"""A unit's Markdown as XLIFF 1.2 inline elements, and back: paired spans (emphasis,
links, ...) become ``<g>``, atoms (footnote references, code, images, raw HTML, math)
become ``<ph>`` holding their Markdown, so a CAT tool shows tags a translator can move
but not break. ``xliff`` writes and reads the files around them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

NS = "urn:oasis:names:tc:xliff:document:1.2"
X = f"{{{NS}}}"

# Unit texts are written by pandoc (commonmark_x): a literal * [ ] ` < $ ^ ~ is escaped,
# so each of these, unescaped, is markup.
TOKEN = re.compile(r"""
    (?P<escape>\\.)
  | (?P<code>(?P<ticks>`+).+?(?P=ticks))
  | (?P<note>\[\^[^\]\s]+\])
  | (?P<image>!\[(?:[^\]\\]|\\.)*\]\((?:[^)\\]|\\.)*\)(?:\{[^}]*\})?)
  | (?P<autolink><(?:https?|mailto|ftp):[^>\s]*>)
  | (?P<html></?[A-Za-z][^<>]*>)
  | (?P<math>\$\$?(?:[^$\\]|\\.)+\$\$?)
  | (?P<close>\]\((?:[^()\s\\]|\\.|\([^()]*\))*(?:\s+"(?:[^"\\]|\\.)*")?\)(?:\{[^}]*\})?
             | \]\{[^}]*\})
  | (?P<open>\[)
  | (?P<delim>\*\*|\*|~~|\^|~)
""", re.X | re.S)
DELIMS = {"**": "bold", "*": "italic", "~~": "x-strikeout", "^": "x-superscript",
          "~": "x-subscript"}
ATOMS = {"code": "x-code", "note": "x-footnote", "image": "image", "autolink": "link",
         "html": "x-html", "math": "x-math"}


@dataclass
class Span:
    """A paired span: its Markdown before and after, and what it is."""

    id: str
    open: str
    close: str
    ctype: str
    children: list = field(default_factory=list)


@dataclass
class Atom:
    id: str
    native: str
    ctype: str


def parse_spans(text: str) -> list:
    """*text* as a tree: strings, Span and Atom. Joining the Markdown back gives *text*
    exactly; an opening with no match stays text."""
    root: list = []
    stack: list[tuple[Span, list]] = []  # open span, the list it belongs to
    current = root
    pos = 0
    counter = 0

    def add_text(s: str) -> None:
        if s:
            if current and isinstance(current[-1], str):
                current[-1] += s
            else:
                current.append(s)

    for m in TOKEN.finditer(text):
        add_text(text[pos:m.start()])
        pos = m.end()
        kind, token = ("code" if m.group("code") else m.lastgroup), m.group()
        if kind == "escape":
            add_text(token)
        elif kind in ATOMS:
            counter += 1
            current.append(Atom(str(counter), token, ATOMS[kind]))
        elif kind == "open" or (kind == "delim" and not any(
                s.open == token for s, _ in stack)):
            counter += 1
            span = Span(str(counter), token, "", "link" if token == "[" else DELIMS[token])
            current.append(span)
            stack.append((span, current))
            current = span.children
        elif kind == "delim" or (kind == "close" and any(s.open == "[" for s, _ in stack)):
            want = token if kind == "delim" else "["
            while stack:
                span, parent = stack.pop()
                current = parent
                if span.open == want:
                    span.close = token
                    if kind == "close" and token.startswith("]{"):
                        span.ctype = "x-span"
                    break
                unclose(span, parent)
        else:
            add_text(token)
    add_text(text[pos:])
    while stack:
        span, parent = stack.pop()
        unclose(span, parent)
    return root


def unclose(span: Span, parent: list) -> None:
    """An opening never closed: its Markdown is text, its children move up."""
    i = next(i for i, n in enumerate(parent) if n is span)
    parent[i:i + 1] = [span.open, *span.children]
    merged: list = []
    for node in parent:
        if isinstance(node, str) and merged and isinstance(merged[-1], str):
            merged[-1] += node
        else:
            merged.append(node)
    parent[:] = merged


def spans_by_id(tree: list) -> dict:
    out = {}
    for node in tree:
        if isinstance(node, (Span, Atom)):
            out[node.id] = node
        if isinstance(node, Span):
            out.update(spans_by_id(node.children))
    return out


def signature(node) -> tuple:
    return (node.open, node.close, node.ctype) if isinstance(node, Span) \
        else (node.native, node.ctype)


def align(tree: list, source: dict) -> list:
    """*tree* (a translation) with each span given the id of the same span in the
    source, the first one unused; a span the source lacks is left as its Markdown."""
    free = list(source.values())

    def walk(nodes: list) -> list:
        out: list = []
        for node in nodes:
            if isinstance(node, str):
                out.append(node)
                continue
            match = next((s for s in free if type(s) is type(node)
                          and signature(s) == signature(node)), None)
            children = walk(node.children) if isinstance(node, Span) else []
            if match is None:
                out += [node.open, *children, node.close] if isinstance(node, Span) \
                    else [node.native]
                continue
            free.remove(match)
            node.id = match.id
            if isinstance(node, Span):
                node.children = children
            out.append(node)
        merged: list = []
        for node in out:
            if isinstance(node, str) and merged and isinstance(merged[-1], str):
                merged[-1] += node
            elif not (isinstance(node, str) and not node):
                merged.append(node)
        return merged

    return walk(tree)


def fill(element, tree: list) -> None:
    """Put *tree* into the lxml *element* as text, ``<g>`` and ``<ph>``."""
    last = None
    for node in tree:
        if isinstance(node, str):
            if last is None:
                element.text = (element.text or "") + node
            else:
                last.tail = (last.tail or "") + node
            continue
        if isinstance(node, Span):
            last = etree.SubElement(element, X + "g", id=node.id, ctype=node.ctype)
            fill(last, node.children)
        else:
            last = etree.SubElement(element, X + "ph", id=node.id, ctype=node.ctype)
            last.text = node.native


class TagError(Exception):
    pass


def to_markdown(element, spans: dict, seen: set) -> str:
    """The Markdown of a ``<target>``: its text, each ``<g>``/``<ph>`` given back the
    Markdown its id has in the source (the ids used go into *seen*). Unknown or repeated
    tags are errors."""
    out = [element.text or ""]
    for child in element:
        if isinstance(child, etree._Entity):
            raise TagError(f"entity reference {child.text} (entities are not read)")
        tag = etree.QName(child).localname if isinstance(child.tag, str) else None
        if tag is None:  # comment or processing instruction
            out.append(child.tail or "")
            continue
        ident = child.get("id")
        span = spans.get(ident)
        kind = "g" if isinstance(span, Span) else "ph" if isinstance(span, Atom) else None
        if tag in ("mrk",):  # a CAT tool's own markers (segmentation, comments)
            out.append(to_markdown(child, spans, seen))
        elif tag != kind:
            raise TagError(f"<{tag} id=\"{ident}\"> is not in the source")
        elif ident in seen:
            raise TagError(f"<{tag} id=\"{ident}\"> appears twice")
        else:
            seen.add(ident)
            if isinstance(span, Span):
                out += [span.open, to_markdown(child, spans, seen), span.close]
            else:
                out.append(span.native)
        out.append(child.tail or "")
    return "".join(out)


def missing_tags(spans: dict, seen: set) -> str | None:
    missing = sorted(set(spans) - seen, key=int)
    if not missing:
        return None
    return "tags of the source missing: " + ", ".join(
        f"<{'g' if isinstance(spans[i], Span) else 'ph'} id=\"{i}\"> ({spans[i].ctype})"
        for i in missing)


def canonical(element) -> tuple:
    """The content of *element* in a form two equal sources share: text, and each
    inline element's name, id, ctype and content."""
    return (element.text or "", tuple(
        (etree.QName(c).localname, c.get("id"), c.get("ctype"), canonical(c), c.tail or "")
        for c in element if isinstance(c.tag, str)))
