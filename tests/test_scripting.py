"""Driving briefgen from scripts: --json, exit codes, --quiet/--verbose, colour, closed pipes, completion."""

from __future__ import annotations

import hashlib
import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from briefgen.schema import result_schema
from tests.conftest import BROKEN, overlay, run
from tests.mailserver import Recorder, smtp_server

BRIEFGEN = [sys.executable, "-m", "briefgen"]


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    """Checks a --json document against the schema `briefgen schema` publishes for it."""
    return Draft202012Validator(result_schema())


def document(output: str, validator: Draft202012Validator) -> dict[str, Any]:
    """Parse the one JSON document a command printed, and check it against its published schema."""
    found: dict[str, Any] = json.loads(output)
    validator.validate(found)
    return found


def test_build_json_lists_what_was_written_then_up_to_date(
    minimal: Path, validator: Draft202012Validator
) -> None:
    first = run(
        "build", "--project", str(minimal), "--format", "html", "--lang", "ko", "--lang", "en", "--json"
    )
    assert first.exit_code == 0
    assert first.stderr == ""
    made = document(first.stdout, validator)
    assert made["command"] == "build" and made["ok"] is True and made["exit_code"] == 0
    assert made["project"] == str(minimal.resolve())
    assert [(f["name"], f["state"], f["lang"], f["format"]) for f in made["files"]] == [
        ("minimal.ko.html", "written", "ko", "html"),
        ("minimal.en.html", "written", "en", "html"),
    ]
    for item in made["files"]:
        data = Path(item["path"]).read_bytes()
        assert item["sha256"] == hashlib.sha256(data).hexdigest()
        assert item["bytes"] == len(data)
    again = document(
        run("build", "--project", str(minimal), "--format", "html", "-l", "ko", "-l", "en", "--json").stdout,
        validator,
    )
    assert [f["state"] for f in again["files"]] == ["up to date", "up to date"]
    assert [f["sha256"] for f in again["files"]] == [f["sha256"] for f in made["files"]]


def test_build_json_reports_errors_with_their_location(
    minimal: Path, validator: Draft202012Validator
) -> None:
    overlay(minimal, BROKEN / "unknown-fact")
    result = run("build", "--project", str(minimal), "--json")
    assert result.exit_code == 1
    assert result.stderr == ""
    failed = document(result.stdout, validator)
    assert failed["ok"] is False and failed["exit_code"] == 1 and failed["files"] == []
    assert failed["errors"] == 1
    (problem,) = failed["problems"]
    assert (problem["file"], problem["line"], problem["column"]) == ("content/ko/01-main.yaml", 4, 12)
    assert problem["severity"] == "error"
    assert problem["message"] == "unknown fact 'cots' (did you mean 'cost'?)"
    assert (
        problem["text"] == "content/ko/01-main.yaml:4:12: error: unknown fact 'cots' (did you mean 'cost'?)"
    )


def test_check_json_counts_warnings(minimal: Path, validator: Draft202012Validator) -> None:
    overlay(minimal, BROKEN / "hard-coded-number")
    result = run("check", "--project", str(minimal), "--json")
    assert result.exit_code == 0
    found = document(result.stdout, validator)
    assert (found["command"], found["errors"], found["warnings"]) == ("check", 0, 1)
    assert found["problems"][0]["message"] == "the figure '139' is written into the text"
    strict = document(run("check", "--project", str(minimal), "--json", "--strict").stdout, validator)
    assert (strict["ok"], strict["exit_code"]) == (False, 1)


def test_mail_json_says_what_was_sent(minimal: Path, validator: Draft202012Validator) -> None:
    with smtp_server(handler=Recorder()) as relay:
        (minimal / "briefgen.yaml").write_text(
            "brief: minimal\ndefault_language: ko\nlanguages: [ko, en]\nmail:\n"
            f"  host: 127.0.0.1\n  port: {relay.port}\n  security: none\n  from: desk@example.org\n",
            encoding="utf-8",
        )
        result = run("mail", "--project", str(minimal), "--to", "kim@example.org", "--json")
        assert result.exit_code == 0, result.output
        sent = document(result.stdout, validator)
        assert len(relay.handler.messages) == 1
    assert sent["command"] == "mail" and sent["ok"] is True
    assert sent["deliveries"] == [
        {
            "address": "kim@example.org",
            "delivered": True,
            "reply": sent["deliveries"][0]["reply"],
            "attempts": 1,
        }
    ]
    assert sent["message"]["recipients"] == ["kim@example.org"]
    assert sent["message"]["attachments"][0]["filename"].endswith(".docx")
    assert sent["message"]["server"] == f"127.0.0.1:{relay.port} (none)"
    assert [f["state"] for f in sent["files"]] == ["written"]


