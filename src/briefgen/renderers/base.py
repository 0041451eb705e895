"""What every renderer is given and what it must provide."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from briefgen.errors import Diagnostic

if TYPE_CHECKING:
    from briefgen.context import RenderContext


@dataclass
class Setup:
    """The parts of a project a renderer may use besides the context: template folders, allowed roots."""

    project: Path
    template_folders: list[Path]
    resource_roots: list[Path]
    cache: Path | None = None  # where drawn charts are kept between builds; None: draw every time
    pdf_variant: str | None = (
        None  # "pdf/ua-1" (tagged, accessible) or "pdf/a-3b" (archival); None: plain PDF
    )
    allow_hosts: tuple[str, ...] = ()  # hosts resources may come from over http(s); none: no network at all
    warnings: list[Diagnostic] = field(default_factory=list)
    #: None: charts are drawn before the page is made; else the charts the page links to while they are
    #: being drawn (``briefgen.chart_images``), which the printer is sent as they come: by key, the size
    #: of each in points, which the layout uses before the chart is there
    deferred_charts: dict[str, tuple[float, float]] | None = None

    @classmethod
    def for_project(
        cls,
        root: Path,
        output: Path | None = None,
        pdf_variant: str | None = None,
        allow_hosts: tuple[str, ...] = (),
    ) -> Setup:
        """Return the setup every renderer of a project uses: its template folders, the folders resources
        may come from (templates/, content/, assets/ and the built-in templates) and the chart cache kept in
        the output folder (default: output/ in the project)."""
        from briefgen.plan import STATE_FOLDER, search_path

        folders = search_path(root)
        return cls(
            project=root,
            template_folders=folders,
            resource_roots=[root / "templates", root / "content", root / "assets", *folders],
            cache=(output or root / "output") / STATE_FOLDER / "charts",
            pdf_variant=pdf_variant,
            allow_hosts=allow_hosts,
        )


class Renderer(Protocol):
    name: str
    extension: str

    def render(self, ctx: RenderContext, setup: Setup) -> bytes:
        """Return the finished document."""
        ...
