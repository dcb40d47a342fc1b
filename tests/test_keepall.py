"""Korean keep-all in WeasyPrint's line breaking (publish/keepall.py), on real layouts."""

from __future__ import annotations

import pytest

from briefpress.publish.keepall import keeping
from briefpress.relayout import line_text, walk_boxes

TEXT = ("한일 양국은 안보 협력을 더 긴밀하게 발전시켜야 한다는 데에 의견을 같이했으며, "
        "정보보호협정(GSOMIA)의 체결을 보류했다. 동아시아의 안보 환경은 빠르게 변하고 있다.")


def lines(html: str, keep: list[str]) -> list[str]:
    from weasyprint import HTML

    with keeping(keep):
        document = HTML(string=html).render()
    return [line_text(box).strip() for page in document.pages
            for box in walk_boxes(page._page_box) if type(box).__name__ == "LineBox"]


def page(lang: str, style: str = "") -> str:
    return (f'<html lang="{lang}"><body style="margin: 0; font: 10pt \'Noto Serif CJK KR\';'
            f' width: 9em; {style}"><p>{TEXT}</p></body></html>')


@pytest.mark.parametrize("style", ["", "text-align: justify", "letter-spacing: 0.02em"])
def test_korean_lines_break_only_between_words(style):
    words = set(TEXT.split())
    laid = lines(page("ko", style), ["ko"])
    assert len(laid) > 4
    assert all(word in words for line in laid for word in line.split()), laid
    assert " ".join(laid) == TEXT  # no character lost or added


def test_without_it_pango_breaks_inside_words():
    """The check above can fail: Pango alone breaks between syllables."""
    words = set(TEXT.split())
    laid = lines(page("ko"), [])
    assert any(word not in words for line in laid for word in line.split())


def test_only_the_languages_given_are_kept():
    words = set(TEXT.split())
    laid = lines(page("ja"), ["ko"])  # Korean text tagged ja: not kept
    assert any(word not in words for line in laid for word in line.split())