def test_quiet_prints_only_errors_and_verbose_prints_digests(minimal: Path) -> None:
    overlay(minimal, BROKEN / "hard-coded-number")
    quiet = run("build", "--project", str(minimal), "--format", "html", "-q")
    assert quiet.exit_code == 0
    assert quiet.stdout == "" and quiet.stderr == ""  # the warning and "wrote" are left out
    verbose = run("build", "--project", str(minimal), "--format", "html", "--force", "-v")
    digest = hashlib.sha256((minimal / "output" / "minimal.ko.html").read_bytes()).hexdigest()
    assert "minimal.ko.html: " in verbose.stderr and f"sha256 {digest}" in verbose.stderr
    assert "warning: the figure '139'" in verbose.stderr
    both = run("build", "--project", str(minimal), "-q", "-v")
    assert both.exit_code == 2
    assert "--quiet and --verbose cannot be used together" in both.stderr


def _on_a_terminal(args: list[str], env: dict[str, str], cwd: Path) -> str:
    """Run briefgen with stdout and stderr on a real pseudo-terminal; return what it showed."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(args, stdout=terminal, stderr=terminal, cwd=cwd, env=env)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    process.wait(timeout=60)
    os.close(controller)
    return shown.decode("utf-8", "replace")


def test_colour_only_on_a_terminal_and_never_with_no_color(minimal: Path) -> None:
    overlay(minimal, BROKEN / "hard-coded-number")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")} | {"TERM": "xterm"}
    coloured = _on_a_terminal([*BRIEFGEN, "check"], env, minimal)
    assert "\x1b[35m\x1b[1mwarning:\x1b[0m the figure '139'" in coloured
    plain = _on_a_terminal([*BRIEFGEN, "check"], env | {"NO_COLOR": "1"}, minimal)
    assert "warning: the figure '139'" in plain and "\x1b[" not in plain
    dumb = _on_a_terminal([*BRIEFGEN, "check"], env | {"TERM": "dumb"}, minimal)
    assert "\x1b[" not in dumb
    piped = subprocess.run(
        [*BRIEFGEN, "check"], cwd=minimal, env=env, capture_output=True, text=True, check=False
    )
    assert "warning: the figure '139'" in piped.stderr and "\x1b[" not in piped.stderr


@pytest.mark.parametrize(
    "args", [["templates", "list"], ["--help"], ["build", "--help"], ["completion", "bash"]]
)
def test_a_closed_pipe_ends_quietly_with_141(args: list[str], tmp_path: Path) -> None:
    process = subprocess.Popen(
        [*BRIEFGEN, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader goes away before briefgen writes: like `| head -0`
    stderr = process.stderr.read()
    process.stderr.close()
    assert process.wait(timeout=60) == 141
    assert stderr == b""


def test_a_closed_pipe_in_a_shell_pipeline(minimal: Path) -> None:
    """As a shell script sees it: `set -o pipefail; briefgen templates list | head -1`."""
    script = f"set -o pipefail; {' '.join(BRIEFGEN)} templates list | head -1; echo status=$?"
    done = subprocess.run(["bash", "-c", script], cwd=minimal, capture_output=True, text=True, check=False)
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0].startswith("audiences/")
    assert lines[-1] in ("status=0", "status=141")  # 0 when briefgen wrote everything before head left


def _complete(words: str, cwd: Path, shell: str = "bash") -> list[str]:
    """Ask briefgen for completions the way click's generated shell script does."""
    env = os.environ | {
        "_BRIEFGEN_COMPLETE": f"{shell}_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split(" ")) - 1),
    }
    done = subprocess.run(BRIEFGEN, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    return done.stdout.split()


def test_completion_offers_commands_languages_audiences_and_templates(minimal: Path) -> None:
    commands = _complete("briefgen ", minimal)
    assert {"build", "check", "doctor", "schema", "mail", "completion"} <= {
        w.split(",")[-1] for w in commands
    }
    assert [w.split(",")[-1] for w in _complete("briefgen build --lang ", minimal)] == ["ko", "en"]
    audiences = [w.split(",")[-1] for w in _complete("briefgen build --audience ex", minimal)]
    assert audiences == ["executive"]
    assert [w.split(",")[-1] for w in _complete("briefgen build --format d", minimal)] == ["docx"]
    templates = [w.split(",")[-1] for w in _complete("briefgen templates copy css/", minimal)]
    assert templates == ["css/brief.css.j2", "css/screen.css.j2"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_load_in_their_shell(shell: str, tmp_path: Path) -> None:
    script = subprocess.run(
        [*BRIEFGEN, "completion", shell], capture_output=True, text=True, check=True
    ).stdout
    assert "_BRIEFGEN_COMPLETE" in script
    program = shutil.which(shell)
    if program is None:
        pytest.skip(f"{shell} is not installed")
    path = tmp_path / f"briefgen.{shell}"
    path.write_text(script, "utf-8")
    check = {
        "bash": [program, "-c", f"source {path} && complete -p briefgen"],
        "zsh": [
            program,
            "-c",
            f"autoload -Uz compinit && compinit -u && source {path} && whence -w _briefgen_completion",
        ],
        "fish": [program, "-c", f"source {path}; and complete -c briefgen"],
    }[shell]
    done = subprocess.run(check, capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "briefgen" in done.stdout
