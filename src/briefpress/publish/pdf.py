"""PDF: WeasyPrint lays out the HTML of an edition, twice where the second pass moves
something (see relayout.Passes); the PDF is then tagged for PDF/UA where WeasyPrint 70
leaves it short. While laying out, where each page starts is recorded
(pages.page_starts) for the EPUB of the same edition.

A process that writes the same PDFs again and again (watch) says so (``rewriting``),
and each PDF then costs less the next time:

- its fonts and stylesheets are kept (``faces``): fontconfig's fonts stay loaded and
  Pango's caches warm;
- its second pass is laid out and written at once, on the guess that the first
  layout's faults are those it had last time, while a process forked on the spare core
  makes the first layout to find its real faults. What was written on the guess is
  kept only where they are the same; else the second pass is made for the real faults.

Either way the bytes are those of a PDF laid out once, in turn."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from urllib.parse import urljoin

import lxml.html

from .. import pool
from ..environment import import_weasyprint
from ..fetcher import weasyprint_fetcher
from ..load import image_references
from ..model import Document
from ..output import write_atomic
from ..render import language_styles
from ..relayout import Passes
from ..transforms import serialize, subset_faces
from .fonts import subset_font
from .keepall import keeping
from .pages import number_blocks, page_starts

# where each page starts, per laid-out HTML, until its EPUB is written (page_map)
PAGE_STARTS: dict[str, list[tuple[int, int, int]]] = {}


class Rewrites:
    """What a process writing the same PDFs again keeps from one to the next."""

    KEPT = 6  # font configurations, and stylesheets

    def __init__(self):
        self.guesses: dict[str, tuple] = {}  # each PDF's first layout's faults, by path
        self.faces: dict[tuple, tuple] = {}  # see faces()
        self.sheets: dict[tuple, object] = {}  # (base URL, text): parsed, no @font-face

    @staticmethod
    def kept(store: dict, key, make):
        """*store[key]* (made by *make()* if missing) as the most recently used, the
        least recently used dropped beyond KEPT."""
        store[key] = store.pop(key) if key in store else make()
        while len(store) > Rewrites.KEPT:
            store.pop(next(iter(store)))
        return store[key]


REWRITES: Rewrites | None = None


def rewriting(on: bool = True) -> None:
    """Whether this process writes the same PDFs again and again and keeps a core free
    for them (see the module's documentation)."""
    global REWRITES
    REWRITES = Rewrites() if on else None


def pdf_bytes(html: str, doc: Document, allowed: tuple[Path, ...],
              subset: list[str] = (), name: str | None = None) -> bytes:
    """Lay out *html* as a tagged PDF, with the *subset* font families subset first;
    *name*: the PDF's path, under which its first layout's faults are remembered while
    rewriting."""
    key = page_key(html, subset)
    with tempfile.TemporaryDirectory(prefix="briefpress-fonts-") as fonts:
        html = subset_faces(html, list(subset), Path(fonts), subset_font)
        base_url = doc.folder.resolve().as_uri() + "/"
        references = {urljoin(base_url, target): (doc.source_path, line)
                      for target, line in image_references(doc)}
        fetcher = weasyprint_fetcher((*allowed, Path(fonts)), references)
        keep_all = [lang for lang, style in language_styles(doc.root).items() if style.keep_all]
        try:
            tag_languages()
            html, sources, render = layout_passes(html, base_url, fetcher, Path(fonts))
            with keeping(keep_all):
                pdf, PAGE_STARTS[key] = laid_out(number_blocks(html), render, sources, name)
            while len(PAGE_STARTS) > 32:  # PDFs built without their EPUB (watch, --format pdf)
                PAGE_STARTS.pop(next(iter(PAGE_STARTS)))
            return pdf
        except fetcher.Refused as exc:
            raise exc.error from None


def laid_out(source: str, render, sources: list, name: str | None):
    """The PDF's bytes and where its pages start, *source* laid out by relayout.Passes:
    in turn, or on a guess (see the module's documentation)."""
    def written(document):
        return (document.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False,
                                   pdf_identifier=True, finisher=tag_pdf),
                page_starts(sources[-1], document))

    def remember(faults):
        if REWRITES and name:
            REWRITES.guesses[name] = faults
        return faults

    def in_turn(passes):
        document = render(passes.html)
        return written(passes.finish(document, render, remember(passes.faults(document))))

    passes = Passes(source)
    guess = REWRITES.guesses.get(name) if REWRITES else None
    if not (guess and any(guess) and passes.fits(guess) and pool.alone() and
            pool.cores() > 1):
        return in_turn(passes)
    # The first layout is made over there only to find its faults; here the second,
    # on the guess that they are last time's, is laid out and written meanwhile.
    first = pool.Background(lambda: passes.faults(render(passes.html)), nice=0)
    try:
        guessed = written(passes.finish(render(passes.correct(guess)), render))
        ok, faults = first.result(wait=True)
    finally:
        first.cancel()
    if not ok:  # its error, if it is one, is raised here
        return in_turn(Passes(source))
    if remember(faults) == guess:
        return guessed
    passes = Passes(source)  # as it was before the guess
    html = passes.correct(faults)
    return written(render(passes.html) if html is None else
                   passes.finish(render(html), render))


