"""Where the EPUB's page-break markers go inside a block (publish.pages.insert_marker)."""

from __future__ import annotations

from briefpress.publish.pages import insert_marker, mark_pages


def para(*words: str) -> dict:
    inlines = []
    for word in words:
        if inlines:
            inlines.append({"t": "Space"})
        inlines.append({"t": "Str", "c": word})
    return {"t": "Para", "c": inlines}


def rendered(node) -> str:
    out = []
    for item in node["c"]:
        if item["t"] == "Str":
            out.append(item["c"])
        elif item["t"] == "Space":
            out.append(" ")
        elif item["t"] == "RawInline":
            out.append("|")
    return "".join(out)


def test_a_marker_at_a_word_start_stays_there():
    node = para("host", "nation", "support")
    assert insert_marker(node, 10, 7)  # "host" + "nation" = 10 letters
    assert rendered(node) == "host nation |support"


def test_a_marker_inside_a_hyphenated_word_moves_to_the_word_start():
    node = para("host", "nation", "support")
    assert insert_marker(node, 15, 7)  # "suppo|rt": the page starts in the word
    assert rendered(node) == "host nation |support"
    assert 'id="page-7"' in node["c"][4]["c"][1]


def test_a_marker_inside_a_word_after_punctuation_keeps_the_punctuation_before():
    node = para("(re-armament)")
    assert insert_marker(node, 7, 3)  # "(re-arm|ament)": the page starts at "arm..."
    assert rendered(node) == "(re-|armament)"


def test_japanese_text_is_marked_at_the_exact_character():
    node = para("日韓の安全保障協力は進展した。")
    assert insert_marker(node, 5, 2)
    assert rendered(node) == "日韓の安全|保障協力は進展した。"


def test_korean_words_are_kept_whole():
    node = para("한일", "안보", "협력은")
    assert insert_marker(node, 5, 2)  # 협|력은
    assert rendered(node) == "한일 안보 |협력은"


def test_pages_before_the_first_block_open_the_book():
    blocks, opening = mark_pages([para("one"), para("two")], [(1, -1, 0), (2, 1, 0)], False)
    assert opening == [1]
    assert blocks[1]["t"] == "Plain" and rendered(blocks[2]) == "two"
