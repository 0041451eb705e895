"""The build backend of a warm process: the project loaded once per set of inputs, outputs rendered here."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefgen import plan
from briefgen.errors import BriefgenError
from briefgen.runner import Rendered, RenderOne, render_here

if TYPE_CHECKING:
    from briefgen.build import Loaded
    from briefgen.printer import PrintJob


def inputs_digest(project: Path) -> str:
    """Return a digest of every file loading a project may read: the project file, the brand file, content/,
    and templates/ and assets/, where the brand's logo may be."""
    digest = hashlib.sha256()
    paths = [project / name for name in ("briefgen.yaml", "_brand.yml", "_brand.yaml")]
    for folder in ("content", "templates", "assets"):
        paths += plan._files(project / folder)
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            data = b"\0missing"
        digest.update(f"{path.relative_to(project).as_posix()}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


class WarmBackend:
    """Load a project once per set of inputs, and render a single output in this process.

    The validated project is kept with the digest of the files it was read from, and used again only while
    that digest is unchanged. A PDF is printed here with the WeasyPrint font configuration kept from the last
    document (fontconfig and Pango's font map, loaded once), unless that document brought fonts of its own.
    A render stopped by a limit, or by a bug, leaves the process ``tainted``: it answers, then exits.
    """

    def __init__(self) -> None:
        self._loaded: dict[tuple[str, ...] | None, tuple[str, Loaded]] = {}  # by the languages read
        self._fonts: Any = None
        self.tainted = False

    def load(self, project: Path, languages: Sequence[str] | None) -> Loaded:
        from briefgen.build import load_project

        digest = inputs_digest(project)
        which = None if languages is None else tuple(sorted(set(languages)))
        kept = self._loaded.get(which)
        if kept is not None and kept[0] == digest:
            return kept[1]
        self._loaded = {k: v for k, v in self._loaded.items() if v[0] == digest}  # older inputs: gone
        loaded = load_project(project, languages)  # errors are not kept: the next build reads again
        self._loaded[which] = (digest, loaded)
        return loaded

    def font_config(self) -> Any:
        """Return the font configuration kept between documents, made now if there is none."""
        if self._fonts is None:
            from briefgen.native import import_weasyprint

            import_weasyprint()
            from weasyprint.text.fonts import FontConfiguration

            self._fonts = FontConfiguration()
        return self._fonts

    def single(
        self, job: plan.Job, render: RenderOne, print_html: Callable[[plan.Job], PrintJob]
    ) -> Rendered:
        def run(job: plan.Job) -> tuple[bytes, list[Any]]:
            try:
                if job.fmt != "pdf":
                    return render(job)
                from briefgen.renderers.printing import print_pdf

                html, setup, template, code = print_html(job)
                config = self.font_config()
                data = print_pdf(html, setup, template, code, font_config=config)
                if getattr(config, "_folder", None) is not None:  # @font-face fonts: not for the next one
                    self._fonts = None
                return data, setup.warnings
            except BriefgenError:
                raise
            except BaseException:
                self.tainted = True
                raise

        done = render_here(job, run)  # a limit's exception (time, memory) is raised inside ``run``: tainted
        if done.data is None:
            self._fonts = None
        return done
