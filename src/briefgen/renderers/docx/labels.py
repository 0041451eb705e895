"""The words the DOCX adds around the content ("Contents", "Page 2 of 9"), from the gettext catalogues.

They come from ``docx-labels.j2``, rendered in the edition's language with the same Jinja environment and
catalogues as the HTML templates, so the PDF and the DOCX say the same thing in the same words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from briefgen import templating
from briefgen.errors import Location, TemplateError
from briefgen.renderers.base import Setup

LABELS_TEMPLATE = "docx-labels.j2"
#: The words of a personal copy's marking, shared with the HTML templates.
MARKING_TEMPLATE = "marking.j2"
_LINE = (
    '{% autoescape false %}{% import "' + MARKING_TEMPLATE + '" as marking %}{{ marking.line(m) }}'
    "{% endautoescape %}"
)
_TEXTS = (
    "contents",
    "date",
    "prepared_by",
    "prepared_for",
    "classification",
    "scope",
    "when",
    "event",
    "page_of",
)
_MACROS = ("as_of", "sections", "prepared_for_line", "fallback_note")
#: Names added since labels templates were first copied into projects: a copy without them takes them
#: from the built-in template, in the same language.
_LATER = (
    "list_of_tables",
    "list_of_figures",
    "bottom_line",
    "table_label",
    "figure_label",
    "unit_line",
    "source_line",
)


@dataclass(frozen=True)
class Labels:
    contents: str
    date: str
    prepared_by: str
    prepared_for: str
    classification: str
    scope: str
    when: str
    event: str
    page_of: str  # with "{page}" and "{pages}" where the fields go
    as_of: Callable[[str], str]  # "as of January 2025"
    sections: Callable[[int], str]  # "9 sections"
    prepared_for_line: Callable[[str], str]  # "Prepared for: the executive committee"
    fallback_note: Callable[[str], str]  # "Not yet translated: this section is shown in Korean."
    list_of_tables: str = "List of tables"
    list_of_figures: str = "List of figures"
    bottom_line: str = "Bottom line"
    table_label: Callable[[str], str] = "Table {}".format  # "표 3", given the number
    figure_label: Callable[[str], str] = "Figure {}".format  # "그림 3"
    unit_line: Callable[[str], str] = "(Unit: {})".format  # "(단위: 달러)"
    source_line: Callable[[str], str] = "Source: {}".format  # "출처: 각 사 공시 가격"
    #: "Prepared for Kim, Acme · Copy 7 of 40", from marking.j2 (given the context's Marking)
    copy_line: Callable[[Any], str] = lambda marking: ""


def load(setup: Setup, lang: str) -> Labels:
    """Render the labels template in ``lang`` and read its names; raise a located TemplateError."""
    env = templating.environment(setup.template_folders, lang)
    module = templating.module(env, LABELS_TEMPLATE, setup.project)
    missing = [name for name in (*_TEXTS, *_MACROS) if not hasattr(module, name)]
    if missing:
        raise TemplateError(
            f"the DOCX labels template does not set {', '.join(missing)}",
            Location(LABELS_TEMPLATE),
            "copy the built-in docx-labels.j2 and edit it",
        )
    text = {name: str(getattr(module, name)).strip() for name in _TEXTS}
    later = {name: getattr(module, name) for name in _LATER if hasattr(module, name)}
    if len(later) < len(_LATER):
        builtin = templating.environment(setup.template_folders[-1:], lang)
        fallback = builtin.get_template(LABELS_TEMPLATE).make_module({})
        later = {name: later.get(name, getattr(fallback, name)) for name in _LATER}
    return Labels(
        contents=text["contents"],
        date=text["date"],
        prepared_by=text["prepared_by"],
        prepared_for=text["prepared_for"],
        classification=text["classification"],
        scope=text["scope"],
        when=text["when"],
        event=text["event"],
        page_of=text["page_of"],
        as_of=_text_of(getattr(module, "as_of"), env, setup),  # noqa: B009 - the module has no type for it
        sections=_text_of(getattr(module, "sections"), env, setup),  # noqa: B009
        prepared_for_line=_text_of(getattr(module, "prepared_for_line"), env, setup),  # noqa: B009
        fallback_note=_text_of(getattr(module, "fallback_note"), env, setup),  # noqa: B009
        list_of_tables=str(later["list_of_tables"]).strip(),
        list_of_figures=str(later["list_of_figures"]).strip(),
        bottom_line=str(later["bottom_line"]).strip(),
        table_label=_text_of(later["table_label"], env, setup),
        figure_label=_text_of(later["figure_label"], env, setup),
        unit_line=_text_of(later["unit_line"], env, setup),
        source_line=_text_of(later["source_line"], env, setup),
        copy_line=_marking_line(env, setup.project),
    )


def _marking_line(env: jinja2.Environment, project: Path) -> Callable[[Any], str]:
    """Return the ``line`` macro of marking.j2, compiled when a marked copy first needs it."""

    def line(marking: Any) -> str:
        def call() -> str:
            # rendered (not called from Python) so that Jinja maps an error to its line in marking.j2
            return env.from_string(_LINE).render(m=marking)

        return templating.guard(call, env, MARKING_TEMPLATE, project).strip()

    return line


def _text_of(macro: Any, env: jinja2.Environment, setup: Setup) -> Callable[[Any], str]:
    def call(value: Any) -> str:
        return templating.call_macro(macro, env, LABELS_TEMPLATE, setup.project, value).strip()

    return call
