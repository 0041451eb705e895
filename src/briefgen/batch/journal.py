"""The distribution log: a JSON Lines journal of every copy built and every message sent, beside the copies.

It is a write-ahead log. Each event is appended as one line and forced to disk (``fsync``) before the batch
goes on, so after a crash at any point the log tells, for every recipient, what surely happened:

``built``       the copy's files are written (names, SHA-256); a rerun reuses them if they are intact
``sending``     a message is about to be sent; nothing has been handed to the server yet
``committing``  the whole message is with the server, and the end of the data is about to be sent: only
                from here can the server have accepted the message
``sent``        the server accepted it (its reply and the Message-ID are recorded)
``not-sent``    the server refused it, or the connection failed before the end of the data: tried again
``uncertain``   the connection broke after the end of the data: the server may have accepted it
``written``     the message was written as an ``.eml`` file for another mailer
``failed``      the copy could not be built (the errors are recorded): tried again

A rerun skips ``sent`` and ``written`` recipients, retries ``not-sent``, ``failed`` and ``sending`` ones
(nothing can have reached the server), and never sends again to a recipient whose last event is
``committing`` or ``uncertain``: that is reported, and ``--resend`` sends anyway. A line cut short by a crash
(the last one, without its line end) is dropped when the log is opened.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefgen.errors import Location, OutputError

LOG_NAME = "distribution.jsonl"
#: Events after which nothing more is to be done for a recipient.
DONE = frozenset({"sent", "written"})
#: Events after which the recipient may have the message, so it is not sent again without --resend.
UNSURE = frozenset({"committing", "uncertain"})


def now() -> str:
    """Return the time of an event: ISO 8601 in UTC, to the millisecond."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Built:
    """A copy as the log records it: when, its code, the digest of its inputs, its files."""

    at: str
    code: str | None
    inputs: str | None
    files: tuple[tuple[str, str, str], ...]  # (format, name in the batch folder, SHA-256)


@dataclass
class State:
    """What the log says about one recipient: the last event, and the few facts a rerun and a report need.

    Kept small on purpose: the client holds one per recipient for the whole batch.
    """

    recipient: str  # the address as recorded
    last: str = ""  # the last event
    built: Built | None = None  # the last copy built
    message_id: str | None = None  # of the last message attempted
    delivered: dict[str, str] | None = None  # the last "sent" or "written": at, message_id, reply or eml

    @property
    def done(self) -> bool:
        return self.last in DONE

    @property
    def unsure(self) -> bool:
        return self.last in UNSURE


class Journal:
    """The distribution log of one output folder: read at start, appended to (durably) as the batch runs."""

    def __init__(self, path: Path, *, repair: bool = False) -> None:
        """Read the log at ``path``; ``repair`` cuts off a last line left half-written by a crash (only the
        batch that holds the folder's lock may: a reader could cut a line being written)."""
        self.path = path
        self.repair = repair
        self.states: dict[str, State] = {}
        self.runs: list[dict[str, Any]] = []
        self.dropped_tail = False
        self._fd: int | None = None
        if path.exists():
            self._read()

    def _read(self) -> None:
        """Fold the log into states; drop a last line that a crash cut short."""
        from briefgen.batch.recipients import identity

        shown = str(self.path)
        with self.path.open("rb") as handle:
            data = handle.read()
        good_end = 0
        for number, raw in enumerate(data.splitlines(keepends=True), 1):
            if not raw.endswith(b"\n"):
                self.dropped_tail = True  # the crash came while this line was being written
                break
            try:
                event = json.loads(raw)
            except ValueError:
                if good_end + len(raw) == len(data):
                    self.dropped_tail = True
                    break
                raise OutputError(
                    "the distribution log has a line that is not JSON",
                    Location(shown, number),
                    "it was edited by hand? restore it, or move it away to start the batch anew",
                ) from None
            good_end += len(raw)
            if not isinstance(event, dict) or "event" not in event:
                raise OutputError(
                    "the distribution log has a line that is not an event", Location(shown, number)
                )
            if event["event"] in ("batch", "finished"):
                self.runs.append(event)
                continue
            address = str(event.get("recipient", ""))
            state = self.states.setdefault(identity(address), State(address))
            self._fold(state, event)
        if self.dropped_tail and self.repair:
            with self.path.open("r+b") as handle:
                handle.truncate(good_end)
                handle.flush()
                os.fsync(handle.fileno())

    def _fold(self, state: State, event: dict[str, Any]) -> None:
        kind = event["event"]
        state.recipient = str(event.get("recipient", state.recipient))
        if kind == "resend":  # a request to send again: what came before no longer counts as delivered
            state.delivered = None
        if kind == "built":
            files = tuple(
                (str(f.get("format")), str(f.get("name")), str(f.get("sha256")))
                for f in event.get("files", [])
                if isinstance(f, dict)
            )
            state.built = Built(str(event.get("at", "")), event.get("code"), event.get("inputs"), files)
        if kind in ("sending", "committing") or (kind in DONE and event.get("message_id")):
            state.message_id = event.get("message_id") or state.message_id
        if kind in DONE:
            state.delivered = {k: str(event[k]) for k in ("at", "message_id", "reply", "eml") if k in event}
        state.last = kind

    def state(self, address: str) -> State | None:
        from briefgen.batch.recipients import identity

        return self.states.get(identity(address))

    def open(self) -> None:
        """Open the log for appending (creating its folder)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(
                f"cannot open the distribution log: {exc.strerror or exc}", Location(str(self.path))
            ) from None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def append(self, event: str, recipient: str | None = None, **facts: Any) -> dict[str, Any]:
        """Append one event and force it to disk before returning; fold it into the recipient's state."""
        from briefgen.batch.recipients import identity

        if self._fd is None:
            self.open()
        assert self._fd is not None
        record: dict[str, Any] = {"event": event, "at": now()}
        if recipient is not None:
            record["recipient"] = recipient
        record.update(facts)
        line = (json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
        try:
            view = memoryview(line)
            while view:  # one write for a line of ordinary size; a loop in case the kernel takes less
                view = view[os.write(self._fd, view) :]
            os.fsync(self._fd)
        except OSError as exc:
            raise OutputError(
                f"cannot write the distribution log: {exc.strerror or exc}", Location(str(self.path))
            ) from None
        if recipient is None:
            self.runs.append(record)
        else:
            state = self.states.setdefault(identity(recipient), State(recipient))
            self._fold(state, record)
        return record


def files_intact(folder: Path, built: Built) -> bool:
    """Tell whether every file of a logged copy is still there with the recorded SHA-256."""
    import hashlib

    for _, name, sha256 in built.files:
        try:
            data = (folder / name).read_bytes()
        except OSError:
            return False
        if hashlib.sha256(data).hexdigest() != sha256:
            return False
    return bool(built.files)
