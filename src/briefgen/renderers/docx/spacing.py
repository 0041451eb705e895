"""Keep LibreOffice from setting East Asian text apart from Latin letters and digits: "558만", not "558 만".

Word leaves no gap there because the house style turns ``w:autoSpaceDE``/``w:autoSpaceDN`` off. LibreOffice
(7.4, and its current DOCX importer alike) reads both settings and drops them, so every paragraph gets its own
default, "Apply spacing between Asian and non-Asian text" on: a kerning gap of a fifth of the font size
wherever a letter or digit of one script meets a letter or digit of the other. It even drops the setting from
a DOCX it saved itself. LibreOffice adds that gap only between two letters or digits, so a U+2060 WORD JOINER
at each such boundary, which is neither, keeps the text as written. Word shows the joiner as nothing, and it
forbids a line break where Korean has none anyway (inside a word). See docs/docx.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from briefgen.renderers.docx.oxml import Element, qn

WORD_JOINER = "\u2060"

#: Code point ranges of East Asian scripts: Hangul, kana, bopomofo, CJK ideographs, full-width forms.
EAST_ASIAN = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2E80, 0x2FDF),  # CJK and Kangxi radicals
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x3130, 0x318F),  # Hangul Compatibility Jamo
    (0x31A0, 0x31FF),  # Bopomofo Extended, CJK Strokes, Katakana Phonetic Extensions
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xA960, 0xA97F),  # Hangul Jamo Extended-A
    (0xAC00, 0xD7FF),  # Hangul Syllables, Hangul Jamo Extended-B
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0xFF00, 0xFFEF),  # Half-width and full-width forms
    (0x20000, 0x3FFFF),  # CJK Extensions B and later
)
_TEXT = qn("w:t")
#: What ends a stretch of text inside a paragraph: neighbours across these do not touch.
_BREAKS = frozenset(
    qn(tag)
    for tag in ("w:tab", "w:br", "w:cr", "w:footnoteReference", "w:endnoteReference", "w:drawing", "w:sym")
)


def is_east_asian(ch: str) -> bool:
    """Tell whether a character belongs to an East Asian script (Hangul, kana, CJK ideographs…)."""
    code = ord(ch)
    return any(low <= code <= high for low, high in EAST_ASIAN)


def _meet(before: str, after: str) -> bool:
    """Tell whether LibreOffice would space two neighbours apart: letters or digits of different scripts."""
    return before.isalnum() and after.isalnum() and is_east_asian(before) != is_east_asian(after)


def join(text: str, before: str = "") -> str:
    """Put a word joiner between each East Asian letter and a Latin (or other) letter or digit it touches.

    ``before`` is the character written just before ``text`` in the same paragraph, if any.
    """
    joined = _BOUNDARY.sub(WORD_JOINER, text)
    if before and text and _meet(before, text[0]):
        return WORD_JOINER + joined
    return joined


_EAST_ASIAN_CLASS = "".join(f"{chr(low)}-{chr(high)}" for low, high in EAST_ASIAN)
#: A letter or digit (``str.isalnum``: a word character but the underscore) of an East Asian script, and of
#: any other; a boundary between the two is where ``_meet`` says LibreOffice spaces them apart.
_EAST_ASIAN_ALNUM = rf"(?=[{_EAST_ASIAN_CLASS}])[^\W_]"
_OTHER_ALNUM = rf"(?![{_EAST_ASIAN_CLASS}])[^\W_]"
_BOUNDARY = re.compile(
    rf"(?<={_EAST_ASIAN_ALNUM})(?={_OTHER_ALNUM})|(?<={_OTHER_ALNUM})(?={_EAST_ASIAN_ALNUM})"
)


def join_scripts(roots: Iterable[Element]) -> None:
    """Add word joiners at script boundaries in every paragraph under ``roots``, across runs too."""
    for root in roots:
        for p in root.iter(qn("w:p")):
            previous = ""
            for node in p.iter(_TEXT, *_BREAKS):
                if node.tag != _TEXT:
                    previous = ""
                    continue
                text = node.text or ""
                if text:
                    node.text = join(text, previous)
                    previous = text[-1]
