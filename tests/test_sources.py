"""Reading YAML: locations kept, traps turned into located errors, hostile input bounded."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from briefgen.errors import ContentError
from briefgen.sources import load, parse_yaml


def error_lines(text: str) -> list[str]:
    with pytest.raises(ContentError) as info:
        parse_yaml(text, "content/x.yaml")
    return [str(d) for d in info.value.diagnostics]


def test_locations_point_at_values() -> None:
    doc = parse_yaml("a:\n  b: [1, 2]\n  c: text\n", "content/x.yaml")
    assert str(doc.where(("a", "c"))) == "content/x.yaml:3:6"
    assert str(doc.where(("a", "b", 1))) == "content/x.yaml:2:10"
    assert str(doc.where(("a", "missing"))) == "content/x.yaml:1:1"


def test_duplicate_keys_are_reported_not_silently_merged() -> None:
    doc = parse_yaml("a: 1\nb: 2\na: 3\n", "content/x.yaml")
    assert doc.data == {"a": 1, "b": 2}
    assert [str(p) for p in doc.problems] == [
        "content/x.yaml:3:1: error: duplicate key 'a' (first at line 1) "
        "(a key may appear once; remove or rename one)"
    ]


def test_syntax_errors_have_line_and_column() -> None:
    assert error_lines("a: b: c\n") == [
        "content/x.yaml:1:5: error: ': ' inside a text: YAML reads it as the start of another key and value "
        '(quote the whole text: a: "b: c")'
    ]
    assert error_lines("items: [a, b\n") == [
        "content/x.yaml:1:8: error: the '[' opened here is never closed "
        "(close it with ']'; if the '[' is part of a text, quote the text)"
    ]


def test_a_slip_no_rule_knows_keeps_the_parser_s_words() -> None:
    assert error_lines("a: b\n--- !x\n")[0].startswith("content/x.yaml:2:")
    assert error_lines("%YAML 1.1\n%YAML 1.1\n---\na: b\n") == [
        "content/x.yaml:2:1: error: YAML syntax error: found duplicate YAML directive"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object:os.system echo\n",
        "a: !!python/object/apply:os.system [echo]\n",
        "a: !!binary aGk=\n",
    ],
)
def test_unknown_tags_are_refused(text: str) -> None:
    doc = parse_yaml(text, "content/x.yaml")
    assert doc.data == {"a": None}
    assert str(doc.problems[0]).startswith("content/x.yaml:1:4: error: the YAML tag '")


def test_undefined_alias() -> None:
    assert error_lines("a: *nothing\n") == [
        "content/x.yaml:1:4: error: '*nothing' refers to an anchor '&nothing' that the file does not define "
        "(a text that starts with '*' must be quoted: a: \"*nothing\")"
    ]


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    start = time.perf_counter()
    with pytest.raises(ContentError, match="expands to more than"):
        parse_yaml("\n".join(lines) + "\n", "content/bomb.yaml")
    assert time.perf_counter() - start < 5  # generous: the point is that it stops, not how fast


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(ContentError, match="nesting deeper than"):
        parse_yaml("a: " + "[" * 1000 + "]" * 1000 + "\n", "content/deep.yaml")


def test_invalid_utf8_and_nul(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_bytes(b"title: ok\nsub: caf\xe9\n")
    with pytest.raises(ContentError) as info:
        load(tmp_path, "bad.yaml")
    assert str(info.value.diagnostics[0]) == (
        "bad.yaml:2:9: error: invalid UTF-8 (byte 0xe9) (save the file as UTF-8)"
    )
    (tmp_path / "nul.yaml").write_bytes(b"a: 1\nb: \x00\n")
    with pytest.raises(ContentError) as info:
        load(tmp_path, "nul.yaml")
    assert (
        str(info.value) == "nul.yaml:2:4: error: NUL byte in a text file (save the file as plain UTF-8 text)"
    )


def test_oversized_file(tmp_path: Path) -> None:
    (tmp_path / "big.yaml").write_bytes(b"# " + b"x" * (3 * 1024 * 1024) + b"\n")
    with pytest.raises(ContentError, match="more than the"):
        load(tmp_path, "big.yaml")
