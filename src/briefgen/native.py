"""Find the native libraries WeasyPrint loads without starting a program for every name it tries.

WeasyPrint's cffi bindings try several names per library (``libgobject-2.0-0``, ``gobject-2.0-0``,
``gobject-2.0``…); cffi hands each name it cannot open directly to ``ctypes.util.find_library``, which on
Linux runs ``/sbin/ldconfig -p``, then ``gcc`` (which runs ``collect2`` and ``ld``) and ``ld`` again for every
name that misses. Importing WeasyPrint so starts about 215 programs, a fifth of a second on a quiet machine.

Here the same question is answered from one reading of ``ldconfig -p``, searched exactly as ``ctypes.util``
searches it; a name the cache does not know is looked for in ``LD_LIBRARY_PATH`` (where ``ld`` would find
it too), and is otherwise not found. Where ``ldconfig -p`` cannot be read (musl, macOS, Windows), nothing
changes: ``ctypes.util.find_library`` answers as usual.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import functools
import importlib
import os
import re
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

#: The ABI tag ``ldconfig -p`` prints for this machine's libraries (as ``ctypes.util`` maps it).
_ABI = {
    "x86_64-64": "libc6,x86-64",
    "ppc64-64": "libc6,64bit",
    "sparc64-64": "libc6,64bit",
    "s390x-64": "libc6,64bit",
    "ia64-64": "libc6,IA-64",
}
_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _ldconfig_cache() -> bytes | None:
    """Return what ``ldconfig -p`` prints (read once per process); None where it cannot be run."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        done = subprocess.run(
            ["/sbin/ldconfig", "-p"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={"LC_ALL": "C", "LANG": "C"},
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 and done.stdout else None


def find_library(name: str) -> str | None:
    """Return the file name the dynamic loader knows a library by (``libpango-1.0.so.0``), or None.

    The answer is ``ctypes.util.find_library``'s wherever ``ldconfig`` knows the library; else a
    ``lib<name>.so`` file in ``LD_LIBRARY_PATH``; else None. Without ``ldconfig -p``, it is
    ``ctypes.util.find_library``'s answer.
    """
    cache = _ldconfig_cache()
    if cache is None:
        return _original(name)
    machine = os.uname().machine + ("-32" if struct.calcsize("l") == 4 else "-64")
    pattern = rb"\s+(lib%s\.[^\s]+)\s+\(%s" % (
        re.escape(os.fsencode(name)),
        re.escape(_ABI.get(machine, "libc6").encode()),
    )
    found = re.search(pattern, cache)
    if found:
        return os.fsdecode(found.group(1))
    for folder in os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep):
        candidate = Path(folder) / f"lib{name}.so"
        if folder and candidate.is_file():
            return str(candidate)
    return None


_original: Callable[[str], str | None] = ctypes.util.find_library


@contextlib.contextmanager
def quick_library_lookup() -> Iterator[None]:
    """Answer ``ctypes.util.find_library`` with ``find_library`` above while the block runs."""
    with _lock:
        ctypes.util.find_library = find_library
        try:
            yield
        finally:
            ctypes.util.find_library = _original  # type: ignore[assignment]


def import_weasyprint() -> ModuleType:
    """Import WeasyPrint, its native libraries found without starting a program per name."""
    if "weasyprint.text.ffi" in sys.modules:
        return importlib.import_module("weasyprint")
    with quick_library_lookup():
        return importlib.import_module("weasyprint")
