"""Shared fixtures: fixture projects, the reference build, and readers for what was built."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from briefgen.build import build
from briefgen.cli import main

REPO = Path(__file__).resolve().parents[1]
PROJECTS = REPO / "tests" / "projects"
BROKEN = PROJECTS / "broken"


@pytest.fixture(autouse=True, scope="session")
def private_runtime_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep the warm processes that tests start (``briefgen serve``, ``briefgen warm``) out of the user's own
    runtime folder: every process the tests start finds its sockets here."""
    import os

    folder = tmp_path_factory.mktemp("runtime")
    folder.chmod(0o700)
    previous = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = str(folder)
    try:
        yield folder
    finally:
        if previous is None:
            os.environ.pop("XDG_RUNTIME_DIR", None)
        else:
            os.environ["XDG_RUNTIME_DIR"] = previous


def copy_project(source: Path, target: Path) -> Path:
    """Copy a project, leaving its output folder behind."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("output", "__pycache__"))
    return target


def overlay(project: Path, case: Path) -> None:
    """Lay a broken case's files over a project (the case's ``files/`` mirrors the project)."""
    files = case / "files"
    for path in sorted(files.rglob("*")):
        if path.is_file():
            target = project / path.relative_to(files)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    removed = case / "remove.txt"
    if removed.exists():
        for name in removed.read_text().split():
            (project / name).unlink()


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    """A small valid project using every block type and fact kind, in Korean and English."""
    return copy_project(PROJECTS / "minimal", tmp_path / "minimal")


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    """A copy of the reference project (the repository root's briefgen.yaml, content and templates)."""
    root = tmp_path / "reference"
    root.mkdir()
    shutil.copyfile(REPO / "briefgen.yaml", root / "briefgen.yaml")
    shutil.copytree(REPO / "content", root / "content")
    return root


@pytest.fixture(scope="session")
def reference_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The reference briefing built once per test run as PDF, in Korean and English."""
    out = tmp_path_factory.mktemp("reference-output")
    result = build(REPO, ["ko", "en"], ["pdf"], output=out)
    return {path.name.split(".")[-2]: path for path in result.written}


@pytest.fixture(scope="session")
def all_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every output of ``build --all`` for the reference project (each language, the whole briefing and
    every audience, as PDF, DOCX and HTML), built once per test run, by file name."""
    out = tmp_path_factory.mktemp("all-outputs")
    result = build(REPO, output=out, everything=True, jobs=2)
    assert not result.failed, result.failed
    return {path.name: path for path in result.written}


def run(*args: str) -> Result:
    """Run the briefgen command line in-process, as a user would type it."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def pdftotext(path: Path, *options: str) -> str:
    """Return the text a reader sees in a PDF, as poppler extracts it."""
    return subprocess.run(
        ["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def libreoffice_pdf(document: Path, folder: Path) -> Path:
    """Convert a DOCX to PDF with LibreOffice, headless, with a throwaway profile; return the PDF."""
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(document),
        ],
        capture_output=True,
        timeout=300,
        check=True,
    )
    return folder / document.with_suffix(".pdf").name


def pdfinfo(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}


@pytest.fixture
def cwd(tmp_path: Path) -> Iterator[Path]:
    import os

    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


#: What the ``secret`` file beside a project holds: it must never appear in any output or message.
SECRET = "briefgen-canary-4c1e-must-never-leak"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A secret file beside the project (``../secret.txt`` from a project in ``tmp_path``)."""
    path = tmp_path / "secret.txt"
    path.write_text(SECRET + "\n", encoding="utf-8")
    return path


@pytest.fixture
def http_listener() -> Iterator[tuple[int, list[int]]]:
    """A TCP server on loopback that counts the connections it receives, answering each with a little CSS."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    connections: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            connections.append(1)
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(65536)
                    conn.sendall(
                        b"HTTP/1.0 200 OK\r\nContent-Type: text/css\r\nContent-Length: 22\r\n\r\n"
                        b"body { color: black; }"
                    )
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], connections
    stop.set()
    thread.join(timeout=2)
    server.close()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Return every file under a folder with its bytes (the build's own state folder ``.briefgen`` aside)."""
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and ".briefgen" not in path.relative_to(folder).parts
    }
