"""Native libraries are found as ctypes finds them, without a program started per name."""

from __future__ import annotations

import ctypes.util
import subprocess
import sys

import pytest

from briefgen import native

#: Every name WeasyPrint's bindings try, plus a few others and one that exists nowhere.
NAMES = [
    *("libgobject-2.0-0", "gobject-2.0-0", "gobject-2.0", "libgobject-2.0.so.0"),
    *("libpango-1.0-0", "pango-1.0-0", "pango-1.0", "libpango-1.0.so.0"),
    *("libharfbuzz-0", "harfbuzz", "harfbuzz-0.0", "libharfbuzz.so.0"),
    *("libharfbuzz-subset-0", "harfbuzz-subset", "harfbuzz-subset-0.0"),
    *("libharfbuzz-vector-0", "harfbuzz-vector", "harfbuzz-vector-0.0"),
    *("libfontconfig-1", "fontconfig-1", "fontconfig", "pangoft2-1.0"),
    *("c", "m", "z", "briefgen-no-such-library"),
]

#: Count the programs a Python snippet starts (subprocess and os.exec*/spawn audit events), printed last.
COUNT = """
import sys
started = []
sys.addaudithook(lambda event, args: started.append(event) if event in (
    "subprocess.Popen", "os.posix_spawn", "os.exec", "os.spawn", "os.system") else None)
{code}
print(len(started))
"""


@pytest.mark.skipif(native._ldconfig_cache() is None, reason="needs glibc's ldconfig -p")
@pytest.mark.parametrize("name", NAMES)
def test_libraries_are_found_as_ctypes_finds_them(name: str) -> None:
    assert native.find_library(name) == ctypes.util.find_library(name)


def started(code: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", COUNT.format(code=code)], capture_output=True, text=True, check=True
    )
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(native._ldconfig_cache() is None, reason="needs glibc's ldconfig -p")
def test_importing_weasyprint_starts_one_program_instead_of_one_per_name() -> None:
    assert started("import weasyprint") > 10  # what WeasyPrint does on its own: ldconfig, gcc, ld per name
    assert started("from briefgen.native import import_weasyprint; import_weasyprint()") == 1


def test_the_lookup_is_restored_after_the_import() -> None:
    native.import_weasyprint()
    assert ctypes.util.find_library is native._original
