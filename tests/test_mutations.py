"""One typical slip at a time in the reference project: exactly one error, at the slip's line and column.

Each mutation changes one line of the reference content the way people slip when they write YAML by hand;
`briefgen check` must answer with one error that points at the changed place and says how to fix it, and
with no follow-on errors from checks that depend on the broken file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run

COST = "content/en/04-cost.yaml"
FACTS = "content/facts.yaml"

#: (name, file, line as written, line with the slip, where the error must point, what it must say)
MUTATIONS = [
    (
        "wrong indent",
        FACTS,
        "    value: 2\n",
        "   value: 2\n",
        "content/facts.yaml:18:4",
        "this line is indented by 3 spaces, the line above by 4 spaces",
    ),
    (
        "tab",
        COST,
        "  - heading: Development cost\n",
        "\t- heading: Development cost\n",
        "content/en/04-cost.yaml:14:1",
        "the line is indented with a tab; YAML indents with spaces only",
    ),
    (
        "unquoted #",
        COST,
        "title: Cost efficiency\n",
        "title: #1 cost\n",
        "content/en/04-cost.yaml:3:8",
        "'#' starts a comment in YAML, so this value is empty (quote it: \"#1 cost\")",
    ),
    (
        "{ at the start",
        COST,
        "  - heading: Development cost\n",
        "  - {v3_dev_cost} was the reported cost\n",
        "content/en/04-cost.yaml:14:5",
        "a text cannot start with '{' unquoted: YAML reads it as the start of a mapping "
        '(quote the whole text: - "{v3_dev_cost} was the reported cost")',
    ),
    (
        "missing colon",
        COST,
        "title: Cost efficiency\n",
        "title Cost efficiency\n",
        "content/en/04-cost.yaml:3:6",
        "'title' has no ':' after it, so YAML does not read it as a key (write 'title: Cost efficiency')",
    ),
    (
        "misspelt key",
        COST,
        "title: Cost efficiency\n",
        "titel: Cost efficiency\n",
        "content/en/04-cost.yaml:3:1",
        "unknown field 'titel' (did you mean 'title'?)",
    ),
    (
        "misspelt fact",
        COST,
        "  - heading: Development cost\n",
        "  - heading: Development cost, {v3_dev_cots}\n",
        "content/en/04-cost.yaml:14:32",
        "unknown fact 'v3_dev_cots' (did you mean 'v3_dev_cost'?)",
    ),
    (
        "missing translation",
        COST,
        None,
        None,
        "content/en",
        "section 'cost' exists in 'ko' but not in 'en'",
    ),
    (
        "bad currency",
        FACTS,
        "    currency: USD\n",
        "    currency: WON\n",
        "content/facts.yaml:29:15",
        "unknown currency 'WON' (did you mean 'KRW'?)",
    ),
]


@pytest.mark.parametrize(
    ("relative", "old", "new", "where", "says"),
    [m[1:] for m in MUTATIONS],
    ids=[m[0] for m in MUTATIONS],
)
def test_one_slip_gives_exactly_one_error_at_the_slip(
    reference: Path, relative: str, old: str | None, new: str | None, where: str, says: str
) -> None:
    path = reference / relative
    before = run("check", "--strict", "--project", str(reference))
    assert (before.exit_code, before.stderr) == (0, "0 errors, 0 warnings\n")
    if old is None:
        path.unlink()
    else:
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new or "", 1), encoding="utf-8")
    result = run("check", "--project", str(reference))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # one error, and no count line: there is nothing to count
    assert lines[0].startswith(f"{where}: error: {says}"), lines[0]