def layout_passes(html: str, base_url: str, fetcher, fonts: Path):
    """*html* without its head's stylesheets, the HTML sources laid out so far, and
    *render(html)* that lays out one more. Every pass shares what does not change
    between passes: the fonts (the @font-face subsets, in *fonts*, loaded once), the
    images, and those stylesheets, parsed once and given to WeasyPrint as the user's
    (the page has no other author styles but ``style`` attributes, which win either
    way; the PDF's bytes are the same). The fonts and stylesheets are kept for the next
    PDF with the same styles (faces)."""
    cache, sources = {}, []
    root = lxml.html.document_fromstring(html)
    styles = list(root.find("head").iter("style")) if root.find("head") is not None else []
    font_config, sheets = faces([style.text or "" for style in styles], base_url, fetcher,
                                fonts)
    for style in styles:
        style.getparent().remove(style)
    from weasyprint import HTML

    def render(text):
        sources.append(HTML(string=text, base_url=base_url, url_fetcher=fetcher))
        return sources[-1].render(font_config=font_config, stylesheets=sheets,
                                  cache=cache)

    return serialize(root), sources, render


def faces(texts: list[str], base_url: str, fetcher, fonts: Path):
    """A WeasyPrint FontConfiguration holding the @font-face fonts of the stylesheets
    *texts*, and those stylesheets parsed. While rewriting, the same configuration as
    last time where the @font-face rules are (the subsets' file names in *fonts* name
    their contents), and the same parse of a stylesheet without any: a first layout
    then takes 0.05 s less (of 0.15 s), and the parse (0.02-0.04 s) is saved."""
    import_weasyprint()  # the quick way, if nothing has imported it yet
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    def parsed(text, font_config):
        return CSS(string=text, base_url=base_url, url_fetcher=fetcher,
                   font_config=font_config)

    if not REWRITES:
        font_config = FontConfiguration()
        return font_config, [parsed(text, font_config) for text in texts]
    bound = ["@font-face" in text for text in texts]  # its fonts go into the configuration

    def new_config():
        font_config = FontConfiguration()
        return font_config, [parsed(text, font_config)
                             for text, fonts_in in zip(texts, bound) if fonts_in]

    key = (base_url, *(text.replace(fonts.as_uri() + "/", "")
                       for text, fonts_in in zip(texts, bound) if fonts_in))
    font_config, own = REWRITES.kept(REWRITES.faces, key, new_config)
    own = iter(own)  # in the order of *texts*
    return font_config, [
        next(own) if fonts_in else
        REWRITES.kept(REWRITES.sheets, (base_url, text), lambda: parsed(text, None))
        for text, fonts_in in zip(texts, bound)]


