"""Fonts: a CJK font is chosen from what is installed; with none, the build stops and names the package."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from briefgen import fonts

EMPTY_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{fonts}</dir><cachedir>{cache}</cachedir></fontconfig>
"""


def test_korean_uses_an_installed_korean_font() -> None:
    choice = fonts.choose("ko")
    assert choice.installed == "NanumGothic"  # scripts/setup installs fonts-nanum
    assert choice.stack[:2] == ("NanumGothic", "Noto Sans CJK KR")
    assert "Malgun Gothic" in choice.stack  # what Windows readers of the HTML have


def test_no_font_for_the_script_stops_the_build_with_the_package_to_install(
    minimal: Path, tmp_path: Path
) -> None:
    (tmp_path / "fonts").mkdir()
    conf = tmp_path / "fonts.conf"
    conf.write_text(EMPTY_FONTCONFIG.format(fonts=tmp_path / "fonts", cache=tmp_path / "cache"))
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    done = subprocess.run(
        [sys.executable, "-m", "briefgen", "build", "--project", str(minimal)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == (
        "error: no installed font covers Korean ('ko'); the text would print as empty boxes "
        "(install Debian's fonts-nanum or fonts-noto-cjk, or a font named in the stack: "
        "NanumGothic, Noto Sans CJK KR, Apple SD Gothic Neo, Malgun Gothic)\n"
    )
    assert not list((minimal / "output").glob("*.pdf"))


def test_fast_subsetting_is_installed_here() -> None:
    # scripts/setup installs libharfbuzz-subset0; without it WeasyPrint embeds fonts several times slower.
    assert fonts.has_fast_subsetting()
