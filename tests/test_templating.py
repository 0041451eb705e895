"""Template errors: the user's template file and line, the name in template terms, and found by `check`."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen import template_errors
from briefgen.plan import builtin_templates
from tests.conftest import run

EXTENDS = '{% extends "base.html.j2" %}\n{% block head %}\n'

CASES = [
    (
        "an attribute misspelt",
        EXTENDS + "<title>{{ ctx.meta.titel }}</title>\n{% endblock %}\n",
        "templates/brief.html.j2:3:11: error: 'ctx.meta' has no attribute 'titel' (did you mean 'title'?)",
    ),
    (
        "a name misspelt",
        EXTENDS + "<title>{{ ctxx.meta.title }}</title>\n{% endblock %}\n",
        "templates/brief.html.j2:3:11: error: 'ctxx' is undefined (did you mean 'ctx'?)",
    ),
    (
        "an attribute of a loop variable",
        EXTENDS + "{% for s in ctx.sections %}{{ s.titel }}{% endfor %}\n{% endblock %}\n",
        "templates/brief.html.j2:3:31: error: 's' has no attribute 'titel' (did you mean 'title'?)",
    ),
    (
        "an if never closed",
        EXTENDS + "  {% if ctx.meta.title %}\n<title>{{ ctx.meta.title }}</title>\n{% endblock %}\n",
        "templates/brief.html.j2:3:3: error: '{% if %}' is never closed "
        "(add {% endif %} where the if block ends)",
    ),
    (
        "a for never closed, at the end of the file",
        EXTENDS + "{% for s in ctx.sections %}\n{{ s.id }}\n",
        "templates/brief.html.j2:3:1: error: '{% for %}' is never closed "
        "(add {% endfor %} where the for block ends)",
    ),
    (
        "an include loop",
        EXTENDS + '  {% include "brief.html.j2" %}\n{% endblock %}\n',
        "templates/brief.html.j2:3: error: templates call each other too deeply "
        "(a macro or include that never stops calling itself?)",
    ),
    (
        "format_map on a cycler",
        EXTENDS + '{{ "{0.x}".format_map({"0": cycler}) }}\n{% endblock %}\n',
        "templates/brief.html.j2:3: error: template error: IndexError: tuple index out of range",
    ),
]


@pytest.mark.parametrize(("source", "expected"), [(s, e) for _, s, e in CASES], ids=[n for n, _, _ in CASES])
def test_a_template_error_names_the_user_s_template_line_in_build_and_check(
    minimal: Path, source: str, expected: str
) -> None:
    (minimal / "templates").mkdir()
    (minimal / "templates" / "brief.html.j2").write_text(source, encoding="utf-8")
    build = run("build", "--project", str(minimal), "--format", "html")
    assert (build.exit_code, build.stderr) == (1, expected + "\n")
    check = run("check", "--project", str(minimal))
    assert check.exit_code == 1
    errors = [line for line in check.stderr.splitlines() if ": error: " in line]
    assert errors == [expected]  # (and a warning that the DOCX does not follow the overridden block)


def test_check_renders_the_stylesheet_labels_and_mail_templates(minimal: Path) -> None:
    for name, text in (
        ("css/brief.css.j2", "body { color: {{ ctx.presentation.branding.palette.inkk }}; }\n"),
        ("docx-labels.j2", "{% set contents = ctx.nothing %}\n"),
        ("mail/subject.txt.j2", "{{ meta.titel }}\n"),
    ):
        (minimal / "templates" / name).parent.mkdir(parents=True, exist_ok=True)
        (minimal / "templates" / name).write_text(text, encoding="utf-8")
    check = run("check", "--project", str(minimal))
    assert check.exit_code == 1
    assert [line for line in check.stderr.splitlines() if ": error: " in line] == [
        "templates/css/brief.css.j2:1:18: error: 'ctx.presentation.branding.palette' has no attribute 'inkk' "
        "(did you mean 'ink'?)",
        "templates/mail/subject.txt.j2:1:4: error: 'meta' has no attribute 'titel' (did you mean 'title'?)",
        "templates/docx-labels.j2:1:19: error: 'ctx' is undefined",
    ]


def test_a_built_in_template_is_named_as_built_in(tmp_path: Path) -> None:
    shown = template_errors.display(str(builtin_templates() / "blocks.html.j2"), tmp_path)
    assert shown == "(built-in) blocks.html.j2"
