"""briefgen doctor: one line per thing a build, a check or a mail needs, with the fix for what is missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from briefgen.schema import result_schema, write
from tests.conftest import run
from tests.mailserver import Recorder, smtp_server

BRIEFGEN = [sys.executable, "-m", "briefgen"]


def lines(output: str) -> dict[str, str]:
    """Map each check's name to its line: ``{"font ko": "ok       font ko: NanumGothic (…)"}``."""
    found = {}
    for line in output.splitlines():
        state, _, rest = line.partition(" ")
        if state in ("ok", "warning", "error", "skipped"):
            found[rest.strip().split(":", 1)[0]] = line
    return found


def doctor(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run doctor as a separate process, so that fonts and programs are looked up afresh."""
    return subprocess.run(
        [*BRIEFGEN, "doctor", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_this_machine_has_what_a_build_needs(minimal: Path) -> None:
    result = doctor(minimal)
    assert result.returncode == 0, result.stdout
    found = lines(result.stdout)
    assert found["font ko"].startswith("ok") and "NanumGothic" in found["font ko"]
    assert found["font en"].startswith("ok") and "Noto Sans" in found["font en"]
    for name in ("fontconfig", "harfbuzz subsetting", "weasyprint", "python-docx", "libreoffice", "poppler"):
        assert found[name].startswith("ok"), found[name]
    assert "Pango 1." in found["weasyprint"]
    assert found["mail"].startswith("skipped")
    assert found["output folder"].startswith("ok")
    assert not (minimal / "output").exists()  # checked, not made
    assert result.stderr.endswith("0 errors, 0 warnings: a build would work\n")


def test_json_lists_every_check(minimal: Path) -> None:
    result = run("doctor", "--project", str(minimal), "--json")
    assert result.exit_code == 0
    found = json.loads(result.stdout)
    Draft202012Validator(result_schema()).validate(found)
    assert found["command"] == "doctor" and found["ok"] is True
    names = [c["name"] for c in found["checks"]]
    assert names[:3] == ["briefgen", "project", "fontconfig"]
    assert {"font ko", "font en", "weasyprint", "mail", "output folder", "editor schemas"} <= set(names)


def _no_fonts(tmp_path: Path) -> dict[str, str]:
    """An environment whose fontconfig knows no font at all: a configuration without font folders."""
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        f"<fontconfig><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>\n",
        "utf-8",
    )
    return os.environ | {"FONTCONFIG_FILE": str(config)}


def test_a_missing_korean_font_is_an_error_naming_the_package(minimal: Path, tmp_path: Path) -> None:
    result = doctor(minimal, env=_no_fonts(tmp_path))
    assert result.returncode == 1
    found = lines(result.stdout)
    assert found["font ko"].startswith("error")
    assert "no installed font covers Korean ('ko')" in found["font ko"]
    fix = result.stdout.splitlines()[result.stdout.splitlines().index(found["font ko"]) + 1]
    assert (
        fix.strip()
        == "fix: install Debian's fonts-nanum or fonts-noto-cjk, or a font named in the stack: "
        + ("NanumGothic, Noto Sans CJK KR, Apple SD Gothic Neo, Malgun Gothic")
    )
    assert result.stderr.endswith("a build would fail\n")
    # and the build does fail, as doctor said
    build = subprocess.run(
        [*BRIEFGEN, "build"],
        cwd=minimal,
        env=_no_fonts(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 1
    assert "no installed font covers Korean" in build.stderr


def test_missing_libreoffice_and_poppler_are_warnings(minimal: Path, tmp_path: Path) -> None:
    """Tools only the checks use: doctor says how to get them, and a build still works."""
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    for program in ("fc-list", "fc-match"):
        found = shutil.which(program)
        assert found is not None
        (bin_folder / program).symlink_to(found)
    result = doctor(minimal, env=os.environ | {"PATH": str(bin_folder)})
    assert result.returncode == 0, result.stdout
    found = lines(result.stdout)
    assert found["libreoffice"] == "warning  libreoffice: soffice not found"
    assert "install Debian's libreoffice-writer-nogui" in result.stdout
    assert found["poppler"].startswith("warning")


def test_an_output_folder_that_cannot_be_made_is_an_error(minimal: Path) -> None:
    blocker = minimal / "not-a-folder"
    blocker.write_text("a file where the output folder would go", "utf-8")
    result = doctor(minimal, "--output", str(blocker / "out"))
    assert result.returncode == 1
    assert lines(result.stdout)["output folder"].startswith("error")
    assert f"{blocker} is not a folder" in result.stdout


def test_mail_settings_are_read_and_connected_to_only_when_asked(minimal: Path) -> None:
    with smtp_server(handler=Recorder()) as relay:
        (minimal / "briefgen.yaml").write_text(
            "brief: minimal\ndefault_language: ko\nlanguages: [ko, en]\nmail:\n"
            f"  host: 127.0.0.1\n  port: {relay.port}\n  security: none\n  from: desk@example.org\n",
            encoding="utf-8",
        )
        quiet = doctor(minimal)
        assert relay.connections == 0
        line = lines(quiet.stdout)["mail"]
        assert line == (
            f"ok       mail: from desk@example.org through 127.0.0.1:{relay.port} (none) "
            "(not connected: --connect tries it)"
        )
        connected = doctor(minimal, "--connect")
        assert connected.returncode == 0, connected.stdout
        assert relay.connections >= 1
        assert relay.handler.messages == []
        assert "connected and logged in, nothing sent" in lines(connected.stdout)["mail"]
        port = relay.port
    # the server is gone: only --connect finds out, and then doctor fails
    assert doctor(minimal).returncode == 0
    gone = doctor(minimal, "--connect")
    assert gone.returncode == 1
    assert lines(gone.stdout)["mail"].startswith("error")
    assert f"127.0.0.1:{port}" in lines(gone.stdout)["mail"]


def test_mail_settings_that_cannot_work_are_named(minimal: Path) -> None:
    (minimal / "briefgen.yaml").write_text(
        "brief: minimal\ndefault_language: ko\nlanguages: [ko, en]\nmail:\n  host: smtp.example.org\n",
        encoding="utf-8",
    )
    result = doctor(minimal)
    assert result.returncode == 0  # a build does not need mail
    line = lines(result.stdout)["mail"]
    assert line == "warning  mail: briefgen mail would fail: briefgen.yaml: no sender address"
    assert "fix: set 'from' under 'mail:' or BRIEFGEN_SMTP_FROM" in result.stdout


def test_stale_editor_schemas_are_a_warning(minimal: Path) -> None:
    write(minimal / "schemas")
    assert lines(doctor(minimal).stdout)["editor schemas"].startswith("ok")
    (minimal / "schemas" / "facts.schema.json").write_text("{}\n", "utf-8")
    result = doctor(minimal)
    assert lines(result.stdout)["editor schemas"].startswith("warning")
    assert "fix: run briefgen schema" in result.stdout


def test_outside_a_project_it_checks_the_machine(tmp_path: Path) -> None:
    result = doctor(tmp_path)
    assert result.returncode == 0
    found = lines(result.stdout)
    assert found["project"].startswith("skipped")
    assert {"font ko", "font en", "font ja"} <= set(found)


def test_a_broken_project_is_reported(minimal: Path) -> None:
    facts = minimal / "content" / "facts.yaml"
    facts.write_text(facts.read_text("utf-8") + "  broken:\n    kind: moeny\n", "utf-8")
    result = doctor(minimal)
    assert result.returncode == 1
    assert lines(result.stdout)["project"].startswith("error")
    assert "unknown fact kind 'moeny'" in result.stdout
    assert "fix: run briefgen check" in result.stdout


@pytest.mark.parametrize("flag", ["-q"])
def test_quiet_shows_only_what_is_not_ok(minimal: Path, flag: str, tmp_path: Path) -> None:
    result = doctor(minimal, flag, env=_no_fonts(tmp_path))
    assert [line.split()[0] for line in result.stdout.splitlines() if not line.startswith(" ")] == [
        "error",
        *(["warning"] * (len(lines(result.stdout)) - 1)),
    ]
