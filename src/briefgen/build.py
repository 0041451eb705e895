"""Orchestrate a build: load and validate everything, render every output in memory, then write them all."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from briefgen import plan
from briefgen.errors import ContentError, Diagnostic, Location, RenderError
from briefgen.output import Output, output_folder, output_lock, write_all, write_file
from briefgen.plan import search_path
from briefgen.runner import Rendered, RenderOne, render_all, render_here

if TYPE_CHECKING:
    from briefgen import audience
    from briefgen.charts.drawer import Drawer
    from briefgen.context import RenderContext
    from briefgen.model import Brief
    from briefgen.printer import Printer, PrintJob
    from briefgen.renderers import Setup

#: The project file (``sources.PROJECT_FILE``), named here so that starting a build imports nothing heavy.
PROJECT_FILE = "briefgen.yaml"


@dataclass
class Loaded:
    """A validated project and the warnings found while validating it."""

    root: Path
    brief: Brief
    warnings: list[Diagnostic] = field(default_factory=list)


def find_project(start: Path) -> Path:
    """Return the project folder: ``start`` itself, which must hold a briefgen.yaml."""
    if not (start / PROJECT_FILE).is_file():
        raise ContentError(
            f"no {PROJECT_FILE} here",
            Location(str(start)),
            "run briefgen inside a briefing project, or name one with --project DIR",
        )
    return start


def load_project(root: Path, languages: Sequence[str] | None = None) -> Loaded:
    """Read and validate a project; raise ContentError listing every problem.

    ``languages`` None reads every language (``check``, ``build --all``); otherwise only the facts, those
    languages and the default language (which others compare with and fall back on) are read and
    validated: building Korean does not stop at a mistake in the English files. Languages are checked
    against each other (the same sections in each, the same figures) when all of them were read.
    """
    from briefgen import sources
    from briefgen.validate import Collector, raise_errors, validate_brief, validate_project

    root = find_project(root)
    out = Collector()
    project_doc = sources.load(root, sources.PROJECT_FILE)
    config = validate_project(project_doc, out)
    raise_errors(out)
    assert config is not None
    wanted = list(config.languages)
    if languages is not None:
        for lang in languages:
            if lang not in config.languages:
                raise unknown_language(lang, config.languages)
        wanted = [lang for lang in config.languages if lang in languages or lang == config.default_language]
    files, problems = sources.read_project(root, project_doc, wanted)
    out.errors.extend(problems)
    brief, out = validate_brief(files, config, wanted, out, across=len(wanted) == len(config.languages))
    from briefgen import brand

    found = brand.load(root, out)
    raise_errors(out)
    assert brief is not None
    if found is not None:
        brief = brief.model_copy(update={"brand": found})
    return Loaded(root, brief, out.warnings)


def unknown_language(code: str, languages: Sequence[str]) -> ContentError:
    """Return the error for a language asked for that the project does not have, suggesting the one meant."""
    from briefgen import suggestions

    meant = suggestions.language(code, list(languages))
    alias = suggestions.alias_language(code)
    if meant is not None:
        hint = f"did you mean '{meant}'?"
    elif alias is not None:
        hint = f"'{code}' stands for '{alias}': add '{alias}' to 'languages' and write content/{alias}/"
    else:
        hint = f"add it to 'languages' and write content/{code}/"
    return ContentError(
        f"language '{code}' is not one of the project's languages ({', '.join(languages)})",
        Location(PROJECT_FILE),
        hint,
    )


@dataclass
class BuildResult:
    written: list[Path]
    warnings: list[Diagnostic]
    skipped: list[Path] = field(default_factory=list)  # up to date: not built again, not rewritten
    failed: list[tuple[str, list[Diagnostic]]] = field(default_factory=list)  # output name, why
    crashes: list[str] = field(default_factory=list)  # tracebacks of unexpected errors, for --debug
    #: the outputs each rendering warning came from (a warning many outputs give is shown once)
    outputs_of: dict[Diagnostic, list[str]] = field(default_factory=dict)


def build(
    project: Path,
    languages: Sequence[str] = (),
    formats: Sequence[str] = ("pdf",),
    output: Path | None = None,
    strict: bool = False,
    audiences: Sequence[str] = (),
    *,
    everything: bool = False,
    jobs: int | None = None,
    force: bool = False,
    pdf_variant: str | None = None,
    progress: Callable[[str, Rendered | None], None] | None = None,
    planned: Callable[[int], None] | None = None,
    executor: str | None = None,
    backend: Backend | None = None,
) -> BuildResult:
    """Build the requested audiences, languages and formats.

    No audience builds the whole briefing, named without one: ``deepseek-briefing.ko.pdf``. ``everything``
    builds every language, the whole briefing and every audience, in every format, and keeps going past a
    failed output; otherwise nothing is written unless every output rendered. Outputs whose inputs did not
    change since they were built are skipped (``force`` builds them anyway). ``jobs`` renders that many
    outputs at a time (default: one per core). ``pdf_variant`` ("pdf/ua-1", "pdf/a-3b") overrides the
    variant the audience profiles ask for. ``planned`` is told how many outputs the build has, before any
    is done; ``progress`` is told of each as it is done. ``executor`` renders on a Dask cluster instead of
    in children of this process (``dask-local``, ``dask://HOST:PORT``). ``backend`` is how the project is
    loaded and a single output rendered; by default, cold: with children started first thing (``_Early``).
    """
    local = executor in (None, "local")
    single = _one(languages, formats, audiences, everything) if backend is None and local else ""
    early = _Early.start(single, output or project / "output")
    try:
        from briefgen.charts.cache import drawn_by

        with drawn_by(early.drawer):
            return _build(
                project,
                languages,
                formats,
                output,
                strict,
                audiences,
                everything,
                jobs,
                force,
                pdf_variant,
                progress,
                planned,
                executor,
                backend or early,
            )
    finally:
        early.close()


def _one(languages: Sequence[str], formats: Sequence[str], audiences: Sequence[str], everything: bool) -> str:
    """Return the format of a build of a single output, or "" for a build of several."""
    single = not everything and len(set(languages)) <= 1 and len(set(audiences)) <= 1
    return formats[0] if single and len(set(formats)) == 1 else ""


class Backend(Protocol):
    """How a build loads its project and renders a single output: cold (``_Early``), or in a warm process."""

    def load(self, project: Path, languages: Sequence[str] | None) -> Loaded:
        """Return the validated project, as ``load_project`` reads it."""
        ...

    def single(
        self, job: plan.Job, render: RenderOne, print_html: Callable[[plan.Job], PrintJob]
    ) -> Rendered:
        """Render the one output a build has to make: ``render`` makes any format, ``print_html`` a PDF's
        print HTML (what WeasyPrint is given)."""
        ...


@dataclass
class _Early:
    """Children started before the project is loaded, so that they import their libraries meanwhile.

    A build of one PDF starts its printing child (``briefgen.printer``); a first build of one output into a
    folder, which has no drawn charts yet, starts a chart drawer (``briefgen.charts.drawer``).
    """

    printer: Printer | None = None
    drawer: Drawer | None = None

    @classmethod
    def start(cls, fmt: str, folder: Path) -> _Early:
        early = cls()
        if fmt == "pdf":
            from briefgen.printer import Printer

            early.printer = Printer()
        if fmt and not (folder / plan.STATE_FOLDER).exists():
            from briefgen.charts.drawer import Drawer

            early.drawer = Drawer()
        return early

    def load(self, project: Path, languages: Sequence[str] | None) -> Loaded:
        return load_project(project, languages)

    def single(
        self, job: plan.Job, render: RenderOne, print_html: Callable[[plan.Job], PrintJob]
    ) -> Rendered:
        """Render here; a PDF's HTML is made here and printed by the child started early, or now (when only
        one of several outputs is out of date)."""
        if job.fmt != "pdf":
            return render_here(job, render)
        if self.printer is None:
            from briefgen.printer import Printer

            self.printer = Printer()
        return self.printer.render(job, print_html)

    def close(self) -> None:
        for child in (self.printer, self.drawer):
            if child is not None:
                child.close()


def _build(
    project: Path,
    languages: Sequence[str],
    formats: Sequence[str],
    output: Path | None,
    strict: bool,
    audiences: Sequence[str],
    everything: bool,
    jobs: int | None,
    force: bool,
    pdf_variant: str | None,
    progress: Callable[[str, Rendered | None], None] | None,
    planned: Callable[[int], None] | None,
    executor: str | None,
    backend: Backend,
) -> BuildResult:
    from briefgen import audience, fonts, overrides, renderers

    loaded = backend.load(project, None if everything else list(dict.fromkeys(languages)))
    brief = loaded.brief
    root = loaded.root
    warnings = list(loaded.warnings)
    folders = search_path(root)
    langs = list(brief.editions) if everything else list(languages) or [brief.config.default_language]
    names: list[str | None] = (
        [None, *sorted(audience.available(folders))]
        if everything
        else list(dict.fromkeys(audiences)) or [None]
    )
    profiles = {name: audience.load(name, folders, root, brief) for name in names if name}
    formats = list(plan.FORMATS) if everything else list(dict.fromkeys(formats))
    from briefgen.i18n import catalog

    for lang in langs:
        absent = catalog.missing(folders, lang)
        if absent is not None and absent not in warnings:
            warnings.append(absent)
    if "pdf" in formats and not fonts.has_fast_subsetting():
        warnings.append(
            Diagnostic(
                "HarfBuzz's subsetter (libharfbuzz-subset0) is not installed: "
                "fonts are embedded several times slower",
                None,
                "install Debian's libharfbuzz-subset0",
                severity="warning",
            )
        )
    if "docx" in formats:
        warnings += overrides.html_only(root)  # what the project changes in the PDF and HTML only
    if strict and warnings:
        raise ContentError(
            "", diagnostics=[Diagnostic(w.message, w.location, w.hint, severity="error") for w in warnings]
        )

    folder = output_folder(output or root / "output", root, named=output is not None)
    created = plan.created()
    digests = plan.Digests(
        root,
        folders,
        {"strict": strict, "source_date_epoch": plan.source_date_epoch(), "pdf_variant": pdf_variant},
    )
    todo = plan.jobs(brief.config.brief, langs, formats, names)
    if planned:
        planned(len(todo))
    with output_lock(folder):
        manifest = plan.Manifest(folder)
        inputs = {
            job.name: digests.digest(
                job,
                brief.config.default_language,
                reads_default(brief, profiles.get(job.audience or "")),
                fonts.font_state(job.lang),
            )
            for job in todo
        }
        fresh = (
            [] if force else [job for job in todo if manifest.up_to_date(folder, job.name, inputs[job.name])]
        )
        stale = [job for job in todo if job not in fresh]
        for job in fresh:
            if progress:
                progress(job.name, None)

        def prepare(job: plan.Job) -> tuple[RenderContext, Setup]:
            from briefgen.charts import ChartView
            from briefgen.charts.cache import prefetch
            from briefgen.context import build_context
            from briefgen.renderers import Setup

            profile = profiles.get(job.audience or "")
            ctx = build_context(brief, job.lang, profile, created, folders)
            variant = pdf_variant or (profile.profile.pdf_variant if profile else None)
            setup = Setup.for_project(root, folder, variant, brief.config.allow_hosts)
            charts = [b for s in ctx.sections for b in s.blocks if isinstance(b, ChartView)]
            prefetch(charts, "png" if job.fmt == "docx" else "svg", setup.cache)  # drawn while templating
            return ctx, setup

        def render_one(job: plan.Job) -> tuple[bytes, list[Diagnostic]]:
            ctx, mine = prepare(job)
            return renderers.get(job.fmt).render(ctx, mine), mine.warnings

        def print_html(job: plan.Job) -> PrintJob:
            from briefgen.renderers.pdf import PdfRenderer, copy_code

            ctx, mine = prepare(job)
            mine.deferred_charts = {}  # the printer lays out while the drawing child draws what is missing
            return PdfRenderer().html(ctx, mine), mine, ctx.presentation.template, copy_code(ctx)

        for lang in sorted({job.lang for job in stale if job.fmt == "pdf"}):
            fonts.choose(lang)  # no font for the script: say which package to install, before anything starts
        done = (lambda r: progress(r.job.name, r)) if progress else None
        if executor not in (None, "local"):
            assert executor is not None
            results = _render_on(executor, jobs, loaded, profiles, created, pdf_variant, stale, done)
        elif len(stale) == 1:  # one output: no fork for it (see the backend)
            one = backend.single(stale[0], render_one, print_html)
            if done:
                done(one)
            results = [one]
        else:
            _preload({job.fmt for job in stale})
            results = render_all(stale, render_one, jobs or min(len(stale), os.cpu_count() or 1), done)
        good = [r for r in results if r.data is not None]
        bad = [r for r in results if r.data is None]
        outputs_of: dict[Diagnostic, list[str]] = {}
        for result in results:
            warnings += [w for w in result.warnings if w not in warnings]
            for warning in dict.fromkeys(result.warnings):
                outputs_of.setdefault(warning, []).append(result.job.name)
        if bad and not everything:
            crashes = [r.crash for r in bad if r.crash]
            error = RenderError("", diagnostics=list(dict.fromkeys(d for r in bad for d in r.errors)))
            error.crashes = crashes  # type: ignore[attr-defined]
            raise error
        written = (
            write_all([Output(r.job.name, r.data) for r in good if r.data is not None], folder)
            if good
            else []
        )
        for result in good:
            assert result.data is not None
            manifest.record(
                result.job.name, inputs[result.job.name], result.data, digests.listed[result.job.name]
            )
        if good:
            write_file(folder / plan.STATE_FOLDER / plan.MANIFEST, manifest.data())
    return BuildResult(
        written=written,
        warnings=warnings,
        skipped=[folder / job.name for job in fresh],
        failed=[(r.job.name, r.errors) for r in bad],
        crashes=[r.crash for r in bad if r.crash],
        outputs_of=outputs_of,
    )


def _render_on(
    executor: str,
    jobs: int | None,
    loaded: Loaded,
    profiles: dict[str, audience.Audience],
    created: dt.datetime | None,
    pdf_variant: str | None,
    todo: Sequence[plan.Job],
    done: Callable[[Rendered], None] | None,
) -> list[Rendered]:
    """Render the jobs on a Dask cluster: the project shipped once, the bytes returned here."""
    from concurrent.futures import as_completed

    from briefgen import executors
    from briefgen.bundle import Order, pack, render_order

    results: dict[plan.Job, Rendered] = {}
    with executors.open_backend(executor, jobs) as backend:
        bundle = pack(
            loaded.root,
            loaded.brief,
            profiles,
            cache=None,
            created=created,
            pdf_variant=pdf_variant,
            portable=backend.kind != executors.LOCAL,
        )
        shared = backend.share(bundle)
        futures = {
            backend.submit(
                render_order, shared, Order(job.lang, job.audience, (job.fmt,), job.name), backend.timeout
            ): job
            for job in todo
        }
        for future in as_completed(futures):
            job = futures[future]
            try:
                made = future.result()
            except Exception as exc:  # a worker lost too often, a task refused
                rendered = Rendered(
                    job, errors=[Diagnostic(f"the executor failed: {exc}", Location(job.name))]
                )
            else:
                rendered = Rendered(
                    job,
                    data=made.files.get(job.fmt) if made.ok else None,
                    errors=made.errors,
                    warnings=made.warnings,
                    seconds=sum(made.seconds.values()),
                    crash=made.crash,
                )
            results[job] = rendered
            if done is not None:
                done(rendered)
    return [results[job] for job in todo]


def reads_default(brief: Brief, profile: audience.Audience | None) -> bool:
    """Tell whether an edition shows anything of the default language: stand-in sections, or focus tags."""
    return brief.config.language_fallback or bool(profile and profile.profile.focus)


def _preload(formats: set[str]) -> None:
    """Import the rendering libraries once, before the rendering children are forked from this process."""
    if "pdf" in formats:
        from briefgen.native import import_weasyprint

        import_weasyprint()
    if "docx" in formats:
        import docx  # noqa: F401
