"""The floor of a cold DOCX as briefgen makes it: a fresh process given a render context made beforehand.

    python bench/docx_floor.py prepare PROJECT FOLDER CONTEXT
    python bench/docx_floor.py render CONTEXT DOCX

``prepare`` loads and validates the project, makes the Korean render context of the whole briefing and
pickles it with its rendering setup (FOLDER is an output folder whose chart cache holds the drawn charts).
``render``, timed by the benchmark, unpickles them and writes the DOCX: it reads no content, validates
nothing and makes no context. What it still does is what any cold DOCX build must do in this design:
import the classes the context is made of, python-docx, Jinja and Babel, and write the document. No cache
of the validated project or of the context can make a cold build faster than this.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path


def prepare(project: Path, folder: Path, target: Path) -> None:
    from briefgen.build import load_project
    from briefgen.context import build_context
    from briefgen.plan import search_path
    from briefgen.renderers import Setup

    loaded = load_project(project, ["ko"])
    context = build_context(loaded.brief, "ko", None, None, search_path(loaded.root))
    setup = Setup.for_project(loaded.root, folder, None, loaded.brief.config.allow_hosts)
    target.write_bytes(pickle.dumps((context, setup)))


def render(source: Path, target: Path) -> None:
    context, setup = pickle.loads(source.read_bytes())
    from briefgen.renderers.docx import DocxRenderer

    target.write_bytes(DocxRenderer().render(context, setup))


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[0] == "prepare":
        prepare(Path(argv[1]), Path(argv[2]), Path(argv[3]))
    elif len(argv) == 3 and argv[0] == "render":
        render(Path(argv[1]), Path(argv[2]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
