"""Typographic conventions of a language, applied to text before any format sees it.

Quotation marks: straight typewriter quotes in content become the language's own marks (“ ” ‘ ’ in Korean
and English, „ “ ‚ ‘ in German, « » in French, 「 」 『 』 in Japanese), and apostrophes become ’. This runs
on the inline tree of each text (``markup``), so the PDF, the HTML and the DOCX get the same characters.

Figures: a formatted figure is set in pieces that never break inside (``figure_pieces``, ``unbreakable``):
a number stays with its unit, and a line may break only before the converted amount in brackets.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from briefgen import markup


@dataclass(frozen=True)
class Quotes:
    """A language's quotation marks: outer pair, inner pair, the apostrophe and the space inside marks."""

    open: str
    close: str
    inner_open: str
    inner_close: str
    apostrophe: str = "\u2019"
    inside: str = ""  # French sets a narrow no-break space inside its guillemets


#: From CLDR's delimiters (quotationStart/End, alternateQuotationStart/End); French inner quotes as the
#: Imprimerie nationale sets them.
QUOTES: dict[str, Quotes] = {
    "ko": Quotes("\u201c", "\u201d", "\u2018", "\u2019"),
    "en": Quotes("\u201c", "\u201d", "\u2018", "\u2019"),
    "zh": Quotes("\u201c", "\u201d", "\u2018", "\u2019"),
    "de": Quotes("\u201e", "\u201c", "\u201a", "\u2018"),
    "fr": Quotes("\u00ab", "\u00bb", "\u201c", "\u201d", inside="\u202f"),
    "ja": Quotes("\u300c", "\u300d", "\u300e", "\u300f"),
}


def quotes_for(lang: str) -> Quotes:
    """Return the quotation marks of a language (``ko``, ``de_CH``, ``en-GB``); English ones by default."""
    return QUOTES.get(lang.replace("-", "_").split("_")[0].lower(), QUOTES["en"])


#: Stands for a piece of text that is not plain text (a figure, code): a letter, as far as quotes go.
_OPAQUE = "\ufffc"


def _opening_context(ch: str | None) -> bool:
    """Whether a quote after ``ch`` opens: at the start, after a space, a dash or an opening bracket."""
    if ch is None or ch.isspace():
        return True
    return unicodedata.category(ch) in ("Ps", "Pi", "Pd") or ch in "/"


def _closing_context(ch: str | None) -> bool:
    """Whether a quote before ``ch`` closes: at the end, before a space or punctuation."""
    if ch is None or ch.isspace():
        return True
    return unicodedata.category(ch) in ("Pe", "Pf", "Po", "Pd")


def _latin_letter(ch: str | None) -> bool:
    return ch is not None and ch.isalnum() and ch.isascii()


class _Quoter:
    """Turn the straight quotes of one text into a language's marks, reading the text as one stream."""

    def __init__(self, marks: Quotes) -> None:
        self.marks = marks
        self.open_double = False
        self.open_single = False

    def convert(self, text: str, before: str | None, after: str | None) -> str:
        """Convert the quotes of ``text``; ``before``/``after`` are the characters around it (None: none)."""
        if "'" not in text and '"' not in text:
            return text
        out: list[str] = []
        for i, ch in enumerate(text):
            if ch not in "'\"":
                out.append(ch)
                continue
            prev = text[i - 1] if i else before
            following = text[i + 1] if i + 1 < len(text) else after
            out.append(self.double(prev, following) if ch == '"' else self.single(prev, following, text, i))
        return "".join(out)

    def double(self, prev: str | None, following: str | None) -> str:
        opens = _opening_context(prev) and not (following is None or following.isspace())
        closes = _closing_context(following) and not (prev is None or prev.isspace())
        if opens and not closes:
            is_open = True
        elif closes and not opens:
            is_open = False
        else:  # letters on both sides (Korean particles follow a closing mark: "…다"는) or isolated
            is_open = not self.open_double
        self.open_double = is_open
        m = self.marks
        return m.open + m.inside if is_open else m.inside + m.close

    def single(self, prev: str | None, following: str | None, text: str, i: int) -> str:
        m = self.marks
        if _latin_letter(prev) and _latin_letter(following):
            return m.apostrophe  # don't, DeepSeek's
        if _opening_context(prev) and re.match(r"'\d\ds\b", text[i : i + 5]):
            return m.apostrophe  # the '90s
        opens = _opening_context(prev) and not (following is None or following.isspace())
        closes = not (prev is None or prev.isspace())
        if opens and not closes:
            self.open_single = True
            return m.inner_open
        if closes and not self.open_single and _latin_letter(prev):
            return m.apostrophe  # the models' weights
        if closes or self.open_single:
            self.open_single = False
            return m.inner_close
        self.open_single = True
        return m.inner_open


def smart_quotes(nodes: markup.RichText, lang: str) -> markup.RichText:
    """Return an inline tree with its straight quotes set as the language's marks; code is left alone.

    The text of a tree is read as one stream across emphasis and links, so a quote may open in one and
    close in another; figures and code count as letters; a footnote is a stream of its own.
    """
    if not any(isinstance(n, markup.Text) and ("'" in n.text or '"' in n.text) for n in markup.walk(nodes)):
        return nodes
    stream = _stream(nodes)
    quoter = _Quoter(quotes_for(lang))
    position = [0]

    def rebuild(items: markup.RichText) -> markup.RichText:
        out: list[markup.Inline] = []
        for node in items:
            if isinstance(node, markup.Text):
                start = position[0]
                end = start + len(node.text)
                before = stream[start - 1] if start else None
                after = stream[end] if end < len(stream) else None
                position[0] = end
                out.append(markup.Text(quoter.convert(node.text, before, after)))
            elif isinstance(node, markup.Strong | markup.Emphasis | markup.Link):
                out.append(replace(node, children=rebuild(node.children)))
            elif isinstance(node, markup.Note):
                out.append(markup.Note(smart_quotes(node.children, lang)))
            else:  # code and fact references: one opaque letter of the stream
                position[0] += 1
                out.append(node)
        return tuple(out)

    return rebuild(nodes)


