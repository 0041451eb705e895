"""The template sandbox: Jinja's immutable sandbox with limits, and a loader that stays in the search path.

Jinja's sandbox stops templates from reaching Python's internals (``__class__``, ``__globals__``…) and from
changing the data they are given. It does not stop a template from building a text of a billion characters,
counting to a billion, or including ``../../etc/passwd``. This module adds that:

- every operation that can make a text or a list larger than its inputs (``*``, ``%``, ``~``, ``+``,
  ``**``, the str methods ``ljust``/``center``/``replace``/``join``/``format``…, filters such as ``center``,
  ``indent``, ``replace``, ``wordwrap``, ``join``, ``batch``) is checked *before* it runs where it could
  multiply, and its result is checked after; no value may exceed MAX_VALUE characters (or items);
- the values built in one rendering add up to at most MAX_BUILT characters, and the ``range()`` calls of one
  rendering to at most MAX_RANGE_TOTAL numbers (a nested loop multiplies, so it is bounded too);
- what a template writes (and what a macro or block returns) is at most MAX_OUTPUT characters;
- the loader refuses names with ``..`` or an absolute path, and files whose real path (links followed)
  leaves the template folders.

Each limit raises a SecurityError, which ``templating`` reports as a TemplateError naming the template line.
What it does not bound is time spent in loops over data the template was given; the renderer's wall-clock
limit does (``runner``).
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
import stat
import string
from collections.abc import Callable, Iterable, Sized
from pathlib import Path
from typing import Any

import jinja2
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.nodes import Concat
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import generate_lorem_ipsum

#: Most characters a template may write (its whole output, or what one macro or block returns).
MAX_OUTPUT = 20_000_000
#: Largest text (characters) or list (items, counting the characters of its texts) one expression may build.
MAX_VALUE = MAX_OUTPUT
#: Most characters all the checked operations of one rendering may build together.
MAX_BUILT = 5 * MAX_OUTPUT
#: Most numbers one ``range()`` may produce, and all the ``range()`` calls of one rendering together.
MAX_RANGE = 100_000
MAX_RANGE_TOTAL = 1_000_000
#: Largest integer a template may compute, in bits (``10 ** 10 ** 9`` would take minutes and gigabytes).
MAX_INT_BITS = 65_536
#: Largest template file read, in bytes.
MAX_TEMPLATE_BYTES = 8 * 1024 * 1024

#: Filters whose output can be a few times longer than their input: the factor, checked before they run.
_EXPANDING = {"tojson": 6, "urlencode": 3, "escape": 5, "e": 5, "forceescape": 5, "urlize": 4, "xmlattr": 6}
_PRINTF_WIDTH = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(\*|\d+)?(?:\.(\*|\d+))?")


class TemplateRefused(SecurityError):
    """A template asked for something outside what templates may do; the message says what."""


# ---------------------------------------------------------------- the loader


def template_pieces(name: str) -> list[str]:
    """Split a template name into path segments, refusing absolute names and ``..``."""
    if "\x00" in name or "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise TemplateRefused(f"the template name {name!r} is not a relative path in the template folders")
    pieces = [piece for piece in name.split("/") if piece not in ("", ".")]
    if ".." in pieces:
        raise TemplateRefused(f"the template name {name!r} leaves the template folders ('..')")
    return pieces


class TemplateLoader(jinja2.FileSystemLoader):
    """Load templates from the search path only: no ``..``, no absolute names, no links leading out.

    A name found in a folder is served only if its real path is inside one of the search-path folders;
    otherwise the loader refuses it rather than look further, so that a link cannot shadow a template quietly.
    """

    def __init__(self, folders: list[Path]) -> None:
        super().__init__([str(folder) for folder in folders])
        self.roots = [folder.resolve() for folder in folders]

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        pieces = template_pieces(template)
        for folder in self.searchpath:
            filename = posixpath.join(folder, *pieces)
            if not os.path.isfile(filename):
                continue
            real = Path(filename).resolve()
            if not any(real.is_relative_to(root) for root in self.roots):
                raise TemplateRefused(
                    f"the template {template!r} is a link to a file outside the template "
                    "folders; it was not read"
                )
            contents, mtime = _read_template(filename, template)

            def uptodate(filename: str = filename, mtime: float = mtime) -> bool:
                # unchanged, and not overridden since by a file of the same name earlier on the search path
                return _unchanged(filename, mtime) and self.locate(template) == filename

            return contents, os.path.normpath(filename), uptodate
        raise jinja2.TemplateNotFound(template)

    def locate(self, template: str) -> str | None:
        """Return the file a template name would be read from, without reading it; None if there is none."""
        try:
            pieces = template_pieces(template)
        except TemplateRefused:
            return None
        for folder in self.searchpath:
            filename = posixpath.join(folder, *pieces)
            if os.path.lexists(filename):
                return filename
        return None

    def list_templates(self) -> list[str]:
        """Return every file under the search path; linked folders are not entered (links to files are listed,
        so that checking them reports where they lead)."""
        found: set[str] = set()
        for folder in self.searchpath:
            for dirpath, _, filenames in os.walk(folder):  # followlinks=False
                for filename in filenames:
                    relative = os.path.relpath(os.path.join(dirpath, filename), folder)
                    found.add(relative.replace(os.sep, "/"))
        return sorted(found)


def _read_template(filename: str, name: str) -> tuple[str, float]:
    with open(filename, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise TemplateRefused(f"the template {name!r} is not a regular file")
        data = handle.read(MAX_TEMPLATE_BYTES + 1)
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateRefused(f"the template {name!r} is larger than {MAX_TEMPLATE_BYTES:,} bytes")
    return data.decode("utf-8"), info.st_mtime


def _unchanged(filename: str, mtime: float) -> bool:
    try:
        return os.path.getmtime(filename) == mtime
    except OSError:
        return False


# ---------------------------------------------------------------- sizes


def size_of(value: Any, depth: int = 0) -> int:
    """Return how large a value is for the limits: characters of a text, items and texts of a collection."""
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, dict):
        return len(value) + (sum(size_of(v, depth + 1) for v in value.values()) if depth < 3 else 0)
    if isinstance(value, list | tuple | set | frozenset):
        return len(value) + (sum(size_of(v, depth + 1) for v in value) if depth < 3 else 0)
    return 0


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _refuse_size(size: int, what: str) -> None:
    if size > MAX_VALUE:
        raise TemplateRefused(
            f"{what} would make a value of {size:,} characters or items, more than the "
            f"{MAX_VALUE:,} a template may build"
        )


def _check_printf(text: str, args: Any) -> None:
    """Check the widths and precisions of a ``%`` format before it runs."""
    stars = False
    for match in _PRINTF_WIDTH.finditer(text):
        for number in match.groups():
            if number == "*":
                stars = True
            elif number:
                _refuse_size(int(number), "a '%' format width")
    if stars:
        for arg in args if isinstance(args, tuple) else (args,):
            _refuse_size(_int(arg), "a '%*' format width")


def _check_format(text: str, args: Iterable[Any], kwargs: dict[str, Any]) -> None:
    """Check the widths and precisions of a ``str.format`` pattern before it runs."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return  # format() raises the same error, with its own message
    for _, _, spec, _ in fields:
        if not spec:
            continue
        for number in re.findall(r"\d+", spec):
            _refuse_size(int(number), "a format width")
        if "{" in spec:
            for arg in [*args, *kwargs.values()]:
                _refuse_size(_int(arg), "a format width")


