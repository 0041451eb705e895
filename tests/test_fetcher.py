"""What a rendered document may load: project files and data: URIs, nothing else, and never silently."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from briefgen.build import build
from briefgen.errors import RenderError

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def with_css(project: Path, css: str) -> None:
    target = project / "templates" / "css" / "brief.css.j2"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(css, encoding="utf-8")


def refused(project: Path) -> str:
    before = sorted(p.name for p in (project / "output").glob("[!.]*"))
    with pytest.raises(RenderError) as info:
        build(project, ["en"], ["pdf"])
    after = sorted(p.name for p in (project / "output").glob("[!.]*"))
    assert after == before
    return str(info.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}/x.css", "https://127.0.0.1:{port}/font.woff"])
def test_network_urls_are_refused_without_a_connection(
    minimal: Path, http_listener: tuple[int, list[int]], url: str
) -> None:
    port, connections = http_listener
    with_css(minimal, f'@import url("{url.format(port=port)}");\nbody {{ color: black; }}\n')
    message = refused(minimal)
    assert "network access is not allowed" in message
    assert message.startswith("templates/css/brief.css.j2:1:")
    assert connections == []


@pytest.mark.parametrize(
    "css",
    [
        'body { background: url("file:///etc/passwd"); }',
        '@font-face { font-family: x; src: url("file:///etc/passwd"); }',
        'body { background: url("templates/%2e%2e/%2e%2e/%2e%2e/etc/passwd"); }',
        'body { background: url("/dev/urandom"); }',
    ],
)
def test_files_outside_the_project_are_refused(minimal: Path, css: str) -> None:
    with_css(minimal, css + "\n")
    message = refused(minimal)
    assert "resource refused" in message


def test_symlinks_leading_out_are_refused(minimal: Path) -> None:
    (minimal / "templates").mkdir()
    os.symlink("/etc/passwd", minimal / "templates" / "innocent.png")
    with_css(minimal, 'body { background: url("templates/innocent.png"); }\n')
    assert "outside the project's" in refused(minimal)


def test_special_files_inside_the_project_are_refused(minimal: Path) -> None:
    (minimal / "templates").mkdir()
    os.mkfifo(minimal / "templates" / "pipe.png")
    with_css(minimal, 'body { background: url("templates/pipe.png"); }\n')
    assert "not a regular file" in refused(minimal)


def test_project_files_and_data_uris_are_served(minimal: Path) -> None:
    (minimal / "templates").mkdir()
    (minimal / "templates" / "dot.png").write_bytes(PNG)
    data = "data:image/png;base64," + base64.b64encode(PNG).decode()
    with_css(
        minimal, f'body {{ background: url("templates/dot.png"); }}\nhtml {{ background: url("{data}"); }}\n'
    )
    result = build(minimal, ["en"], ["pdf"])
    assert result.written[0].read_bytes().startswith(b"%PDF")
