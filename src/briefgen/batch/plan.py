"""Prepare a batch: check everything before anything is built or sent, then plan each recipient from the log.

``prepare`` loads and validates the project, the recipients file, the audiences and (for mail) the SMTP
settings and templates; any problem stops the batch before it starts. ``plan`` reads the distribution log and
decides, per recipient: nothing to do (already sent), wait for ``--resend`` (may have been sent), send the
copy already built (its files are intact and made from the same inputs), or build and send.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from briefgen import audience as profiles_
from briefgen import plan as build_plan
from briefgen.audience import Audience
from briefgen.batch import recipients as recipients_
from briefgen.batch.journal import LOG_NAME, Journal, State, files_intact
from briefgen.batch.recipients import Recipient
from briefgen.bundle import CopyMark
from briefgen.errors import ContentError, Diagnostic, Location
from briefgen.mail.settings import Resolved

Mode = Literal["mail", "eml", "build"]
#: Where copies go inside the batch folder.
COPIES = "copies"


@dataclass(frozen=True)
class BatchOptions:
    """What the user asked for (the ``briefgen batch`` options)."""

    project: Path
    recipients: Path
    output: Path | None = None  # the batch folder; default: output/batch/<recipients file's name>
    mode: Mode = "build"
    eml: Path | None = None  # where .eml files go (mode "eml")
    executor: str | None = None
    jobs: int | None = None
    formats: tuple[str, ...] = ("pdf",)  # for rows that name none
    lang: str | None = None  # for rows that name none; default: the project's default language
    audience: str | None = None  # for rows that name none; default: the whole briefing
    marking: bool = True
    watermark: bool = False
    resend: tuple[str, ...] = ()
    pdf_variant: str | None = None


@dataclass
class Batch:
    """A checked batch: the project, the recipients, the settings; ready to plan and run."""

    options: BatchOptions
    root: Path
    brief_name: str
    recipients: list[Recipient]
    folder: Path
    profiles: dict[str, Audience]
    mail: Resolved | None
    #: the digest of every input of each edition and format: (lang, audience, format) -> digest
    editions: dict[tuple[str, str | None, str], str]
    loaded: object  # briefgen.build.Loaded (kept untyped here: build imports the rendering stack lazily)
    environ: Mapping[str, str] = field(default_factory=dict)  # for the mail settings of each language
    warnings: list[Diagnostic] = field(default_factory=list)
    _codes: dict[str, str] = field(default_factory=dict)

    def code(self, recipient: Recipient) -> str:
        """Return the copy's code (made for every recipient at once, when first asked for)."""
        if not self._codes:
            self._codes = copy_codes(self.brief_name, self.recipients)
        return self._codes[recipient.key]

    def fingerprint(self, recipient: Recipient) -> str:
        """Return a digest of everything a recipient's copy is made from: a copy built from the same is
        the same copy."""
        r = recipient
        mark = self.mark(r)
        facts = {
            "inputs": [self.editions[(r.lang, r.audience, f)] for f in r.formats],
            "formats": r.formats,
            "mark": None if mark is None else vars(mark),
        }
        return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()

    @property
    def log_path(self) -> Path:
        return self.folder / LOG_NAME

    def copy_name(self, recipient: Recipient, fmt: str) -> str:
        """Name a copy's file: ``deepseek-briefing.executive.ko.copy-0007.pdf``."""
        parts = [self.brief_name, *([recipient.audience] if recipient.audience else []), recipient.lang]
        return ".".join([*parts, f"copy-{recipient.number:04d}", fmt])

    def mark(self, recipient: Recipient) -> CopyMark | None:
        if not self.options.marking:
            return None
        return CopyMark(
            recipient.name,
            recipient.organisation,
            recipient.number,
            len(self.recipients),
            self.code(recipient),
            self.options.watermark,
        )


Action = Literal["done", "unsure", "deliver", "render"]


@dataclass(frozen=True)
class Step:
    """What to do for one recipient in this run, and why."""

    recipient: Recipient
    action: Action  # done: nothing; unsure: nothing, reported; deliver: send the built copy; render: build it
    state: State | None
    resend: bool = False


