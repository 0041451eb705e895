"""Validation: YAML's traps and content mistakes become located errors with a hint, all reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen.build import load_project
from briefgen.errors import ContentError


def write(project: Path, relative: str, text: str) -> None:
    (project / relative).write_text(text, encoding="utf-8")


def errors(project: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_project(project)
    return [str(d) for d in info.value.diagnostics]


BRIEF = "title: {title}\ndate: 2025-02-15\nclassification: {value}\n"


@pytest.mark.parametrize(
    ("value", "read_as"),
    [
        ("NO", "a boolean"),
        ("off", "a boolean"),
        ("1.10", "a number"),
        ("12:30", "a number"),
        ("2024-01-01", "a date"),
    ],
)
def test_yaml_traps_in_text_fields_say_quote_it(minimal: Path, value: str, read_as: str) -> None:
    write(minimal, "content/ko/brief.yaml", BRIEF.format(title="시험", value=value))
    assert errors(minimal) == [
        f"content/ko/brief.yaml:3:17: error: expected text, but YAML reads '{value}' as {read_as} "
        f'(quote it: "{value}")'
    ]


def test_every_error_is_reported_at_once(minimal: Path) -> None:
    facts = (minimal / "content/facts.yaml").read_text()
    write(
        minimal,
        "content/facts.yaml",
        facts.replace("currency: USD", "currency: usd").replace("value: 139", "value: .inf"),
    )
    write(minimal, "content/en/brief.yaml", "title: T\ndate: 2025-13-01\ncolour: red\n")
    found = errors(minimal)
    assert found == [
        "content/en/brief.yaml:2:7: error: '2025-13-01' is not a valid date: month must be in 1..12",
        "content/en/brief.yaml:3:1: error: unknown field 'colour'",
        "content/facts.yaml:5:15: error: currency codes are upper case: write 'USD'",
        "content/facts.yaml:12:12: error: 'inf' is not a finite number",
    ]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1.0e+308", "is too large for a figure"),
        ("1e308", "1e+308 is too large for a figure"),  # YAML 1.2 reads it as a number, as briefgen does
        ("null", "expected a number"),
        ("yes", "expected a number"),
        ('"12,50"', "expected a number, found the text '12,50'"),
        (".nan", "is not a finite number"),
    ],
)
def test_bad_amounts_name_the_field(minimal: Path, amount: str, message: str) -> None:
    facts = (minimal / "content/facts.yaml").read_text()
    write(minimal, "content/facts.yaml", facts.replace("amount: 5580000", f"amount: {amount}"))
    found = errors(minimal)
    assert len(found) == 1
    assert found[0].startswith("content/facts.yaml:4:13: error: ")
    assert message in found[0]


@pytest.mark.parametrize(
    ("currency", "expected"),
    [
        ("ZZZ", "unknown currency 'ZZZ' (did you mean 'ZRZ'?)"),
        ("eur", "currency codes are upper case: write 'EUR'"),
        ("EURO", "unknown currency 'EURO' (did you mean 'EUR'?)"),
    ],
)
def test_bad_currencies(minimal: Path, currency: str, expected: str) -> None:
    facts = (minimal / "content/facts.yaml").read_text()
    write(minimal, "content/facts.yaml", facts.replace("currency: USD", f"currency: {currency}"))
    assert errors(minimal) == [f"content/facts.yaml:5:15: error: {expected}"]


@pytest.mark.parametrize("code", ["xx_YY", "../../etc/passwd", '""'])
def test_bad_locales(minimal: Path, code: str) -> None:
    write(minimal, "briefgen.yaml", f"brief: minimal\ndefault_language: ko\nlanguages: [ko, en, {code}]\n")
    found = errors(minimal)
    assert len(found) == 1 and found[0].startswith("briefgen.yaml:3:")


def test_unknown_block_type_and_field_get_suggestions(minimal: Path) -> None:
    write(
        minimal,
        "content/ko/01-main.yaml",
        "id: main\ntitle: 본문\ndetail:\n  - tabel: {}\n  - callout: {titel: x, text: y}\n",
    )
    assert errors(minimal) == [
        "content/ko/01-main.yaml:4:5: error: unknown block type 'tabel' (did you mean 'table'?)",
        "content/ko/01-main.yaml:5:15: error: unknown field 'titel' (did you mean 'title'?)",
    ]


def test_control_characters_are_refused_naming_the_field(minimal: Path) -> None:
    write(minimal, "content/en/brief.yaml", 'title: "bad\\x0btitle"\ndate: 2025-02-15\n')
    assert errors(minimal) == ["content/en/brief.yaml:1:8: error: text contains the control character U+000B"]


def test_conversion_needs_an_exchange_rate(minimal: Path) -> None:
    text = (minimal / "content/en/01-main.yaml").read_text()
    write(minimal, "content/en/01-main.yaml", text.replace("{cost+KRW}", "{cost+EUR}"))
    assert errors(minimal) == [
        "content/en/01-main.yaml:4:5: error: no exchange_rate fact from USD to EUR for 'cost+EUR'"
    ]


def test_unused_facts_and_hard_coded_numbers_are_warnings(minimal: Path) -> None:
    facts = (minimal / "content/facts.yaml").read_text()
    write(minimal, "content/facts.yaml", facts + "  spare:\n    kind: count\n    value: 7\n")
    loaded = load_project(minimal)
    assert [str(w) for w in loaded.warnings] == [
        "content/facts.yaml:44:3: warning: fact 'spare' is not used in the 'ko' edition",
        "content/facts.yaml:44:3: warning: fact 'spare' is not used in the 'en' edition",
    ]


def test_names_are_not_taken_for_hard_coded_figures(minimal: Path) -> None:
    text = (minimal / "content/en/01-main.yaml").read_text()
    write(
        minimal,
        "content/en/01-main.yaml",
        text.replace("The point.", "H800, GPT-4, DeepSeek-V3, R1 and 7B are names, not figures; 2015 is."),
    )
    warnings = [str(w) for w in load_project(minimal).warnings]
    assert warnings == [
        "content/en/01-main.yaml:22:73: warning: the figure '2015' is written into the text "
        "(make it a fact in content/facts.yaml and write {key})"
    ]


yaml_scalars = st.one_of(st.text(max_size=20), st.integers(), st.floats(), st.booleans(), st.none())
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=yaml_values)
def test_arbitrary_documents_give_a_model_or_located_errors(minimal: Path, data: object) -> None:
    import yaml

    write(minimal, "content/en/01-main.yaml", yaml.safe_dump({"id": "main", "title": "T", "detail": [data]}))
    try:
        load_project(minimal)
    except ContentError as exc:
        assert exc.diagnostics
        assert all(d.location is not None and d.location.path for d in exc.diagnostics)
