"""Write what the e-mail says from the project's templates: subject, plain and HTML body, attachment name.

The templates live under ``templates/mail/`` (a project's own override the built-in ones file by file) and
are rendered in the briefing's language, with its gettext catalogue, from the same metadata as the document:
``meta``, the edition's ``audience`` (its name and title) and ``branding``, ``lang`` and ``brief``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from briefgen import plan, templating
from briefgen.context import AudienceView, BrandingView, Meta
from briefgen.errors import Location, MailError
from briefgen.mail.addresses import has_line_break, shown
from briefgen.mail.message import Content, check_filename

SUBJECT = "mail/subject.txt.j2"
BODY_TEXT = "mail/body.txt.j2"
BODY_HTML = "mail/body.html.j2"
FILENAME = "mail/filename.txt.j2"
_SPACES = re.compile(r" {2,}")


@dataclass(frozen=True)
class Edition:
    """What the mail templates are told about the briefing mailed."""

    meta: Meta
    audience: AudienceView
    branding: BrandingView
    lang: str
    brief: str

    def values(self) -> dict[str, object]:
        return {
            "meta": self.meta,
            "audience": self.audience,
            "branding": self.branding,
            "lang": self.lang,
            "brief": self.brief,
        }


def attachment_stem(project: Path, edition: Edition, extra: Mapping[str, object] | None = None) -> str:
    """Render the attachment name (without extension) from ``mail/filename.txt.j2``.

    ``extra`` adds template variables: ``recipient`` and ``copy`` for a personal copy (``briefgen batch``).
    """
    meta, lang = edition.meta, edition.lang
    env = templating.environment(plan.search_path(project), lang)
    values = {**edition.values(), **(extra or {})}
    stem = _one_line(
        templating.render(env, FILENAME, project, **values),
        env,
        FILENAME,
        project,
        meta,
        lang,
        "the attachment name",
    )
    check_filename(stem, _where(env, FILENAME, project))
    return stem


def render(
    project: Path,
    edition: Edition,
    attachments: Sequence[str],
    subject_text: str | None = None,
    extra: Mapping[str, object] | None = None,
) -> Content:
    """Render subject and bodies; ``attachments`` are the file names the body may list.

    ``subject_text`` (the ``subject`` mail setting, for this language) replaces ``mail/subject.txt.j2``; it
    may use the same values. ``extra`` adds template variables (``recipient`` and ``copy`` for a personal
    copy).
    """
    meta, lang = edition.meta, edition.lang
    env = templating.environment(plan.search_path(project), lang)
    values = {**edition.values(), "attachments": list(attachments), **(extra or {})}
    if subject_text is not None:
        rendered = _setting(env, subject_text, project, values)
    else:
        rendered = templating.render(env, SUBJECT, project, **values)
    subject = _one_line(rendered, env, SUBJECT, project, meta, lang, "the subject")
    text = templating.render(env, BODY_TEXT, project, **values)
    html = templating.render(env, BODY_HTML, project, **values)
    return Content(subject, text, html, lang)


def _setting(env: jinja2.Environment, text: str, project: Path, values: dict[str, object]) -> str:
    """Render the ``subject`` setting of briefgen.yaml as a template, in the same sandbox."""
    try:
        template = env.from_string(text)
    except jinja2.TemplateSyntaxError as exc:
        raise MailError(
            f"the subject setting does not parse: {exc.message}",
            Location("briefgen.yaml"),
            "see docs/mail.md",
        ) from None
    try:
        return template.render(**values)
    except jinja2.TemplateError as exc:
        raise MailError(f"the subject setting: {exc}", Location("briefgen.yaml")) from None


def _one_line(
    rendered: str, env: jinja2.Environment, name: str, project: Path, meta: Meta, lang: str, what: str
) -> str:
    """Return a rendered header text on one line, or raise MailError naming where the line break came from."""
    text = rendered.strip()
    if not has_line_break(text):
        return _SPACES.sub(" ", text)
    if has_line_break(meta.title):
        raise MailError(
            f"the brief's title {shown(meta.title)} contains a line break, so it cannot be used in {what}",
            Location(f"content/{lang}/brief.yaml"),
            "write the title on one line",
        )
    raise MailError(
        f"{what} {shown(text)} contains a line break; a mail header cannot",
        _where(env, name, project),
        f"write {name} on one line",
    )


def _where(env: jinja2.Environment, name: str, project: Path) -> Location:
    """Return the location of the template file that would be used for ``name``."""
    filename = env.get_template(name).filename or name
    path = Path(filename)
    try:
        return Location(path.resolve().relative_to(project.resolve()).as_posix())
    except ValueError:
        return Location(f"templates/{name}")
