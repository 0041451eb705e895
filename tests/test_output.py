"""Writing outputs: all or nothing, atomic, never over a good file with a broken one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from briefgen.errors import OutputError
from briefgen.output import Output, clean_stale, output_name, plan, write_all


def test_names_show_brief_audience_and_language() -> None:
    assert output_name("deepseek-briefing", "ko", "pdf") == "deepseek-briefing.ko.pdf"
    assert (
        output_name("deepseek-briefing", "en", "docx", "executive") == "deepseek-briefing.executive.en.docx"
    )


def test_two_outputs_to_one_path_are_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"two outputs would be written to a\.pdf"):
        plan([Output("a.pdf", b"1"), Output("a.pdf", b"2")], tmp_path)


@pytest.mark.parametrize("name", ["../escape.pdf", "sub/x.pdf", "/etc/x.pdf"])
def test_paths_leaving_the_output_folder_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(OutputError, match="outside the output folder"):
        plan([Output(name, b"x")], tmp_path)


def test_writes_replace_old_files_and_leave_no_temporary_files(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(b"old")
    write_all([Output("a.pdf", b"new a"), Output("b.html", b"new b")], tmp_path)
    assert (tmp_path / "a.pdf").read_bytes() == b"new a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "b.html"]


# A read-only output folder (also as root, with chattr +i) is tested in test_security.py.


def test_stale_temporary_files_of_dead_builds_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    stale = tmp_path / f".a.pdf.briefgen-{dead.stdout.strip()}.tmp"
    stale.write_bytes(b"half")
    live = tmp_path / f".b.pdf.briefgen-{os.getppid()}.tmp"  # a running process: another build
    live.write_bytes(b"busy")
    assert clean_stale(tmp_path) == [stale]
    assert live.exists()


WRITER = """
import resource, signal, sys
from pathlib import Path
from briefgen.output import Output, write_all
from briefgen.errors import OutputError
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
try:
    write_all([Output("a.pdf", b"A" * 50_000), Output("b.docx", b"B" * 500_000)], Path(sys.argv[1]))
except OutputError as exc:
    print(exc)
    sys.exit(1)
"""


def test_a_full_disk_between_two_outputs_keeps_both_old_outputs(tmp_path: Path) -> None:
    # The second output does not fit (the file size limit stands in for a full disk): neither is replaced.
    (tmp_path / "a.pdf").write_bytes(b"old a")
    (tmp_path / "b.docx").write_bytes(b"old b")
    done = subprocess.run(
        [sys.executable, "-c", WRITER, str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1, done.stderr
    assert "cannot write the outputs: File too large; nothing was replaced" in done.stdout
    assert (tmp_path / "a.pdf").read_bytes() == b"old a"
    assert (tmp_path / "b.docx").read_bytes() == b"old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "b.docx"]


def test_an_output_folder_that_is_a_file_is_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "output"
    blocker.write_bytes(b"not a folder")
    with pytest.raises(OutputError, match="cannot create the output folder"):
        write_all([Output("a.pdf", b"new")], blocker)
    assert blocker.read_bytes() == b"not a folder"
