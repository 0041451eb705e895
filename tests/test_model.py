"""The model's validators: what pydantic builds for them."""

from __future__ import annotations

from typing import Any

from briefgen import model
from briefgen.build import load_project
from tests.conftest import PROJECTS


def kinds(schema: Any) -> set[str]:
    """Return every kind of node in a pydantic core schema."""
    found: set[str] = set()
    stack = [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("type"), str):
                found.add(item["type"])
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return found


def test_validators_build_no_schema_for_the_dataclasses_plain_validators_make() -> None:
    """Rich text, dates and date-or-fact values are made by plain validators; a schema of their dataclasses
    (a recursive union of seven, for rich text) would only slow down building every validator."""
    load_project(PROJECTS / "minimal")
    for cls in (model.Section, model.BriefMeta, *model.BLOCK_TYPES.values(), *model.FACT_KINDS.values()):
        assert "dataclass" not in kinds(cls.__pydantic_core_schema__), cls.__name__
