"""Hostile projects: every attack ends in a clear error, nothing outside the project is read, nothing is lost.

"STD" below is what every refused attack must show: exit code 1 and a compiler-style message (the exact one,
for the fixture projects under tests/projects/hostile/), earlier outputs byte-identical, no temporary file
left, a secret file beside the project never in any output or message, and no network connection opened.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen import fonts, sources, templating
from briefgen.errors import ContentError
from tests.conftest import PROJECTS, REPO, SECRET, pdftotext, run, snapshot

HOSTILE = PROJECTS / "hostile"
CASES = sorted(p.name for p in HOSTILE.iterdir() if (p / "expected.txt").is_file())
PREVIOUS = b"previous good build"
EARLIER = ("minimal.en.pdf", "minimal.en.html", "minimal.en.docx", "minimal.ko.pdf")
HTML = ("build", "--lang", "en", "--format", "html")
PDF = ("build", "--lang", "en", "--format", "pdf")
DOCX = ("build", "--lang", "en", "--format", "docx")


def lay_out(project: Path, case: Path, port: int = 0) -> None:
    """Lay a case's files over a project, writing the test server's port where a file says ``{port}``."""
    files = case / "files"
    for path in sorted(files.rglob("*")):
        if path.is_file():
            target = project / path.relative_to(files)
            target.parent.mkdir(parents=True, exist_ok=True)
            data = path.read_bytes()
            if b"{port}" in data:
                data = data.replace(b"{port}", str(port).encode())
            target.write_bytes(data)


def std(project: Path, monkeypatch: pytest.MonkeyPatch, *args: str, code: int = 1) -> Result:
    """Run the command line in a project that has earlier outputs, and check the STD outcome of a refusal.

    ``code`` is the exit code expected; 0 accepts any failure (an unexpected error's code is the CLI's).
    """
    output = project / "output"
    output.mkdir(exist_ok=True)
    for name in EARLIER:
        (output / name).write_bytes(PREVIOUS)
    before = snapshot(output)
    monkeypatch.chdir(project)
    result = run(*args)
    assert result.exit_code == code if code else result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    assert snapshot(output) == before
    assert not [p.name for p in output.rglob("*") if p.name.endswith(".tmp")]
    assert SECRET not in result.output
    assert not [p for p in output.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    return result


def expected(case: str, project: Path) -> str:
    text = (HOSTILE / case / "expected.txt").read_text(encoding="utf-8")
    text = text.replace("{project}", project.resolve().as_uri())
    return text.replace("{root}", project.parent.resolve().as_uri())


# ---------------------------------------------------------------- fixture projects, each with its exact error


@pytest.mark.parametrize("case", CASES)
def test_hostile_project_is_refused_with_its_exact_error(
    case: str,
    minimal: Path,
    secret: Path,
    http_listener: tuple[int, list[int]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, connections = http_listener
    lay_out(minimal, HOSTILE / case, port)
    args_file = HOSTILE / case / "args.txt"
    args = args_file.read_text().split() if args_file.exists() else list(HTML)
    started = time.perf_counter()
    result = std(minimal, monkeypatch, *args)
    assert result.stderr.replace(str(port), "{port}") == expected(case, minimal)
    assert connections == []
    assert time.perf_counter() - started < 20


def test_every_hostile_case_names_a_file() -> None:
    for case in CASES:
        first = (HOSTILE / case / "expected.txt").read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith(("content/", "templates/", "briefgen.yaml")), case


# ---------------------------------------------------------------- YAML: bombs and oversized input, measured


def _alias_bomb() -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_alias_bomb(), "content/bomb.yaml:5:5: error: the file expands to more than 50,000 values"),
        ("a: &a [*a]\n", "content/bomb.yaml:1:4: error: an alias refers to a value that contains it"),
        ("a: &a {b: [x, *a]}\n", "content/bomb.yaml:1:4: error: an alias refers to a value that contains it"),
    ],
)
def test_alias_bombs_are_refused_in_under_a_second_and_200_mb(text: str, message: str) -> None:
    started = time.process_time()
    with pytest.raises(ContentError) as info:
        sources.parse_yaml(text, "content/bomb.yaml")
    seconds = time.process_time() - started
    assert str(info.value).startswith(message)
    tracemalloc.start()
    try:
        with pytest.raises(ContentError):
            sources.parse_yaml(text, "content/bomb.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seconds < 1.0
    assert peak < 200 * 1024 * 1024
    assert peak < 5 * 1024 * 1024  # measured: well under 1 MB; the composed graph is tiny


def test_deep_nesting_is_refused_quickly_with_a_location() -> None:
    started = time.process_time()
    with pytest.raises(ContentError) as info:
        sources.parse_yaml("a: " + "[" * 100_000 + "]" * 100_000 + "\n", "content/deep.yaml")
    assert str(info.value) == "content/deep.yaml:1:68: error: nesting deeper than 64 levels"
    assert time.process_time() - started < 1.0


def test_a_50_mb_content_file_is_refused_without_being_read(
    minimal: Path, secret: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = minimal / "content" / "en" / "02-big.yaml"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: no disk used, and nothing to read
    tracemalloc.start()
    started = time.process_time()
    try:
        with pytest.raises(ContentError) as info:
            sources.load(minimal, "content/en/02-big.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.process_time() - started < 0.5
    assert peak < 1024 * 1024
    assert str(info.value).startswith("content/en/02-big.yaml: error: file is 52,428,800 bytes")
    result = std(minimal, monkeypatch, *HTML)
    assert result.stderr == (
        "content/en/02-big.yaml: error: file is 52,428,800 bytes, more than the 2,097,152 a content file may "
        "have (split it, or remove what does not belong in a briefing)\n"
    )


def test_the_content_of_a_project_is_bounded_in_all(minimal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for number in range(2, 11):
        with (minimal / "content" / "en" / f"{number:02d}-part.yaml").open("wb") as handle:
            handle.truncate(2 * 1024 * 1024 - 1)  # each under the per-file limit
    result = std(minimal, monkeypatch, *HTML)
    assert result.stderr.startswith("content: error: the content files add up to ")
    assert "more than the 16,777,216 a project may have" in result.stderr


def test_content_links_leading_out_of_the_project_are_not_read(
    minimal: Path, secret: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.symlink(secret, minimal / "content" / "en" / "02-leak.yaml")
    (minimal / "content" / "en" / "brief.yaml").unlink()
    os.symlink("/dev/zero", minimal / "content" / "en" / "brief.yaml")
    os.mkfifo(minimal / "content" / "en" / "03-pipe.yaml")
    result = std(minimal, monkeypatch, *HTML)
    assert result.stderr == (
        "content/en/02-leak.yaml: error: the file is a link to a place outside the project; it was not read "
        "(copy the file into the project instead of linking to it)\n"
        "content/en/03-pipe.yaml: error: not a regular file (a device, pipe or socket); it was not read\n"
        "content/en/brief.yaml: error: the file is a link to a place outside the project; it was not read "
        "(copy the file into the project instead of linking to it)\n"
        "3 errors\n"
    )


# ---------------------------------------------------------------- nothing is written outside the project


def test_an_output_folder_linked_out_of_the_project_is_refused(
    minimal: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.symlink(outside, minimal / "output")
    monkeypatch.chdir(minimal)
    result = run(*HTML)
    assert (result.exit_code, result.stderr) == (
        1,
        f"output: error: the output folder leads to {outside}, outside the project; nothing was written "
        "(remove the link, or name the folder with --output if that is where the outputs should go)\n",
    )
    assert list(outside.iterdir()) == []
    named = run(*HTML, "--output", str(outside))  # named by the user: that is where it should go
    assert named.exit_code == 0, named.output
    assert (outside / "minimal.en.html").is_file()


def test_a_state_folder_linked_out_of_the_output_folder_is_refused(
    minimal: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (minimal / "output").mkdir()
    os.symlink(outside, minimal / "output" / ".briefgen")
    result = std(minimal, monkeypatch, *HTML)
    assert result.stderr == (
        f"output/.briefgen: error: the build's state folder leads to {outside}, outside the output folder; "
        "nothing was written (remove the link)\n"
    )
    assert list(outside.iterdir()) == []


def test_copying_a_template_into_a_linked_templates_folder_is_refused(minimal: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.symlink(outside, minimal / "templates")
    result = run("templates", "copy", "brief.html.j2", "--project", str(minimal))
    assert (result.exit_code, result.stderr) == (
        1,
        f"templates: error: the templates folder leads to {outside}, outside the project; "
        "nothing was written (make templates/ a folder of the project, not a link)\n",
    )
    assert list(outside.iterdir()) == []


# ---------------------------------------------------------------- content is text in every format


def test_markup_in_content_comes_out_as_literal_text(minimal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lay_out(minimal, PROJECTS / "injection")
    monkeypatch.chdir(minimal)
    result = run("build", "--lang", "en", "--format", "html", "--format", "pdf", "--format", "docx")
    assert result.exit_code == 0, result.output
    out = minimal / "output"
    html = (out / "minimal.en.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<img src=x" not in html
    # the stylesheet and the screen stylesheet, and no other: content cannot open or close one
    assert (
        html.count("</style>") == 2
        and html.count("<style>") == 1
        and html.count('<style media="screen">') == 1
    )
    assert "&lt;script&gt;alert(document.cookie)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(document.domain)&gt;" in html
    assert "@import url(evil.css)" not in html.split("</style>")[0]  # in the stylesheet only as a CSS string
    pdf = pdftotext(out / "minimal.en.pdf")
    for literal in (
        "<script>alert(document.cookie)</script>",
        "<img src=x onerror=alert(document.domain)>",
        "Briefing </style><script>",
    ):
        assert literal in pdf, literal
    import docx

    document = docx.Document(str(out / "minimal.en.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    for literal in (
        "<script>alert(document.cookie)</script>",
        "<img src=x onerror=alert(document.domain)>",
    ):
        assert literal in text, literal


def test_autoescaping_follows_the_output_type() -> None:
    assert templating._autoescape("brief.html.j2") and templating._autoescape("x.svg.j2")
    assert not templating._autoescape("css/brief.css.j2") and not templating._autoescape("mail/body.txt.j2")
    assert templating._autoescape(None)  # a template without a name is escaped: the safe default
    env = templating.environment([REPO / "templates"], "en")
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Class {__class__} here",
            "34:11: error: '{__class__}' is not a fact reference (a fact reference is a key of "
            "content/facts.yaml in braces, such as {cost}; write \\{ for a brace)",
        ),
        (
            "Class {cost.__class__} here",
            "34:11: error: '{cost.__class__}' is not a fact reference "
            "(a fact reference is a key in braces: did you mean {cost}?)",
        ),
        (
            "Padded {cost!r:>10} here",
            "34:12: error: '{cost!r:>10}' is not a fact reference "
            "(a fact reference is a key in braces: did you mean {cost}?)",
        ),
        (
            "See [x](file:///etc/passwd) now",
            "34:13: error: a link to 'file:///etc/passwd' is not allowed: links in content go to the web "
            "(https://…) or to an address (mailto:…)",
        ),
        (
            "See [x](javascript:alert(document.cookie)) now",
            "34:13: error: a link to 'javascript:alert(document.cookie)' is not allowed: links in content go "
            "to the web (https://…) or to an address (mailto:…)",
        ),
        (
            "See [x](../secret.txt) now",
            "34:13: error: a link to '../secret.txt' is not allowed: links in content go to the web "
            "(https://…) or to an address (mailto:…)",
        ),
    ],
    ids=["dunder", "attribute", "format-spec", "file-link", "javascript-link", "relative-link"],
)
def test_prose_cannot_reach_python_or_files(
    minimal: Path, secret: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    with (minimal / "content/en/01-main.yaml").open("a", encoding="utf-8") as handle:
        handle.write(f"  - {text}\n")
    result = std(minimal, monkeypatch, *HTML)
    assert result.stderr == f"content/en/01-main.yaml:{expected}\n"


# ---------------------------------------------------------------- templates: links, limits, the sandbox


def test_template_links_leading_out_are_refused(
    minimal: Path, secret: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (minimal / "templates" / "css").mkdir(parents=True)
    os.symlink(secret, minimal / "templates" / "evil.j2")
    (minimal / "templates" / "css" / "brief.css.j2").write_text("{% include 'evil.j2' %}\n", encoding="utf-8")
    result = std(minimal, monkeypatch, *HTML)
    assert result.stderr == (
        "templates/css/brief.css.j2:1: error: template refused: the template 'evil.j2' "
        "is a link to a file outside the template folders; it was not read\n"
    )
    check = run("check")
    assert check.exit_code == 1 and SECRET not in check.output
    assert (
        "templates/evil.j2: error: template refused: the template 'evil.j2' is a link to a file outside "
        "the template folders; it was not read\n"
    ) in check.stderr


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ ('x' * 10**9)|length }}", "'*' would make a value of 1,000,000,000 characters"),
        ("{{ 'x'.ljust(10**9) }}", "ljust() would make a value"),
        ("{{ '{:>1000000000}'.format(1) }}", "a format width would make a value"),
        ("{{ '%1000000000d' % 1 }}", "a '%' format width would make a value"),
        ("{{ 'x'|center(10**9) }}", "the 'center' filter would make a value"),
        (
            "{{ ('x' * 1000)|replace('x', 'x' * 100)|replace('x', 'x' * 100)|replace('x', 'x' * 100) }}",
            "the 'replace' filter would make a value of 1,000,000,000",
        ),
        ("{{ (('y' * 1000).join(range(100000)|map('string')|list))|length }}", "join() would make a value"),
        ("{{ 10 ** 1000000 }}", "'**' would make a number of more than 65,536 bits"),
        (
            "{% macro d(s, n) %}{{ d(s ~ s, n - 1) if n else s|length }}{% endmacro %}{{ d('x', 40) }}",
            "the template would make a value of 33,554,432",
        ),
        ("{% set big = 'x' * 10**7 %}{{ dict.fromkeys(range(100000), big)|length }}", "would make a value"),
        ("{% for i in range(10**9) %}{% endfor %}", "range() of 1,000,000,000 numbers"),
        ("{{ lipsum(10**6) }}", "lipsum() asks for more than 100 paragraphs"),
        ("{{ [1]|batch(10**9, 'x')|list|length }}", "the 'batch' filter asks for 1,000,000,000 groups"),
    ],
)
def test_template_limits_stop_quickly_and_in_little_memory(tmp_path: Path, source: str, message: str) -> None:
    (tmp_path / "t.html.j2").write_text(source, encoding="utf-8")
    env = templating.environment([tmp_path], "en")
    tracemalloc.start()
    started = time.process_time()
    try:
        with pytest.raises(templating.TemplateError) as info:
            templating.render(env, "t.html.j2", tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message in str(info.value)
    assert str(info.value).startswith("t.html.j2:1: error: template refused: ")
    assert time.process_time() - started < 5
    assert peak < 200 * 1024 * 1024


def test_ordinary_templates_stay_within_the_limits(reference: Path) -> None:
    from briefgen import sandbox

    env = templating.environment([REPO / "templates"], "ko")
    assert isinstance(env, sandbox.BoundedSandbox)
    result = run(
        "build",
        "--project",
        str(reference),
        "--lang",
        "ko",
        "--format",
        "html",
        "--output",
        str(reference / "out"),
    )
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------- resources: images, SVG, network


def test_the_network_is_used_only_for_allowed_hosts(
    tmp_path: Path, http_listener: tuple[int, list[int]]
) -> None:
    from briefgen.fetcher import ProjectFetcher, ResourceRefused

    port, connections = http_listener
    url = f"http://127.0.0.1:{port}/x.css"
    with pytest.raises(ResourceRefused, match="network access is not allowed"):
        ProjectFetcher([tmp_path]).fetch(url)
    with pytest.raises(ResourceRefused, match="network access is not allowed"):
        ProjectFetcher([tmp_path], allow_hosts=["example.org"]).fetch(url)
    assert connections == []
    response = ProjectFetcher([tmp_path], allow_hosts=["127.0.0.1"]).fetch(url)
    assert response.read() == b"body { color: black; }"
    assert connections == [1]


def test_allow_hosts_in_the_project_file_lets_a_build_fetch(
    minimal: Path, http_listener: tuple[int, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, connections = http_listener
    lay_out(minimal, HOSTILE / "network-import", port)
    with (minimal / "briefgen.yaml").open("a", encoding="utf-8") as handle:
        handle.write("allow_hosts: [127.0.0.1]\n")
    monkeypatch.chdir(minimal)
    result = run(*PDF)
    assert result.exit_code == 0, result.output
    assert connections == [1]


@pytest.mark.parametrize(
    ("hosts", "message"),
    [
        ("[http://example.org]", "is not a host name or an IP address"),
        ("[example.org:8080]", "is not a host name or an IP address"),
        ("example.org", "expected a list"),
    ],
)
def test_allow_hosts_names_hosts_only(minimal: Path, hosts: str, message: str) -> None:
    with (minimal / "briefgen.yaml").open("a", encoding="utf-8") as handle:
        handle.write(f"allow_hosts: {hosts}\n")
    result = run("check", "--project", str(minimal))
    assert result.exit_code == 1
    assert result.stderr.startswith("briefgen.yaml:4:") and message in result.stderr


def _png(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00" * (width + 1)))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (_png(30000, 30000), "x.png", "an image of 900,000,000 pixels"),
        (_png(8000, 6000), "x.png", "an image of 48,000,000 pixels, more than the 40,000,000 allowed"),
        (_png(30000, 30000), "innocent.css", "an image of 900,000,000 pixels"),  # by content, not by name
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><use href="other.svg#x"/></svg>',
            "x.svg",
            "an SVG <use> may refer only to elements of the same file",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><g id="a"><use href="#a"/></g></svg>',
            "x.svg",
            "an SVG element uses itself",
        ),
        (
            b'<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg"/>',
            "x.svg",
            "may not declare entities",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g>" * 300 + b"</g>" * 300 + b"</svg>",
            "x.svg",
            "SVG elements nested deeper than 200 levels",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><marker id="m">'
            + b"<rect/>" * 100
            + b'</marker><path marker-mid="url(#m)" d="'
            + b"L1 1 " * 500
            + b'"/></svg>',
            "x.svg",
            "the SVG draws more than 20,000 elements",
        ),
    ],
)
def test_images_are_measured_before_anything_decodes_them(
    tmp_path: Path, data: bytes, name: str, message: str
) -> None:
    from briefgen.fetcher import ProjectFetcher, ResourceRefused

    (tmp_path / name).write_bytes(data)
    started = time.process_time()
    with pytest.raises(ResourceRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        ProjectFetcher([tmp_path]).fetch((tmp_path / name).as_uri())
    assert time.process_time() - started < 1
    import base64

    uri = f"data:image/png;base64,{base64.b64encode(data).decode()}"
    with pytest.raises(ResourceRefused):  # data: URIs are checked the same way
        ProjectFetcher([tmp_path]).fetch(uri)


def test_ordinary_images_and_svg_are_served(tmp_path: Path) -> None:
    from briefgen.fetcher import ProjectFetcher

    (tmp_path / "dot.png").write_bytes(_png(2, 2))
    (tmp_path / "chart.svg").write_bytes(
        b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg xmlns="http://www.w3.org/2000/svg">'
        b'<defs><rect id="r" width="1" height="1"/></defs>' + b'<use href="#r"/>' * 100 + b"</svg>"
    )
    fetcher = ProjectFetcher([tmp_path])
    for name in ("dot.png", "chart.svg"):
        assert fetcher.fetch((tmp_path / name).as_uri()).read() == (tmp_path / name).read_bytes()


@pytest.mark.parametrize("fmt", ["docx", "pdf", "html"])
def test_a_logo_over_the_image_limits_is_refused_in_every_format(
    minimal: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    (minimal / "assets").mkdir()
    (minimal / "assets" / "logo.png").write_bytes(_png(30000, 30000))
    (minimal / "templates" / "audiences").mkdir(parents=True)
    (minimal / "templates" / "audiences" / "board.yaml").write_text(
        "title: Board\nbranding:\n  logo: assets/logo.png\n", encoding="utf-8"
    )
    message = (
        "templates/audiences/board.yaml:3:9: error: the logo 'assets/logo.png' is refused: an image of "
        "900,000,000 pixels, more than the 40,000,000 allowed (use a PNG, JPEG or SVG file)\n"
    )
    result = std(minimal, monkeypatch, "build", "--lang", "en", "--format", fmt, "--audience", "board")
    assert result.stderr == message
    check = run("check")
    assert (check.exit_code, check.stderr) == (1, message + "1 error, 0 warnings\n")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "file://localhost/etc/passwd",
        "file://127.0.0.1/etc/passwd",
        "file:etc/passwd",
        "file:///{root}/templates/..%2f..%2fsecret.txt",
        "file:///{root}/templates/%00.png",
        "file:///{root}/templates/%2e%2e/%2e%2e/secret.txt",
        "ftp://127.0.0.1/x",
        "gopher://127.0.0.1/x",
        "file:///dev/zero",
        "file:///proc/self/environ",
    ],
)
def test_file_urls_are_checked_after_decoding_and_resolution(tmp_path: Path, secret: Path, url: str) -> None:
    from briefgen.fetcher import ProjectFetcher, ResourceRefused

    project = tmp_path / "project"
    (project / "templates").mkdir(parents=True)
    with pytest.raises(ResourceRefused) as info:
        ProjectFetcher([project / "templates"]).fetch(url.replace("file:///{root}", project.as_uri()))
    assert SECRET not in str(info.value)


# ---------------------------------------------------------------- CSS that WeasyPrint must survive


@pytest.mark.parametrize("case", ["css-font-size", "css-nested-blocks"])
def test_absurd_css_ends_within_a_bound(case: str, minimal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing refuses these up front: WeasyPrint fails (a font-size of 1e9px divides by zero; 150 nested
    rules overflow cssselect2's compiled selectors). The build ends quickly, and a failure changes no earlier
    output. The renderer's wall-clock limit bounds what is left. (A huge @page size is refused up front:
    the css-page-size case.)"""
    lay_out(minimal, HOSTILE / case)
    output = minimal / "output"
    output.mkdir()
    (output / "minimal.en.pdf").write_bytes(PREVIOUS)
    monkeypatch.chdir(minimal)
    started = time.perf_counter()
    result = run(*PDF)
    assert time.perf_counter() - started < 60
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        assert (output / "minimal.en.pdf").read_bytes().startswith(b"%PDF")
    else:
        assert result.exit_code == 1
        assert (output / "minimal.en.pdf").read_bytes() == PREVIOUS


