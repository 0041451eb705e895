"""Scenarios that time one document at a time: startup, the Korean PDF and DOCX, and the font comparison."""

from __future__ import annotations

import shutil
from pathlib import Path

import measure
import variants
from cases import cpu_note, document_case, last_note, ok, output_name
from core import ROOT, VENV_BIN, Bench, Row, pdf_fonts
from measure import Case, median, paired_ratio

# ---------------------------------------------------------------- startup


def startup(bench: Bench) -> None:
    group = "Startup"
    peer = Case("python -c pass", lambda _: [bench.python, "-c", "pass"])
    help_ = Case("briefgen --help", lambda _: [bench.briefgen, "--help"])
    check = Case("briefgen check", lambda _: [bench.briefgen, "check", "--project", str(bench.ref)])
    bench.interleave([peer, help_, check], group=group)
    for case in (help_, check):
        bench.add(
            Row(
                group,
                case.name,
                median(case.walls),
                "s",
                peer.name,
                median(peer.walls),
                paired_ratio(case, peer),
                "—",
                None,
                case.error or "",
            )
        )


# ---------------------------------------------------------------- PDF


def export_html(project: Path, lang: str, cache: Path) -> str:
    """Return briefgen's own print HTML for an edition (what its PDF renderer gives WeasyPrint)."""
    from briefgen.build import load_project
    from briefgen.context import build_context
    from briefgen.plan import search_path
    from briefgen.renderers import Setup
    from briefgen.renderers.html import HtmlRenderer

    loaded = load_project(project)
    folders = search_path(loaded.root)
    setup = Setup(
        project=loaded.root,
        template_folders=folders,
        resource_roots=[loaded.root / "templates", loaded.root / "content", loaded.root / "assets", *folders],
        cache=cache,
    )
    return HtmlRenderer().document(build_context(loaded.brief, lang), setup, for_print=True)


def weasyprint_case(bench: Bench, html: Path) -> Case:
    """The peer: the ``weasyprint`` command printing briefgen's own print HTML, as the build's base URL."""
    return document_case(
        bench,
        "weasyprint CLI on briefgen's HTML",
        lambda out: [
            str(VENV_BIN / "weasyprint"),
            "-u",
            bench.ref.as_uri() + "/",
            str(html),
            str(out / "b.pdf"),
        ],
        "b.pdf",
    )


def _chart_blocks(project: Path, lang: str) -> int:
    from briefgen.build import load_project
    from briefgen.charts import ChartView
    from briefgen.context import build_context

    ctx = build_context(load_project(project).brief, lang)
    return sum(isinstance(b, ChartView) for s in ctx.sections for b in s.blocks)


