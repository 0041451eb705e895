"""Rendering within limits: in this process (watchdog, memory bound), in an early printing child, forked."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from briefgen import runner
from briefgen.errors import Diagnostic
from briefgen.plan import Job
from tests.test_build import SLOW_TEMPLATE, briefgen

JOB = Job("ko", "docx", None, "minimal.ko.docx")


def spin(seconds: float) -> tuple[bytes, list[Diagnostic]]:
    """Busy Python code, as a pathological template or a long layout is."""
    end = time.monotonic() + seconds
    count = 0
    while time.monotonic() < end:
        count += 1
    return b"done", []


def test_the_watchdog_stops_python_code_that_runs_too_long() -> None:
    started = time.monotonic()
    with pytest.raises(runner.RenderTimeout), runner.watchdog(0.2):
        spin(10)
    assert time.monotonic() - started < 2


def test_the_watchdog_never_goes_off_after_its_block() -> None:
    for _ in range(50):
        try:
            with runner.watchdog(0.01):
                spin(0.009)  # ends about when the watchdog fires: either inside the block, or not at all
        except runner.RenderTimeout:
            pass
        spin(0.02)  # an exception left pending would be raised here, outside any watchdog


def test_a_render_here_that_runs_too_long_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFGEN_RENDER_TIMEOUT", "0.3")
    done = runner.render_here(JOB, lambda job: spin(10))
    assert done.data is None and done.seconds < 2
    assert [str(d) for d in done.errors] == [
        "minimal.ko.docx: error: rendering took longer than 0.3 s and was stopped (a template or "
        "stylesheet may be pathological; BRIEFGEN_RENDER_TIMEOUT sets the limit)"
    ]


def test_a_render_here_bounded_in_memory_fails_and_the_bound_is_lifted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not Path("/proc/self/statm").exists():
        pytest.skip("the in-process bound reads /proc/self/statm")
    monkeypatch.setenv("BRIEFGEN_RENDER_MEMORY_MB", "64")
    before = resource.getrlimit(resource.RLIMIT_AS)

    def greedy(job: Job) -> tuple[bytes, list[Diagnostic]]:
        return bytes(256 * 1024 * 1024), []

    done = runner.render_here(JOB, greedy)
    assert [d.message for d in done.errors] == ["ran out of memory (limit 64 MiB) while rendering"]
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    assert len(bytes(256 * 1024 * 1024)) > 0  # the same allocation works once the render is over


WHAT_WAS_IMPORTED = (
    "import sys; from pathlib import Path; from briefgen.build import build; "
    "r = build(Path({project!r}), ['ko'], [{fmt!r}], output=Path({out!r})); "
    "print(' '.join(p.name for p in r.written), 'weasyprint' in sys.modules, 'matplotlib' in sys.modules)"
)


def build_elsewhere(project: Path, fmt: str, out: Path) -> list[str]:
    """Build one Korean output in a fresh process; return what it wrote and whether it imported
    WeasyPrint and matplotlib."""
    code = WHAT_WAS_IMPORTED.format(project=str(project), fmt=fmt, out=str(out))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.split()


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_a_first_build_of_one_output_leaves_weasyprint_and_matplotlib_to_children(
    reference: Path, tmp_path: Path, fmt: str
) -> None:
    """The printing child prints, the drawing child draws: the build process imports neither, and the
    bytes are those of charts drawn in-process."""
    assert build_elsewhere(reference, fmt, tmp_path / "a") == [
        f"deepseek-briefing.ko.{fmt}",
        "False",
        "False",
    ]
    drawn = sorted((tmp_path / "a" / ".briefgen" / "charts").iterdir())
    korean = (reference / "content" / "ko").glob("*.yaml")
    charts = sum(p.read_text("utf-8").count("- chart:") for p in korean)
    assert len(drawn) == charts > 0  # each chart of the Korean edition, drawn once
    # A folder that was built into before has no drawing child: its charts are drawn in-process.
    (tmp_path / "b" / ".briefgen").mkdir(parents=True)
    assert build_elsewhere(reference, fmt, tmp_path / "b")[-1] == "True"
    name = f"deepseek-briefing.ko.{fmt}"
    assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    for chart in drawn:
        assert chart.read_bytes() == (tmp_path / "b" / ".briefgen" / "charts" / chart.name).read_bytes()


def test_a_print_that_runs_too_long_is_stopped_and_the_printer_killed(minimal: Path) -> None:
    # quick to template, slow to lay out: the printing child runs past the limit and is killed
    (minimal / "templates").mkdir()
    (minimal / "templates" / "brief.html.j2").write_text(SLOW_TEMPLATE.replace("400", "40"), encoding="utf-8")
    started = time.monotonic()
    done = briefgen("build", "--project", str(minimal), env={"BRIEFGEN_RENDER_TIMEOUT": "3"})
    assert time.monotonic() - started < 30
    assert done.returncode == 1
    assert "minimal.ko.pdf: error: rendering took longer than 3 s and was stopped" in done.stderr
    assert not (minimal / "output" / "minimal.ko.pdf").exists()


def test_a_printer_that_is_not_needed_is_stopped(minimal: Path) -> None:
    from briefgen.printer import Printer

    printer = Printer()
    pid = printer._process.pid
    printer.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def print_page(project: Path, output: Path) -> tuple[str, dict[str, tuple[float, float]]]:
    """Make the Korean print page as a build with a drawing child makes it; return it and the charts it
    links to while they are drawn."""
    from briefgen.build import load_project
    from briefgen.charts.cache import drawn_by
    from briefgen.charts.drawer import Drawer
    from briefgen.context import build_context
    from briefgen.renderers import Setup
    from briefgen.renderers.pdf import PdfRenderer

    brief = load_project(project, ["ko"]).brief
    setup = Setup.for_project(project, output)
    setup.deferred_charts = {}
    drawer = Drawer()
    try:
        with drawn_by(drawer):
            html = PdfRenderer().html(build_context(brief, "ko", None, None), setup)
    finally:
        drawer.close()
    return html, setup.deferred_charts


def test_a_first_pdf_is_laid_out_while_its_charts_are_drawn(reference: Path, tmp_path: Path) -> None:
    """The printing child gets the page before the charts are drawn, with links it waits on; the PDF is
    the one a build with the charts drawn before makes (the first-build test above compares the bytes)."""
    from briefgen.build import build

    html, pending = print_page(reference, tmp_path / "fresh")
    assert len(pending) == html.count('src="briefgen-chart:') > 0
    assert "data:image/svg+xml" not in html
    # with the charts drawn before (the cache of a folder built into), the page holds them at once
    build(reference, ["ko"], ["pdf"], output=tmp_path / "built")
    html, pending = print_page(reference, tmp_path / "built")
    assert pending == {} and "briefgen-chart:" not in html


def test_a_chart_that_cannot_be_drawn_while_the_page_is_printed_fails_the_build(
    reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The drawing child (forked from this process) fails on a chart the printer is waiting for: the build
    fails with that error and writes nothing."""
    from briefgen.build import build
    from briefgen.charts import draw
    from briefgen.errors import BriefgenError

    def broken(*_: object) -> bytes:
        raise ValueError("the chart has no room for its labels")

    monkeypatch.setattr(draw, "draw", broken)
    with pytest.raises(BriefgenError) as failed:
        build(reference, ["ko"], ["pdf"], output=tmp_path / "out")
    shown = " ".join([str(d) for d in failed.value.diagnostics] + getattr(failed.value, "crashes", []))
    assert "the chart has no room for its labels" in shown
    assert not (tmp_path / "out" / "deepseek-briefing.ko.pdf").exists()


