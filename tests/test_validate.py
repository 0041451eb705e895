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
        ("ZZZ", "unknown currency 'ZZZ' (write an ISO 4217 code such as USD, EUR, KRW or JPY)"),
        ("eur", "currency codes are upper case: write 'EUR'"),
        ("EURO", "unknown currency 'EURO' (did you mean 'EUR'?)"),
        ("WON", "unknown currency 'WON' (did you mean 'KRW'?)"),
        ("US$", "unknown currency 'US$' (did you mean 'USD'?)"),
        ("€", "unknown currency '€' (did you mean 'EUR'?)"),
        ("원", "unknown currency '원' (did you mean 'KRW'?)"),
        ("YEN", "unknown currency 'YEN' (did you mean 'JPY'?)"),
        ("USX", "unknown currency 'USX' (did you mean 'USD'?)"),
        (
            "BTC",
            "'BTC' is not a currency: it has no ISO 4217 code to format it with "
            "(make the fact a count, and name the unit in the text)",
        ),
    ],
)
def test_bad_currencies(minimal: Path, currency: str, expected: str) -> None:
    facts = (minimal / "content/facts.yaml").read_text()
    write(minimal, "content/facts.yaml", facts.replace("currency: USD", f'currency: "{currency}"'))
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
        "content/facts.yaml:44:3: warning: fact 'spare' is not used in the 'ko' and 'en' editions "
        "(refer to it as {spare}, or remove it from content/facts.yaml)"
    ]


def test_names_years_and_ordinals_are_not_taken_for_hard_coded_figures(minimal: Path) -> None:
    text = (minimal / "content/en/01-main.yaml").read_text()
    write(
        minimal,
        "content/en/01-main.yaml",
        text.replace(
            "The point.",
            "H800, GPT-4, DeepSeek-V3, R1, 7B and the 3rd model are names; 2015 is a year, {=42} is text, "
            "`x = 12` is code; 139 is a figure.",
        ),
    )
    warnings = [str(w) for w in load_project(minimal).warnings]
    assert warnings == [
        "content/en/01-main.yaml:22:124: warning: the figure '139' is written into the text "
        "(make it a fact in content/facts.yaml and write {key}, or write {=139} if it is not a figure)"
    ]


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("In 2025, HBM3E 12단 적층이 1위였다.", []),
        ("제3장과 3번째, 2차, 4세대 모델", []),
        ("第3章, 3番目, 2位, 12段", []),
        ("#1 priority, No. 5, 1st and 2nd", []),
        ("인력은 139명, 비용은 5.5억 원, 5%, 12차례, 3사", ["139", "5.5", "5", "12"]),
        ("투자는 3억 원, 2조, 4 million dollars and 7 suppliers", ["3", "2", "4"]),
        ("a staff of 139, 2,025 units, 95% and 2100", ["139", "2,025", "95", "2100"]),
        ("12-high and 8-high stacks, 3 suppliers, 90-95% (a range)", ["90"]),
    ],
)
def test_the_one_sentence_rule_for_numbers_in_prose(text: str, flagged: list[str]) -> None:
    from briefgen.prose_numbers import figures

    assert [digits for _, digits in figures(text)] == flagged


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


# ---------------------------------------------------------------- one mistake, one error


def test_a_facts_file_that_does_not_parse_is_the_only_error(reference: Path) -> None:
    """One line of facts.yaml indented by 3 spaces instead of 4 used to give 271 errors: every use of every
    fact was unknown, and every key-figure panel and timeline 'must not be empty'."""
    facts = reference / "content/facts.yaml"
    lines = facts.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[17] == "    value: 2\n"
    lines[17] = "   value: 2\n"
    facts.write_text("".join(lines), encoding="utf-8")
    assert errors(reference) == [
        "content/facts.yaml:18:4: error: this line is indented by 3 spaces, the line above by 4 spaces "
        "(indent it by 4 spaces, like 'kind:' on line 17, or by 2 spaces to start an entry beside "
        "'highflyer_cofounders:' on line 16)"
    ]


def test_a_section_that_does_not_parse_is_not_also_missing(reference: Path) -> None:
    cost = reference / "content/en/04-cost.yaml"
    cost.write_text(
        cost.read_text(encoding="utf-8").replace("title: Cost", "title Cost", 1), encoding="utf-8"
    )
    assert errors(reference) == [
        "content/en/04-cost.yaml:3:6: error: 'title' has no ':' after it, so YAML does not read it as a key "
        "(write 'title: Cost efficiency')"
    ]