def prepare(options: BatchOptions, environ: Mapping[str, str]) -> Batch:
    """Check the project, the recipients and the settings; raise with every problem found."""
    from briefgen.build import load_project, reads_default
    from briefgen.fonts import font_state

    loaded = load_project(options.project)
    brief = loaded.brief
    root = loaded.root
    folders = build_plan.search_path(root)
    available = profiles_.available(folders)
    defaults = recipients_.Defaults(
        languages=list(brief.editions),
        default_lang=options.lang or brief.config.default_language,
        audiences=set(available),
        audience=options.audience,
        formats=options.formats,
    )
    if options.lang and options.lang not in brief.editions:
        raise ContentError(
            f"language '{options.lang}' is not one of the project's languages ({', '.join(brief.editions)})"
        )
    if options.audience and options.audience not in available:
        profiles_.load(options.audience, folders, root, brief)  # raises the located error
    shown = _shown(options.recipients)
    recipients = recipients_.load(options.recipients, shown, defaults)
    wanted = {r.key for r in recipients}
    unknown = [e for e in options.resend if recipients_.identity(e) not in wanted]
    if unknown:
        raise ContentError(
            f"--resend {unknown[0]}: not in the recipients file", Location(shown), "name a listed address"
        )
    names = sorted({r.audience for r in recipients if r.audience})
    profiles = {name: profiles_.load(name, folders, root, brief) for name in names}
    mail = None
    warnings = list(loaded.warnings)
    if options.mode != "build":
        from briefgen.mail.settings import resolve

        default = brief.config.default_language
        mail = resolve(
            brief.config.mail,
            root,
            environ,
            need_server=options.mode == "mail",
            lang=default,
            default_lang=default,
        )
        warnings += mail.warnings
    folder = options.output or root / "output" / "batch" / options.recipients.stem
    digests = build_plan.Digests(
        root,
        folders,
        {
            "strict": False,
            "source_date_epoch": build_plan.source_date_epoch(),
            "pdf_variant": options.pdf_variant,
        },
    )
    editions: dict[tuple[str, str | None, str], str] = {}
    for r in recipients:
        for fmt in r.formats:
            key = (r.lang, r.audience, fmt)
            if key not in editions:
                job = build_plan.Job(r.lang, fmt, r.audience, fmt)
                reads = reads_default(brief, profiles.get(r.audience or ""))
                default = brief.config.default_language
                editions[key] = digests.digest(job, default, reads, font_state(r.lang))
    return Batch(
        options=options,
        root=root,
        brief_name=brief.config.brief,
        recipients=recipients,
        folder=folder,
        profiles=profiles,
        mail=mail,
        editions=editions,
        loaded=loaded,
        environ=environ,
        warnings=warnings,
    )


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def copy_codes(brief: str, recipients: list[Recipient]) -> dict[str, str]:
    """Give every copy a short code (``7K3Q-M2XA``) that names it in the log, unique within the batch.

    The code is made from the copy's facts (brief, recipient, edition, number), so building a copy again
    gives it the same code and the same bytes.
    """
    codes: dict[str, str] = {}
    used: set[str] = set()
    for r in recipients:
        salt = 0
        while True:
            text = f"{brief}\0{r.key}\0{r.lang}\0{r.audience or ''}\0{r.number}\0{salt}"
            raw = base64.b32encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")[:8]
            code = f"{raw[:4]}-{raw[4:]}"
            if code not in used:
                break
            salt += 1
        used.add(code)
        codes[r.key] = code
    return codes


def plan(batch: Batch, journal: Journal) -> list[Step]:
    """Decide what this run does for each recipient, from what the log says happened before."""
    resend = {recipients_.identity(e) for e in batch.options.resend}
    steps: list[Step] = []
    for r in batch.recipients:
        state = journal.state(r.email)
        forced = r.key in resend
        built = _reusable(batch, r, state)
        if batch.options.mode == "build":
            action: Action = "done" if built and not forced else "render"
        elif state is not None and state.done and not forced:
            action = "done"
        elif state is not None and state.unsure and not forced:
            action = "unsure"
        else:
            action = "deliver" if built else "render"
        steps.append(Step(r, action, state, forced))
    return steps


def _reusable(batch: Batch, r: Recipient, state: State | None) -> bool:
    """Tell whether the copy built earlier is this copy, and its files are still whole."""
    if state is None or state.built is None:
        return False
    if state.built.inputs != batch.fingerprint(r):
        return False
    return files_intact(batch.folder, state.built)
