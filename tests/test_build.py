"""Building: no-op and incremental rebuilds, the parallel matrix, limits, locks, crashes, reproducibility."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from briefgen.build import build
from briefgen.errors import OutputError, RenderError
from tests.conftest import run


def briefgen(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "briefgen", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        check=False,
        **kwargs,
    )  # type: ignore[call-overload]


def stamps(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.is_file()}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_rebuild_with_nothing_changed_writes_nothing(minimal: Path) -> None:
    first = run("build", "--project", str(minimal), "-l", "ko", "-l", "en", "-f", "html", "-f", "docx")
    assert first.exit_code == 0, first.output
    before = stamps(minimal / "output")
    again = run("build", "--project", str(minimal), "-l", "ko", "-l", "en", "-f", "html", "-f", "docx")
    assert again.exit_code == 0
    assert again.stdout.count("up to date: ") == 4 and "wrote" not in again.stdout
    assert stamps(minimal / "output") == before


def test_only_the_outputs_of_a_changed_language_are_rebuilt(minimal: Path) -> None:
    build(minimal, ["ko", "en"], ["html", "docx"])
    before = stamps(minimal / "output")
    edit(minimal / "content" / "ko" / "01-main.yaml", "요점이다.", "새 요점이다.")
    result = build(minimal, ["ko", "en"], ["html", "docx"])
    assert sorted(p.name for p in result.written) == ["minimal.ko.docx", "minimal.ko.html"]
    assert sorted(p.name for p in result.skipped) == ["minimal.en.docx", "minimal.en.html"]
    after = stamps(minimal / "output")
    assert after["minimal.en.html"] == before["minimal.en.html"]
    assert after["minimal.ko.html"] != before["minimal.ko.html"]
    assert "새 요점이다." in (minimal / "output" / "minimal.ko.html").read_text(encoding="utf-8")


def test_a_template_change_rebuilds_everything_and_force_rebuilds_anyway(minimal: Path) -> None:
    build(minimal, ["ko", "en"], ["html"])
    (minimal / "templates").mkdir()
    (minimal / "templates" / "brief.html.j2").write_text('{% extends "base.html.j2" %}\n', encoding="utf-8")
    assert len(build(minimal, ["ko", "en"], ["html"]).written) == 2
    assert build(minimal, ["ko", "en"], ["html"]).written == []
    assert len(build(minimal, ["ko", "en"], ["html"], force=True).written) == 2


def test_an_output_changed_by_hand_is_built_again(minimal: Path) -> None:
    build(minimal, ["en"], ["html"])
    target = minimal / "output" / "minimal.en.html"
    original = target.read_bytes()
    target.write_bytes(b"edited")
    assert [p.name for p in build(minimal, ["en"], ["html"]).written] == ["minimal.en.html"]
    assert target.read_bytes() == original


@pytest.mark.parametrize("kind", ["fifo", "link-to-dev-zero", "new-file", "removed-file"])
def test_files_that_appear_or_disappear_make_the_outputs_stale(minimal: Path, kind: str) -> None:
    """A plain build used to answer 'up to date' after a pipe or a link to /dev/zero appeared among the
    content files: the manifest only hashed regular files. Now every entry counts, by kind, never opened."""
    args = ("build", "--project", str(minimal), "-l", "en", "-f", "html")
    folder = minimal / "content" / "en"
    if kind == "removed-file":
        (folder / "notes.txt").write_text("not a section, but an input all the same\n", encoding="utf-8")
    assert run(*args).exit_code == 0
    assert run(*args).stdout.startswith("up to date: ")
    if kind == "fifo":
        os.mkfifo(folder / "03-pipe.yaml")
    elif kind == "link-to-dev-zero":
        os.symlink("/dev/zero", folder / "03-zero.yaml")
    elif kind == "new-file":
        (folder / "notes.txt").write_text("not a section, but an input all the same\n", encoding="utf-8")
    else:
        (folder / "notes.txt").unlink()
    result = run(*args)
    if kind == "fifo":
        assert (result.exit_code, result.stderr) == (
            1,
            "content/en/03-pipe.yaml: error: not a regular file (a device, pipe or socket); "
            "it was not read\n",
        )
    elif kind == "link-to-dev-zero":
        assert (result.exit_code, result.stderr) == (
            1,
            "content/en/03-zero.yaml: error: the file is a link to a place outside the project; it was not "
            "read (copy the file into the project instead of linking to it)\n",
        )
    else:
        assert result.exit_code == 0
        assert result.stdout.startswith("wrote "), result.stdout


def test_the_manifest_lists_the_input_files_of_each_output(minimal: Path) -> None:
    import json

    build(minimal, ["en"], ["html"])
    entry = json.loads((minimal / "output/.briefgen/manifest.json").read_text())["minimal.en.html"]
    files = entry["files"]
    assert files[:4] == [
        "briefgen.yaml",
        "content/facts.yaml",
        "content/en/01-main.yaml",
        "content/en/brief.yaml",
    ]
    assert "(built-in) brief.html.j2" in files and "content/ko/01-main.yaml" not in files


def test_mail_settings_do_not_make_the_outputs_stale(minimal: Path) -> None:
    build(minimal, ["ko", "en"], ["html"])
    with (minimal / "briefgen.yaml").open("a", encoding="utf-8") as handle:
        handle.write("mail:\n  host: smtp.example.org\n  from: desk@example.org\n")
    result = run("build", "--project", str(minimal), "-l", "ko", "-l", "en", "-f", "html")
    assert result.exit_code == 0
    assert result.stdout.count("up to date: ") == 2 and "wrote" not in result.stdout
    assert build(minimal, ["ko", "en"], ["html"]).written == []
    edit(minimal / "briefgen.yaml", "languages: [ko, en]", "languages: [ko, en]\nlanguage_fallback: true")
    assert len(build(minimal, ["ko", "en"], ["html"]).written) == 2


BAD_TEMPLATE = (
    '{% extends "base.html.j2" %}{% block head %}{{ super() }}<link rel="stylesheet" '
    'href="file:///etc/passwd">{% endblock %}\n'
)


def test_the_matrix_keeps_going_past_a_failed_output(minimal: Path) -> None:
    (minimal / "templates" / "audiences").mkdir(parents=True)
    (minimal / "templates" / "broken.html.j2").write_text(BAD_TEMPLATE, encoding="utf-8")
    (minimal / "templates" / "audiences" / "broken.yaml").write_text(
        "template: broken.html.j2\n", encoding="utf-8"
    )
    result = run("build", "--project", str(minimal), "--all", "-j", "2")
    assert result.exit_code == 1
    failed = sorted(
        {line.split(":")[0] for line in result.stderr.splitlines() if line.startswith("minimal.")}
    )
    assert failed == ["minimal.broken.en.pdf", "minimal.broken.ko.pdf"]
    assert "resource refused" in result.stderr
    total = 2 * 3 * (1 + 4)  # languages x formats x (the whole briefing + four audiences)
    assert result.stderr.rstrip().endswith(f"2 of {total} outputs failed")
    written = sorted(p.name for p in (minimal / "output").iterdir() if p.is_file())
    assert len(written) == total - 2
    assert "minimal.broken.ko.html" in written and "minimal.executive.en.docx" in written


def test_without_all_a_failure_writes_nothing(minimal: Path) -> None:
    (minimal / "templates" / "audiences").mkdir(parents=True)
    (minimal / "templates" / "broken.html.j2").write_text(BAD_TEMPLATE, encoding="utf-8")
    (minimal / "templates" / "audiences" / "broken.yaml").write_text(
        "template: broken.html.j2\n", encoding="utf-8"
    )
    with pytest.raises(RenderError, match="resource refused"):
        build(minimal, ["ko", "en"], ["html", "pdf"], audiences=["broken"])
    assert not [p for p in (minimal / "output").iterdir() if p.is_file()]


SLOW_TEMPLATE = """{% extends "base.html.j2" %}
{% block sections %}{% for _ in range(400) %}{{ super() }}{% endfor %}{% endblock %}
"""


def test_a_render_that_runs_too_long_is_stopped(minimal: Path) -> None:
    (minimal / "templates").mkdir()
    (minimal / "templates" / "brief.html.j2").write_text(SLOW_TEMPLATE, encoding="utf-8")
    started = time.monotonic()
    done = briefgen("build", "--project", str(minimal), env={"BRIEFGEN_RENDER_TIMEOUT": "1"})
    assert time.monotonic() - started < 30
    assert done.returncode == 1
    assert "error: rendering took longer than 1 s and was stopped" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_render_that_needs_too_much_memory_fails_alone(minimal: Path) -> None:
    # Starved of memory, Python raises MemoryError, the child dies, or a native library spins at its
    # ceiling until the wall-clock limit stops it: each ends as an error naming the output, never a hang.
    (minimal / "templates").mkdir()
    (minimal / "templates" / "brief.html.j2").write_text(
        SLOW_TEMPLATE.replace("400", "200"), encoding="utf-8"
    )
    started = time.monotonic()
    done = briefgen(
        "build",
        "--project",
        str(minimal),
        env={"BRIEFGEN_RENDER_MEMORY_MB": "150", "BRIEFGEN_RENDER_TIMEOUT": "20"},
    )
    assert time.monotonic() - started < 60
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr.startswith("minimal.ko.pdf: error: "), done.stderr
    assert any(
        reason in done.stderr
        for reason in ("ran out of memory", "stopped unexpectedly", "took longer than 20 s")
    ), done.stderr
    assert "Traceback" not in done.stderr
    assert not (minimal / "output" / "minimal.ko.pdf").exists()


def test_builds_are_reproducible_across_processes(minimal: Path, tmp_path: Path) -> None:
    for out in ("a", "b"):
        done = briefgen(
            "build",
            "--project",
            str(minimal),
            "-l",
            "ko",
            "-f",
            "pdf",
            "-f",
            "docx",
            "-f",
            "html",
            "--output",
            str(tmp_path / out),
        )
        assert done.returncode == 0, done.stderr
    for name in ("minimal.ko.pdf", "minimal.ko.docx", "minimal.ko.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_source_date_epoch_sets_the_document_dates(minimal: Path, tmp_path: Path) -> None:
    epoch = "1700000000"  # 2023-11-14 22:13:20 UTC
    done = briefgen(
        "build",
        "--project",
        str(minimal),
        "-f",
        "pdf",
        "-f",
        "docx",
        "--output",
        str(tmp_path),
        env={"SOURCE_DATE_EPOCH": epoch},
    )
    assert done.returncode == 0, done.stderr
    info = PdfReader(tmp_path / "minimal.ko.pdf").metadata
    assert info is not None and info["/CreationDate"].startswith("D:20231114221320")
    created = Document(str(tmp_path / "minimal.ko.docx")).core_properties.created
    assert created is not None and created.isoformat().startswith("2023-11-14T22:13:20")
    without = briefgen("build", "--project", str(minimal), "-f", "pdf", "--output", str(tmp_path / "plain"))
    assert without.returncode == 0
    assert PdfReader(tmp_path / "plain" / "minimal.ko.pdf").metadata["/CreationDate"].startswith("D:20250215")


def test_two_builds_at_once_take_turns(minimal: Path) -> None:
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "briefgen",
            "build",
            "--project",
            str(minimal),
            "-l",
            "ko",
            "-l",
            "en",
            "-f",
            "pdf",
            "-f",
            "docx",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.3)
    second = briefgen(
        "build", "--project", str(minimal), "-l", "ko", "-l", "en", "-f", "pdf", "-f", "docx", "--force"
    )
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert second.returncode == 0, second.stderr
    for name in ("minimal.ko.pdf", "minimal.en.pdf"):
        assert (minimal / "output" / name).read_bytes().startswith(b"%PDF")
    assert not [p for p in (minimal / "output").iterdir() if p.name.endswith(".tmp")]


def test_a_build_waiting_too_long_for_the_lock_fails_clearly(minimal: Path) -> None:
    import fcntl

    state = minimal / "output" / ".briefgen"
    state.mkdir(parents=True)
    with (state / "lock").open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(OutputError, match="another build is writing to this output folder"):
            os.environ["BRIEFGEN_LOCK_TIMEOUT"] = "0.3"
            try:
                build(minimal, ["en"], ["html"])
            finally:
                del os.environ["BRIEFGEN_LOCK_TIMEOUT"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_killing_builds_at_random_points_never_leaves_a_broken_output(minimal: Path) -> None:
    # Two versions of the content; every output is always one of their builds, whole, never a mixture.
    main = minimal / "content" / "ko" / "01-main.yaml"
    versions = {"A": main.read_text(encoding="utf-8")}
    versions["B"] = versions["A"].replace("요점이다.", "다른 요점이다.")
    known: dict[str, set[str]] = {}
    for text in versions.values():
        main.write_text(text, encoding="utf-8")
        build(minimal, ["ko"], ["pdf", "docx", "html"], force=True)
        for path in (minimal / "output").glob("minimal.*"):
            known.setdefault(path.name, set()).add(digest(path))
    rng = random.Random(20251129)
    for attempt in range(8):
        main.write_text(versions["AB"[attempt % 2]], encoding="utf-8")
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "briefgen",
                "build",
                "--project",
                str(minimal),
                "-l",
                "ko",
                "-f",
                "pdf",
                "-f",
                "docx",
                "-f",
                "html",
                "--force",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0.2, 2.5))
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        for path in (minimal / "output").glob("minimal.*"):
            assert digest(path) in known[path.name], (attempt, path.name)
    done = build(minimal, ["ko"], ["html"], force=True)  # a later build cleans up what the killed ones left
    assert done.written
    assert not [p for p in (minimal / "output").iterdir() if p.name.endswith(".tmp")]


def test_a_build_reads_only_its_languages_and_check_reads_them_all(reference: Path) -> None:
    """A build reads the facts, its languages and the default language (Korean here): the Japanese files,
    broken or out of step with the others, are for a Japanese build, ``--all`` and ``check`` to report."""
    broken = reference / "content" / "ja" / "04-cost.yaml"
    broken.write_text("id: cost\ntitle: [unclosed\n", encoding="utf-8")
    for lang in ("ko", "en"):
        result = run("build", "--project", str(reference), "--lang", lang, "--format", "html")
        assert result.exit_code == 0, result.output
        assert "content/ja" not in result.stderr
    for args in (("build", "--lang", "ja"), ("build", "--all"), ("check",)):
        result = run(*args, "--project", str(reference))
        assert result.exit_code == 1
        expected = "content/ja/04-cost.yaml:2:8: error: the '[' opened here is never closed"
        assert expected in result.stderr, args
    broken.unlink()  # now Japanese lacks a section the others have: only a check across languages sees it
    assert run("build", "--project", str(reference), "--lang", "en", "--format", "html").exit_code == 0
    for args in (("build", "--all"), ("check",)):
        result = run(*args, "--project", str(reference))
        assert result.exit_code == 1
        assert "section 'cost' exists in 'ko' but not in 'ja'" in result.stderr, args
