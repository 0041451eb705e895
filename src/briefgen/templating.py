"""The Jinja environment: template search path, autoescaping by output type, sandbox, filters, catalogues."""

from __future__ import annotations

import contextlib
import functools
import gettext
import hashlib
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import jinja2
from markupsafe import Markup, escape

from briefgen import markup, typography
from briefgen.context import Figure, FootnoteRef, Span, Spans, span_text
from briefgen.errors import Location, TemplateError
from briefgen.i18n import catalog
from briefgen.model import CONTROL, NOT_TEXT
from briefgen.sandbox import BoundedSandbox, TemplateLoader, TemplateRefused
from briefgen.template_errors import (
    PLAIN,
    StrictNames,
    UndefinedName,
    frame,
    syntax_error,
    undefined,
)

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

    def figure(self, text: str, attributes: str = "") -> str:
        """Write a formatted figure that no line breaks inside, except before a converted amount."""
        written = []
        for piece in typography.figure_pieces(typography.unbreakable(text)):
            self.last = " "  # a line may break between pieces: no joiner across them
            written.append(self.text(piece))
        return f'<span class="figure"{attributes}>{"".join(written)}</span>'

    def span(self, span: Span) -> str:
        if isinstance(span, markup.Text):
            return self.text(span.text)
        if isinstance(span, Figure):
            return self.figure(span.text, f' data-fact="{escape(span.key)}"')
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
            # paper: the note floats to the foot of the page (WeasyPrint numbers it); screens: a numbered
            # link to the notes at the end, the note itself showing as a popover while it has focus
            number = span.number
            call = (
                f'<a class="note-call" href="#note-{number}" id="note-call-{number}" role="doc-noteref">'
                f"{number}</a>"
            )
            return f'{call}<span class="footnote" id="fn-{number}">{note}</span>'
        raise TypeError(type(span).__name__)  # pragma: no cover


def _text(text: str, joiners: bool) -> str:
    return _SpanWriter(joiners).text(text)


@jinja2.pass_context
def _figure_filter(ctx: jinja2.runtime.Context, value: str | None) -> Markup:
    """Write a formatted figure (a key figure's value) that no line breaks inside."""
    if value is None:
        return Markup("")
    return Markup(_SpanWriter(bool(ctx.get("keep_all_joiners", False))).figure(str(value)))


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


#: Environments made in each thread, kept so that a process that renders again (``serve``, a warm process)
#: does not compile the templates again: Jinja recompiles a template whose file changed (or that a file
#: earlier on the search path now overrides), and a changed catalogue is another key.
_made = threading.local()
_KEPT = 8


def environment(folders: list[Path], lang: str, *, escape: bool | None = None) -> jinja2.Environment:
    """Return a sandboxed environment searching ``folders`` in order, with the language's catalogue.

    Output is HTML-escaped by the template's name (``.html.j2`` yes, ``.css.j2`` no); ``escape`` says so for
    every template and expression instead (the placeholders of a Word template are text, never HTML).
    """
    translations = catalog.load(folders, lang)
    # the translations object is the same while its file is unchanged (and the environment keeps it alive,
    # so its id is not reused); a language without a catalogue gets a new empty one each time
    which = id(translations) if type(translations) is not gettext.NullTranslations else None
    # the folders as given and where they are: a relative folder is another one after a change of directory
    key = (tuple((str(folder), str(folder.resolve())) for folder in folders), lang, escape, which)
    kept: dict[tuple[object, ...], jinja2.Environment] = _made.__dict__.setdefault("environments", {})
    if key in kept:
        kept[key] = kept.pop(key)  # the most recently used last
        return kept[key]
    env = _environment(folders, translations, escape)
    kept[key] = env
    while len(kept) > _KEPT:
        kept.pop(next(iter(kept)))
    return env


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Templates compiled once for all processes: in a folder of the user's own, keyed by briefgen's code.

    Compiling the page templates took most of the time spent making a document's HTML. Jinja keeps a
    template's compiled code with a checksum of its source and compiles it again when the source differs;
    the key also holds briefgen's code (the sandbox compiles templates its own way) and the escaping.
    The folder is ``$XDG_CACHE_HOME/briefgen/templates`` (else ``~/.cache/...``), made private to the user;
    without one (another owner, other users let in, nowhere to write), templates are compiled every time.
    """

    def __init__(self, directory: Path, salt: str) -> None:
        super().__init__(str(directory))
        self.salt = salt

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return hashlib.sha256(
            f"{self.salt}\0{name}\0{filename}".encode("utf-8", "surrogateescape")
        ).hexdigest()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
            super().dump_bytecode(bucket)


@functools.lru_cache(maxsize=4)
def _compiled_templates(escape: bool | None) -> _CompiledTemplates | None:
    from briefgen import plan
    from briefgen.private import private_folder

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = private_folder(base / "briefgen" / "templates")
    return None if folder is None else _CompiledTemplates(folder, f"{plan.code_state()}:{escape}")


def _environment(
    folders: list[Path], translations: gettext.NullTranslations, escape: bool | None
) -> jinja2.Environment:
    env = BoundedSandbox(
        loader=TemplateLoader(folders),
        bytecode_cache=_compiled_templates(escape),
        autoescape=_autoescape if escape is None else escape,
        undefined=StrictNames,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.filters["inline"] = _inline_filter
    env.filters["text"] = _text_filter
    env.filters["figure"] = _figure_filter
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
    output = guard(lambda: env.get_template(name).render(**values), env, name, project, values)
    bad = CONTROL.search(output) or NOT_TEXT.search(output)
    if bad:  # content cannot carry one (sources refuses it): the template or a catalogue wrote it
        raise TemplateError(
            f"the template writes the character U+{ord(bad.group()):04X}, a control or "
            "non-character, which XML and DOCX cannot hold",
            frame(Exception(), project, name, env),
        )
    return output


#: What a template's expressions raise when they go wrong at run time (a bad filter argument, a bad key…).
RUNTIME_ERRORS = (
    ArithmeticError,  # ZeroDivisionError, OverflowError
    LookupError,  # KeyError, IndexError ("{0.x}".format_map(…)), an unknown codec
    TypeError,
    ValueError,  # UnicodeError too
    AttributeError,
    jinja2.TemplateRuntimeError,
)

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
        raise syntax_error(exc, env, name, project) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(
            f"template not found: {exc.name}",
            Location(name),
            "check the name in the include, extends or import",
        ) from None
    except TemplateRefused as exc:
        raise TemplateError(f"template refused: {exc}", frame(exc, project, name, env)) from None
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(f"template refused by the sandbox: {exc}", frame(exc, project, name)) from None
    except UndefinedName as exc:
        raise undefined(exc, env, name, project, values or {}) from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"template error: {exc.message}", frame(exc, project, name)) from None
    except RecursionError as exc:
        raise TemplateError(
            "templates call each other too deeply (a macro or include that never stops calling itself?)",
            frame(exc, project, name),
        ) from None
    except (MemoryError, KeyboardInterrupt, TemplateError):
        raise
    except Exception as exc:  # the template asked Python for something that failed: say what and where
        raise TemplateError(
            f"template error: {type(exc).__name__}: {exc}"
            if not isinstance(exc, PLAIN)
            else f"template error: {exc}",
            frame(exc, project, name),
        ) from exc


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