def pdf(bench: Bench) -> None:
    group = "Cold PDF (ko)"
    from export_markdown import export

    from briefgen import fonts

    peers = bench.tmp / "peers"
    peers.mkdir(exist_ok=True)
    markdown = peers / "brief.md"
    markdown.write_text(export(bench.ref, "ko"), "utf-8")
    bench.warm_charts("--lang", "ko", "--format", "pdf")
    html = peers / "brief.html"
    html.write_text(export_html(bench.ref, "ko", bench.chart_cache), "utf-8")
    font = fonts.choose("ko").installed or fonts.stack_for("ko")[0]
    charts = _chart_blocks(bench.ref, "ko")
    bench.details["pdf_setup"] = {
        "font": font,
        "charts_in_ko_brief": charts,
        "markdown_bytes": markdown.stat().st_size,
        "html_bytes": html.stat().st_size,
    }
    ko = ["--lang", "ko", "--format", "pdf"]
    cases: list[Case] = []
    pandoc = shutil.which("pandoc")
    if pandoc:
        cases.append(
            document_case(
                bench,
                "pandoc + weasyprint",
                lambda out: [
                    pandoc,
                    str(markdown),
                    "-o",
                    str(out / "brief.pdf"),
                    "--pdf-engine=weasyprint",
                    "-V",
                    f"mainfont={font}",
                ],
                "brief.pdf",
            )
        )
    else:
        bench.say("pandoc is not installed (Debian: apt-get install pandoc): skipping the pandoc peer")
    cold = document_case(
        bench,
        "briefgen, cold chart cache",
        lambda out: bench.build(bench.ref, out, *ko),
        output_name("ko", "pdf"),
    )
    weasy = weasyprint_case(bench, html)
    warm = document_case(
        bench,
        "briefgen, warm chart cache",
        lambda out: bench.build(bench.ref, out, *ko),
        output_name("ko", "pdf"),
        warm=True,
    )
    cases += [cold, weasy, warm]
    bench.interleave(cases, group=group)
    pandoc_case = cases[0] if pandoc else None

    drawn = {c.name: last_note(c, "charts_drawn") for c in (cold, warm)}
    for case, label in ((warm, "warm chart cache"), (cold, "cold chart cache")):
        note = (
            f"the ko brief has {charts} charts; this build drew {drawn[case.name]}"
            + ("" if case is warm else " (matplotlib), the peers draw none")
            + (case.error or "")
        )
        if pandoc_case is not None:
            ratio = paired_ratio(case, pandoc_case) if ok(case) and ok(pandoc_case) else None
            bench.add(
                Row(
                    group,
                    f"PDF, {label} vs pandoc",
                    median(case.walls),
                    "s",
                    "pandoc+weasyprint",
                    median(pandoc_case.walls),
                    ratio,
                    "≤ 0.90× pandoc",
                    None if ratio is None else ratio <= 0.90,
                    note
                    + "; pandoc's Markdown has the charts' alt text only; "
                    + cpu_note(case, pandoc_case)
                    + (pandoc_case.error or ""),
                )
            )
        else:
            bench.add(
                Row(
                    group,
                    f"PDF, {label} vs pandoc",
                    median(case.walls),
                    "s",
                    "pandoc (not installed)",
                    None,
                    None,
                    "≤ 0.90× pandoc",
                    None,
                    "pandoc is not installed: peer skipped",
                )
            )
    for case, label, goal in ((warm, "warm chart cache", 1.05), (cold, "cold chart cache", 1.15)):
        ratio = paired_ratio(case, weasy) if ok(case) and ok(weasy) else None
        bench.add(
            Row(
                group,
                f"PDF, {label} vs weasyprint CLI",
                median(case.walls),
                "s",
                "weasyprint CLI",
                median(weasy.walls),
                ratio,
                f"≤ {goal:.2f}×",
                None if ratio is None else ratio <= goal,
                ("" if case is warm else "includes drawing the charts; the peer's HTML has them drawn; ")
                + cpu_note(case, weasy),
            )
        )
    for case, label in ((cold, "cold chart cache"), (warm, "warm chart cache")):
        rss, peer_rss = median(case.rss), median(weasy.rss)
        ratio = rss / peer_rss if rss and peer_rss else None
        bench.add(
            Row(
                group,
                f"peak RSS, {label}",
                rss,
                "MiB",
                "weasyprint CLI",
                peer_rss,
                ratio,
                "≤ 1.05× (and ≤ 175 MiB)",
                None if ratio is None or rss is None else ratio <= 1.05 and rss <= 175,
                "the largest process of the build: the printing child (the content side, the charts "
                "and WeasyPrint are in separate processes)",
            )
        )
    sizes = {c.name: (last_note(c, "pages"), last_note(c, "bytes")) for c in cases}
    bench.details["pdf_documents"] = {
        c.name: {"pages": p, "bytes": b, "fonts": pdf_fonts(c.state["last"]) if c.state.get("last") else []}  # type: ignore[attr-defined]
        for c, (p, b) in zip(cases, sizes.values(), strict=True)
    }
    pages, size = sizes[warm.name]
    bench.details["ko_pages"] = pages
    text = f"{pages} pages, {int(size) // 1000 if size else '?'} KB"  # type: ignore[call-overload]
    if pandoc_case is not None:
        p_pages, p_size = sizes[pandoc_case.name]
        text += f" (pandoc: {p_pages} pages, {int(p_size) // 1000 if p_size else '?'} KB)"  # type: ignore[call-overload]
    bench.add(Row(group, "the ko PDF, with charts", None, "", text=text, note=f"body font: {font}"))


# ---------------------------------------------------------------- DOCX


def docx(bench: Bench) -> None:
    group = "Cold DOCX (ko)"
    from export_markdown import export

    ko = ["--lang", "ko", "--format", "docx"]
    bench.warm_charts(*ko)
    peer = Case("python -c 'import docx'", lambda _: [bench.python, "-c", "import docx"])
    pandoc = shutil.which("pandoc")
    markdown = bench.tmp / "peers" / "brief-docx.md"
    markdown.parent.mkdir(exist_ok=True)
    markdown.write_text(export(bench.ref, "ko"), "utf-8")
    reference = bench.ref / "templates" / "reference.docx"
    pandoc_case = (
        document_case(
            bench,
            "pandoc md→docx, reference doc",
            lambda out: [
                pandoc,
                str(markdown),
                "-o",
                str(out / "brief.docx"),
                f"--reference-doc={reference}",
            ],
            "brief.docx",
        )
        if pandoc and reference.is_file()
        else None
    )
    cold = document_case(
        bench,
        "briefgen DOCX, cold chart cache",
        lambda out: bench.build(bench.ref, out, *ko),
        output_name("ko", "docx"),
    )
    warm = document_case(
        bench,
        "briefgen DOCX, warm chart cache",
        lambda out: bench.build(bench.ref, out, *ko),
        output_name("ko", "docx"),
        warm=True,
    )
    floor = _docx_floor(bench)
    bench.interleave(
        [peer, cold, warm, *([floor] if floor else []), *([pandoc_case] if pandoc_case else [])], group=group
    )
    for case, label in ((warm, "warm chart cache"), (cold, "cold chart cache")):
        if pandoc_case is None:
            bench.add(
                Row(
                    group,
                    f"DOCX, {label} vs pandoc",
                    None,
                    "s",
                    "pandoc (not installed)",
                    goal="≤ 1.00× pandoc",
                    note="pandoc is not installed: peer skipped",
                )
            )
            continue
        ratio = paired_ratio(case, pandoc_case) if ok(case) and ok(pandoc_case) else None
        bench.add(
            Row(
                group,
                f"DOCX, {label} vs pandoc",
                median(case.walls),
                "s",
                "pandoc md→docx",
                median(pandoc_case.walls),
                ratio,
                "≤ 1.00× pandoc",
                None if ratio is None else ratio <= 1.0,
                "pandoc 2.17 on bench/export_markdown.py's Markdown of the same brief, with the built-in "
                "reference.docx as --reference-doc; charts: alt text only; "
                + cpu_note(case, pandoc_case)
                + (pandoc_case.error or ""),
            )
        )
    for case, label in ((warm, "warm chart cache"), (cold, "cold chart cache")):
        bench.add(
            Row(
                group,
                f"DOCX, {label}",
                median(case.walls),
                "s",
                "import docx",
                median(peer.walls),
                paired_ratio(case, peer),
                "≤ 0.30 s",
                None if not ok(case) else median(case.walls) <= 0.30,  # type: ignore[operator]
                f"drew {last_note(case, 'charts_drawn')} charts; peak RSS {median(case.rss) or 0:.0f} MiB"
                + (case.error or ""),
            )
        )

    if floor is not None and pandoc_case is not None and ok(floor) and ok(pandoc_case):
        bench.add(
            Row(
                group,
                "DOCX rendered from a context made beforehand (the floor of this design)",
                median(floor.walls),
                "s",
                "pandoc md→docx",
                median(pandoc_case.walls),
                paired_ratio(floor, pandoc_case),
                "—",
                None,
                "bench/docx_floor.py: a fresh process that unpickles the render context and writes the DOCX; "
                "no reading, no validation, no context made; what no cache of them can remove",
            )
        )


