"""``briefgen doctor``: what this machine and this project lack to build, check and mail, and how to get it.

Each check is one line: ok, a warning (briefgen works, less well, or a tool for checking is missing), an error
(a build would fail), or skipped (not needed here). Mail settings are read, never used to connect, unless
``--connect`` asks for it. The exit status is 1 when a build would fail, or when ``--connect`` could not reach
and log in to the mail server.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from briefgen import __version__, fonts
from briefgen.cli import _common, _run
from briefgen.console import current, output_options
from briefgen.errors import BriefgenError, ExitCode
from briefgen.report import Check

#: What WeasyPrint draws text with; older Pango versions misplace some glyphs (WeasyPrint's own threshold)
PANGO_MINIMUM = 14802
#: Languages whose fonts are checked when there is no project: the ones briefgen ships catalogues for
SHIPPED_LANGUAGES = ("ko", "en", "ja")


@dataclass
class Findings:
    """The checks made so far, and what they learnt about the project."""

    checks: list[Check] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    config: Any = None  # the validated ProjectConfig, when the project file is valid
    families: dict[str, str] = field(default_factory=dict)  # brand and audience font families: where named

    def add(self, name: str, state: str, detail: str, fix: str | None = None) -> None:
        self.checks.append(Check(name=name, state=state, detail=detail, fix=fix))  # type: ignore[arg-type]


def examine(
    project: Path, output: Path | None, environ: Mapping[str, str], connect: bool = False
) -> list[Check]:
    """Run every check, in the order they are shown."""
    found = Findings()
    found.add(
        "briefgen",
        "ok",
        f"{__version__} (Python {platform.python_version()}, {platform.system()} {platform.machine()})",
    )
    _project(found, project)
    _fontconfig(found)
    for lang in found.languages:
        _language_font(found, lang)
    _latin_font(found)
    _brand_fonts(found)
    _subsetting(found)
    _weasyprint(found)
    _python_docx(found)
    _tool(
        found,
        "libreoffice",
        "soffice",
        ["--version"],
        "only to see the DOCX as LibreOffice users do (the test suite does); install Debian's "
        "libreoffice-writer-nogui",
    )
    _tool(
        found,
        "poppler",
        "pdftotext",
        ["-v"],
        "briefgen check --parity reads PDFs with it; install Debian's poppler-utils",
    )
    _mail(found, project, environ, connect)
    _output(found, output or project / "output")
    _schemas(found, project)
    return found.checks


def _project(found: Findings, project: Path) -> None:
    from briefgen import sources

    if not (project / sources.PROJECT_FILE).is_file():
        found.languages = list(SHIPPED_LANGUAGES)
        found.add(
            "project",
            "skipped",
            f"no {sources.PROJECT_FILE} in {project}: checking this machine for {', '.join(found.languages)}",
            None,
        )
        return
    from briefgen.build import load_project

    try:
        loaded = load_project(project)
    except BriefgenError as exc:
        found.languages = _raw_languages(project)
        errors = [d for d in exc.diagnostics if d.severity == "error"]
        found.add(
            "project",
            "error",
            f"{_count(len(errors), 'error')}, the first: {errors[0] if errors else exc}",
            "run briefgen check, and fix what it lists",
        )
        return
    found.config = loaded.brief.config
    found.languages = list(loaded.brief.config.languages)
    brand = getattr(loaded.brief, "brand", None)
    if brand is not None:
        found.families.update(brand.families)
    _audience_families(found, project, loaded)
    found.add(
        "project",
        "ok",
        f"{loaded.brief.config.brief}: {', '.join(found.languages)}; "
        f"{_count(len(loaded.warnings), 'warning')} (briefgen check lists them)",
    )


def _raw_languages(project: Path) -> list[str]:
    import yaml

    try:
        config = yaml.safe_load((project / "briefgen.yaml").read_text("utf-8"))
        return [str(lang) for lang in config["languages"]]
    except Exception:
        return list(SHIPPED_LANGUAGES)


def _audience_families(found: Findings, project: Path, loaded: Any) -> None:
    from briefgen import audience
    from briefgen.plan import search_path

    folders = search_path(project)
    for name in sorted(audience.available(folders)):
        try:
            profile = audience.load(name, folders, project, loaded.brief)
        except BriefgenError:
            continue  # briefgen check reports it; the project line already counts errors
        for family in (profile.profile.branding.fonts.body, profile.profile.branding.fonts.headings):
            if family:
                found.families.setdefault(family, profile.path)


def _fontconfig(found: Findings) -> None:
    program = shutil.which("fc-list")
    if program is None:
        found.add(
            "fontconfig",
            "error",
            "fc-list not found: briefgen cannot see the installed fonts, and WeasyPrint needs fontconfig",
            "install Debian's fontconfig",
        )
        return
    version = _first_line([program, "--version"])
    found.add("fontconfig", "ok", version or program)


def _language_font(found: Findings, lang: str) -> None:
    name = f"font {lang}"
    try:
        choice = fonts.choose(lang)
    except BriefgenError as exc:
        diagnostic = exc.diagnostics[0]
        found.add(name, "error", diagnostic.message, diagnostic.hint)
        return
    if choice.installed is None:
        found.add(name, "skipped", "fontconfig cannot be asked (see fontconfig)")
        return
    where = fonts.font_file(choice.installed)
    detail = f"{choice.installed}" + (f" ({where})" if where else "")
    preferred = choice.stack[0]
    if choice.installed != preferred and fonts.language_of(lang) in fonts.PACKAGES:
        package = fonts.FAMILY_PACKAGES.get(preferred)
        found.add(
            name,
            "warning",
            f"{detail}; {preferred}, the preferred font, is not installed",
            f"install Debian's {package}" if package else f"install {preferred}",
        )
        return
    found.add(name, "ok", detail)


def _latin_font(found: Findings) -> None:
    """Check the font of Latin text inside East Asian editions (other languages were checked already)."""
    if any(fonts.language_of(lang) not in fonts.PACKAGES for lang in found.languages):
        return
    family = fonts.STACKS["latin"][0]
    where = fonts.font_file(family)
    if where:
        found.add("font latin", "ok", f"{family} ({where})")
    else:
        found.add(
            "font latin",
            "warning",
            f"{family} is not installed: Latin text falls back to another font, and the DOCX names {family}",
            f"install Debian's {fonts.FAMILY_PACKAGES[family]}",
        )


def _brand_fonts(found: Findings) -> None:
    for family, where in sorted(found.families.items()):
        path = fonts.font_file(family)
        if path:
            found.add(f"font {family}", "ok", f"{path} (named in {where})")
        else:
            found.add(
                f"font {family}",
                "warning",
                f"named in {where}, not installed: the documents use the default font instead",
                fonts.install_hint(family),
            )


def _subsetting(found: Findings) -> None:
    if fonts.has_fast_subsetting():
        found.add("harfbuzz subsetting", "ok", "libharfbuzz-subset found")
    else:
        found.add(
            "harfbuzz subsetting",
            "warning",
            "libharfbuzz-subset not found: PDFs embed fonts several times slower",
            "install Debian's libharfbuzz-subset0",
        )


def _weasyprint(found: Findings) -> None:
    try:
        import weasyprint
        from weasyprint.text.ffi import pango
    except (ImportError, OSError) as exc:
        found.add(
            "weasyprint",
            "error",
            f"cannot load WeasyPrint, so no PDF can be built: {exc}",
            "install Debian's libpango-1.0-0 and libpangoft2-1.0-0 (scripts/setup does)",
        )
        return
    number = int(pango.pango_version())
    shown = f"{number // 10000}.{number // 100 % 100}.{number % 100}"
    if number < PANGO_MINIMUM:
        found.add(
            "weasyprint",
            "warning",
            f"WeasyPrint {weasyprint.__version__}, Pango {shown}: before 1.48.2 some glyphs are misplaced",
            "upgrade Debian's libpango-1.0-0",
        )
        return
    found.add("weasyprint", "ok", f"WeasyPrint {weasyprint.__version__}, Pango {shown}")


def _python_docx(found: Findings) -> None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        found.add("python-docx", "ok", version("python-docx"))
    except PackageNotFoundError:
        found.add("python-docx", "error", "not installed: no DOCX can be built", "reinstall briefgen")


def _tool(found: Findings, name: str, program: str, args: list[str], why: str) -> None:
    path = shutil.which(program)
    if path is None:
        found.add(name, "warning", f"{program} not found", why)
        return
    found.add(name, "ok", _first_line([path, *args]) or path)


def _first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else ""


def _mail(found: Findings, project: Path, environ: Mapping[str, str], connect: bool) -> None:
    from briefgen.mail.settings import ENVIRONMENT, PASSWORD_VARIABLE, resolve

    settings = found.config.mail if found.config is not None else None
    variables = [v for v in (*ENVIRONMENT.values(), PASSWORD_VARIABLE) if environ.get(v)]
    if settings is None and not variables:
        found.add("mail", "skipped", "not set up; only briefgen mail needs it (docs/mail.md)")
        return
    state = "error" if connect else "warning"
    try:
        resolved = resolve(settings, project, environ, need_server=True)
    except BriefgenError as exc:
        diagnostic = exc.diagnostics[0]
        where = f"{diagnostic.location}: " if diagnostic.location else ""
        found.add("mail", state, f"briefgen mail would fail: {where}{diagnostic.message}", diagnostic.hint)
        return
    assert resolved.server is not None
    detail = f"from {resolved.sender.addr_spec} through {resolved.server.describe()}"
    for warning in resolved.warnings:
        found.add("mail", "warning", f"{detail}; {warning.message}", warning.hint)
        return
    if not connect:
        found.add("mail", "ok", f"{detail} (not connected: --connect tries it)")
        return
    from briefgen.mail.smtp import check_connection

    try:
        check_connection(resolved.server)
    except BriefgenError as exc:
        diagnostic = exc.diagnostics[0]
        found.add("mail", "error", f"{detail}: {diagnostic.message}", diagnostic.hint)
        return
    found.add("mail", "ok", f"{detail}: connected and logged in, nothing sent")


def _output(found: Findings, folder: Path) -> None:
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    shown = str(folder)
    if not existing.is_dir():
        found.add(
            "output folder",
            "error",
            f"{shown} cannot be made: {existing} is not a folder",
            "choose another output folder with --output",
        )
        return
    try:
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".briefgen-doctor-"):
            pass
    except OSError as exc:
        found.add(
            "output folder",
            "error",
            f"cannot write in {existing}: {exc.strerror}",
            "make it writable for this user, or choose another folder with --output",
        )
        return
    found.add("output folder", "ok", f"{shown} is writable" if existing == folder else f"{shown} can be made")


def _schemas(found: Findings, project: Path) -> None:
    from briefgen.schema import SCHEMA_FOLDER, stale

    folder = project / SCHEMA_FOLDER
    if not folder.is_dir():
        found.add(
            "editor schemas", "skipped", f"no {SCHEMA_FOLDER}/ (briefgen schema writes them for editors)"
        )
        return
    old = stale(folder)
    if old:
        found.add(
            "editor schemas",
            "warning",
            f"{len(old)} of the files in {SCHEMA_FOLDER}/ are not this briefgen's: {', '.join(old)}",
            "run briefgen schema",
        )
        return
    found.add("editor schemas", "ok", f"{SCHEMA_FOLDER}/ matches this briefgen")


_STATE_COLOURS = {"ok": "green", "warning": "magenta", "error": "red", "skipped": "bright_black"}


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def show(checks: list[Check], echo: Callable[[str], None], colour: bool) -> None:
    """Print the checks as aligned lines, each fix under its line."""
    for check in checks:
        label = f"{check.state:8}"
        if colour:
            label = click.style(label, fg=_STATE_COLOURS[check.state], bold=check.state == "error")
        echo(f"{label} {check.name}: {check.detail}")
        if check.fix and check.state != "ok":
            echo(f"{'':8}   fix: {check.fix}")


@click.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The output folder to check; default: output/ in the project.",
)
@click.option(
    "--connect",
    is_flag=True,
    help="Also connect to the mail server and log in (nothing is sent); a failure makes the exit status 1.",
)
@_common
@output_options()
def doctor(project: Path, output: Path | None, connect: bool, debug: bool) -> None:
    """Say what this machine and project lack to build, check and mail, and how to get it.

    Exit status 1 when a build would fail (or, with --connect, when the mail server cannot be reached).
    """
    from briefgen.console import wants_colour
    from briefgen.report import report

    def action() -> int:
        import sys

        checks = examine(project, output, os.environ, connect)
        errors = [c for c in checks if c.state == "error"]
        warnings = [c for c in checks if c.state == "warning"]
        code = ExitCode.ERROR if errors else ExitCode.OK
        console = current()
        if console.json:
            has_project = (project / "briefgen.yaml").is_file()
            console.emit(report("doctor", code, project if has_project else None, checks=checks))
            return code
        shown = [c for c in checks if not (console.quiet and c.state in ("ok", "skipped"))]
        colour = wants_colour(sys.stdout)
        show(shown, lambda text: click.echo(text, color=colour), colour)
        verdict = "a build would fail" if errors else "a build would work"
        console.note(f"{_count(len(errors), 'error')}, {_count(len(warnings), 'warning')}: {verdict}")
        return code

    _run(debug, action)
