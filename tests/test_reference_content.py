"""The reference briefing: complete in both languages, every figure a fact, the same structure everywhere."""

from __future__ import annotations

from pathlib import Path

from briefgen.build import load_project
from briefgen.validate import section_facts
from tests.conftest import REPO


def test_reference_project_has_no_warnings() -> None:
    # no hard-coded figures, every fact used in each language, the same facts and blocks per section
    loaded = load_project(REPO)
    assert [str(w) for w in loaded.warnings] == []


def test_both_languages_have_the_same_sections_and_facts() -> None:
    brief = load_project(REPO).brief
    ko, en = brief.editions["ko"], brief.editions["en"]
    assert [s.id for s in ko.sections] == [s.id for s in en.sections]
    assert [s.id for s in ko.sections] == [
        "summary",
        "key-figures",
        "company",
        "training",
        "cost",
        "openness",
        "impact",
        "glossary",
        "sources",
    ]
    for k, e in zip(ko.sections, en.sections, strict=True):
        assert section_facts(k) == section_facts(e), k.id


def test_every_fact_is_used_in_each_language() -> None:
    brief = load_project(REPO).brief
    for edition in brief.editions.values():
        used = set().union(*(section_facts(s) for s in edition.sections))
        rates = {k for k, f in brief.facts.items() if f.kind == "exchange_rate"}
        assert set(brief.facts) - used <= rates  # rates are used through {key+KRW}, checked by the validator


def test_the_source_discrepancy_is_recorded() -> None:
    facts = load_project(REPO).brief.facts
    params = facts["v3_total_params"]
    assert params.value == 671_000_000_000  # type: ignore[union-attr]
    assert params.note and "67.1" in params.note


def test_theme_sections_have_summary_and_detail() -> None:
    for edition in load_project(REPO).brief.editions.values():
        for section in edition.sections:
            if section.role == "theme":
                assert section.summary and section.detail, (edition.lang, section.id)


def test_a_dropped_figure_in_a_translation_is_reported(minimal: Path) -> None:
    path = minimal / "content/en/01-main.yaml"
    path.write_text(path.read_text().replace("Parameters {params}, ", ""), encoding="utf-8")
    warnings = [str(w) for w in load_project(minimal).warnings]
    assert (
        "content/en/01-main.yaml: warning: section 'main' does not refer to fact 'params', which 'ko' uses "
        "(translations carry the same figures)"
    ) in warnings