def write_pdf(target: Path, html: str, doc: Document, allowed: tuple[Path, ...],
              subset: list[str] = ()) -> None:
    write_atomic(target, pdf_bytes(html, doc, allowed, subset, name=str(target)))


def page_key(html: str, subset) -> str:
    return hashlib.sha256((html + "|".join(subset)).encode("utf-8")).hexdigest()


def page_map(html: str, doc: Document, allowed: tuple[Path, ...],
             subset: list[str] = ()) -> list[tuple[int, int, int]]:
    """Where each page of the PDF made of *html* starts (laid out now unless that PDF
    was just written)."""
    key = page_key(html, subset)
    if key not in PAGE_STARTS:
        pdf_bytes(html, doc, allowed, subset)
    return PAGE_STARTS.pop(key)


def tag_languages() -> None:
    """Give each structure element the language of its HTML element where it has a
    ``lang`` attribute: WeasyPrint writes only the catalog's /Lang, so a screen reader
    would read a bilingual edition's English column with a Japanese voice. Its tag
    builder is wrapped (once): the box it tags is known only there."""
    import pydyf
    from weasyprint.pdf import tags

    build = tags._build_box_tree
    if getattr(build, "briefpress", False):
        return

    def with_lang(box, parent, *args):
        for element in build(box, parent, *args):
            lang = getattr(box, "element", None) is not None and box.element.get("lang")
            if lang and "Lang" not in element:
                element["Lang"] = pydyf.String(lang)
            yield element

    with_lang.briefpress = True
    tags._build_box_tree = with_lang


def tag_pdf(document, pdf) -> None:
    """Finish WeasyPrint's PDF objects for PDF/UA where it leaves them short, before
    they are written (WeasyPrint's *finisher*):

    - running heads and page numbers become /Artifact: WeasyPrint marks the text of
      page margins as content with an MCID but links it to no structure element (its
      comment: an artifact there is PDF 2.0 only; marked content /Artifact is fine in
      PDF 1.7), so it is neither tagged nor an artifact, which PDF/UA forbids;
    - header cells get the /Scope it leaves out: a column's in the table head, a row's
      elsewhere, so each data cell's headers can be determined."""
    import pydyf

    def get(reference):  # b"12 0 R" -> that object
        return pdf.objects[int(reference.split()[0])]

    root = get(pdf.catalog["StructTreeRoot"])
    reachable, stack = set(), [root]
    while stack:
        kids = stack.pop().get("K")
        for kid in kids if isinstance(kids, list) else [kids]:
            if isinstance(kid, bytes) and kid.endswith(b" R"):
                element = get(kid)
                if isinstance(element, pydyf.Dictionary) and "S" in element \
                        and element.number not in reachable:
                    reachable.add(element.number)
                    stack.append(element)
    for number in reachable:
        element = pdf.objects[number]
        if element["S"] == "/TH":
            attributes = element.get("A") or pydyf.Dictionary({"O": "/Table"})
            if "Scope" not in attributes:
                parent = get(element["P"])
                head = "/THead" in (parent["S"], get(parent["P"])["S"])
                attributes["Scope"] = "/Column" if head else "/Row"
                element["A"] = attributes
    nums = get(root["ParentTree"])["Nums"]
    for i in range(0, len(nums), 2):
        if not isinstance(nums[i + 1], list) or nums[i] >= len(document.pages):
            continue
        refs = nums[i + 1]
        orphans = {n for n, ref in enumerate(refs)
                   if isinstance(ref, bytes) and get(ref).number not in reachable}
        if not orphans:
            continue
        page = pdf.objects[pdf.pages["Kids"][3 * nums[i]]]  # Kids: number, 0, "R", ...
        items = get(page["Contents"]).stream
        for j in range(1, len(items) - 1):
            if isinstance(items[j], pydyf.Dictionary) and items[j + 1] == b"BDC" \
                    and items[j].get("MCID") in orphans:
                items[j - 1] = "/Artifact"
                items[j] = pydyf.Dictionary({"Type": "/Pagination"})
        for n in orphans:
            refs[n] = b"null"
