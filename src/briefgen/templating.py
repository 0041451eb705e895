"""The Jinja environment: template search path, autoescaping by output type, sandbox, filters, catalogues."""

from __future__ import annotations

import os
import re
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import jinja2
from markupsafe import Markup, escape

from briefgen import markup
from briefgen.context import Figure, FootnoteRef, Span, Spans, span_text
from briefgen.errors import Location, TemplateError, did_you_mean
from briefgen.i18n import catalog
from briefgen.model import CONTROL, NOT_TEXT
from briefgen.sandbox import BoundedSandbox, TemplateLoader, TemplateRefused

#: Template names whose output is HTML or XML, and so is escaped; CSS and plain text are not HTML.
_ESCAPED_SUFFIXES = (".html", ".htm", ".xml", ".svg")
_HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3"
#: Two neighbouring non-space characters of which one is Hangul: a word joiner between them keeps the
#: Korean word whole at a line end (``word-break: keep-all``, which WeasyPrint does not implement).
_KEEP_ALL = re.compile(rf"(?<=[{_HANGUL}])(?=[^\s\u2060])|(?<=[^\s\u2060])(?=[{_HANGUL}])")
WORD_JOINER = "\u2060"
_FAMILY = re.compile(r"^[A-Za-z0-9 _\-]+$")


def _autoescape(name: str | None) -> bool:
    if name is None:
        return True
    stem = name[:-3] if name.endswith(".j2") else name
    return stem.endswith(_ESCAPED_SUFFIXES)


def keep_all(text: str) -> str:
    """Put word joiners inside Korean words so that lines break only between words."""
    return _KEEP_ALL.sub(WORD_JOINER, text)


def spans_html(spans: Spans, joiners: bool = False) -> Markup:
    """Render resolved inline spans as escaped HTML; ``joiners`` keeps Korean words whole across spans."""
    return Markup(_SpanWriter(joiners).spans(spans))


class _SpanWriter:
    """Write spans as HTML, remembering the last visible character so that joiners also bridge spans."""

    def __init__(self, joiners: bool) -> None:
        self.joiners = joiners
        self.last = " "

    def text(self, text: str) -> str:
        if not text:
            return ""
        if self.joiners:
            text = keep_all(text)
            if _KEEP_ALL.search(self.last + text[0]):  # the boundary with the previous span
                text = WORD_JOINER + text
        self.last = text[-1]
        return str(escape(text))

    def spans(self, spans: Spans) -> str:
        return "".join(self.span(span) for span in spans)

    def span(self, span: Span) -> str:
        if isinstance(span, markup.Text):
            return self.text(span.text)
        if isinstance(span, Figure):
            return f'<span class="figure" data-fact="{escape(span.key)}">{self.text(span.text)}</span>'
        if isinstance(span, markup.Code):
            code = str(escape(span.text))
            self.last = span.text[-1:] or self.last
            return f"<code>{code}</code>"
        if isinstance(span, markup.Strong):
            return f"<strong>{self.spans(span.children)}</strong>"  # type: ignore[arg-type]
        if isinstance(span, markup.Emphasis):
            return f"<em>{self.spans(span.children)}</em>"  # type: ignore[arg-type]
        if isinstance(span, markup.Link):
            return f'<a href="{escape(span.href)}">{self.spans(span.children)}</a>'  # type: ignore[arg-type]
        if isinstance(span, FootnoteRef):
            last = self.last
            note = _SpanWriter(self.joiners).spans(span.children)
            self.last = last
            return f'<span class="footnote" id="fn-{span.number}">{note}</span>'
        raise TypeError(type(span).__name__)  # pragma: no cover


def _text(text: str, joiners: bool) -> str:
    return _SpanWriter(joiners).text(text)


@jinja2.pass_context
def _inline_filter(ctx: jinja2.runtime.Context, spans: Spans | None) -> Markup:
    if spans is None:
        return Markup("")
    return spans_html(spans, bool(ctx.get("keep_all_joiners", False)))


@jinja2.pass_context
def _text_filter(ctx: jinja2.runtime.Context, value: str | None) -> Markup:
    if value is None:
        return Markup("")
    return Markup(_text(str(value), bool(ctx.get("keep_all_joiners", False))))


def css_font_stack(families: tuple[str, ...] | list[str], generic: str = "sans-serif") -> Markup:
    """Write a CSS font-family list, each family quoted; names are checked, so the result is safe in CSS."""
    names = []
    for family in families:
        if not _FAMILY.match(family):
            raise ValueError(f"unsafe font family name {family!r}")
        names.append(f'"{family}"')
    return Markup(", ".join([*names, generic]))


def css_string(value: str) -> Markup:
    """Quote a value as a CSS string, escaping what could end it."""
    escaped = "".join(
        ch if ch.isalnum() or ch in " .,:;!?()-_/%~·" or ord(ch) > 127 else f"\\{ord(ch):x} " for ch in value
    )
    return Markup(f'"{escaped}"')


def css_page_pattern(pattern: str) -> Markup:
    """Turn ``"{page} / {pages}"`` into CSS content: ``counter(page) " / " counter(pages)``."""
    parts = []
    for piece in re.split(r"(\{page\}|\{pages\})", pattern):
        if piece == "{page}":
            parts.append("counter(page)")
        elif piece == "{pages}":
            parts.append("counter(pages)")
        elif piece:
            parts.append(str(css_string(piece)))
    return Markup(" ".join(parts))


