"""Typesetting measured from a PDF's glyph positions (pdfplumber): punctuation pairs,
paragraphs' last lines, inter-word gaps, page fill. Used by the tests and by hand:
``python tests/pdfmeasure.py FILE.pdf``."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

import pdfplumber

from briefpress.cjk import HANGUL_SYLLABLES, KANA_KANJI

PUNCT = set("「『（〔［｛〈《【〘〖〝」』）〕］｝〉》】〙〗〟、。，．・：；")
CJK = re.compile(f"[{KANA_KANJI}{HANGUL_SYLLABLES}、。，．・：；「」『』（）]")


@dataclass
class Line:
    page: int
    column: int
    chars: list

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)

    @property
    def words(self) -> int:
        """Words, as runs of glyphs parted by a gap (PDFs hold no space glyphs)."""
        cs = [c for c in self.chars if c["text"].strip()]
        return bool(cs) + sum(b["x0"] - a["x1"] > 0.15 * a["size"] for a, b in zip(cs, cs[1:]))

    @property
    def size(self) -> float:
        return max(c["size"] for c in self.chars)

    @property
    def x0(self) -> float:
        return self.chars[0]["x0"]

    @property
    def x1(self) -> float:
        return self.chars[-1]["x1"]

    @property
    def top(self) -> float:
        return min(c["top"] for c in self.chars)


def lines(pdf) -> list[Line]:
    """Text lines per page and column (two columns when the page is landscape), the
    superscript footnote calls left out."""
    out = []
    for number, page in enumerate(pdf.pages, 1):
        two = page.width > page.height
        rows: list = []  # (column, bottom of the row's first glyph, glyphs)
        # Latin and CJK glyphs of one line sit up to a point apart: rows by nearness,
        # not by a rounded coordinate (which parts a line at a rounding edge).
        for c in sorted(page.chars, key=lambda c: (int(two and c["x0"] > page.width / 2),
                                                   c["bottom"])):
            column = int(two and c["x0"] > page.width / 2)
            if rows and rows[-1][0] == column and c["bottom"] - rows[-1][1] <= 2:
                rows[-1][2].append(c)
            else:
                rows.append((column, c["bottom"], [c]))
        for column, _, chars in rows:
            chars.sort(key=lambda c: c["x0"])
            if max(c["size"] for c in chars) < 7.5 and len(chars) <= 3:
                continue  # a footnote call
            out.append(Line(number, column, chars))
    return out


def punctuation_pairs(pdf) -> list[tuple[int, str, float]]:
    """(page, pair, span in em) of every two adjacent CJK punctuation marks that a
    following character on their line lets us measure."""
    found = []
    for line in lines(pdf):
        cs = line.chars
        for i in range(len(cs) - 2):
            if cs[i]["text"] in PUNCT and cs[i + 1]["text"] in PUNCT:
                span = (cs[i + 2]["x0"] - cs[i]["x0"]) / cs[i]["size"]
                found.append((line.page, cs[i]["text"] + cs[i + 1]["text"], round(span, 3)))
    return found


def paragraphs(pdf) -> list[list[Line]]:
    """Lines grouped into paragraphs: same size and column, one line pitch apart."""
    out: list[list[Line]] = []
    previous = None
    for line in lines(pdf):
        pitch = 1.75 * line.size
        if (previous and previous.page == line.page and previous.column == line.column
                and abs(previous.size - line.size) < 0.1
                and 0 < line.top - previous.top <= pitch and abs(previous.x0 - line.x0) < 2 *
                line.size):
            out[-1].append(line)
        elif (previous and previous.page + 1 == line.page and out and
              abs(previous.size - line.size) < 0.1 and previous.column == line.column and
              previous.x1 > column_right(pdf, previous) - line.size):
            out[-1].append(line)  # a paragraph continued on the next page
        else:
            out.append([line])
        previous = line
    return out


def column_right(pdf, line: Line) -> float:
    """The right edge of the text in *line*'s column on its page."""
    return max(l.x1 for l in lines_of(pdf, line.page) if l.column == line.column)


_cache: dict = {}


def lines_of(pdf, page: int) -> list[Line]:
    key = (id(pdf), page)
    if key not in _cache:
        _cache[key] = [l for l in lines(pdf) if l.page == page]
    return _cache[key]


def short_last_lines(pdf, lang: str) -> list[str]:
    """Last lines of paragraphs of two lines or more that are too short: fewer than
    3 characters in Japanese, a single word in Korean."""
    short = []
    for para in paragraphs(pdf):
        if len(para) < 2:
            continue
        last = para[-1].text.strip()
        if lang == "ja" and len(CJK.findall(last)) == len(last) and len(last) < 3:
            short.append(last)
        if lang == "ko" and para[-1].words < 2:
            short.append(last)
    return short


def word_gaps(pdf, size: float = 10.5) -> list[float]:
    """Each space's width in em in the lines of body text (of *size*) that fill their
    column, the paragraphs' last lines left out."""
    gaps = []
    for para in paragraphs(pdf):
        for line in para[:-1]:
            if abs(line.size - size) > 0.1:
                continue
            cs = line.chars
            for a, b in zip(cs, cs[1:]):
                if b["x0"] - a["x1"] > 0.05 * size and a["text"] != " " and b["text"] != " ":
                    gaps.append((b["x0"] - a["x1"]) / size)
                elif a["text"] == " ":
                    gaps.append((b["x0"] - a["x0"]) / size)
    return gaps


def ragged(pdf, size: float = 10.5) -> float:
    """The share of non-last body lines that stop more than an em short of their
    column's right edge (0 for justified text)."""
    inner = [l for p in paragraphs(pdf) for l in p[:-1] if abs(l.size - size) < 0.1]
    if not inner:
        return 0.0
    return sum(column_right(pdf, l) - l.x1 > size for l in inner) / len(inner)


def main(path: str, lang: str) -> None:
    with pdfplumber.open(path) as pdf:
        pairs = punctuation_pairs(pdf)
        print("pairs:", pairs)
        print("short last lines:", short_last_lines(pdf, lang))
        gaps = word_gaps(pdf)
        if gaps:
            print(f"widest inter-word gap: {max(gaps):.3f} em over {len(gaps)} gaps")
        print(f"ragged share of full lines: {ragged(pdf):.2f}")
        print("page fill:", page_fill(pdf))



def page_fill(pdf, top_mm: float = 22, bottom_mm: float = 24) -> list[float]:
    """Per page, the share of the text area's height that text or images reach down to
    (the running head and the page number, in the margins, left out)."""
    mm = 72 / 25.4
    shares = []
    for page in pdf.pages:
        top, bottom = top_mm * mm, page.height - bottom_mm * mm
        ends = [o["bottom"] for o in (*page.chars, *page.images, *page.rects, *page.lines)
                if o["top"] >= top - 1 and o["bottom"] <= bottom + 1]
        shares.append(round((max(ends) - top) / (bottom - top), 3) if ends else 0.0)
    return shares


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "ja")
