"""Charts from facts: drawn in the briefing's language, with its number style, the same bytes every time."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from markupsafe import escape
from PIL import Image

from briefgen.build import build, load_project
from briefgen.charts import ChartView, log_ticks, nice_ticks
from briefgen.charts.cache import chart_bytes
from briefgen.charts.draw import draw
from briefgen.context import build_context
from briefgen.errors import ContentError
from tests.conftest import PROJECTS, REPO, pdftotext

#: A project with one chart of each kind, from the reference briefing's figures.
CHARTS = PROJECTS / "charts"


def charts(lang: str, project: Path = CHARTS) -> dict[str, ChartView]:
    ctx = build_context(load_project(project).brief, lang)
    return {b.kind: b for s in ctx.sections for b in s.blocks if isinstance(b, ChartView)}


@pytest.mark.parametrize("lang", ["ko", "en", "ja"])
def test_every_chart_kind_draws_in_every_language(lang: str) -> None:
    views = charts(lang)
    assert sorted(views) == ["bar", "grouped_bar", "horizontal_bar", "timeline"]
    for view in views.values():
        svg = draw(view, "svg", "Noto Sans CJK KR")
        assert svg.startswith(b"<?xml") and b"<svg" in svg
        for _, label in view.ticks:
            assert label.encode("utf-8") in svg  # text stays text, in the language
        png = Image.open(io.BytesIO(draw(view, "png", "Noto Sans CJK KR")))
        assert round(png.info["dpi"][0]) >= 200


@pytest.mark.parametrize(
    ("lang", "labels"),
    [
        # ticks without the unit (the axis title says it); data labels as the prose writes the figure
        ("ko", ["8,000만", "60", "558만 달러", "0.55달러", "마이크로소프트", "2024년"]),
        ("en", ["80M", "60", "$5.58 million", "$0.55", "Microsoft", "2024"]),
        ("ja", ["8000万", "60", "558万ドル", "0.55ドル", "Microsoft", "2024年"]),
    ],
)
def test_tick_and_data_labels_use_the_prose_formatter(lang: str, labels: list[str]) -> None:
    text = " ".join(
        label
        for view in charts(lang).values()
        for label in [
            *(t for _, t in view.ticks),
            *view.categories,
            *(x for s in view.series for x in s.labels),
        ]
    )
    for label in labels:
        assert label in text


@pytest.mark.parametrize(
    ("lang", "unit", "ticks"),
    [
        ("ko", "달러", ["0", "20", "40", "60"]),
        ("en", "US dollars", ["0", "20", "40", "60"]),
        ("ja", "ドル", ["0", "60"]),
    ],
)
def test_money_says_its_unit_once_in_the_axis_title(lang: str, unit: str, ticks: list[str]) -> None:
    view = charts(lang)["grouped_bar"]
    assert view.unit_label == unit
    labels = [label for _, label in view.ticks]
    assert all(tick in labels for tick in ticks)
    assert not any(unit in label or "$" in label for label in labels)


def test_a_chart_names_its_own_unit() -> None:
    assert charts("ko")["horizontal_bar"].unit_label == "명"
    assert charts("ko", REPO)["grouped_bar"].unit_label == "달러(100만 토큰당)"  # content's unit, facts in it


def test_a_timeline_starts_at_its_first_event() -> None:
    view = charts("en")["timeline"]
    first = min(e.when for e in view.events)
    assert [label for _, label in view.ticks] == ["2024", "2025"]  # the years it crosses, not 2023
    assert all(position >= first for position, _ in view.ticks)


def test_the_subject_is_in_the_accent_colour_and_the_others_grey() -> None:
    from briefgen.charts.draw import GREYS, colours

    view = charts("ko")["horizontal_bar"]
    svg = draw(view, "svg", "Noto Sans CJK KR").decode().lower()
    assert svg.count(f"fill: {view.colours[0].lower()}") == 1  # one bar, the subject's
    assert svg.count(f"fill: {GREYS[0]}") == 3  # the three others, one grey
    assert "hatch" not in svg and "<pattern" not in svg  # no hatching in colour print
    grouped = charts("ko")["grouped_bar"]
    assert colours(grouped, 2) == [grouped.colours[0], GREYS[0]]


def test_greyscale_print_hatches_the_series(tmp_path: Path) -> None:
    from dataclasses import replace

    view = replace(charts("ko")["grouped_bar"], greyscale=True)
    assert "<pattern" in draw(view, "svg", "Noto Sans CJK KR").decode()


def test_the_pdf_carries_the_chart_labels_as_text(reference_pdfs: dict[str, Path]) -> None:
    ko = pdftotext(reference_pdfs["ko"])
    en = pdftotext(reference_pdfs["en"])
    # a tick without its unit, a data label as the prose writes it, the unit once as the axis title
    assert "8,000만" in ko and "558만 달러" in ko and "달러(100만 토큰당)" in ko
    assert "80M" in en and "$5.58 million" in en and "US$ per 1 million tokens" in en


def test_the_html_names_each_chart_by_its_alt_text(minimal: Path, tmp_path: Path) -> None:
    result = build(REPO, ["en"], ["html"], output=tmp_path)
    html = result.written[0].read_text(encoding="utf-8")
    view = charts("en", REPO)["horizontal_bar"]
    assert f'alt="{escape(view.alt)}"' in html
    assert "R&amp;D staff: DeepSeek 139, OpenAI 1,200" in html  # the alt text reads the facts too
    assert html.count('class="chart-svg" src="data:image/svg+xml;base64,') == 3


def test_deleting_the_cache_draws_the_same_bytes(tmp_path: Path) -> None:
    view = charts("ko")["grouped_bar"]
    first = chart_bytes(view, "svg", "Noto Sans CJK KR", tmp_path / "cache")
    png = chart_bytes(view, "png", "Noto Sans CJK KR", tmp_path / "cache")
    assert len(list((tmp_path / "cache").iterdir())) == 2
    assert chart_bytes(view, "svg", "Noto Sans CJK KR", tmp_path / "cache") == first  # from the cache
    for path in (tmp_path / "cache").iterdir():
        path.unlink()
    assert chart_bytes(view, "svg", "Noto Sans CJK KR", tmp_path / "cache") == first
    assert chart_bytes(view, "png", "Noto Sans CJK KR", tmp_path / "cache") == png


CHART = """
  - chart:
      kind: bar
      title: Cost
      alt: "{alt}"
      bars:
        - {{label: A, fact: cost}}
        - {{label: B, fact: {other}}}
