"""Say what went wrong in a template in the template's own terms, at the line of the project's own template.

Jinja reports an undefined attribute with Python's names (``'briefgen.context.Meta object' has no attribute
'titel'``), a block never closed at the tag where it noticed, and errors in built-in templates by their
absolute path. Here: the expression as the template wrote it, with the name it probably meant; the line
where the block opens; the project's own template line (a built-in one is named ``(built-in) NAME``); and,
for a loop of includes or macros, the line that starts the next turn of it.
"""

from __future__ import annotations

import os
import re
import traceback
from pathlib import Path
from typing import Any

import jinja2

from briefgen.errors import Location, TemplateError, did_you_mean
from briefgen.sandbox import TemplateLoader


class UndefinedName(jinja2.UndefinedError):
    """A template used a name or attribute that does not exist; keeps what it was looked up on."""

    def __init__(self, message: str | None, obj: Any, name: Any) -> None:
        super().__init__(message)
        self.obj = obj
        self.name = name


class StrictNames(jinja2.StrictUndefined):
    """Jinja's strict undefined, raising UndefinedName so that messages can speak in template terms."""

    __slots__ = ()

    def __init__(
        self,
        hint: str | None = None,
        obj: Any = jinja2.utils.missing,
        name: str | None = None,
        exc: type[jinja2.TemplateRuntimeError] = jinja2.UndefinedError,
    ) -> None:
        super().__init__(hint, obj, name, exc)
        if exc is jinja2.UndefinedError:  # the sandbox passes SecurityError for unsafe attributes: keep it
            self._undefined_exception = lambda message: UndefinedName(message, obj, name)  # type: ignore[assignment]


#: Exceptions whose message says it all (the others are named by their type as well).
PLAIN = (
    jinja2.TemplateRuntimeError,
    TypeError,
    ValueError,
    ZeroDivisionError,
    AttributeError,
    KeyError,
    OverflowError,
)


def syntax_error(
    exc: jinja2.TemplateSyntaxError, env: jinja2.Environment, name: str, project: Path
) -> TemplateError:
    """Report a syntax error; a block never closed is reported where it opens, not where Jinja noticed."""
    where = display(exc.filename, project) if exc.filename else name
    opened = re.search(r"innermost block that needs to be closed is '(\w+)'", exc.message or "")
    if opened and exc.source is not None:
        found = _unclosed(env, exc.source, opened.group(1), exc.lineno or 0)
        if found is not None:
            line, column = found
            tag = opened.group(1)
            return TemplateError(
                f"'{{% {tag} %}}' is never closed",
                Location(where, line, column),
                f"add {{% end{tag} %}} where the {tag} block ends",
            )
    return TemplateError(f"template syntax error: {exc.message}", Location(where, exc.lineno or 0))


#: Tags that open a block closed by ``end<tag>``.
_BLOCK_TAGS = frozenset(
    {"if", "for", "block", "macro", "call", "filter", "with", "trans", "autoescape", "set"}
)


def _unclosed(env: jinja2.Environment, source: str, tag: str, before: int) -> tuple[int, int] | None:
    """Return the line and column of the innermost ``{% tag %}`` still open before line ``before``."""
    stack: list[tuple[str, int]] = []
    try:
        tokens = list(env.lex(source))
    except jinja2.TemplateSyntaxError:
        return None
    opening = False
    for index, (line, kind, value) in enumerate(tokens):
        if line >= before:  # the tag Jinja stopped at closes blocks wrongly: what is open before it counts
            break
        if kind == "block_begin":
            opening = True
            continue
        if kind == "whitespace":
            continue
        if opening and kind == "name":
            opening = False
            if value.startswith("end") and value[3:] in _BLOCK_TAGS:
                for depth in range(len(stack) - 1, -1, -1):
                    if stack[depth][0] == value[3:]:
                        del stack[depth:]
                        break
            elif value in _BLOCK_TAGS and not (value == "set" and _assigns(tokens, index)):
                stack.append((value, line))
        opening = False
    for open_tag, line in reversed(stack):
        if open_tag == tag:
            text = source.splitlines()[line - 1] if line <= len(source.splitlines()) else ""
            found = re.search(r"\{%[-+]?\s*" + tag + r"\b", text)
            return line, (found.start() + 1 if found else 0)
    return None


def _assigns(tokens: list[tuple[int, str, str]], index: int) -> bool:
    """Tell whether a ``{% set %}`` assigns in the tag (``set x = 1``) rather than opening a block."""
    for _, kind, value in tokens[index + 1 :]:
        if kind == "block_end":
            return False
        if kind == "operator" and value == "=":
            return True
    return False