def _check_str_method(owner: str | bytes, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Check a call of a text method that can make its result much longer than the text."""
    if name in ("ljust", "rjust", "center", "zfill") and args:
        _refuse_size(_int(args[0]), f"{name}()")
    elif name == "expandtabs":
        tabsize = _int(args[0] if args else kwargs.get("tabsize", 8))
        tabs = owner.count("\t") if isinstance(owner, str) else owner.count(b"\t")
        _refuse_size(len(owner) + tabs * tabsize, "expandtabs()")
    elif name == "replace" and len(args) >= 2:
        count = args[2] if len(args) > 2 else kwargs.get("count", -1)
        _check_replace(owner, args[0], args[1], count, "replace()")
    elif name == "join" and args and isinstance(args[0], Sized):
        items = args[0]
        _refuse_size(size_of(items) + len(owner) * max(len(items) - 1, 0), "join()")
    elif name in ("format", "format_map") and isinstance(owner, str):
        _check_format(owner, args, kwargs)
    elif name == "translate" and args and isinstance(args[0], dict):
        longest = max((size_of(v) for v in args[0].values()), default=1)
        _refuse_size(len(owner) * max(longest, 1), "translate()")


def _check_replace(text: Any, old: Any, new: Any, count: Any, what: str) -> None:
    if not all(isinstance(value, str | bytes) for value in (text, old, new)):
        return
    if len(new) <= len(old):
        return
    times = len(text) + 1 if not old else text.count(old)
    limit = _int(count)
    if limit > 0:
        times = min(times, limit)
    _refuse_size(len(text) + times * (len(new) - len(old)), what)


# ---------------------------------------------------------------- filters


def _filter_check(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Check a filter that can multiply its input, before it runs (``args`` start with the value)."""
    value = args[0] if args else None
    if name in _EXPANDING:
        _refuse_size(size_of(value) * _EXPANDING[name], f"the '{name}' filter")
    elif name == "center":
        _refuse_size(_int(args[1] if len(args) > 1 else kwargs.get("width", 80)), "the 'center' filter")
    elif name == "indent" and isinstance(value, str):
        width = args[1] if len(args) > 1 else kwargs.get("width", 4)
        step = len(width) if isinstance(width, str) else _int(width)
        _refuse_size(len(value) + (value.count("\n") + 1) * step, "the 'indent' filter")
    elif name == "replace" and len(args) >= 3:
        _check_replace(
            value, args[1], args[2], args[3] if len(args) > 3 else kwargs.get("count"), "the 'replace' filter"
        )
    elif name == "format" and isinstance(value, str):
        _check_printf(value, tuple(args[1:]))
    elif name == "wordwrap" and isinstance(value, str):
        width = max(_int(args[1] if len(args) > 1 else kwargs.get("width", 79)), 1)
        wrap = args[4] if len(args) > 4 else kwargs.get("wrapstring") or "\n"
        _refuse_size(len(value) + (len(value) // width + 1) * size_of(wrap), "the 'wordwrap' filter")
    elif name == "join" and isinstance(value, Sized):
        joiner = args[1] if len(args) > 1 else kwargs.get("d", "")
        _refuse_size(size_of(value) + size_of(joiner) * max(len(value) - 1, 0), "the 'join' filter")
    elif name in ("batch", "slice"):
        count = args[1] if len(args) > 1 else kwargs.get("linecount", kwargs.get("slices", 0))
        if _int(count) > MAX_RANGE:
            raise TemplateRefused(
                f"the '{name}' filter asks for {_int(count):,} groups, more than {MAX_RANGE:,}"
            )


def _bounded_filter(env: BoundedSandbox, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a filter so that it is checked before it runs (if it can multiply) and its result after."""
    skip = 1 if hasattr(func, "jinja_pass_arg") else 0  # the context, eval context or environment

    @functools.wraps(func)
    def checked(*args: Any, **kwargs: Any) -> Any:
        _filter_check(name, args[skip:], kwargs)
        return env.bounded(func(*args, **kwargs))

    return checked


# ---------------------------------------------------------------- the environment


class _BoundedCodeGenerator(CodeGenerator):
    """Compile ``a ~ b`` so that the joined text is checked like any other value a template builds."""

    def visit_Concat(self, node: Concat, frame: Frame) -> None:
        self.write("environment.bounded(")
        super().visit_Concat(node, frame)
        self.write(")")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with limits on what one rendering may build, count and write."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals["range"] = self.range
        self.globals["lipsum"] = self.lipsum
        self.concat = self.join_output  # type: ignore[method-assign]
        self.built = 0
        self.counted = 0

    def start(self) -> None:
        """Start a rendering: its limits on values built and numbers counted begin at zero."""
        self.built = 0
        self.counted = 0

    def bound_filters(self) -> None:
        """Wrap every filter registered so far (call once the filters are in place)."""
        for name, func in list(self.filters.items()):
            self.filters[name] = _bounded_filter(self, name, func)

    def bounded(self, value: Any) -> Any:
        """Return a value a template built, after checking its size and adding it to the rendering's total."""
        size = size_of(value)
        _refuse_size(size, "the template")
        self.built += size
        if self.built > MAX_BUILT:
            raise TemplateRefused(f"the template builds more than {MAX_BUILT:,} characters in all")
        return value

    def join_output(self, pieces: Iterable[str]) -> str:
        """Join what a template, macro or block writes, stopping once it passes MAX_OUTPUT characters."""
        kept: list[str] = []
        total = 0
        for piece in pieces:
            total += len(piece)
            if total > MAX_OUTPUT:
                raise TemplateRefused(f"the template writes more than {MAX_OUTPUT:,} characters")
            kept.append(piece)
        return "".join(kept)

    def range(self, *args: int) -> range:
        """Jinja's ``range``, within MAX_RANGE numbers, and MAX_RANGE_TOTAL over the whole rendering."""
        numbers = range(*args)
        if len(numbers) > MAX_RANGE:
            raise TemplateRefused(f"range() of {len(numbers):,} numbers, more than the {MAX_RANGE:,} allowed")
        self.counted += len(numbers)
        if self.counted > MAX_RANGE_TOTAL:
            raise TemplateRefused(f"the template's loops count more than {MAX_RANGE_TOTAL:,} numbers in all")
        return numbers

    def lipsum(self, n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
        """Jinja's placeholder text, at most a hundred paragraphs of at most a thousand words."""
        if _int(n) > 100 or _int(max) > 1000:
            raise TemplateRefused("lipsum() asks for more than 100 paragraphs or 1,000 words")
        return str(generate_lorem_ipsum(n, html, min, max))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | bytes | list | tuple) and _int(times) > 0:
                    _refuse_size(size_of(seq) * _int(times), "'*'")
            if _int(left) and _int(right) and abs(left).bit_length() + abs(right).bit_length() > MAX_INT_BITS:
                raise TemplateRefused(f"'*' would make a number of more than {MAX_INT_BITS:,} bits")
        elif operator == "**":
            base, exponent = _int(left), _int(right)
            if abs(base) > 1 and exponent * abs(base).bit_length() > MAX_INT_BITS:
                raise TemplateRefused(f"'**' would make a number of more than {MAX_INT_BITS:,} bits")
        elif operator == "%" and isinstance(left, str):
            _check_printf(left, right)
        return self.bounded(super().call_binop(context, operator, left, right))

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        target = getattr(obj, "__wrapped__", obj)  # str.format comes wrapped by the sandbox
        owner = getattr(target, "__self__", None)
        if isinstance(owner, str | bytes):
            _check_str_method(owner, getattr(target, "__name__", ""), args, kwargs)
        return self.bounded(super().call(context, obj, *args, **kwargs))
