"""Explain validation errors that come from a slip rather than from the content: a text YAML read as something
else (``#…`` as a comment, ``&…`` as an anchor, ``{key}`` as a mapping), errors that only follow from another
(a misspelt key is not also a missing one; a range of dates is one error), and the column of a slip inside a
text value.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from briefgen.errors import Diagnostic, Location, closest
from briefgen.sources import Document, Path_
from briefgen.yaml_errors import quoted

#: Errors that say a value has the wrong type: a value YAML misread (a comment, an anchor, a text in braces)
#: is the likelier cause.
TYPE_ERRORS = frozenset(
    {"string_type", "number_type", "date_type", "model_type", "dict_type", "tuple_type", "list_type"}
)
DATE_IN_NUMBER = (
    "write a number here; a date is a fact of kind 'date', a span of dates one of kind 'date_range'"
)
PARTIAL_DATE = re.compile(r"^\d{4}-\d{2}(?:-\d{2})?$")


def at_offset(doc: Document, path: Path_, location: Location, offset: int) -> Location:
    """Point at a character of a text value, ``offset`` characters in, where the file shows it as it is:
    a one-line value, plain or in quotes without escapes. Otherwise keep pointing at the value."""
    scalar = doc.scalars.get(path)
    if scalar is None or offset < 0 or not location.column or "\n" in scalar.text:
        return location
    line = doc.line(location.line)
    start = location.column - 1
    if scalar.quoted and line[start : start + 1] in ("'", '"'):
        if line[start + 1 : start + 1 + len(scalar.text)] != scalar.text:
            return location  # escapes or doubled quotes: the columns differ from the value's
        start += 1
    elif line[start : start + len(scalar.text)] != scalar.text:
        return location
    return Location(location.path, location.line, start + offset + 1)


def as_written(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def misread(doc: Document, path: Path_, location: Location) -> Diagnostic | None:
    """Explain a value of the wrong type that YAML made out of a text: ``#…`` (a comment), ``&…`` (an
    anchor), ``{key}`` (a mapping), ``Cost: the story`` in a list (a mapping)."""
    written = doc.flow_mappings.get(path)
    if written is not None:
        return Diagnostic(
            f"YAML reads {written} as a mapping, because it starts with '{{'",
            location,
            f"quote it: {quoted(written)}",
        )
    scalar = doc.scalars.get(path)
    if scalar is not None and scalar.tag == "tag:yaml.org,2002:null" and not scalar.text:
        line = doc.line(location.line)
        start = max(location.column - 1, 0)
        rest = line[start:].lstrip()
        column = start + len(line[start:]) - len(rest) + 1
        if rest.startswith("#"):
            return Diagnostic(
                "'#' starts a comment in YAML, so this value is empty",
                Location(location.path, location.line, column),
                f"quote it: {quoted(rest.rstrip())}",
            )
        if rest.startswith("&"):
            return Diagnostic(
                "a value starting with '&' names a YAML anchor, so this value is empty",
                Location(location.path, location.line, column),
                f"quote it: {quoted(rest.rstrip())}",
            )
    return None


def one_per_slip(errors: list[Any], names: list[str]) -> list[Any]:
    """Keep one error per slip: no "missing field 'title'" beside "unknown field 'titel'" in one mapping, and
    one error for a range whose 'low' and 'high' are both dates."""
    unknown = {
        (tuple(e["loc"][:-1]), closest(str(e["loc"][-1]), names))
        for e in errors
        if e["type"] == "extra_forbidden"
    }
    kept: list[Any] = []
    dated: dict[tuple[Any, ...], Any] = {}
    for err in errors:
        parent = tuple(err["loc"][:-1])
        if err["type"] == "missing" and (parent, err["loc"][-1]) in unknown:
            continue
        if is_date(err):
            if parent in dated:
                first = dated[parent]
                first["dates"] = [*first.get("dates", [first["input"]]), err["input"]]
                continue
            dated[parent] = err
        kept.append(err)
    return kept


def is_date(err: Any) -> bool:
    """Tell whether an error is about a number that was written as a date."""
    given = err.get("input")
    if err["type"] == "number_text" and isinstance(given, str):
        return bool(PARTIAL_DATE.match(given))
    return err["type"] == "number_type" and isinstance(given, dt.date)