def _docx_floor(bench: Bench) -> Case | None:
    """The case of bench/docx_floor.py: a DOCX written from a render context pickled beforehand; None when
    the briefgen under test cannot make one (an older version)."""
    script = str(Path(__file__).resolve().with_name("docx_floor.py"))
    folder = bench.seed(bench.fresh("docx-floor"))
    context = bench.tmp / "peers" / "docx-context.pickle"
    try:
        measure.run(
            [bench.python, script, "prepare", str(bench.ref), str(folder), str(context)],
            cwd=bench.tmp,
            env=bench.env,
            log=bench.logs / "docx-floor-prepare.log",
            name="docx floor: prepare",
        )
    except (RuntimeError, measure.CommandFailed) as exc:
        bench.say(f"the DOCX floor is not measured: {exc}")
        return None
    return Case(
        "DOCX from a context made beforehand",
        lambda _: [bench.python, script, "render", str(context), str(bench.fresh("floor") / "brief.docx")],
    )


# ---------------------------------------------------------------- size and fonts


FONTS = ("Noto Sans CJK KR", "NanumGothic")


def fonts(bench: Bench) -> None:
    group = "Size and fonts"
    from briefgen import fonts as briefgen_fonts

    default = briefgen_fonts.choose("ko").installed
    cases: list[Case] = []
    for family in FONTS:
        project = variants.copy_project(ROOT, bench.tmp / f"font-{family.replace(' ', '-')}")
        audience = variants.add_no_charts_audience(project)
        variants.put_font_first(project, family, ROOT / "templates" / "css" / "brief.css.j2")
        case = document_case(
            bench,
            f"{family}, no charts",
            lambda out, p=project, a=audience: bench.build(p, out, "--lang", "ko", "--audience", a),
            output_name("ko", "pdf", variants.NO_CHARTS_AUDIENCE),
        )
        case.family = family  # type: ignore[attr-defined]
        cases.append(case)
    bench.interleave(cases, group=group)
    embedded = {c.name: pdf_fonts(c.state["last"]) if c.state.get("last") else [] for c in cases}  # type: ignore[attr-defined]
    bench.details.setdefault(group, {})["embedded_fonts"] = embedded  # type: ignore[union-attr]
    noto, nanum = cases
    for case in cases:
        size = last_note(case, "bytes")
        kb = int(size) / 1000 if size else None  # type: ignore[call-overload]
        is_default = case.family == default  # type: ignore[attr-defined]
        bench.add(
            Row(
                group,
                f"ko PDF without charts, {case.family}" + (" (default)" if is_default else ""),  # type: ignore[attr-defined]
                kb,
                "KB",
                goal="≤ 250 KB" if is_default else "—",
                met=(None if kb is None or not is_default else kb <= 250),
                note=f"{last_note(case, 'pages')} pages, {median(case.walls) or 0:.2f} s, peak RSS "
                f"{median(case.rss) or 0:.0f} MiB; embeds {', '.join(embedded[case.name]) or '?'}"
                + (case.error or ""),
            )
        )
    bench.add(
        Row(
            group,
            "time, NanumGothic vs Noto Sans CJK KR",
            median(nanum.walls),
            "s",
            "Noto Sans CJK KR",
            median(noto.walls),
            paired_ratio(nanum, noto),
            "—",
            None,
            "same content, no charts",
        )
    )
