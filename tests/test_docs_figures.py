"""docs/content.md shows every kind of fact in five languages: each cell must be what the formatter writes."""

from __future__ import annotations

import re
import unicodedata

import pytest

from briefgen.i18n import Formatter
from briefgen.model import FACT_KINDS, ExchangeRate
from briefgen.sources import parse_yaml
from tests.conftest import REPO

LANGUAGES = ["ko", "en", "ja", "de", "fr"]
USD_KRW = ExchangeRate(kind="exchange_rate", base="USD", quote="KRW", rate=1500)


def rows() -> list[list[str]]:
    text = (REPO / "docs" / "content.md").read_text("utf-8")
    table = text.split("<!-- figures table")[1].split("<!-- end of figures table -->")[0]
    lines = [line for line in table.splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def test_the_table_shows_every_fact_kind() -> None:
    assert {row[0].strip("`") for row in rows()} == set(FACT_KINDS)


@pytest.mark.parametrize("row", rows(), ids=lambda row: row[1])
def test_each_cell_is_what_the_formatter_writes(row: list[str]) -> None:
    kind, reference, *cells = row
    written = re.match(r"`(\{.*?\})`(?: as `\{key\+([A-Z]{3})\}`)?$", reference)
    assert written, reference
    data = parse_yaml("fact: " + written.group(1), "docs").data["fact"]
    fact = FACT_KINDS[kind.strip("`")].model_validate(data)
    rate = USD_KRW if written.group(2) else None
    for lang, cell in zip(LANGUAGES, cells, strict=True):
        shown = Formatter(lang).fact(fact, rate)  # type: ignore[arg-type]
        # Markdown shows no-break spaces as spaces: the table writes them as plain ones
        assert "".join(" " if unicodedata.category(c) == "Zs" else c for c in shown) == cell, lang
