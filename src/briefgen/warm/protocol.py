"""What a build and a warm process say to each other: JSON messages, each preceded by its length.

JSON, not pickle: a message is data, never code, whoever wrote it.
"""

from __future__ import annotations

import json
import socket
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from briefgen.errors import Diagnostic, Location

#: Largest message accepted, in bytes: a build's options, or a build's result with its messages.
MAX_MESSAGE = 16 * 1024 * 1024


@dataclass(frozen=True)
class BuildRequest:
    """What ``briefgen build`` asks for: the options of ``briefgen.build.build`` that a build in a warm
    process takes too, in one place for the command, the warm client and the warm process."""

    project: Path
    languages: tuple[str, ...]
    formats: tuple[str, ...]
    output: Path | None
    strict: bool
    audiences: tuple[str, ...]
    everything: bool
    jobs: int | None
    force: bool
    pdf_variant: str | None

    def arguments(self) -> dict[str, Any]:
        """Return them as ``briefgen.build.build`` takes them."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def message(self) -> dict[str, Any]:
        """Return them as JSON data, with absolute paths: the warm process has a working folder of its own."""
        data = asdict(self)
        data["project"] = str(self.project.resolve())
        data["output"] = str(self.output.resolve()) if self.output is not None else None
        return data

    @classmethod
    def read(cls, data: dict[str, Any]) -> BuildRequest:
        """Read a request from its ``message``; KeyError or ValueError when it is not one."""
        return cls(
            project=Path(data["project"]),
            languages=tuple(str(x) for x in data["languages"]),
            formats=tuple(str(x) for x in data["formats"]),
            output=Path(data["output"]) if data.get("output") else None,
            strict=bool(data["strict"]),
            audiences=tuple(str(x) for x in data["audiences"]),
            everything=bool(data["everything"]),
            jobs=None if data.get("jobs") is None else int(data["jobs"]),
            force=bool(data["force"]),
            pdf_variant=None if data.get("pdf_variant") is None else str(data["pdf_variant"]),
        )


class ProtocolError(Exception):
    """The other end sent something that is not a message, or went away in the middle of one."""


def send(sock: socket.socket, message: dict[str, Any]) -> None:
    data = json.dumps(message, ensure_ascii=False).encode("utf-8")
    if len(data) > MAX_MESSAGE:
        raise ProtocolError(f"message of {len(data):,} bytes, more than {MAX_MESSAGE:,}")
    sock.sendall(len(data).to_bytes(4, "big") + data)


def _exactly(sock: socket.socket, size: int) -> bytes:
    chunks: list[bytes] = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise ProtocolError("the other end closed the connection")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def receive(sock: socket.socket) -> dict[str, Any]:
    size = int.from_bytes(_exactly(sock, 4), "big")
    if size > MAX_MESSAGE:
        raise ProtocolError(f"message of {size:,} bytes announced, more than {MAX_MESSAGE:,}")
    try:
        message = json.loads(_exactly(sock, size).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(f"not a message: {exc}") from None
    if not isinstance(message, dict):
        raise ProtocolError("not a message: expected a JSON object")
    return message


def diagnostic_data(diagnostic: Diagnostic) -> dict[str, Any]:
    where = diagnostic.location
    return {
        "message": diagnostic.message,
        "location": [where.path, where.line, where.column] if where else None,
        "hint": diagnostic.hint,
        "severity": diagnostic.severity,
    }


def diagnostic(data: dict[str, Any]) -> Diagnostic:
    where = data.get("location")
    return Diagnostic(
        str(data["message"]),
        Location(str(where[0]), int(where[1]), int(where[2])) if where else None,
        data.get("hint"),
        str(data.get("severity", "error")),
    )
