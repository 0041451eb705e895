"""What every renderer is given and what it must provide."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from briefgen.context import RenderContext
from briefgen.errors import Diagnostic


@dataclass
class Setup:
    """The parts of a project a renderer may use besides the context: template folders, allowed roots."""

    project: Path
    template_folders: list[Path]
    resource_roots: list[Path]
    cache: Path | None = None  # where drawn charts are kept between builds; None: draw every time
    pdf_variant: str | None = None  # "pdf/ua-1" (tagged, accessible) or "pdf/a-3b" (archival); None: plain PDF
    warnings: list[Diagnostic] = field(default_factory=list)


class Renderer(Protocol):
    name: str
    extension: str

    def render(self, ctx: RenderContext, setup: Setup) -> bytes:
        """Return the finished document."""
        ...