def test_a_page_cannot_link_to_a_chart_it_is_not_waiting_for(minimal: Path) -> None:
    from briefgen.errors import RenderError
    from briefgen.renderers import Setup
    from briefgen.renderers.printing import print_pdf

    page = '<html><body><p>x</p><img src="briefgen-chart:0123456789abcdef0123456789abcdef"></body></html>'
    with pytest.raises(RenderError, match="resource refused"):
        print_pdf(page, Setup.for_project(minimal), "brief.html.j2")
    setup = Setup.for_project(minimal)
    setup.deferred_charts = {"fedcba9876543210fedcba9876543210": (453.6, 187.2)}
    with pytest.raises(RenderError, match="no chart of the page has this key"):
        print_pdf(page, setup, "brief.html.j2", charts=lambda key: b"<svg/>")


def test_the_children_of_a_killed_build_do_not_outlive_it(reference: Path, tmp_path: Path) -> None:
    """A first build of one PDF has a printing and a drawing child; killed, it leaves neither behind."""
    import psutil

    build = subprocess.Popen(
        [sys.executable, "-m", "briefgen", "build", "-p", str(reference), "-o", str(tmp_path / "out")],
        env={**os.environ, "BRIEFGEN_WARM": "off"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    parent = psutil.Process(build.pid)
    deadline = time.monotonic() + 30
    children: list[psutil.Process] = []
    while len(children) < 2 and time.monotonic() < deadline and build.poll() is None:
        children = parent.children()
        time.sleep(0.01)
    assert len(children) >= 2, "the build ended before its children could be seen"
    build.kill()
    build.wait()
    _, alive = psutil.wait_procs(children, timeout=10)
    for child in alive:
        child.kill()
    assert alive == []


def drawn_charts(project: Path, output: Path) -> dict[str, bytes]:
    """Build the Korean PDF into a folder; return the SVG charts it drew, by key."""
    from briefgen.build import build

    build(project, ["ko"], ["pdf"], output=output)
    return {p.stem: p.read_bytes() for p in (output / ".briefgen" / "charts").glob("*.svg")}


def test_the_layout_does_not_wait_for_a_chart_being_drawn(reference: Path, tmp_path: Path) -> None:
    """A chart still being drawn is laid out by its size, and waited for once the layout is done; the PDF is
    the one made with the charts in the page from the start."""
    import inspect

    from briefgen import chart_images
    from briefgen.renderers import Setup
    from briefgen.renderers.printing import print_pdf

    html, pending = print_page(reference, tmp_path / "fresh")
    drawn = drawn_charts(reference, tmp_path / "built")
    assert pending and set(pending) <= set(drawn)
    asked_while_laying_out: list[str] = []

    def wait_for(key: str) -> bytes:
        frames = {(Path(f.filename).name, f.function) for f in inspect.stack()}
        if ("document.py", "_render") in frames:
            asked_while_laying_out.append(key)
        return drawn[key]

    setup = Setup.for_project(reference, tmp_path / "fresh")
    setup.deferred_charts = pending
    later = print_pdf(html, setup, "brief.html.j2", charts=wait_for)
    assert asked_while_laying_out == []
    at_once = print_pdf(chart_images.completed(html, drawn), Setup.for_project(reference), "brief.html.j2")
    assert later == at_once


def test_a_chart_drawn_at_another_size_than_laid_out_fails_the_print(reference: Path, tmp_path: Path) -> None:
    from briefgen.errors import RenderError
    from briefgen.renderers import Setup
    from briefgen.renderers.printing import print_pdf

    html, pending = print_page(reference, tmp_path / "fresh")
    drawn = drawn_charts(reference, tmp_path / "built")
    setup = Setup.for_project(reference, tmp_path / "fresh")
    setup.deferred_charts = {key: (width + 10, height) for key, (width, height) in pending.items()}
    with pytest.raises(RenderError, match="not at the size it was laid out by"):
        print_pdf(html, setup, "brief.html.j2", charts=lambda key: drawn[key])


def test_a_weasyprint_whose_images_differ_lays_the_page_out_again(
    reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Putting drawn charts in place uses how WeasyPrint 70 makes an SVG image; where that differs, the page
    is laid out again with the charts in it: slower, and the same PDF."""
    from briefgen import chart_images
    from briefgen.renderers import Setup, printing

    html, pending = print_page(reference, tmp_path / "fresh")
    drawn = drawn_charts(reference, tmp_path / "built")

    def other_weasyprint(*_: object) -> None:
        raise AttributeError("'SVGImage' object has no attribute '_context'")

    monkeypatch.setattr(printing, "_put_charts_in", other_weasyprint)
    setup = Setup.for_project(reference, tmp_path / "fresh")
    setup.deferred_charts = pending
    again = printing.print_pdf(html, setup, "brief.html.j2", charts=lambda key: drawn[key])
    at_once = printing.print_pdf(
        chart_images.completed(html, drawn), Setup.for_project(reference), "brief.html.j2"
    )
    assert again == at_once


def test_paired_charts_laid_out_while_drawn_give_the_same_pdf(reference: Path, tmp_path: Path) -> None:
    """The executive edition sets its charts two to a row, at another size: laid out by that size while
    drawn, they give the PDF a build with the charts drawn before makes."""
    from briefgen.build import build

    first = build(reference, ["ko"], ["pdf"], audiences=["executive"], output=tmp_path / "first").written
    (tmp_path / "again" / ".briefgen").mkdir(parents=True)  # built into before: charts drawn in-process
    again = build(reference, ["ko"], ["pdf"], audiences=["executive"], output=tmp_path / "again").written
    assert len(list((tmp_path / "first" / ".briefgen" / "charts").glob("*.svg"))) == 2
    assert first[0].read_bytes() == again[0].read_bytes()
