"""Shell completion through click's own mechanism, and what it offers for briefgen's arguments.

``briefgen completion bash`` prints the script that click generates (the same as
``_BRIEFGEN_COMPLETE=bash_source briefgen``); the shell then asks briefgen itself what to complete. Commands,
options and choices come from click; languages, audiences and template names from the project named with
``--project`` (default: the current folder). Completion never fails: a project it cannot read offers nothing.
"""

from __future__ import annotations

from pathlib import Path

import click
from click.shell_completion import CompletionItem

SHELLS = ("bash", "zsh", "fish")


def _project(ctx: click.Context) -> Path:
    while ctx is not None:
        value = ctx.params.get("project")
        if isinstance(value, Path):
            return value
        ctx = ctx.parent  # type: ignore[assignment]
    return Path(".")


def complete_languages(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Offer the languages of the project's briefgen.yaml."""
    import yaml

    try:  # plain PyYAML, as plan.quick_up_to_date reads it: completion must answer at once, even mid-edit
        config = yaml.safe_load((_project(ctx) / "briefgen.yaml").read_text("utf-8"))
        languages = [str(lang) for lang in config["languages"]]
    except Exception:
        return []
    return [CompletionItem(lang) for lang in languages if lang.startswith(incomplete)]


def complete_audiences(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Offer the audience profiles the project can use: its own and the built-in ones."""
    from briefgen.plan import search_path

    names: set[str] = set()
    try:
        for folder in search_path(_project(ctx)):
            names.update(path.stem for path in (folder / "audiences").glob("*.yaml"))
    except OSError:
        return []
    return [CompletionItem(name) for name in sorted(names) if name.startswith(incomplete)]


def complete_templates(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Offer the names of the built-in templates (what ``templates copy`` takes)."""
    from briefgen.scaffold import builtin_template_names

    return [CompletionItem(name) for name in builtin_template_names() if name.startswith(incomplete)]


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the completion script for SHELL (bash, zsh or fish).

    \b
    bash:  eval "$(briefgen completion bash)"        (in ~/.bashrc)
    zsh:   eval "$(briefgen completion zsh)"         (in ~/.zshrc)
    fish:  briefgen completion fish > ~/.config/fish/completions/briefgen.fish
    """
    from click.shell_completion import get_completion_class

    from briefgen.cli import main
    from briefgen.console import pipe_guard

    found = get_completion_class(shell)
    assert found is not None  # every name in SHELLS is one of click's
    with pipe_guard():
        click.echo(found(main, {}, "briefgen", "_BRIEFGEN_COMPLETE").source())
