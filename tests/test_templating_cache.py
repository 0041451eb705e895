"""A process that renders again (serve, a warm process) keeps its template environments, never stale ones."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from briefgen import plan, templating
from briefgen.build import build


def page(project: Path) -> str:
    build(project, ["ko"], ["html"], force=True)
    return (project / "output" / "minimal.ko.html").read_text("utf-8")


def test_templates_are_compiled_once_per_environment(minimal: Path) -> None:
    folders = plan.search_path(minimal)
    assert templating.environment(folders, "ko") is templating.environment(folders, "ko")
    assert templating.environment(folders, "ko") is not templating.environment(folders, "en")


def test_a_template_edited_or_newly_overriding_is_used_at_once(minimal: Path) -> None:
    assert "Overridden" not in page(minimal)
    (minimal / "templates").mkdir()  # a new folder on the search path: another environment
    override = minimal / "templates" / "brief.html.j2"
    override.write_text('{% extends "base.html.j2" %}{% block cover %}Overridden 1{% endblock %}\n', "utf-8")
    assert "Overridden 1" in page(minimal)
    override.write_text('{% extends "base.html.j2" %}{% block cover %}Overridden 2{% endblock %}\n', "utf-8")
    stamp = override.stat().st_mtime_ns + 1_000_000
    os.utime(override, ns=(stamp, stamp))  # a later time, whatever the file system's clock resolution
    assert "Overridden 2" in page(minimal)
    override.unlink()
    assert "Overridden" not in page(minimal)


def test_a_block_template_overridden_after_the_first_render_is_used(minimal: Path) -> None:
    """base.html.j2 includes blocks.html.j2: a project copy made later takes over at the next render."""
    (minimal / "templates").mkdir()
    (minimal / "templates" / "unused.txt").write_text("", "utf-8")
    first = page(minimal)
    builtin = plan.builtin_templates() / "blocks.html.j2"
    copy = minimal / "templates" / "blocks.html.j2"
    text = builtin.read_text("utf-8")
    assert "{% macro paragraph(block) %}<p>" in text
    copy.write_text(
        text.replace(
            "{% macro paragraph(block) %}<p>", '{% macro paragraph(block) %}<p class="project-blocks">'
        ),
        "utf-8",
    )
    assert "project-blocks" not in first
    assert "project-blocks" in page(minimal)


def test_relative_folders_in_another_directory_are_other_folders(
    minimal: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    (other / "templates").mkdir(parents=True)
    (minimal / "templates").mkdir()
    monkeypatch.chdir(minimal)
    here = templating.environment([Path("templates")], "ko")
    monkeypatch.chdir(other)
    assert templating.environment([Path("templates")], "ko") is not here


def test_compiled_templates_are_kept_privately_and_follow_their_source(minimal: Path, tmp_path: Path) -> None:
    """Templates compiled by one process serve the next; an edited template is compiled again."""
    import subprocess
    import sys

    cache = tmp_path / "cache"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "BRIEFGEN_WARM": "off"}
    (minimal / "templates").mkdir()
    override = minimal / "templates" / "brief.html.j2"
    for word in ("Before", "After"):
        override.write_text(
            f'{{% extends "base.html.j2" %}}{{% block cover %}}{word}{{% endblock %}}\n', "utf-8"
        )
        done = subprocess.run(
            [sys.executable, "-m", "briefgen", "build", "-p", str(minimal), "-f", "html", "--force"],
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        assert word in (minimal / "output" / "minimal.ko.html").read_text("utf-8")
    folder = cache / "briefgen" / "templates"
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert len(list(folder.iterdir())) >= 4  # base, blocks, the stylesheet, and the project's page


def test_a_template_cache_others_can_enter_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "briefgen" / "templates"
    folder.mkdir(parents=True)
    folder.chmod(0o755)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    templating._compiled_templates.cache_clear()
    try:
        assert templating._compiled_templates(None) is None
        folder.chmod(0o700)
        templating._compiled_templates.cache_clear()
        assert templating._compiled_templates(None) is not None
    finally:
        templating._compiled_templates.cache_clear()
