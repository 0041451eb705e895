"""Write outputs: the only module that writes files. Plan every path, then write all or none, atomically."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from briefgen.errors import Location, OutputError
from briefgen.plan import output_name

__all__ = [
    "Output",
    "clean_stale",
    "confine",
    "output_folder",
    "output_lock",
    "output_name",
    "plan",
    "write_all",
    "write_file",
]

_TEMP = re.compile(r"^\..+\.briefgen-(\d+)\.tmp$")


@dataclass(frozen=True)
class Output:
    """A finished document waiting to be written: its name inside the output folder, and its bytes."""

    name: str  # e.g. "deepseek-briefing.ko.pdf"
    data: bytes


def plan(outputs: Sequence[Output], folder: Path) -> list[Path]:
    """Return where each output goes; refuse two outputs to one path and paths leaving the folder."""
    root = folder.resolve()
    seen: dict[Path, str] = {}
    targets: list[Path] = []
    for out in outputs:
        target = (root / out.name).resolve()
        if target.parent != root or "/" in out.name or "\\" in out.name:
            raise OutputError(
                f"output '{out.name}' would be written outside the output folder", Location(str(folder))
            )
        if target in seen:
            raise OutputError(f"two outputs would be written to {target.name}", Location(str(folder)))
        seen[target] = out.name
        targets.append(target)
    return targets


def _temp_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.briefgen-{os.getpid()}.tmp")


def clean_stale(folder: Path) -> list[Path]:
    """Remove temporary files that a killed build left behind (their process is gone)."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        match = _TEMP.match(path.name)
        if not match:
            continue
        pid = int(match.group(1))
        if pid != os.getpid() and _alive(pid):
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_all(outputs: Sequence[Output], folder: Path) -> list[Path]:
    """Write every output atomically: all temporary files first, then rename each into place.

    If any temporary file cannot be written (disk full, read-only folder), none of the outputs is replaced
    and no temporary file is left.
    """
    targets = plan(outputs, folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder: {exc.strerror}", Location(str(folder))) from None
    clean_stale(folder)
    temps: list[Path] = []
    try:
        for out, target in zip(outputs, targets, strict=True):
            temp = _temp_path(target)
            temps.append(temp)
            _write_synced(temp, out.data)
        for temp, target in zip(temps, targets, strict=True):
            os.replace(temp, target)
        _sync_dir(folder)
    except OSError as exc:
        for temp in temps:
            with contextlib.suppress(FileNotFoundError, PermissionError):
                temp.unlink()
        where = exc.filename or folder
        raise OutputError(
            f"cannot write the outputs: {exc.strerror or exc}; nothing was replaced", Location(str(where))
        ) from None
    return targets


def _write_synced(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def confine(folder: Path, within: Path, what: str, hint: str, shown: str | None = None) -> Path:
    """Return ``folder`` resolved (links followed), refusing it if that leads outside ``within``.

    A cloned project can ship ``output`` as a link to any folder; writing through it would put files where
    the user never asked for them. ``what`` says what the folder is, for the message ("the output folder").
    """
    resolved = folder.resolve()
    if not resolved.is_relative_to(within.resolve()):
        raise OutputError(
            f"{what} leads to {resolved}, outside {'the project' if what != STATE else 'the output folder'}; "
            "nothing was written",
            Location(shown or _relative(folder, within)),
            hint,
        )
    return resolved


def _relative(path: Path, base: Path) -> str:
    """Show a path relative to ``base`` as written (links not followed), or as it is when outside it."""
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(base))
    return Path(relative).as_posix() if not relative.startswith("..") else str(path)


STATE = "the build's state folder"


def output_folder(folder: Path, project: Path, named: bool) -> Path:
    """Check the folder a build writes to: the project's own ``output/`` must stay inside the project (a
    folder the user names with --output may be anywhere), and its state folder inside it."""
    if not named:
        confine(
            folder,
            project,
            "the output folder",
            "remove the link, or name the folder with --output if that is where the outputs should go",
        )
    state = folder / ".briefgen"
    for inner in (state, state / "charts"):
        if inner.is_symlink() or inner.exists():
            confine(inner, folder, STATE, "remove the link", _relative(inner, project))
    return folder


def write_file(path: Path, data: bytes) -> None:
    """Write one file atomically (temporary file beside it, fsync, rename), creating its folder."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = _temp_path(path)
        try:
            _write_synced(temp, data)
            os.replace(temp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
    except OSError as exc:
        raise OutputError(f"cannot write the file: {exc.strerror or exc}", Location(str(path))) from None


#: Seconds a build waits for another build writing to the same output folder; BRIEFGEN_LOCK_TIMEOUT overrides.
LOCK_TIMEOUT = 600.0


@contextlib.contextmanager
def output_lock(folder: Path) -> Iterator[None]:
    """Hold the output folder's lock: two builds into one folder take turns, never interleave.

    The second build waits for the first (up to BRIEFGEN_LOCK_TIMEOUT seconds), then fails clearly.
    """
    import fcntl
    import time

    state = folder / ".briefgen"
    try:
        state.mkdir(parents=True, exist_ok=True)
        handle = (state / "lock").open("a+")
    except OSError as exc:
        raise OutputError(
            f"cannot use the output folder: {exc.strerror or exc}", Location(str(folder))
        ) from None
    limit = float(os.environ.get("BRIEFGEN_LOCK_TIMEOUT", LOCK_TIMEOUT))
    deadline = time.monotonic() + limit
    with handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OutputError(
                        f"another build is writing to this output folder (waited {limit:g} s)",
                        Location(str(folder)),
                        "wait for it to finish, or build into another folder with --output",
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