class UndefinedName(jinja2.UndefinedError):
    """A template used a name or attribute that does not exist; keeps what it was looked up on."""

    def __init__(self, message: str | None, obj: Any, name: Any) -> None:
        super().__init__(message)
        self.obj = obj
        self.name = name


class _Undefined(jinja2.StrictUndefined):
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


def environment(folders: list[Path], lang: str) -> jinja2.Environment:
    """Return a sandboxed environment searching ``folders`` in order, with the language's catalogue."""
    env = BoundedSandbox(
        loader=TemplateLoader(folders),
        autoescape=_autoescape,
        undefined=_Undefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(catalog.load(folders, lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["inline"] = _inline_filter
    env.filters["text"] = _text_filter
    env.filters["plain"] = span_text
    env.filters["font_stack"] = css_font_stack
    env.filters["css_string"] = css_string
    env.filters["page_pattern"] = css_page_pattern
    env.bound_filters()
    return env


def render(env: jinja2.Environment, name: str, project: Path, **values: Any) -> str:
    """Render a template, turning Jinja's errors into located TemplateErrors.

    In a BoundedSandbox each rendering starts its own limits (see ``sandbox``).
    """
    if isinstance(env, BoundedSandbox):
        env.start()
    output = guard(lambda: env.get_template(name).render(**values), env, name, project, values)
    bad = CONTROL.search(output) or NOT_TEXT.search(output)
    if bad:  # content cannot carry one (sources refuses it): the template or a catalogue wrote it
        raise TemplateError(
            f"the template writes the character U+{ord(bad.group()):04X}, a control or "
            "non-character, which XML and DOCX cannot hold",
            _frame(Exception(), project, name, env),
        )
    return output


T = TypeVar("T")


def guard(
    call: Callable[[], T],
    env: jinja2.Environment,
    name: str,
    project: Path,
    values: dict[str, Any] | None = None,
) -> T:
    """Run something that renders a template; whatever goes wrong becomes a TemplateError naming the
    template line (the project's own template where one is involved), never an unexpected error.

    ``values`` are the names the template was given, for "did you mean" on an undefined name.
    """
    try:
        return call()
    except jinja2.TemplateSyntaxError as exc:
        raise _syntax_error(exc, env, name, project) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(
            f"template not found: {exc.name}",
            Location(name),
            "check the name in the include, extends or import",
        ) from None
    except TemplateRefused as exc:
        raise TemplateError(f"template refused: {exc}", _frame(exc, project, name, env)) from None
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(f"template refused by the sandbox: {exc}", _frame(exc, project, name)) from None
    except UndefinedName as exc:
        raise _undefined(exc, env, name, project, values or {}) from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"template error: {exc.message}", _frame(exc, project, name)) from None
    except RecursionError as exc:
        raise TemplateError(
            "templates call each other too deeply (a macro or include that never stops calling itself?)",
            _frame(exc, project, name),
        ) from None
    except (MemoryError, KeyboardInterrupt, TemplateError):
        raise
    except Exception as exc:  # the template asked Python for something that failed: say what and where
        raise TemplateError(
            f"template error: {type(exc).__name__}: {exc}"
            if not isinstance(exc, _PLAIN)
            else f"template error: {exc}",
            _frame(exc, project, name),
        ) from exc


#: Exceptions whose message says it all (the others are named by their type as well).
_PLAIN = (
    jinja2.TemplateRuntimeError,
    TypeError,
    ValueError,
    ZeroDivisionError,
    AttributeError,
    KeyError,
    OverflowError,
)


def _syntax_error(
    exc: jinja2.TemplateSyntaxError, env: jinja2.Environment, name: str, project: Path
) -> TemplateError:
    """Report a syntax error; a block never closed is reported where it opens, not where Jinja noticed."""
    where = _display(exc.filename, project) if exc.filename else name
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


def _undefined(
    exc: UndefinedName, env: jinja2.Environment, name: str, project: Path, values: dict[str, Any]
) -> TemplateError:
    """Say what was undefined in the template's own terms: ``'ctx.meta' has no attribute 'titel'``."""
    location = _frame(exc, project, name)
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


def _frame(exc: BaseException, project: Path, name: str, env: jinja2.Environment | None = None) -> Location:
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
    own = [frame for frame in frames if not _display(frame.filename, project).startswith(BUILT_IN)]
    for frame in reversed(own or frames):
        return Location(_display(frame.filename, project), frame.lineno or 0)
    if env is not None and isinstance(env.loader, TemplateLoader):
        filename = env.loader.locate(name)
        if filename:
            return Location(_display(filename, project))
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


def _display(filename: str, project: Path) -> str:
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
                        return Location(_display(str(path), project), number, line.index(needle) + 1)
    return None


def module(env: jinja2.Environment, name: str, project: Path) -> Any:
    """Run a template as a module (its top-level ``set``s and macros), errors located as ``render`` does."""

    def make() -> Any:
        template = env.get_template(name)
        try:
            return template.make_module({})
        except Exception:
            env.handle_exception()  # maps the template's lines into the traceback, as render() does

    return guard(make, env, name, project)


def call_macro(macro: Any, env: jinja2.Environment, name: str, project: Path, *args: Any) -> str:
    """Call a macro of a template module from Python, errors located as ``render`` does."""

    def call() -> str:
        try:
            return str(macro(*args))
        except Exception:
            env.handle_exception()

    return guard(call, env, name, project)


def render_source_check(env: jinja2.Environment, name: str, project: Path) -> None:
    """Compile a template without rendering it, raising a located TemplateError if it does not parse."""
    guard(lambda: env.get_template(name), env, name, project)
