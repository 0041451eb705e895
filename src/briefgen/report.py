"""The JSON that ``--json`` prints: one document per command, one shape for build, check, mail and doctor.

The shape is stable: fields are added, never renamed or removed, within a ``format`` number, and every field
is always present (``null`` or an empty list when it does not apply). ``briefgen schema`` writes its JSON
Schema (``result.schema.json``) beside the schemas of the YAML files; docs/scripting.md explains each field.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from briefgen import __version__
from briefgen.errors import Diagnostic

FORMAT: Literal[1] = 1


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Problem(_Out):
    """An error or a warning, with where it is and how to fix it."""

    severity: Literal["error", "warning"]
    message: str
    """What is wrong."""
    hint: str | None
    """How to fix it, when there is advice."""
    file: str | None
    """The file, relative to the project (``content/ko/03-cost.yaml``), or another place such as
    ``$BRIEFGEN_SMTP_HOST``; null when the problem has no place."""
    line: int | None
    """1-based; null when unknown."""
    column: int | None
    """1-based; null when unknown."""
    text: str
    """The problem as the command prints it without --json: ``file:line:column: error: message (hint)``."""

    @classmethod
    def of(cls, diagnostic: Diagnostic) -> Problem:
        where = diagnostic.location
        return cls(
            severity="warning" if diagnostic.severity == "warning" else "error",
            message=diagnostic.message,
            hint=diagnostic.hint,
            file=where.path if where else None,
            line=where.line or None if where else None,
            column=where.column or None if where else None,
            text=str(diagnostic),
        )


class OutputFile(_Out):
    """A document a build made, found up to date, or failed to make."""

    path: str
    """Absolute path."""
    name: str
    """File name: ``<brief>[.<audience>].<lang>.<format>``."""
    state: Literal["written", "up to date", "failed"]
    sha256: str | None
    """SHA-256 of the file's bytes, in hex; null when it failed."""
    bytes: int | None
    """Size of the file; null when it failed."""
    format: str
    """pdf, html or docx."""
    lang: str
    audience: str | None
    """The audience profile; null for the whole briefing."""
    problems: list[Problem]
    """Why it failed (with --all, a failed output does not stop the others)."""

    @classmethod
    def of(
        cls,
        path: Path,
        state: Literal["written", "up to date", "failed"],
        problems: Sequence[Diagnostic] = (),
    ) -> OutputFile:
        parts = path.name.split(".")
        audience = parts[1] if len(parts) == 4 else None
        data = path.read_bytes() if state != "failed" else None
        return cls(
            path=str(path.resolve()),
            name=path.name,
            state=state,
            sha256=hashlib.sha256(data).hexdigest() if data is not None else None,
            bytes=len(data) if data is not None else None,
            format=parts[-1],
            lang=parts[-2] if len(parts) >= 3 else "",
            audience=audience,
            problems=[Problem.of(d) for d in problems],
        )


class Attachment(_Out):
    filename: str
    bytes: int
    mime_type: str


class Message(_Out):
    """The e-mail ``mail`` composed."""

    subject: str
    sender: str
    """The From header."""
    recipients: list[str]
    attachments: list[Attachment]
    bytes: int
    """Size of the whole message."""
    server: str | None
    """Where it goes: ``host:port (security, as user)``; null when it is written to a file."""
    eml: str | None
    """The .eml file written (--eml), else null."""
    dry_run: bool
    """Nothing was sent or written (--dry-run)."""


class Delivery(_Out):
    """What became of one recipient."""

    address: str
    delivered: bool
    reply: str
    """The server's last reply."""
    attempts: int


class Check(_Out):
    """One line of ``doctor``: something this machine or project has, or lacks."""

    name: str
    """What was checked: ``font ko``, ``harfbuzz subsetting``, ``libreoffice``…"""
    state: Literal["ok", "warning", "error", "skipped"]
    """error: a build would fail; warning: something works less well or a tool is missing."""
    detail: str
    """What was found."""
    fix: str | None
    """What to do, when it is not ok."""


class Report(_Out):
    """What one command did, for scripts: ``briefgen build --json``, ``check --json``, ``mail --json``…"""

    briefgen: str = Field(default=__version__)
    """The version of briefgen that ran."""
    format: Literal[1] = FORMAT
    """The version of this structure; it changes only if a field changes meaning or goes away."""
    command: Literal["build", "check", "mail", "doctor"]
    ok: bool
    """Whether the command succeeded: ``exit_code`` is 0."""
    exit_code: int
    """0 success, 1 errors (content, template, render, output, mail), 70 a bug."""
    project: str | None
    """The project folder, absolute; null when there is none (doctor outside a project)."""
    files: list[OutputFile] = []
    """Documents written, up to date or failed, in build order (build, mail)."""
    problems: list[Problem] = []
    """Every error and warning, in the order the command found them."""
    errors: int = 0
    warnings: int = 0
    message: Message | None = None
    """mail only: the message."""
    deliveries: list[Delivery] = []
    """mail only: one per recipient, when the message was sent."""
    checks: list[Check] = []
    """doctor only."""


def report(
    command: Literal["build", "check", "mail", "doctor"],
    exit_code: int,
    project: Path | None,
    problems: Iterable[Diagnostic] = (),
    **fields: object,
) -> str:
    """Return the JSON document of a command."""
    found = [Problem.of(d) for d in problems]
    document = Report(
        command=command,
        ok=exit_code == 0,
        exit_code=int(exit_code),
        project=str(project.resolve()) if project is not None else None,
        problems=found,
        errors=sum(p.severity == "error" for p in found),
        warnings=sum(p.severity == "warning" for p in found),
        **fields,  # type: ignore[arg-type]
    )
    return document.model_dump_json(indent=2)
