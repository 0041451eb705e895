"""YAML slips: each one reported once, at the slip, in the writer's terms, with a fix that fits its cause."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen.errors import ContentError
from briefgen.sources import parse_yaml
from briefgen.yaml_errors import explain, quoted
from tests.conftest import REPO

SLIPS = [
    (
        "indented by 3 spaces instead of 4, among siblings",
        "facts:\n  a:\n    kind: count\n   value: 2\n    note: x\n",
        "4:4: error: this line is indented by 3 spaces, the line above by 4 spaces (indent it by 4 spaces, "
        "like 'kind:' on line 3, or by 2 spaces to start an entry beside 'a:' on line 2)",
    ),
    (
        "indented by 5 spaces: read as more of the value above",
        "facts:\n  a:\n    kind: count\n     value: 2\n",
        "4:6: error: this line is indented by 5 spaces, the line above by 4 spaces "
        "(indent it by 4 spaces, like 'kind:' on line 3)",
    ),
    (
        "the first item of a list indented differently from the rest",
        "detail:\n   - heading: Cost\n  - text\n  - more\n",
        "2:4: error: this line is indented by 3 spaces, the line after it by 2 spaces "
        "(indent it by 2 spaces, like line 3)",
    ),
    (
        "a top-level key indented",
        "id: x\n title: y\n",
        "2:2: error: this line is indented by 1 space, the line above is not indented "
        "(remove the indentation, like 'id:' on line 1)",
    ),
    (
        "a tab as indentation",
        "id: x\nsummary:\n\t- a\n",
        "3:1: error: the line is indented with a tab; YAML indents with spaces only "
        "(replace the tab with spaces)",
    ),
    (
        "a tab after a key",
        "title:\tFoo\n",
        "1:7: error: a tab where YAML expects a space (replace the tab with spaces)",
    ),
    (
        "a paragraph starting with a fact reference",
        "summary:\n  - {cost} 이상의 투자\n",
        "2:5: error: a text cannot start with '{' unquoted: YAML reads it as the start of a mapping "
        '(quote the whole text: - "{cost} 이상의 투자")',
    ),
    (
        "a title starting with a fact reference",
        "title: {cost} is big\n",
        "1:8: error: a text cannot start with '{' unquoted: YAML reads it as the start of a mapping "
        '(quote the whole text: title: "{cost} is big")',
    ),
    (
        "a table cell starting with a fact reference",
        "rows:\n  - [Cost, {cost} more]\n",
        "2:12: error: '{' inside a list item written in brackets: YAML reads it as the start of a mapping "
        '(quote the item: "{cost} more")',
    ),
    (
        "emphasis at the start of a text",
        "summary:\n  - *important* point\n",
        "2:5: error: a text cannot start with '*' unquoted: YAML reads it as an alias (a reference to an '&' "
        'anchor) (quote the whole text: - "*important* point")',
    ),
    (
        "an ampersand at the start of a text",
        "summary:\n  - & more\n",
        "2:5: error: a text cannot start with '&' unquoted: YAML reads it as an anchor (a name for the value "
        'that follows) (quote the whole text: - "& more")',
    ),
    (
        "': ' inside a value",
        "title: Cost: the real story\n",
        "1:12: error: ': ' inside a text: YAML reads it as the start of another key and value "
        '(quote the whole text: title: "Cost: the real story")',
    ),
    (
        "a key without its colon, followed by a key",
        "id: x\ntitle Cost\nsummary:\n  - a\n",
        "2:6: error: 'title' has no ':' after it, so YAML does not read it as a key (write 'title: Cost')",
    ),
    (
        "a key without its colon, followed by a more indented key",
        "detail:\n  - table:\n      caption Cost\n      header: [a, b]\n",
        "3:14: error: 'caption' has no ':' after it, so YAML does not read it as a key "
        "(write 'caption: Cost')",
    ),
    (
        "a block key without its colon",
        "summary:\n  - a\ndetail\n  - heading: x\n",
        "3:7: error: 'detail' has no ':' after it, so YAML does not read it as a key (write 'detail:')",
    ),
    (
        "a quote never closed",
        'title: "Cost\nsummary: []\n',
        '1:8: error: the text quoted with " here is never closed (end it with ")',
    ),
    (
        "quotes around the start of a text only",
        'title: "Cost" of it\n',
        "1:8: error: the quotes end before the text does (quote the whole text: title: '\"Cost\" of it')",
    ),
    (
        "a list never closed",
        "keywords: [a, b\n",
        "1:11: error: the '[' opened here is never closed "
        "(close it with ']'; if the '[' is part of a text, quote the text)",
    ),
    (
        "a backslash in double quotes",
        'path: "C:\\Users"\n',
        "1:10: error: '\\U' inside double quotes is not an escape YAML knows "
        "(write \\\\ for a backslash, or quote the text with single quotes instead)",
    ),
    (
        "an at sign at the start",
        "title: @home\n",
        "1:8: error: a text cannot start with '@' unquoted: YAML reads it as a reserved character "
        '(quote the whole text: title: "@home")',
    ),
    (
        "': ' inside a list item in brackets",
        "keywords: [a, b: c: d]\n",
        "1:19: error: ': ' inside a list item: YAML reads it as a key and its value "
        '(quote the item: "b: c: d")',
    ),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in SLIPS], ids=[n for n, _, _ in SLIPS])
def test_each_slip_is_one_error_at_the_slip_with_a_fitting_fix(text: str, expected: str) -> None:
    with pytest.raises(ContentError) as info:
        parse_yaml(text, "content/x.yaml")
    assert [str(d) for d in info.value.diagnostics] == [f"content/x.yaml:{expected}"]


def test_a_text_starting_with_an_exclamation_mark_is_a_tag_to_quote() -> None:
    doc = parse_yaml("title: !important\n", "content/x.yaml")
    assert [str(p) for p in doc.problems] == [
        "content/x.yaml:1:8: error: a text cannot start with '!' unquoted: YAML reads it as a tag "
        '(quote the whole text: title: "!important")'
    ]


def test_explanations_come_from_marks_and_text_alone() -> None:
    """A parser over libyaml words its problems differently; the same marks give the same explanation."""
    text = "facts:\n  a:\n    kind: count\n   value: 2\n    note: x\n"
    libyaml = explain(text, "did not find expected key", (3, 3), "while parsing a block mapping", (1, 2))
    python = explain(
        text,
        "expected <block end>, but found '<block mapping start>'",
        (3, 3),
        "while parsing a block mapping",
    )
    assert libyaml is not None and libyaml == python
    assert (libyaml.line, libyaml.column) == (4, 4)
    assert explain("a: b\n", "something no rule knows", (0, 0)) is None


def test_quoting_picks_quotes_that_keep_the_text() -> None:
    assert quoted("{cost} more") == '"{cost} more"'
    assert quoted('"Cost" of it') == "'\"Cost\" of it'"
    assert quoted("C:\\Users") == "'C:\\Users'"
    assert quoted('it\'s "x"') == "'it''s \"x\"'"


_REFERENCE_TEXTS = [p.read_text(encoding="utf-8") for p in sorted((REPO / "content").rglob("*.yaml"))]


@settings(max_examples=300, deadline=None)
@given(
    index=st.integers(min_value=0, max_value=len(_REFERENCE_TEXTS) - 1),
    position=st.floats(min_value=0, max_value=1),
    edit=st.sampled_from(
        ["\t", " ", "", ":", "{", "}", "[", "]", "*", "&", "#", '"', "'", "|", ">", "-", "\n"]
    ),
    remove=st.integers(min_value=0, max_value=3),
)
def test_any_slip_in_real_content_parses_or_is_explained_at_a_place(
    index: int, position: float, edit: str, remove: int
) -> None:
    text = _REFERENCE_TEXTS[index]
    at = int(position * len(text))
    slipped = text[:at] + edit + text[at + remove :]
    try:
        parse_yaml(slipped, "content/x.yaml")
    except ContentError as exc:
        (found,) = exc.diagnostics
        assert found.location is not None and found.location.line >= 1
        assert found.location.line <= slipped.count("\n") + 2
