"""The CJK character ranges, defined once: regular-expression class bodies (use them
inside ``[...]``), named after the Unicode blocks they cover. Imports nothing."""

from __future__ import annotations

import re

KANA = "\u3040-\u30ff"  # Hiragana, Katakana
KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Extension A, Unified, Compatibility
HANGUL_SYLLABLES = "\uac00-\ud7af"
HANGUL = "\u1100-\u11ff\u3130-\u318f" + HANGUL_SYLLABLES  # Jamo, Compatibility Jamo
CJK_PUNCTUATION = "\u3000-\u303f"  # CJK Symbols and Punctuation: 、。「」 and U+3000
FULLWIDTH = "\uff00-\uffef"  # Halfwidth and Fullwidth Forms: （）：！ and half-width kana

KANA_KANJI = KANA + KANJI  # Japanese and Chinese letters, written without spaces

HANGUL_CHAR = re.compile(f"[{HANGUL}]")
