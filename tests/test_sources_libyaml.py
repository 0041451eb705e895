"""libyaml composes content files as the checked pure-Python loader does, and never past the limits."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen import sources
from briefgen.errors import ContentError

REPO = Path(__file__).resolve().parents[1]
#: Every YAML file shipped; the starter files that ``briefgen init`` fills in (a ``{titles}`` line) are YAML
#: only once filled, and are read as they are written into a new project (test_init).
FILES = sorted(
    path
    for folder in ("content", "tests/projects", "src/briefgen/starter", "templates/audiences")
    for path in (REPO / folder).rglob("*.yaml")
    if not re.search(r"^\{[a-z_]+\}$", path.read_text("utf-8", errors="replace"), re.M)
)

pytestmark = pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML without libyaml")


def with_python_loader(text: str, path: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as patched:
        patched.setattr(sources, "_compose_with_libyaml", lambda text: None)
        return outcome(text, path)


def outcome(text: str, path: str) -> Any:
    """What parsing gives: the document's every field, or the error's every message."""
    try:
        doc = sources.parse_yaml(text, path)
    except ContentError as exc:
        return [str(d) for d in exc.diagnostics]
    return (doc.data, doc.locations, doc.key_locations, doc.scalars, [str(p) for p in doc.problems])


def test_every_yaml_file_of_the_repository_is_checked() -> None:
    assert len(FILES) > 60


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_libyaml_gives_the_same_document_as_the_python_loader(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = path.read_text("utf-8", errors="replace")
    shown = path.relative_to(REPO).as_posix()
    assert sources._compose_with_libyaml(text) is not None or "hostile" in shown or "broken" in shown
    assert outcome(text, shown) == with_python_loader(text, shown, monkeypatch)


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 70 + "]" * 70,  # deeper than the limit: libyaml's composer would recurse on
        "a: [" + ", ".join(["1"] * (sources.MAX_NODES + 10)) + "]",  # more values than the limit
        "a: &x [1, 2]\nb: [*x, *x]\n",  # aliases, measured on the composed graph
        "title: 한국어 😀 텍스트\nbody: |\n  줄 하나\n  줄 둘\nlist: [가, 나, {다: 라}]\n",
        "a: 1\n---\nb: 2\n",  # two documents
        "a: b: c\n",  # a syntax error
        "a: \x07\n",  # a character YAML does not allow
    ],
)
def test_limits_errors_and_marks_are_the_python_loaders(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert outcome(text, "x.yaml") == with_python_loader(text, "x.yaml", monkeypatch)


def test_a_text_past_the_limits_never_reaches_the_c_composer() -> None:
    assert sources._compose_with_libyaml("a: " + "[" * 100_000 + "]" * 100_000) is None


_pieces = st.sampled_from(
    [
        "id",
        "title",
        ":",
        ": ",
        "- ",
        "  ",
        "    ",
        "\n",
        "\n  ",
        "\n- ",
        "&a ",
        "*a",
        "'",
        '"',
        "[",
        "]",
        "{",
        "}",
        ",",
        "|",
        ">",
        "#",
        "한국",
        "語",
        "1.10",
        "no",
        "2024-02-30",
        "\t",
        "!!str ",
        "? ",
        "~",
    ]
)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_pieces, max_size=30).map(lambda pieces: "".join(pieces) + "\n"))
def test_any_text_parses_alike_with_either_loader(text: str) -> None:
    """Where both loaders read a text, they read the same document, marks included; where libyaml refuses
    one, the Python loader's error is the one reported. libyaml reads a few texts the Python loader refuses
    (odd block-scalar headers, such as ``|#``): those are left to libyaml, the reference YAML parser."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        python = with_python_loader(text, "x.yaml", monkeypatch)
    either = outcome(text, "x.yaml")
    if isinstance(either, list) or not isinstance(python, list):
        assert either == python