def undefined(
    exc: UndefinedName, env: jinja2.Environment, name: str, project: Path, values: dict[str, Any]
) -> TemplateError:
    """Say what was undefined in the template's own terms: ``'ctx.meta' has no attribute 'titel'``."""
    location = frame(exc, project, name)
    line = _source_line(env, location, project)
    if exc.obj is jinja2.utils.missing:
        known = [*values, *env.globals]
        return TemplateError(
            f"'{exc.name}' is undefined",
            _column(location, line, str(exc.name)),
            did_you_mean(str(exc.name), known)
            or ("the names this template is given: " + ", ".join(sorted(values)) if values else None),
        )
    attributes = _attributes(exc.obj)
    if isinstance(exc.name, str):
        found = re.search(r"([A-Za-z_][\w.]*)\s*\.\s*" + re.escape(exc.name) + r"\b", line)
        owner = found.group(1) if found else f"the {type(exc.obj).__name__}"
        where = (
            Location(location.path, location.line, found.start() + 1) if found and location.line else location
        )
        return TemplateError(
            f"'{owner}' has no attribute '{exc.name}'" if found else f"{owner} has no attribute '{exc.name}'",
            where,
            did_you_mean(exc.name, attributes)
            or ("its attributes: " + ", ".join(attributes) if attributes else None),
        )
    return TemplateError(f"there is no item {exc.name!r}", location)


def _attributes(obj: Any) -> list[str]:
    """Return the names a template may use on an object: its fields, or its public attributes."""
    import dataclasses

    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [f.name for f in dataclasses.fields(obj)]
    if isinstance(obj, dict):
        return [str(k) for k in obj]
    return sorted(n for n in dir(obj) if not n.startswith("_"))


def _source_line(env: jinja2.Environment, location: Location, project: Path) -> str:
    """Return the template line a location names, or "" when it cannot be read."""
    if not location.line or not isinstance(env.loader, TemplateLoader):
        return ""
    shown = location.path.removeprefix(BUILT_IN)
    for candidate in (project / shown, *(Path(f) / shown for f in env.loader.searchpath)):
        try:
            lines = candidate.read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        return lines[location.line - 1] if location.line <= len(lines) else ""
    return ""


def _column(location: Location, line: str, word: str) -> Location:
    found = re.search(r"\b" + re.escape(word) + r"\b", line)
    if found is None or not location.line:
        return location
    return Location(location.path, location.line, found.start() + 1)


#: How messages name a built-in template (one the project does not override): ``(built-in) brief.html.j2``.
BUILT_IN = "(built-in) "


def frame(exc: BaseException, project: Path, name: str, env: jinja2.Environment | None = None) -> Location:
    """Find the template line an exception came from, in the traceback Jinja rewrote; else the template.

    The innermost line of one of the project's own templates is preferred: that is what its author can fix,
    even when the error surfaces in a built-in template it calls or includes.
    """
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename.endswith(".j2") or "/templates/" in frame.filename
    ]
    if isinstance(exc, RecursionError):
        frames = _loop(frames)
    own = [frame for frame in frames if not display(frame.filename, project).startswith(BUILT_IN)]
    for frame in reversed(own or frames):
        return Location(display(frame.filename, project), frame.lineno or 0)
    if env is not None and isinstance(env.loader, TemplateLoader):
        filename = env.loader.locate(name)
        if filename:
            return Location(display(filename, project))
    return Location(name)


def _loop(frames: list[traceback.FrameSummary]) -> list[traceback.FrameSummary]:
    """Return the frames of the first cycle in a recursion's traceback, ending at the line that starts the
    next turn of it (an include, import or call): the line to change to stop the loop."""
    seen: dict[tuple[str, int | None], int] = {}
    for index, frame in enumerate(frames):
        key = (frame.filename, frame.lineno)
        if key in seen:
            cycle = frames[seen[key] : index]
            calls = [f for f in cycle if re.search(r"\b(include|import|from|call)\b|\(", f.line or "")]
            return [(calls or cycle)[0]]
        seen[key] = index
    return frames


def display(filename: str, project: Path) -> str:
    """Show a template file relative to the project; a link is shown where it is, not where it leads; a
    built-in template as ``(built-in) name``."""
    path = Path(filename)
    for shown, root in (
        (Path(os.path.abspath(path)), Path(os.path.abspath(project))),
        (path.resolve(), project.resolve()),
    ):
        try:
            return shown.relative_to(root).as_posix()
        except ValueError:
            continue
    try:
        from briefgen.plan import builtin_templates

        return BUILT_IN + path.resolve().relative_to(builtin_templates()).as_posix()
    except ValueError:
        return path.as_posix()


def find_written(folders: list[Path], project: Path, needles: list[str]) -> Location | None:
    """Return the first template line that writes one of ``needles`` (a URL, a CSS value, a line of markup),
    searching the project's templates before the built-in ones; None if no template writes any of them.

    Links are not followed: the loader refuses those templates anyway.
    """
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*.j2") if p.is_file() and not p.is_symlink()):
            lines = path.read_text("utf-8", errors="replace").splitlines()
            for number, line in enumerate(lines, 1):
                for needle in needles:
                    if needle and needle in line:
                        return Location(display(str(path), project), number, line.index(needle) + 1)
    return None
