"""Errors and warnings that carry a location, and the CLI's exit codes."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Exit statuses of the ``briefgen`` command."""

    OK = 0
    ERROR = 1  # content, template, render or output error
    USAGE = 2  # bad command-line usage
    UNEXPECTED = 70  # a bug: an exception nobody expected
    CLOSED_PIPE = 141  # 128 + SIGPIPE: the reader of stdout went away (``briefgen … | head -1``)


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file: 1-based line and column; 0 means unknown."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.path}:{self.line}:{self.column}"
        if self.line:
            return f"{self.path}:{self.line}"
        return self.path


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a project: an error or a warning, with where and how to fix it."""

    message: str
    location: Location | None = None
    hint: str | None = None
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        text = f"{where}{self.severity}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class BriefgenError(Exception):
    """Base of every expected error: one or more diagnostics."""

    stage = "build"

    def __init__(
        self,
        message: str,
        location: Location | None = None,
        hint: str | None = None,
        *,
        diagnostics: Sequence[Diagnostic] | None = None,
    ) -> None:
        if diagnostics is None:
            diagnostics = [Diagnostic(message, location, hint)]
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    @property
    def location(self) -> Location | None:
        return self.diagnostics[0].location if self.diagnostics else None


class ContentError(BriefgenError):
    """The project's content or project file is invalid."""

    stage = "content"


class TemplateError(BriefgenError):
    """A template does not compile or fails while rendering."""

    stage = "template"


class RenderError(BriefgenError):
    """A renderer could not produce its document (fonts, resources, limits)."""

    stage = "render"


class OutputError(BriefgenError):
    """An output could not be planned or written."""

    stage = "output"


class MailError(BriefgenError):
    """A briefing could not be mailed: settings, addresses, message or server."""

    stage = "mail"


def closest(word: str, choices: Iterable[str]) -> str | None:
    """Return the choice spelt most like ``word``, if one is close enough to be what was meant."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """Return a hint naming the closest choice to ``word``, or None."""
    match = closest(word, choices)
    return f"did you mean '{match}'?" if match else None