def test_a_stylesheet_weasyprint_cannot_lay_out_is_named(
    minimal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lay_out(minimal, HOSTILE / "css-font-size")
    monkeypatch.chdir(minimal)
    result = run(*PDF)
    assert result.exit_code == 1 and "templates/css/brief.css.j2" in result.stderr


# ---------------------------------------------------------------- reference DOCX


def _reference_with(tmp: Path, change: str) -> Path:
    """Return a copy of the built-in reference document with one hostile change."""
    source = zipfile.ZipFile(REPO / "templates" / "reference.docx")
    target = tmp / "reference.docx"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item)
            if change == "doctype" and item.filename == "word/styles.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE w:styles [<!ENTITY e "x">]>', 1)
            if change == "external-entity" and item.filename == "word/document.xml":
                data = data.replace(
                    b"?>",
                    f'?><!DOCTYPE w:document [<!ENTITY x SYSTEM "{tmp.parent.as_uri()}'
                    '/secret.txt">]>'.encode(),
                    1,
                ).replace(b"<w:t>", b"<w:t>&x;", 1)
            out.writestr(item, data)
        if change == "zip-ratio":
            out.writestr("word/media/image9.bin", b"\0" * (4 * 1024 * 1024))
        if change == "zip-total":
            for number in range(26):
                out.writestr(f"customXml/item{number}.bin", os.urandom(16) * (256 * 1024))
    return target


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("doctype", "the part word/styles.xml declares a DOCTYPE or entities, which a DOCX never needs"),
        ("external-entity", "the part word/document.xml declares a DOCTYPE or entities"),
        ("zip-ratio", "the part word/media/image9.bin unpacks to 1,028 times its stored size, more than 100"),
        ("zip-total", "its parts unpack to 1"),
    ],
)
def test_an_unsafe_reference_docx_is_refused(
    change: str, message: str, minimal: Path, secret: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (minimal / "templates").mkdir()
    _reference_with(minimal / "templates", change)
    result = std(minimal, monkeypatch, *DOCX)
    assert result.stderr.startswith(f"templates/reference.docx: error: reference document refused: {message}")
    check = run("check")
    assert check.exit_code == 1
    assert f"templates/reference.docx: error: reference document refused: {message}" in check.stderr


def test_check_names_every_style_a_reference_docx_lacks(minimal: Path) -> None:
    (minimal / "templates").mkdir()
    source = zipfile.ZipFile(REPO / "templates" / "reference.docx")
    with zipfile.ZipFile(minimal / "templates" / "reference.docx", "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/styles.xml":
                data = data.replace(b'w:val="Quote Source"', b'w:val="Quote Origin"')
            out.writestr(item, data)
    result = run("check", "--project", str(minimal))
    assert result.exit_code == 1
    assert (
        "templates/reference.docx: error: the reference document has no paragraph style 'Quote Source', "
        "which the DOCX renderer uses"
    ) in result.stderr


# ---------------------------------------------------------------- check: fonts, and no WeasyPrint


def test_check_reports_text_no_installed_font_covers(minimal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    coverage = fonts._coverage()
    if coverage is None:
        pytest.skip("fontconfig (fc-list) is not installed: font coverage cannot be known")
    hangul = (0xAC00, 0xD7A3)
    without = tuple(r for part in coverage for r in _cut(part, hangul))
    monkeypatch.setattr(fonts, "_coverage", lambda: without)
    result = run("check", "--project", str(minimal))
    assert result.exit_code == 1
    assert (
        "content/ko/brief.yaml:1:8: error: no installed font has the Hangul character '최' (U+CD5C); the "
        "PDF would show an empty box (install Debian's fonts-noto-cjk or fonts-nanum)"
    ) in result.stderr


def _cut(part: tuple[int, int], hole: tuple[int, int]) -> list[tuple[int, int]]:
    low, high = part
    pieces = [(low, min(high, hole[0] - 1)), (max(low, hole[1] + 1), high)]
    return [(a, b) for a, b in pieces if a <= b]


def test_check_finds_an_uncovered_character_with_the_real_fontconfig(minimal: Path) -> None:
    if fonts.uncovered("\ue000") != ["\ue000"]:
        pytest.skip("an installed font covers U+E000, or fontconfig is missing")
    brief = minimal / "content/en/brief.yaml"
    text = brief.read_text(encoding="utf-8")
    brief.write_text(text.replace("Test team", "Test \ue000 team"), encoding="utf-8")
    result = run("check", "--project", str(minimal))
    assert result.exit_code == 1
    assert (
        "content/en/brief.yaml:5:14: error: no installed font has the private-use character" in result.stderr
    )


def test_check_never_imports_weasyprint(minimal: Path) -> None:
    code = (
        "import sys, time\nfrom click.testing import CliRunner\nfrom briefgen.cli import main\n"
        "t = time.perf_counter()\n"
        f"r = CliRunner().invoke(main, ['check', '--project', {str(minimal)!r}])\n"
        "print(r.exit_code, 'weasyprint' in sys.modules, round(time.perf_counter() - t, 2))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    exit_code, imported, _seconds = done.stdout.split()
    assert (exit_code, imported) == ("0", "False")  # how fast: bench/run's startup scenario measures it


# ---------------------------------------------------------------- locales, currencies, amounts: the CLI


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("languages", "[ko, en, xx_YY]", "briefgen.yaml:3:21: error: unknown language 'xx_YY'"),
        ("languages", "[ko, en, ../../etc/passwd]", "briefgen.yaml:3:21: error: '../../etc/passwd' is not a"),
        ("languages", '[ko, en, ""]', "briefgen.yaml:3:21: error: '' is not a language code"),
        ("currency", "ZZZ", "content/facts.yaml:5:15: error: unknown currency 'ZZZ' (write an ISO 4217 code"),
        ("currency", "eur", "content/facts.yaml:5:15: error: currency codes are upper case: write 'EUR'"),
        ("currency", "EURO", "content/facts.yaml:5:15: error: unknown currency 'EURO' (did you mean 'EUR'?)"),
        ("amount", ".nan", "content/facts.yaml:4:13: error: 'nan' is not a finite number"),
        ("amount", ".inf", "content/facts.yaml:4:13: error: 'inf' is not a finite number"),
        ("amount", '"12,50"', "content/facts.yaml:4:13: error: expected a number, found the text '12,50'"),
        (
            "amount",
            "yes",
            "content/facts.yaml:4:13: error: expected a number, but YAML reads 'yes' as a boolean",
        ),
        (
            "amount",
            "1e308",
            "content/facts.yaml:4:13: error: 1e+308 is too large for a figure (at most 1e18)",
        ),
        (
            "amount",
            "1.0e+308",
            "content/facts.yaml:4:13: error: 1e+308 is too large for a figure (at most 1e18)",
        ),
        ("amount", "null", "content/facts.yaml:4:13: error: expected a number, but YAML reads 'null' as an"),
    ],
)
def test_bad_locales_currencies_and_amounts_stop_the_build(
    field: str, value: str, message: str, minimal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if field == "languages":
        (minimal / "briefgen.yaml").write_text(
            f"brief: minimal\ndefault_language: ko\nlanguages: {value}\n", encoding="utf-8"
        )
    else:
        facts = minimal / "content" / "facts.yaml"
        old = {"currency": "currency: USD", "amount": "amount: 5580000"}[field]
        text = facts.read_text(encoding="utf-8")
        facts.write_text(text.replace(old, f"{field}: {value}"), encoding="utf-8")
    result = std(minimal, monkeypatch, *HTML)
    assert result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 1


# ---------------------------------------------------------------- faults


def _read_only(folder: Path) -> str | None:
    """Make a folder read-only even for root; return how, or None if this machine offers no way."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return "chmod"
    chattr = shutil.which("chattr")
    if chattr and subprocess.run([chattr, "+i", str(folder)], capture_output=True).returncode == 0:
        return "chattr"
    if (
        shutil.which("mount")
        and subprocess.run(
            ["mount", "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True
        ).returncode
        == 0
    ):
        return "mount"
    return None


def _writable(folder: Path, how: str) -> None:
    if how == "chmod":
        folder.chmod(0o755)
    elif how == "chattr":
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    elif how == "mount":
        subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_output_folder_is_an_error_and_changes_nothing(
    minimal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(minimal)
    first = run(*HTML)
    assert first.exit_code == 0, first.output
    output = minimal / "output"
    before = snapshot(output)
    brief = minimal / "content/en/brief.yaml"
    text = brief.read_text(encoding="utf-8")
    brief.write_text(text.replace("Minimal briefing", "Changed"), encoding="utf-8")
    how = _read_only(output)
    if how is None:
        pytest.skip("running as root without chattr or mount: no way to make a folder read-only")
    try:
        result = run(*HTML)
    finally:
        _writable(output, how)
    assert result.exit_code == 1
    assert "error: cannot " in result.stderr and "Traceback" not in result.output
    assert snapshot(output) == before
    assert not [p.name for p in output.rglob("*") if p.name.endswith(".tmp")]


def test_an_unexpected_exception_says_so_and_points_to_debug(
    minimal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefgen import check

    def broken(*args: object) -> list[object]:
        raise LookupError("a bug")

    monkeypatch.setattr(check, "check_fonts", broken)
    result = run("check", "--project", str(minimal))
    assert result.exit_code == 70
    assert result.stderr == (
        "error: unexpected LookupError: a bug (run again with --debug for the traceback)\n"
    )
    debug = run("check", "--project", str(minimal), "--debug")
    assert debug.exit_code == 70 and "Traceback" in debug.stderr and "check_fonts" in debug.stderr


def test_a_template_raising_any_exception_is_a_located_error_not_a_crash(
    minimal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (minimal / "templates" / "css").mkdir(parents=True)
    (minimal / "templates" / "css" / "brief.css.j2").write_text("{{ 'x'.encode('rot13') }}\n", "utf-8")
    result = std(minimal, monkeypatch, *HTML)
    assert result.stderr == (
        "templates/css/brief.css.j2:1: error: template error: LookupError: 'rot13' is not a text encoding; "
        "use codecs.encode() to handle arbitrary codecs\n"
    )


# ---------------------------------------------------------------- any YAML text: a model or located errors


_pieces = st.sampled_from(
    [
        "id",
        "title",
        "summary",
        "detail",
        "date",
        "kind",
        "facts",
        "amount",
        "currency",
        ":",
        ": ",
        "- ",
        "-",
        "  ",
        "    ",
        "\t",
        "\n",
        "\n  ",
        "\n    - ",
        "&a ",
        "&b ",
        "*a",
        "*b",
        "!!str ",
        "!!python/object ",
        "!!binary ",
        "[",
        "]",
        "{",
        "}",
        ",",
        "'",
        '"',
        "|",
        ">",
        "#",
        "---",
        "...",
        "? ",
        "<<: *a",
        "2024-02-30",
        "12:30",
        "1.10",
        "NO",
        ".inf",
        ".nan",
        "1e308",
        "~",
        "null",
        "yes",
        "{cost}",
        "{cost+KRW}",
        "**b**",
        "[x](y)",
        "\\x1b",
        "\\u202e",
        "\\ud800",
        "héllo",
        "한국어",
        "%",
        "@",
        "`",
    ]
)
yaml_texts = st.lists(st.one_of(_pieces, st.text(max_size=3)), max_size=40).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=yaml_texts)
def test_any_yaml_text_gives_a_model_or_located_errors(minimal: Path, text: str) -> None:
    from briefgen.build import load_project

    (minimal / "content/en/01-main.yaml").write_bytes(text.encode("utf-8", errors="surrogatepass"))
    try:
        load_project(minimal)
    except ContentError as exc:
        assert exc.diagnostics
        assert all(d.location is not None and d.location.path for d in exc.diagnostics)
        assert all(d.location is None or d.location.line >= 0 for d in exc.diagnostics)


@settings(max_examples=300, deadline=None)
@given(text=yaml_texts)
def test_any_yaml_text_parses_or_fails_with_a_location(text: str) -> None:
    from briefgen.audience import AudienceProfile
    from briefgen.model import BriefMeta, ProjectConfig
    from briefgen.validate import Collector, model_errors, validate_facts, validate_section

    try:
        doc = sources.parse_yaml(text, "content/x.yaml")
    except ContentError as exc:
        assert all(d.location is not None and d.location.path == "content/x.yaml" for d in exc.diagnostics)
        return
    out = Collector()
    validate_section(doc, out, {})
    validate_facts(doc, out)
    for model in (BriefMeta, ProjectConfig, AudienceProfile):
        if isinstance(doc.data, dict):
            model_errors(model, doc.data, doc, out)
    assert all(d.location is not None for d in [*doc.problems, *out.errors])
    io.StringIO(str(out.errors))  # every message is text


def test_resources_over_the_size_limit_are_refused_unread(tmp_path: Path) -> None:
    from briefgen.fetcher import MAX_RESOURCE_BYTES, ProjectFetcher, ResourceRefused

    with (tmp_path / "big.css").open("wb") as handle:
        handle.truncate(MAX_RESOURCE_BYTES + 1)  # sparse
    tracemalloc.start()
    try:
        with pytest.raises(ResourceRefused, match="larger than 20,971,520 bytes"):
            ProjectFetcher([tmp_path]).fetch((tmp_path / "big.css").as_uri())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024
