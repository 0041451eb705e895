"""Folders only this user can enter: for a warm process's sockets, and for compiled templates."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def private(folder: Path) -> bool:
    """Tell whether a folder is a real folder (not a link), owned by this user, closed to everyone else."""
    if not hasattr(os, "getuid"):  # no Unix owners and modes to check (Windows)
        return False
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


def private_folder(folder: Path) -> Path | None:
    """Return a folder only this user can enter, made (and its parents) if need be; None if it is not so."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    return folder if private(folder) else None
