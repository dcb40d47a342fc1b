"""The HTML post-processing transforms, each on small trees."""

import lxml.html
import pytest

from briefpress.transforms import TRANSFORMS, Transform, transform_html

ON = {"ko": {"keep_all"}, "ja": {"autospace", "trim_punctuation"}}


def is_on(switch, lang):
    return switch in ON.get(lang.split("-")[0], set())


def page(body, lang="ja"):
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><title>「題」と1990</title>'
            f'<style>p {{ }}</style></head><body>{body}</body></html>')


def only(name):
    return [t for t in TRANSFORMS if t.name == name]


def body_of(html):
    return html.split("<body>", 1)[1].split("</body>", 1)[0]


def text_of(html):
    """The characters a reader sees (and copies): every span added must keep them."""
    return lxml.html.document_fromstring(html).find("body").text_content()


def test_transforms_run_in_priority_order_and_are_independent():
    assert [t.priority for t in TRANSFORMS] == sorted(t.priority for t in TRANSFORMS)
    html = page("<p>（「2+2」）は日本</p>")
    one_by_one = html
    for transform in TRANSFORMS:
        one_by_one = transform_html(one_by_one, is_on, [transform])
    assert transform_html(html, is_on) == one_by_one


def test_nothing_changes_where_no_transform_is_on():
    html = page("<p>English only, 2015</p>", lang="en")
    assert transform_html(html, is_on) is html


def test_korean_words_are_kept_whole_and_attributes_holding_gt_stay_intact():
    html = page('<p title="속성 값">국방 <abbr title="a > 국방">협력</abbr>을, English 단어</p>',
                lang="ko")
    out = transform_html(html, is_on, only("keep-all"))
    tree = lxml.html.document_fromstring(out)
    abbr = tree.find(".//abbr")
    assert abbr.get("title") == "a > 국방" and abbr.text == "협력"
    # the word crossing the <abbr> boundary is one nowrap box around the element
    assert abbr.getparent().get("class") == "kw"
    assert abbr.getparent().text_content() == "협력을,"
    # a word inside one text gets no box: Pango keeps it whole (publish/keepall.py)
    assert out.count('class="kw"') == 1
    assert 'title="속성 값"' in out and "<title>「題」と1990</title>" in out
    assert text_of(out) == text_of(html)


def test_a_korean_word_starting_inside_an_element_is_wrapped_piece_by_piece():
    html = page("<p><em>한일 국방</em>협력</p>", lang="ko")
    out = body_of(transform_html(html, is_on, only("keep-all")))
    assert out == ('<p><em>한일 <span class="kw">국방</span></em>'
                   '<span class="kw">협력</span></p>')


def test_a_word_with_a_nested_element_is_one_box():
    html = page("<p>가<em>나<b>다</b></em>라 마</p>", lang="ko")
    out = body_of(transform_html(html, is_on, only("keep-all")))
    assert out == '<p><span class="kw">가<em>나<b>다</b></em>라</span> 마</p>'


@pytest.mark.parametrize("text, halted", [
    ("（「2+2」）", "「」"),  # opening+opening: the second; closing+closing: the first
    ("）「", "）"),  # closing + opening: the closing
    ("です。」と", "。"),  # full stop + closing
    ("「あ」、「い」", "」、"),  # closing + comma, comma + opening
    ("シリーズ：「", "「"),  # middle dot class + opening
    ("「あ」・「い」", "」「"),
    ("普通の文、です。", ""),  # no pair: nothing
    ("“quoted”「", ""),  # curly quotes are Latin: not trimmed
])
def test_adjacent_punctuation_sets_one_member_half_width(text, halted):
    out = transform_html(page(f"<p>{text}</p>"), is_on, only("trim-punctuation"))
    found = lxml.html.document_fromstring(out).xpath('//span[@class="halt"]/text()')
    assert "".join(found) == halted
    assert text_of(out) == text


def test_punctuation_pairs_across_element_boundaries():
    out = transform_html(page("<p><em>「あ」</em>「い」<a href='#'>）</a>（</p>"), is_on,
                         only("trim-punctuation"))
    assert body_of(out) == ('<p><em>「あ<span class="halt">」</span></em>「い'
                            '<span class="halt">」</span><a href="#"><span class="halt">）'
                            '</span></a>（</p>')


def test_pairs_are_not_made_across_blocks_or_with_another_language():
    html = page('<p>「あ」</p><p>「い」</p><p>「う」<span lang="ko">「</span></p>')
    out = transform_html(html, is_on, only("trim-punctuation"))
    assert "halt" not in out


def test_japanese_gets_a_quarter_em_beside_latin_and_digits():
    html = page('<p>日本は1990年代に「2+2」とGSOMIAを、ACSA。</p><p>English only 2015</p>')
    out = transform_html(html, is_on, only("autospace"))
    assert '日本は<span class="as-ba">1990</span>年代' in out
    assert "「2+2」" in out  # beside brackets: no space
    assert '<span class="as-ba">GSOMIA</span>を' in out and '<span class="as-a">ACSA' not in out
    assert "<p>English only 2015</p>" in out and "<style>p { }</style>" in out
    assert "<title>「題」と1990</title>" in out