def test_a_bad_value_in_a_row_or_timeline_is_one_error_not_an_empty_list(minimal: Path) -> None:
    text = (minimal / "content/en/01-main.yaml").read_text()
    text = text.replace('[Staff, "{staff}"]', '[Staff, "{stafff}"]').replace(
        "{date: founded, event: Founded}", "{date: founded, event: Founded, when: 1}"
    )
    write(minimal, "content/en/01-main.yaml", text)
    assert errors(minimal) == [
        "content/en/01-main.yaml:18:20: error: unknown fact 'stafff' (did you mean 'staff'?)",
        "content/en/01-main.yaml:24:41: error: unknown field 'when'",
    ]


def test_an_empty_list_names_the_key_as_written(minimal: Path) -> None:
    text = (minimal / "content/en/01-main.yaml").read_text()
    write(
        minimal, "content/en/01-main.yaml", text.replace("  - bullets:\n", "  - bullets: []\n  - bullets:\n")
    )
    assert errors(minimal) == ["content/en/01-main.yaml:8:5: error: 'bullets' must not be empty"]


def test_a_misspelt_key_is_one_error_not_also_a_missing_field(minimal: Path) -> None:
    text = (minimal / "content/en/brief.yaml").read_text()
    write(minimal, "content/en/brief.yaml", text.replace("title:", "titel:", 1))
    assert errors(minimal) == [
        "content/en/brief.yaml:1:1: error: unknown field 'titel' (did you mean 'title'?)"
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "  - heading: Figures\n",
            "  - heading: Figures\n  - #1 point\n",
            "7:5: error: '#' starts a comment in YAML, so this value is empty (quote it: \"#1 point\")",
        ),
        (
            "  - heading: Figures\n",
            "  - heading: Figures\n  - {cost}\n",
            "7:5: error: YAML reads {cost} as a mapping, because it starts with '{' (quote it: \"{cost}\")",
        ),
        (
            '[Staff, "{staff}"]',
            "[Staff, {staff}]",
            "18:19: error: YAML reads {staff} as a mapping, because it starts with '{' "
            '(quote it: "{staff}")',
        ),
        (
            "  - heading: Figures\n",
            "  - heading: Figures\n  - Figures: the main ones\n",
            "7:12: error: ': ' inside a text: YAML reads it as a key and its value "
            '(quote the whole text: - "Figures: the main ones")',
        ),
        (
            "title: Main",
            "title: &main",
            "2:8: error: a value starting with '&' names a YAML anchor, so this value is empty "
            '(quote it: "&main")',
        ),
    ],
    ids=["comment", "braces", "braces-in-a-row", "colon-in-a-paragraph", "anchor"],
)
def test_a_text_yaml_misreads_is_explained_where_it_is_written(
    minimal: Path, old: str, new: str, expected: str
) -> None:
    text = (minimal / "content/en/01-main.yaml").read_text()
    assert old in text
    write(minimal, "content/en/01-main.yaml", text.replace(old, new, 1))
    assert errors(minimal) == [f"content/en/01-main.yaml:{expected}"]


def test_a_date_and_time_is_refused_where_a_date_is_expected(minimal: Path) -> None:
    text = (minimal / "content/en/brief.yaml").read_text()
    write(minimal, "content/en/brief.yaml", text.replace("date: 2025-02-15", "date: 2025-02-15 10:30:00"))
    assert errors(minimal) == [
        "content/en/brief.yaml:3:7: error: expected a date, found the date and time '2025-02-15 10:30:00' "
        "(dates are days, months or years; write 2025-02-15)"
    ]


def test_a_range_of_dates_is_one_error_saying_a_range_holds_numbers(minimal: Path) -> None:
    facts = (minimal / "content/facts.yaml").read_text()
    write(
        minimal,
        "content/facts.yaml",
        facts + "  period:\n    kind: range\n    low: 2025-03\n    high: 2025-06-01\n",
    )
    assert errors(minimal) == [
        "content/facts.yaml:46:10: error: expected numbers, found the dates '2025-03' and '2025-06-01' "
        "(write a number here; a date is a fact of kind 'date', a span of dates one of kind 'date_range')"
    ]


def test_a_conversion_to_a_currency_alias_suggests_the_code(minimal: Path) -> None:
    text = (minimal / "content/en/01-main.yaml").read_text()
    write(minimal, "content/en/01-main.yaml", text.replace("{cost+KRW}", "{cost+WON}"))
    assert errors(minimal) == [
        "content/en/01-main.yaml:4:5: error: no exchange_rate fact from USD to WON for 'cost+WON' "
        "(did you mean 'cost+KRW'?)"
    ]
