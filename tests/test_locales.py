"""Languages as a user meets them: German and French out of the box, any other CLDR locale with a warning,
the formatter's words from catalogues, and the new kinds of figure (date ranges, rates both ways, 1.5e15)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefgen.build import build, load_project
from briefgen.check import check_catalogues
from briefgen.context import build_context
from briefgen.errors import ContentError, TemplateError
from briefgen.i18n import Formatter, catalog
from briefgen.model import ExchangeRate, PartialDate
from briefgen.plan import search_path
from tests.conftest import run


def figures_of(html: str) -> list[str]:
    return [
        re.sub("<[^>]+>|\u2060", "", m) for m in re.findall(r'<span class="figure"[^>]*>(.*?)</span>', html)
    ]


@pytest.mark.parametrize(
    ("lang", "words", "figures"),
    [
        ("de", ["Datum", "Seite"], ["1,25\u00a0Mrd.\u00a0$", "12,5\u00a0%", "März 2025"]),
        (
            "fr",
            ["Contenu", "Rédigé par"],
            ["1,25\u00a0Md\u00a0$US", "12,5\u00a0%", "mars 2025"],
        ),
        ("ja", ["日付", "作成"], ["12億5000万ドル", "12.5%", "2025年3月"]),
    ],
)
def test_init_gives_a_briefing_in_the_language_out_of_the_box(
    tmp_path: Path, lang: str, words: list[str], figures: list[str]
) -> None:
    target = tmp_path / "brief"
    assert run("init", str(target), "--lang", lang).exit_code == 0
    result = run("build", "--strict", "--format", "html", "--project", str(target))  # no warning at all
    assert result.exit_code == 0, result.output
    html = (target / "output" / f"brief.{lang}.html").read_text("utf-8")
    assert all(word in html for word in words)
    assert figures_of(html) == figures
    loaded = load_project(target)
    assert check_catalogues(loaded, search_path(target)) == []  # every template string translated


def _project(root: Path, lang: str, facts: str, text: str) -> Path:
    (root / "content" / lang).mkdir(parents=True)
    (root / "briefgen.yaml").write_text(f"brief: b\ndefault_language: {lang}\nlanguages: [{lang}]\n")
    (root / "content" / "facts.yaml").write_text("facts:\n" + facts)
    (root / "content" / lang / "brief.yaml").write_text("title: T\ndate: 2025-02-15\n")
    (root / "content" / lang / "01-a.yaml").write_text(f"id: a\ntitle: A\nsummary:\n  - {text}\n")
    return root


FACTS = """\
  cost: {kind: money, amount: 5580000, currency: USD}
  budget: {kind: money, amount: 1.5e12, currency: KRW}
  rate: {kind: exchange_rate, base: USD, quote: KRW, rate: 1500}
  span: {kind: date_range, start: 2025-03, end: 2025-09}
  share: {kind: percent, value: 7.5}