def test_latin_space_is_decided_across_element_boundaries():
    """A digit ending an <em> and a kanji after it: the space goes on the digits."""
    out = transform_html(page("<p><em>西暦2016</em>年に<b>G</b>7<i>は</i></p>"), is_on,
                         only("autospace"))
    assert body_of(out) == ('<p><em>西暦<span class="as-ba">2016</span></em>年に'
                            '<b><span class="as-b">G</span></b><span class="as-a">7</span>'
                            '<i>は</i></p>')


def test_code_svg_and_footnote_boundaries_are_respected():
    html = page('<p>日本<code>x1</code>と<span class="footnote">注1</span>年</p>')
    out = transform_html(html, is_on, only("autospace"))
    assert "<code>x1</code>" in out
    assert '注<span class="as-b">1</span></span>年' in out  # 注1 is in the note, 年 not


def test_all_transforms_together_keep_the_text_and_the_markup_valid():
    body = ('<p>（「2+2」）は<em>2016</em>年、GSOMIA<a href="x?a=1&amp;b=2" title="a > b">「協定」'
            '</a>。</p><figure><img alt="図 1" src="data:image/png;base64,AA=="><figcaption>'
            '図1：「年表」</figcaption></figure>')
    html = page(body)
    out = transform_html(html, is_on)
    assert text_of(out) == text_of(html)
    tree = lxml.html.document_fromstring(out)
    assert tree.find(".//a").get("title") == "a > b"
    assert tree.find(".//a").get("href") == "x?a=1&b=2"
    assert out.startswith("<!DOCTYPE html>\n")
    assert tree.xpath('//figcaption//span[@class="halt"]/text()') == ["「"]


def test_a_transform_of_ones_own_is_a_function_and_a_switch():
    def shout(text, active):
        yield 0, len(text), "loud"
    extra = Transform(50, "loud", "keep_all", shout)
    out = transform_html(page("<p>안녕</p>", lang="ko"), is_on, [extra])
    assert '<p><span class="loud">안녕</span></p>' in out


def test_subset_faces_rename_families_in_styles_and_svg_figures(tmp_path):
    import base64

    from briefpress.transforms import subset_faces

    svg = '<svg xmlns="http://www.w3.org/2000/svg" font-family="Noto Sans CJK JP"><text>図</text></svg>'
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    html = ('<!DOCTYPE html>\n<html lang="ja"><head><style>p { font-family: "Noto Sans CJK JP"; }'
            f'</style></head><body><p title="a > b">本文</p><img src="{src}"></body></html>')
    seen = []

    def subset(family, text, style):
        seen.append((family, style, "本文" in text and "図" in text))
        return f"{style}.otf", b"font"

    out = subset_faces(html, ["Noto Sans CJK JP"], tmp_path, subset)
    assert seen == [("Noto Sans CJK JP", "Regular", True), ("Noto Sans CJK JP", "Bold", True)]
    tree = lxml.html.document_fromstring(out)
    faces, style = (element.text for element in tree.iter("style"))
    assert '@font-face { font-family: "bp Noto Sans CJK JP"; font-weight: 700;' in faces
    assert 'p { font-family: "bp Noto Sans CJK JP"; }' in style
    figure = base64.b64decode(tree.find(".//img").get("src").split(",", 1)[1]).decode()
    assert 'font-family="bp Noto Sans CJK JP"' in figure
    assert tree.find(".//p").get("title") == "a > b"
    assert (tmp_path / "Bold.otf").read_bytes() == b"font"
    assert subset_faces(html, [], tmp_path, subset) is html


def test_a_trimmed_mark_is_glued_to_its_neighbours_so_no_line_starts_with_it():
    # The halt span's edges are break opportunities to WeasyPrint: without the nowrap
    # glue, "）であり" started a line in the bilingual PDF.
    out = transform_html(page("<p>会合（「2+2」）であり</p>"), is_on,
                         only("glue-trimmed") + only("trim-punctuation"))
    assert body_of(out) == ('<p>会合<span class="nb">（<span class="halt">「</span>2</span>+'
                            '<span class="nb">2<span class="halt">」</span>）</span>であり</p>')
    assert text_of(out) == "会合（「2+2」）であり"


def test_a_latin_run_starting_a_line_has_no_space_before_it():
    """The quarter em before a Latin run is dropped where the run starts a line (the
    second layout pass): there it would show as an indent. Mid-line it stays."""
    from weasyprint import HTML

    from briefpress.relayout import second_pass, walk_boxes

    text = "あ" * 9 + "ABC" + "い" * 4 + "DEF" + "う" * 3
    html = transform_html(
        '<!DOCTYPE html><html lang="ja"><head><style>@page { size: 200px 200px; margin: 0 }'
        ' body { margin: 0; font-size: 10px; width: 100px } .as-b { margin-left: 0.25em }'
        ' .as-a { margin-right: 0.25em } .as-ba { margin: 0 0.25em }</style></head>'
        f'<body><p>{text}</p></body></html>', lambda switch, lang: switch == "autospace")
    document = second_pass(html, lambda h: HTML(string=h).render())
    starts = {}
    for box in walk_boxes(document.pages[0]._page_box):
        if type(box).__name__ == "LineBox":
            leaf = box
            while getattr(leaf, "children", None):
                leaf = leaf.children[0]
            starts[leaf.text[:3]] = leaf.position_x - box.position_x
    assert starts["ABC"] == pytest.approx(0, abs=0.01)  # was 2.5 px, a quarter em
    spans = lxml.html.fromstring(html).xpath("//span[contains(@class, 'as-')]")
    assert [s.text for s in spans] == ["ABC", "DEF"]