def _stream(nodes: markup.RichText) -> str:
    """Return the text of a tree as the quote stream sees it: notes left out, figures and code as letters."""
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, markup.Text):
            parts.append(node.text)
        elif isinstance(node, markup.Strong | markup.Emphasis | markup.Link):
            parts.append(_stream(node.children))
        elif not isinstance(node, markup.Note):
            parts.append(_OPAQUE)
    return "".join(parts)


def smart_quotes_text(text: str, lang: str) -> str:
    """Return plain text (a title) with its straight quotes set as the language's marks."""
    if "'" not in text and '"' not in text:
        return text
    return _Quoter(quotes_for(lang)).convert(text, None, None)


# ---------------------------------------------------------------- figures

#: Where a formatted figure may break: before the bracket of a converted amount, "558만 달러(약 84억 원)".
_FIGURE_BREAK = re.compile(r"(?=[(\uff08])")


def figure_pieces(text: str) -> list[str]:
    """Split a formatted figure into the pieces no line may break inside: ``["558만 달러", "(약 84억 원)"]``.

    A space before a bracket ends the piece before it (``["$5.58 million ", "(about ₩8.4 billion)"]``).
    """
    return [piece for piece in _FIGURE_BREAK.split(text) if piece]


# ---------------------------------------------------------------- decimal alignment

_NUMBER = re.compile(r"^[-+\u2212]?[\d.,\u00a0\u202f' ]*\d$")


def _fractions(cells: list[str], decimal: str) -> list[int | None]:
    """Return, per cell, the length of its fraction with the separator (0: none); None if not a number."""
    sizes: list[int | None] = []
    for cell in cells:
        text = cell.strip()
        if not _NUMBER.match(text):
            sizes.append(None)
            continue
        whole, sep, digits = text.rpartition(decimal)
        sizes.append(len(digits) + 1 if sep and whole and digits.isdigit() else 0)
    return sizes


def widest_fraction(cells: list[str], decimal: str) -> int:
    """Return the length of the longest fraction (with its separator) among the numbers of a column."""
    return max((size for size in _fractions(cells, decimal) if size is not None), default=0)


def decimal_pads(cells: list[str], decimal: str) -> list[str]:
    """Return, for each cell of a right-aligned column, the fraction it lacks to line up on the decimal.

    ``["0.55", "15", "2.1"]`` gives ``["", ".00", "0"]``: set invisibly after the number, the padding puts
    every decimal separator under the one above. Cells that are not plain numbers get none.
    """
    widest = widest_fraction(cells, decimal)
    pads = []
    for size in _fractions(cells, decimal):
        if size is None or size == widest:
            pads.append("")
        elif size == 0:
            pads.append(decimal + "0" * (widest - 1))
        else:
            pads.append("0" * (widest - size))
    return pads


def table_pads(rows: list[list[str]], align: tuple[str, ...] | list[str], lang: str) -> list[list[str]]:
    """Return the decimal padding of every cell of a table (by row), for its right-aligned columns."""
    from babel.numbers import get_decimal_symbol

    decimal = get_decimal_symbol(lang.replace("-", "_"))
    pads = [["" for _ in row] for row in rows]
    for column, side in enumerate(align):
        if side != "right":
            continue
        for r, pad in enumerate(decimal_pads([row[column] for row in rows], decimal)):
            pads[r][column] = pad
    return pads


WORD_JOINER = "\u2060"


def unbreakable(text: str) -> str:
    """Return a formatted figure as text no line breaks inside but before a converted amount.

    Word joiners (U+2060, invisible) glue each piece: after every space in it (a line may not break before
    a joiner, Unicode's line breaking rule LB11) and beside every Chinese, Japanese or Korean character
    (where a line may otherwise break between any two). The text stays the formatter's, joiners aside, so
    a figure reads and searches the same in every format.
    """
    out = []
    for piece in figure_pieces(text):
        body = piece.rstrip()
        glued = _CJK_BREAK.sub(WORD_JOINER, body.replace(" ", " " + WORD_JOINER))
        out.append(glued + piece[len(body) :])
    return "".join(out)


_CJK = "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uff00-\uffef"
#: Between two characters one of which is Chinese, kana, Hangul or full-width: where CJK text may break.
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])(?=[^\s\u2060])|(?<=[^\s\u2060])(?=[{_CJK}])")


def bind_to_figure(text: str, approximately: str) -> str:
    """Keep the language's word for "about" with the figure that follows it: ``약 {cost}``, ``about {cost}``.

    ``text`` is the prose before a figure; ``approximately`` the language's pattern for an approximate
    figure (``약 {figure}``, ``environ {figure}``, ``約{figure}``), whose words the formatter puts before the
    figures it approximates itself. Where the prose ends with those words, the space after them becomes a
    no-break space (or, where none is written, a word joiner), so that a line does not end at "약" and
    leave its figure to the next. Text ending otherwise is returned as it is.
    """
    word = approximately.partition("{figure}")[0]
    if not word.strip() or "{" in word:
        return text
    if not text.casefold().endswith(word.casefold()):
        return text
    if not word.endswith(" "):  # written close to the figure (約, ~): only a joiner keeps them together
        return text + WORD_JOINER
    before = text[: len(text) - len(word)]
    if before and before[-1].isalnum():  # the end of a longer word (규약, reabout), not the word itself
        return text
    return text[:-1] + "\u00a0"