"""


def add_chart(project: Path, other: str, alt: str = "Two costs") -> None:
    facts = project / "content" / "facts.yaml"
    facts.write_text(
        facts.read_text() + "  v2_price:\n    kind: money\n    amount: 1\n    currency: CNY\n",
        encoding="utf-8",
    )
    for lang in ("ko", "en"):
        path = project / "content" / lang / "01-main.yaml"
        path.write_text(path.read_text() + CHART.format(other=other, alt=alt), encoding="utf-8")


def test_a_chart_mixing_currencies_is_refused(minimal: Path) -> None:
    add_chart(minimal, "v2_price")
    with pytest.raises(ContentError) as info:
        load_project(minimal)
    assert str(info.value.diagnostics[0]) == (
        "content/en/01-main.yaml:35:5: error: a chart cannot mix money in CNY and money in USD; "
        "chart one unit, or set 'currency' to convert money"
    )


def test_a_chart_mixing_units_is_refused(minimal: Path) -> None:
    add_chart(minimal, "staff")
    with pytest.raises(ContentError, match="a chart cannot mix count and money in USD"):
        load_project(minimal)


def test_alt_text_is_required(minimal: Path) -> None:
    add_chart(minimal, "cost", alt=" ")
    with pytest.raises(ContentError, match="'alt' must say what the chart shows"):
        load_project(minimal)


def test_ticks() -> None:
    assert nice_ticks(0.55, 60) == [0, 20, 40, 60]
    assert nice_ticks(139, 7000) == [0, 2000, 4000, 6000, 8000]
    assert log_ticks(5.58e6, 1e8) == [1e6, 1e7, 1e8]


def _luminance(colour: str) -> float:
    """The relative luminance of an sRGB colour (WCAG 2)."""
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_subject_and_the_others_differ_in_lightness_not_only_in_hue() -> None:
    # Greyscale print and colour-blind readers keep lightness: the subject must stand apart by it alone.
    from briefgen.audience import Palette
    from briefgen.charts.draw import GREYS

    subject = Palette().chart[0]
    assert _contrast(subject, GREYS[0]) >= 2  # the one grey of single-series charts
    assert _contrast(GREYS[0], GREYS[1]) >= 1.8  # the first two others of a grouped chart
    assert _contrast(subject, "#ffffff") >= 4.5 and _contrast(GREYS[0], "#ffffff") >= 2  # on the page