"""
TEXT = '"{cost+KRW} {budget+USD} {span} {share} {rate}"'


def test_a_locale_without_catalogue_builds_with_cldr_figures_and_a_warning(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", "es", FACTS, TEXT)
    result = run("build", "--format", "html", "--project", str(project))
    assert result.exit_code == 0
    assert result.stderr == (
        "templates: warning: no message catalogue for 'es' (Spanish): template strings such as 'Contents' "
        "stay in English; figures follow its CLDR patterns (copy locales/en/LC_MESSAGES/messages.po to "
        "templates/locales/es/LC_MESSAGES/ and translate it)\n"
    )
    html = (project / "output" / "b.es.html").read_text("utf-8")
    assert figures_of(html) == [
        "5,58\u00a0M\u00a0US$ (~8400\u00a0M\u00a0KRW)",  # CLDR's "approximately" pattern, not "about"
        "1,5\u00a0B\u00a0KRW (~1000\u00a0M\u00a0US$)",  # a USD→KRW rate converts KRW to USD too
        "marzo–septiembre de 2025",
        "7,5\u00a0%",
        "1\u00a0US$ = 1500\u00a0KRW",
    ]
    assert run("build", "--strict", "--format", "html", "--project", str(project)).exit_code != 0


def test_a_project_catalogue_changes_the_words_around_figures(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", "de", FACTS, TEXT)
    po = project / "templates" / "locales" / "de" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: de\\n"\n\n'
        'msgctxt "figure"\nmsgid "about %(figure)s"\nmsgstr "ca. %(figure)s"\n',
        encoding="utf-8",
    )
    loaded = load_project(project)

    def shown(folders: list[Path] | None) -> list[str]:
        return build_context(loaded.brief, "de", folders=folders).figures()

    own = shown(search_path(project))
    assert own[0] == "5,58\u00a0Mio.\u00a0$ (ca. 8,4\u00a0Mrd.\u00a0₩)"
    assert own[2] == "März–September 2025"  # no date-range message in this catalogue: CLDR's own
    # without the project's folders, the built-in German catalogue speaks
    assert shown(None)[0] == "5,58\u00a0Mio.\u00a0$ (rund 8,4\u00a0Mrd.\u00a0₩)"


def test_a_figure_message_that_drops_its_field_is_refused_at_its_line(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    po = catalog.catalogue_path(folder, "de")
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n\nmsgctxt "figure"\nmsgid "about %(figure)s"\nmsgstr "rund"\n', encoding="utf-8"
    )
    with pytest.raises(TemplateError) as info:
        catalog.figure_messages([folder], "de")
    assert str(info.value.location) == "templates/locales/de/LC_MESSAGES/messages.po:5"
    assert "must use the fields %(figure)s" in str(info.value)


@pytest.mark.parametrize(
    ("lang", "start", "end", "shown"),
    [
        ("ko", PartialDate(2025, 3), PartialDate(2025, 9), "2025년 3월~9월"),
        ("en", PartialDate(2025, 3), PartialDate(2025, 9), "March–September 2025"),
        ("de", PartialDate(2025, 3), PartialDate(2025, 9), "März bis September 2025"),
        ("fr", PartialDate(2025, 3), PartialDate(2025, 9), "mars\u2009–\u2009septembre 2025"),
        ("ja", PartialDate(2025, 3), PartialDate(2025, 9), "2025年3月～9月"),
        ("en", PartialDate(2025, 3, 3), PartialDate(2025, 3, 9), "March 3–9, 2025"),
        ("de", PartialDate(2024, 11), PartialDate(2025, 2), "November 2024 bis Februar 2025"),
        ("en", PartialDate(2024), PartialDate(2025, 3), "2024–March 2025"),  # ends of different precision
        ("en", PartialDate(2025, 3), PartialDate(2025, 3), "March 2025"),
    ],
)
def test_date_ranges(lang: str, start: PartialDate, end: PartialDate, shown: str) -> None:
    assert Formatter(lang).date_range(start, end) == shown


def test_a_date_range_that_ends_before_it_starts_is_an_error(tmp_path: Path) -> None:
    facts = "  span: {kind: date_range, start: 2025-09, end: 2025-03}\n"
    project = _project(tmp_path / "p", "en", facts, '"{span}"')
    with pytest.raises(ContentError) as info:
        load_project(project)
    (diagnostic,) = info.value.diagnostics
    assert str(diagnostic) == (
        "content/facts.yaml:2:3: error: the range ends (2025-03) before it starts (2025-09)"
    )


def test_an_exchange_rate_converts_both_ways() -> None:
    rate = ExchangeRate(kind="exchange_rate", base="USD", quote="KRW", rate=1500, key="usd_krw")
    from briefgen.model import find_rate

    back = find_rate({"usd_krw": rate}, "KRW", "USD")
    assert back is not None and back.rate == pytest.approx(1 / 1500) and back.key == "usd_krw"
    assert Formatter("en").converted(1_500_000_000_000, "KRW", back) == "₩1.5 trillion (about $1 billion)"
    assert Formatter("ko").converted(1_500_000_000_000, "KRW", back) == "1조 5,000억 원(약 10억 달러)"


@pytest.mark.parametrize("written", ["1.5e15", "1e15", "1.5E+15", "15e14"])
def test_exponent_notation_is_a_number(tmp_path: Path, written: str) -> None:
    facts = f"  big: {{kind: money, amount: {written}, currency: USD}}\n"
    project = _project(tmp_path / "p", "en", facts, '"{big}"')
    amount = load_project(project).brief.facts["big"].amount  # type: ignore[union-attr]
    assert amount == float(written)


def test_build_output_names_the_figures_in_every_language_the_same_way(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", "de", FACTS, TEXT)
    result = build(project, ["de"], ["html"])
    html = result.written[0].read_text("utf-8")
    assert "rund" in html and "about" not in html  # no English word in a German briefing


@pytest.mark.parametrize("lang", ["ko", "en", "ja", "de", "fr"])
def test_built_in_catalogues_translate_the_formatters_words(lang: str) -> None:
    from briefgen.i18n.format import FIGURE, MESSAGES

    translated = {msgid for (context, msgid) in catalog.builtin_figure_messages(lang) if context == FIGURE}
    # French keeps CLDR's own date interval (mars – septembre 2025): its catalogue leaves that one empty
    expected = set(MESSAGES) - ({"%(start)s–%(end)s"} if lang == "fr" else set())
    assert translated == expected
