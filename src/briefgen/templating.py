"""The Jinja environment: template search path, autoescaping by output type, sandbox, filters, catalogues."""

from __future__ import annotations

import os
import re
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from briefgen import markup
from briefgen.context import Figure, FootnoteRef, Span, Spans, span_text
from briefgen.errors import Location, TemplateError
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


#: What file names may not hold, and what stands in: a colon reads as a dash, the rest as a hyphen.
_NOT_IN_FILE_NAMES = re.compile(r'\s*:\s+|[/\\:*?"<>|\x00-\x1f\x7f]')


def file_name(value: object) -> str:
    """Make a text usable as a file name everywhere: ``DeepSeek: Research`` → ``DeepSeek - Research``."""
    text = _NOT_IN_FILE_NAMES.sub(lambda m: " - " if m.group().strip() == ":" else "-", str(value))
    return " ".join(text.split()).strip(" .")[:120]


def environment(folders: list[Path], lang: str, *, escape: bool | None = None) -> jinja2.Environment:
    """Return a sandboxed environment searching ``folders`` in order, with the language's catalogue.

    Output is HTML-escaped by the template's name (``.html.j2`` yes, ``.css.j2`` no); ``escape`` says so for
    every template and expression instead (the placeholders of a Word template are text, never HTML).
    """
    env = BoundedSandbox(
        loader=TemplateLoader(folders),
        autoescape=_autoescape if escape is None else escape,
        undefined=jinja2.StrictUndefined,
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
    env.filters["filename"] = file_name
    env.bound_filters()
    return env


def render(env: jinja2.Environment, name: str, project: Path, **values: Any) -> str:
    """Render a template, turning Jinja's errors into located TemplateErrors.

    In a BoundedSandbox each rendering starts its own limits (see ``sandbox``).
    """
    if isinstance(env, BoundedSandbox):
        env.start()
    output = _guard(lambda: env.get_template(name).render(**values), env, name, project)
    bad = CONTROL.search(output) or NOT_TEXT.search(output)
    if bad:  # content cannot carry one (sources refuses it): the template or a catalogue wrote it
        raise TemplateError(
            f"the template writes the character U+{ord(bad.group()):04X}, a control or "
            "non-character, which XML and DOCX cannot hold",
            _frame(Exception(), project, name, env),
        )
    return output


def guarded(call: Callable[[], str], env: jinja2.Environment, name: str, project: Path) -> str:
    """Run ``call`` (which uses template ``name``), turning Jinja's errors into located TemplateErrors."""
    return _guard(call, env, name, project)


#: What a template's expressions raise when they go wrong at run time (a bad filter argument, a bad key…).
RUNTIME_ERRORS = (
    TypeError,
    ValueError,
    ZeroDivisionError,
    AttributeError,
    KeyError,
    IndexError,
    OverflowError,
    jinja2.TemplateRuntimeError,
)


def _guard(call: Callable[[], str], env: jinja2.Environment, name: str, project: Path) -> str:
    try:
        return call()
    except jinja2.TemplateSyntaxError as exc:
        where = _display(exc.filename, project) if exc.filename else name
        raise TemplateError(
            f"template syntax error: {exc.message}", Location(where, exc.lineno or 0)
        ) from None
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
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"template error: {exc.message}", _frame(exc, project, name)) from None
    except RecursionError as exc:
        raise TemplateError(
            "templates call each other too deeply (a macro or include that never stops calling itself?)",
            _frame(exc, project, name),
        ) from None
    except RUNTIME_ERRORS as exc:
        raise TemplateError(f"template error: {exc}", _frame(exc, project, name)) from None


def _frame(exc: BaseException, project: Path, name: str, env: jinja2.Environment | None = None) -> Location:
    """Find the template line an exception came from, in the traceback Jinja rewrote; else the template."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2") or "/templates/" in frame.filename:
            return Location(_display(frame.filename, project), frame.lineno or 0)
    if env is not None and isinstance(env.loader, TemplateLoader):
        filename = env.loader.locate(name)
        if filename:
            return Location(_display(filename, project))
    return Location(name)


def _display(filename: str, project: Path) -> str:
    """Show a template file relative to the project; a link is shown where it is, not where it leads."""
    path = Path(filename)
    for shown, root in (
        (Path(os.path.abspath(path)), Path(os.path.abspath(project))),
        (path.resolve(), project.resolve()),
    ):
        try:
            return shown.relative_to(root).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def render_source_check(env: jinja2.Environment, name: str, project: Path) -> None:
    """Compile a template without rendering it, raising a located TemplateError if it does not parse."""

    def compile_only() -> str:
        env.get_template(name)
        return ""

    _guard(compile_only, env, name, project)
