"""Where a project's warm process listens: a socket in a folder private to the user."""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
from pathlib import Path

from briefgen.private import private, private_folder


def supported() -> bool:
    """Tell whether this system has what warm builds need: Unix sockets with peer credentials (Linux)."""
    return hasattr(socket, "AF_UNIX") and hasattr(socket, "SO_PEERCRED") and hasattr(os, "getuid")


def runtime_folder() -> Path | None:
    """Return this user's private folder for warm-process sockets, made if need be; None if there is none.

    ``$XDG_RUNTIME_DIR/briefgen`` when the runtime folder is the user's and private, else
    ``<temp>/briefgen-<uid>``. A folder that exists but is not private (another user made it first, or
    someone loosened it) is not used: then there are no warm builds.
    """
    if not supported():
        return None
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    base = Path(runtime) if runtime and private(Path(runtime)) else None
    folder = (
        base / "briefgen" if base is not None else Path(tempfile.gettempdir()) / f"briefgen-{os.getuid()}"
    )
    return private_folder(folder)


def socket_path(project: Path) -> Path | None:
    """Return the socket of a project's warm process (named by a digest of the project's real path)."""
    folder = runtime_folder()
    if folder is None:
        return None
    key = hashlib.sha256(str(project.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return folder / f"{key}.sock"


def peer_uid(sock: socket.socket) -> int:
    """Return the user id of the process at the other end of a Unix socket."""
    import struct

    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return int(uid)
