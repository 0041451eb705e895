"""Tell a figure written into prose from a number that is a word: the rule behind the hard-coded warning.

The rule, as docs/content.md states it: a number in prose is flagged when it has two digits or more, or an
amount after it (a percent sign, a currency or a magnitude: 5%, 3억, 2 million), unless it is a year (1900 to
2099), part of a name (joined to a Latin letter, a hyphen or a dot: H800, GPT-4, 7B, 3rd, 12-high, v1.5),
an ordinal, rank or level (제3, 3번째, 2차, 4세대, 12단, 1위, 第3, 3位, #1), inside `code`, or written as
``{=…}``. A lone digit is otherwise a word: "3사", "two or 3 suppliers".

Figures belong in facts, so that every language shows the same value, formatted its own way; the words that
only look like numbers must not drown that warning, or ``--strict`` would fail on every real briefing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from briefgen import markup

#: Digits (with separators) standing alone: not joined to a Latin letter, a digit, '_', '-', '.' or '/'
#: before them, nor to a letter (directly or by a hyphen: 12-high) after them.
NUMBER = re.compile(r"(?<![A-Za-z0-9_\-./])\d[\d,.]*(?![A-Za-z0-9]|-[A-Za-z])")
_YEAR = re.compile(r"(?:19|20)\d\d")
#: Words before a number that make it an ordinal or a label: 제3장, 第3章, #1, No. 5.
_BEFORE = re.compile(r"(?:제|第|#|No\.\s?|no\.\s?)$")
#: Words after a number that make it an ordinal, a rank or a level (not a count): 3번째, 2차, 4세대, 12단,
#: 1위, 3층, 1호, 1등, 1기; 3番目, 2位, 3世代, 12段, 1次, 1号. Not 3차례 (times), 3위안 (yuan), 3기가 (giga).
_AFTER = re.compile(r"\s?(?:번째|차(?!례)|세대|단|위(?!안)|층|호|등|기(?!가)|番目|番|位|世代|段|次|号)")
_CODE = re.compile(r"`[^`]*`")
#: What makes a lone digit an amount: a percent sign, a currency, or a magnitude after it.
_AMOUNT = re.compile(
    r"\s?(?:%|퍼센트|만|억|조|원|달러|엔|위안|유로|円|ドル|億|兆|"
    r"(?:percent|thousand|million|billion|trillion|dollars?|euros?|yen|won|yuan)\b)",
    re.IGNORECASE,
)


def figures(text: str) -> Iterator[tuple[int, str]]:
    """Yield the offset and the digits of each number of a text that the rule counts as a figure."""
    blanked = text
    for pattern in (markup.FACT_REF, markup.LITERAL, _CODE):
        blanked = pattern.sub(lambda m: " " * len(m.group()), blanked)
    for match in NUMBER.finditer(blanked):
        digits = match.group().rstrip(".,")
        if _YEAR.fullmatch(digits):
            continue
        if len(digits) == 1 and not _AMOUNT.match(blanked, match.end()):
            continue  # a lone digit reads as a word, unless an amount follows it: 5%, 3억, 2 million
        if _BEFORE.search(blanked, 0, match.start()) or _AFTER.match(blanked, match.end()):
            continue
        yield match.start(), digits
