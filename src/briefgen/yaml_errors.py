"""Say what a YAML syntax error means to the person who wrote the file: where the slip is, and how to fix it.

A YAML parser reports where it gave up, in its own terms (``expected <block end>, but found '<scalar>'``):
often a line after the slip, and never what to do about it. This module looks at the text around that place
for the usual slips (an indentation that does not line up, a tab, a key without ':', a text starting with a
character YAML reserves, ': ' inside a text, a quote or bracket never closed) and explains the one it finds.

It reads only the parser's message, its marks (0-based line and column) and the text, never the parser's
state, so any parser that marks the same places (PyYAML in Python, or over libyaml) gets the same
explanations. Its messages use the words a writer knows: line, indentation, text, list, quote.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

#: What YAML counts as a line break (the marks count lines this way).
_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
#: A key at the start of a line's content: a plain word, or a quoted one, then ':' and a space or the end.
_KEY = re.compile(r"""(?:"[^"]*"|'[^']*'|[^\s#'"{\[&*!|>%@`,?:-][^#]*?|-[^\s#]+?):(?=\s|$)""")
#: A plain key written without its ':' (``title Cost``): a lower-case name, then a space and the value.
_KEY_WITHOUT_COLON = re.compile(r"([a-z_][a-z0-9_]*)(?:[ \t]+(\S.*?))?\s*$")
_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_WORDS_NOT_KEYS = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n"})
#: Characters that YAML reads as syntax at the start of a value, with what it makes of each.
RESERVED = {
    "{": "the start of a mapping",
    "[": "the start of a list",
    "*": "an alias (a reference to an '&' anchor)",
    "&": "an anchor (a name for the value that follows)",
    "!": "a tag",
    "|": "the start of a block of text on the next lines",
    ">": "the start of a block of text on the next lines",
    "@": "a reserved character",
    "`": "a reserved character",
    "%": "a directive",
    "?": "the start of a complex key",
}


@dataclass(frozen=True)
class Explanation:
    """What is wrong, in the writer's terms, where (1-based line and column), and how to fix it."""

    message: str
    line: int
    column: int
    hint: str | None = None


class _Error:
    """The parser's report: its message, the place it gave up, and the place of what it was reading."""

    def __init__(
        self,
        lines: list[str],
        problem: str,
        at: tuple[int, int],
        context: str,
        opened: tuple[int, int] | None,
    ) -> None:
        self.lines = lines
        self.problem = problem
        self.context = context
        self.line, self.column = _clamp(lines, *at)
        self.opened = _clamp(lines, *opened) if opened is not None else None

    def text(self, line: int | None = None) -> str:
        return self.lines[self.line if line is None else line] if self.lines else ""

    def char(self, line: int, column: int) -> str:
        return self.text(line)[column : column + 1]

    @property
    def in_flow(self) -> bool:
        return "flow sequence" in self.context or "flow mapping" in self.context

    def previous_content(self, line: int) -> int | None:
        """Return the nearest line above ``line`` with content (not blank, not only a comment)."""
        for index in range(line - 1, -1, -1):
            stripped = self.lines[index].strip()
            if stripped and not stripped.startswith("#"):
                return index
        return None


def _clamp(lines: list[str], line: int, column: int) -> tuple[int, int]:
    return min(max(line, 0), max(len(lines) - 1, 0)), max(column, 0)


def explain(
    text: str,
    problem: str,
    problem_mark: tuple[int, int] | None,
    context: str | None = None,
    context_mark: tuple[int, int] | None = None,
) -> Explanation | None:
    """Explain a YAML syntax error from the parser's message and marks; None if it is not a known slip."""
    if problem_mark is None:
        return None
    error = _Error(split_lines(text), problem, problem_mark, context or "", context_mark)
    rules: tuple[Callable[[_Error], Explanation | None], ...] = (
        _tab,
        _quoted_text,
        _never_closed,
        _in_flow_item,
        _key_without_colon,
        _colon_in_text,
        _reserved_start,
        _text_after_value,
        _indentation,
    )
    for rule in rules:
        found = rule(error)
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------- reading a line


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content_start(line: str) -> int:
    """Return where a line's content starts: after its indentation and any list dashes (``- - ``)."""
    index = _indent(line)
    while line[index : index + 2] in ("- ", "-\t") or line[index:] == "-":
        index += 1
        while index < len(line) and line[index] in " \t":
            index += 1
    return index


def _value_start(line: str, names_only: bool = False) -> tuple[int, str | None]:
    """Return where the value on a line starts, and the key before it if there is one.

    With ``names_only``, only a lower-case name counts as a key (``title:``, not ``Cost:``): briefgen's keys
    are all such names, so anything else before a ':' is text that YAML took for a key.
    """
    index = _content_start(line)
    key = _KEY.match(line, index)
    if key is None or (names_only and not _NAME.fullmatch(key.group()[:-1].strip())):
        return index, None
    name = key.group()[:-1].strip()
    index = key.end()
    while index < len(line) and line[index] in " \t":
        index += 1
    return index, name


def _value_text(line: str, start: int) -> str:
    """Return a value as written from ``start``, without a trailing comment."""
    value = line[start:]
    comment = re.search(r"\s#", value)
    return (value[: comment.start()] if comment else value).rstrip()


def quoted(value: str) -> str:
    """Quote a text for YAML: in double quotes, unless it holds one or a backslash (an escape there)."""
    if '"' not in value and "\\" not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"


def split_lines(text: str) -> list[str]:
    """Split a text into lines the way YAML counts them (its marks' line numbers index this list)."""
    return _BREAKS.split(text)


def _written_quoted(line: str) -> str:
    """Write a line's value quoted, as the hint tells the writer to: ``title: "Cost: the story"``."""
    start, key = _value_start(line, names_only=True)
    dashes = line[_indent(line) : _content_start(line)].strip()
    lead = f"{key}: " if key else (f"{dashes} " if dashes else "")
    return lead + quoted(_value_text(line, start))


def _spaces(count: int) -> str:
    return f"{count} space" + ("" if count == 1 else "s")


def quote_it(line: str) -> str:
    """Return the hint that tells the writer to quote the value on a line, showing the line quoted."""
    return "quote the whole text: " + _written_quoted(line)


# ---------------------------------------------------------------- the slips, one rule each


def _tab(error: _Error) -> Explanation | None:
    if error.char(error.line, error.column) != "\t" and "'\\t'" not in error.problem:
        return None
    before = error.text()[: error.column]
    if not before.strip(" \t-"):
        message = "the line is indented with a tab; YAML indents with spaces only"
    else:
        message = "a tab where YAML expects a space"
    return Explanation(message, error.line + 1, error.column + 1, "replace the tab with spaces")


def _quoted_text(error: _Error) -> Explanation | None:
    """A quote never closed, or a backslash inside double quotes that is not an escape."""
    if "quoted scalar" not in error.context or error.opened is None:
        return None
    line, column = error.opened
    if "escape" in error.problem:
        slash = error.text().rfind("\\", 0, error.column + 1)
        slash = slash if slash >= 0 else error.column
        return Explanation(
            f"'{error.text()[slash : slash + 2]}' inside double quotes is not an escape YAML knows",
            error.line + 1,
            slash + 1,
            "write \\\\ for a backslash, or quote the text with single quotes instead",
        )
    if "end of stream" not in error.problem and "document" not in error.problem:
        return None
    mark = error.char(line, column) or '"'
    return Explanation(
        f"the text quoted with {mark} here is never closed", line + 1, column + 1, f"end it with {mark}"
    )


def _never_closed(error: _Error) -> Explanation | None:
    """A '[' or '{' never closed; or a text that starts with '{' and runs to the end of the file."""
    if error.opened is None or not error.in_flow:
        return None
    if "stream end" not in error.problem and "end of stream" not in error.problem:
        return None
    line, column = error.opened
    bracket, closing = ("[", "]") if "sequence" in error.context else ("{", "}")
    if bracket == "{" and _value_start(error.text(line))[0] == column:
        return _reserved(line, column, error.text(line))
    return Explanation(
        f"the '{bracket}' opened here is never closed",
        line + 1,
        column + 1,
        f"close it with '{closing}'; if the '{bracket}' is part of a text, quote the text",
    )


def _in_flow_item(error: _Error) -> Explanation | None:
    """A slip inside an item of a list written in brackets: ``[Cost, {cost} more]``, ``[a, b: c]``."""
    if not error.in_flow or error.opened is None:
        return None
    text = error.text()
    left = max(text.rfind(",", 0, error.column), text.rfind("[", 0, error.column)) + 1
    while left < len(text) and text[left] == " ":
        left += 1
    ends = [i for i in (text.find(",", error.column), text.find("]", error.column)) if i >= 0]
    item = text[left : min(ends) if ends else len(text)].strip()
    if not item:
        return None
    if error.char(error.line, error.column) == ":":
        return Explanation(
            "': ' inside a list item: YAML reads it as a key and its value",
            error.line + 1,
            error.column + 1,
            f"quote the item: {quoted(item)}",
        )
    brace = item.find("{")
    if brace >= 0:
        return Explanation(
            "'{' inside a list item written in brackets: YAML reads it as the start of a mapping",
            error.line + 1,
            left + brace + 1,
            f"quote the item: {quoted(item)}",
        )
    return None


def _key_without_colon(error: _Error) -> Explanation | None:
    if "expected ':'" in error.problem and error.opened is not None:
        line = error.opened[0]
    elif "mapping values are not allowed" in error.problem and not _key_before(error):
        # The ':' belongs to its line's key, yet YAML reads the line as more of the text above it: that
        # text is a key whose ':' is missing (``caption Cost`` above ``header: ...``), unless it has a key.
        above = error.previous_content(error.line)
        if above is None or _value_start(error.text(above))[1] is not None:
            return None
        line = above
    else:
        return None
    text = error.text(line)
    start = _content_start(text)
    match = _KEY_WITHOUT_COLON.match(text, start)
    if match is None or match.group(1) in _WORDS_NOT_KEYS:
        return None
    name, rest = match.group(1), match.group(2)
    fixed = f"{name}: {rest}" if rest else f"{name}:"
    return Explanation(
        f"'{name}' has no ':' after it, so YAML does not read it as a key",
        line + 1,
        start + len(name) + 1,
        f"write '{fixed}'",
    )


def _key_before(error: _Error) -> bool:
    """Tell whether the line has a ``key:`` before the error's column (so a ':' there is inside a value)."""
    return _value_start(error.text()[: error.column])[1] is not None


def _colon_in_text(error: _Error) -> Explanation | None:
    if "mapping values are not allowed" not in error.problem or not _key_before(error):
        return None
    text = error.text()
    column = error.column
    if _value_start(text, names_only=True)[1] is None:  # ``- Cost: more: text``: the first ': ' is the slip
        column = text.index(":", _content_start(text))
    return Explanation(
        "': ' inside a text: YAML reads it as the start of another key and value",
        error.line + 1,
        column + 1,
        quote_it(text),
    )


def _reserved_start(error: _Error) -> Explanation | None:
    """A text starting with a character YAML reserves: '*' (alias), '&' (anchor), '|', '>', '@', '`'…"""
    reading = ("alias" in error.context, "anchor" in error.context, "block scalar" in error.context)
    if any(reading) and error.opened is not None:
        line, column = error.opened
    elif (
        "undefined alias" in error.problem
        or "cannot start any token" in error.problem
        or "keys are not allowed" in error.problem
    ):
        line, column = error.line, error.column
    else:
        return None
    char = error.char(line, column)
    if char not in RESERVED:
        return None
    if "undefined alias" in error.problem:
        found = re.search(r"alias '?([^'\s]+)", error.problem)
        name = found.group(1) if found else ""
        return Explanation(
            f"'*{name}' refers to an anchor '&{name}' that the file does not define",
            line + 1,
            column + 1,
            "a text that starts with '*' must be quoted: " + _written_quoted(error.text(line)),
        )
    return _reserved(line, column, error.text(line))


def _reserved(line: int, column: int, text: str) -> Explanation:
    char = text[column : column + 1]
    return Explanation(
        f"a text cannot start with '{char}' unquoted: YAML reads it as {RESERVED[char]}",
        line + 1,
        column + 1,
        quote_it(text),
    )


def _text_after_value(error: _Error) -> Explanation | None:
    """More text after a value that ended early: ``- {cost} and more``, ``title: "Cost" of it``."""
    if "expected <block end>" not in error.problem and "did not find expected" not in error.problem:
        return None
    text = error.text()
    start, _ = _value_start(text)
    if start >= error.column or start >= len(text):
        return None
    first = text[start]
    if first in "{[":
        return _reserved(error.line, start, text)
    if first in "\"'":
        return Explanation("the quotes end before the text does", error.line + 1, start + 1, quote_it(text))
    return None


def _indentation(error: _Error) -> Explanation | None:
    if not (
        "expected <block end>" in error.problem
        or "did not find expected" in error.problem
        or "mapping values are not allowed" in error.problem
    ):
        return None
    previous = error.previous_content(error.line)
    if previous is None:
        return None
    line = error.text(previous)
    mine = _indent(error.text())
    is_item = error.text()[mine : mine + 1] == "-"
    theirs = _indent(line) if is_item else _content_start(line)
    if mine == theirs:
        return None
    owner = error.previous_content(previous)
    if (
        mine < theirs
        and owner is not None
        and _indent(error.text(owner)) < mine
        and _followers(error, _indent(error.text(owner)), mine)
        > _followers(error, _indent(error.text(owner)), theirs)
    ):
        # the line above is the first of its block, and the lines below line up with this one: the line
        # above is the odd one out
        return Explanation(
            f"this line is indented by {_spaces(theirs)}, the line after it by {_spaces(mine)}",
            previous + 1,
            _indent(line) + 1,
            f"indent it by {_spaces(mine)}, like line {error.line + 1}",
        )
    _, key = _value_start(line)
    if mine > theirs and key is None:
        return None  # a line continuing a text above it that is no key: not an indentation slip
    like = f", like '{key}:' on line {previous + 1}" if key and not is_item else f", like line {previous + 1}"
    hint = f"indent it by {_spaces(theirs)}{like}" if theirs else f"remove the indentation{like}"
    parent = _parent(error, previous, mine)
    if mine < theirs and parent is not None and parent != previous and not is_item:
        parent_key = _value_start(error.text(parent))[1]
        named = f"'{parent_key}:'" if parent_key else f"line {parent + 1}"
        beside = _spaces(_indent(error.text(parent)))
        hint += f", or by {beside} to start an entry beside {named} on line {parent + 1}"
    above = f"the line above by {_spaces(theirs)}" if theirs else "the line above is not indented"
    return Explanation(
        f"this line is indented by {_spaces(mine)}, {above}",
        error.line + 1,
        mine + 1,
        hint,
    )


def _parent(error: _Error, start: int, below: int) -> int | None:
    """Return the nearest line at or above ``start`` indented less than ``below``: the block's owner."""
    for index in range(start, -1, -1):
        text = error.text(index)
        if text.strip() and not text.strip().startswith("#") and _indent(text) < below:
            return index
    return None


def _followers(error: _Error, owner: int, indent: int) -> int:
    """Count the lines after the error's line, within its block, that are indented by ``indent``."""
    count = 0
    for text in error.lines[error.line + 1 :]:
        if not text.strip() or text.strip().startswith("#"):
            continue
        if _indent(text) <= owner:
            break
        count += _indent(text) == indent
    return count
