"""Keep one edition of a briefing rendered in memory, and rebuild it when the project's files change.

The process stays warm: imports, fonts, compiled catalogues and drawn charts are paid for once. A change to a
page template or an asset only renders the page again; a change to content, the project file, an audience
profile or a catalogue reloads the project first (every file is validated again, as ``build`` does).
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from briefgen import audience, plan
from briefgen.build import load_project
from briefgen.context import RenderContext, build_context
from briefgen.errors import BriefgenError, Diagnostic
from briefgen.renderers.base import Setup
from briefgen.renderers.html import HtmlRenderer

#: The project's folders a page may use files from, and which are watched besides the template folders.
PROJECT_FOLDERS = ("content", "templates", "assets")
#: Folders of a template folder whose files feed the context, not only the page: a change reloads the project.
_CONTEXT_FOLDERS = ("audiences", "locales")

T = TypeVar("T")


@dataclass(frozen=True)
class Edition:
    """One build of the previewed edition: its page, or the errors that stopped it."""

    generation: int  # 1 for the first build, one more for each rebuild
    html: str | None  # the page as the html format builds it; None when the build failed
    errors: tuple[Diagnostic, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()
    trace: str | None = None  # the traceback of an unexpected error, kept only with --debug
    pdf_name: str = "brief.pdf"  # the name ``build`` would give the PDF
    seconds: float = 0.0  # how long the build took
    changed: tuple[str, ...] = ()  # the files whose change started it, as shown to the user

    @property
    def ok(self) -> bool:
        return self.html is not None


class Preview:
    """One edition (language and audience) of a project, rendered in memory and rebuilt on demand.

    Thread-safe: the watcher rebuilds while request threads read ``edition`` and ask for the PDF. Rendering
    is serialised by one lock, since matplotlib, which draws the charts, is not thread-safe.
    """

    def __init__(
        self, project: Path, lang: str | None = None, audience: str | None = None, debug: bool = False
    ) -> None:
        self.root = project
        self.lang = lang
        self.audience = audience
        self.debug = debug
        self.folders = plan.search_path(project)
        self.edition = Edition(0, None)
        self._ctx: RenderContext | None = None
        self._load_warnings: list[Diagnostic] = []  # found while loading the project
        self._warnings: list[Diagnostic] = []  # those and the last page's
        self._pdf: tuple[int, bytes] | None = None  # (generation, PDF) of the last PDF rendered
        self._pdf_variant: str | None = None  # the audience's PDF variant ("pdf/ua-1"…); None: plain PDF
        self._allow_hosts: tuple[str, ...] = ()  # the project's allow_hosts
        self._render = threading.Lock()
        #: held while rendering; builds answered for ``briefgen build`` while serving hold it too
        self.rendering = self._render
        self._changed = threading.Condition()
        self._closed = False

    # ------------------------------------------------------------ building

    def rebuild(self, changed: Iterable[Path] = ()) -> Edition:
        """Build the page again after ``changed`` files changed (none: load everything) and publish it."""
        paths = list(changed)
        with self._render:
            start = time.perf_counter()
            if not paths or any(self._feeds_context(path) for path in paths):
                self._ctx = None
            html, errors, trace = self._attempt(self._page)
            if html is None:
                self._pdf = None
            edition = Edition(
                generation=self.edition.generation + 1,
                html=html,
                errors=errors,
                warnings=tuple(self._warnings) if html is not None else (),
                trace=trace,
                pdf_name=self.edition.pdf_name,
                seconds=time.perf_counter() - start,
                changed=self._named(paths),
            )
            if self._ctx is not None:
                ctx = self._ctx
                name = plan.output_name(ctx.brief, ctx.lang, "pdf", ctx.presentation.audience)
                edition = replace(edition, pdf_name=name)
            with self._changed:
                self.edition = edition
                self._changed.notify_all()
            return edition

    def pdf(self) -> tuple[Edition, bytes | None]:
        """Return the current edition and its PDF, rendered now unless already rendered for this edition.

        The PDF is None when the page did not build, or when printing failed: then the edition returned
        carries the errors.
        """
        with self._render:
            edition = self.edition
            if not edition.ok or self._ctx is None:
                return edition, None
            if self._pdf is not None and self._pdf[0] == edition.generation:
                return edition, self._pdf[1]
            ctx = self._ctx

            def render() -> bytes:
                from briefgen.renderers.pdf import PdfRenderer  # WeasyPrint, only when a PDF is asked for

                return PdfRenderer().render(ctx, self._setup(self._pdf_variant))

            data, errors, trace = self._attempt(render)
            if data is None:
                return replace(edition, html=None, errors=errors, trace=trace), None
            self._pdf = (edition.generation, data)
            return edition, data

    def _page(self) -> str:
        if self._ctx is None:
            self._ctx, self._load_warnings = self._load()
        setup = self._setup()
        html = HtmlRenderer().document(self._ctx, setup, for_print=False)
        self._warnings = [*self._load_warnings, *setup.warnings]
        return html

    def _load(self) -> tuple[RenderContext, list[Diagnostic]]:
        """Load and validate the project, then build the context of the previewed edition."""
        loaded = load_project(self.root, [self.lang] if self.lang else [])
        brief = loaded.brief
        lang = self.lang or brief.config.default_language
        self.folders = plan.search_path(self.root)  # a templates/ folder may have appeared since
        profile = audience.load(self.audience, self.folders, self.root, brief) if self.audience else None
        self._pdf_variant = profile.profile.pdf_variant if profile else None
        self._allow_hosts = brief.config.allow_hosts
        return build_context(brief, lang, profile, plan.created(), self.folders), list(loaded.warnings)

    def _setup(self, pdf_variant: str | None = None) -> Setup:
        # the same as build's, so the page and the PDF are the ones `briefgen build` writes
        return Setup.for_project(self.root, pdf_variant=pdf_variant, allow_hosts=self._allow_hosts)

    def _attempt(self, action: Callable[[], T]) -> tuple[T | None, tuple[Diagnostic, ...], str | None]:
        """Run a build step; expected errors become diagnostics, and so does a bug, so the server goes on."""
        try:
            return action(), (), None
        except BriefgenError as exc:
            return None, exc.diagnostics, None
        except Exception as exc:
            hint = None if self.debug else "run again with --debug for the traceback"
            trace = traceback.format_exc() if self.debug else None
            return None, (Diagnostic(f"unexpected {type(exc).__name__}: {exc}", None, hint),), trace

    # ------------------------------------------------------------ what changes mean

    def _feeds_context(self, path: Path) -> bool:
        """Tell whether a changed file can change the context (reload the project) or only the page."""
        target = path.resolve()
        for folder in self.folders:
            if target.is_relative_to(folder.resolve()):
                parts = target.relative_to(folder.resolve()).parts
                return bool(parts) and parts[0] in _CONTEXT_FOLDERS
        return not target.is_relative_to((self.root / "assets").resolve())

    def _named(self, paths: list[Path]) -> tuple[str, ...]:
        """Name the changed files for the user: each once, leaving out an editor's temporary files."""
        unique = list(dict.fromkeys(paths))
        kept = [path for path in unique if path.exists()] or unique  # a removed file matters if it is all
        return tuple(self._shown(path) for path in kept)

    def _shown(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def watched(self) -> list[Path]:
        """Return the folders to watch recursively: the project's content, templates and assets, and the
        built-in templates; only those that exist, none inside another."""
        candidates = [self.root / name for name in PROJECT_FOLDERS] + plan.search_path(self.root)
        found: list[Path] = []
        for folder in candidates:
            if folder.is_dir() and not any(folder.resolve().is_relative_to(f.resolve()) for f in found):
                found = [f for f in found if not f.resolve().is_relative_to(folder.resolve())] + [folder]
        return found

    # ------------------------------------------------------------ waiting for a rebuild

    def wait(self, seen: int, timeout: float) -> Edition:
        """Return the edition once its generation is not ``seen``, after ``timeout`` seconds, or on close."""
        with self._changed:
            self._changed.wait_for(lambda: self.edition.generation != seen or self._closed, timeout)
            return self.edition

    def close(self) -> None:
        """Wake everything waiting for a rebuild, for good: the server is stopping."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed
