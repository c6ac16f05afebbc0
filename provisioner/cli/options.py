"""The options several commands share (`--format`, `--target`, `--base`, `--parallelism`,
`--record`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from provisioner.render import FORMATS

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

PATHS = click.argument("paths", nargs=-1, type=click.Path())
FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for a terminal, markdown for a pull-request comment, json for machines.",
)
TARGET = click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="KIND:ID",
    help="Only this scope (repeatable): guide:47, plan:5678, person:111; ACCOUNT/KIND:ID for an "
    "account. Other scopes are not read.",
)
CHANGED_SINCE = click.option(
    "--changed-since",
    metavar="REF",
    help="Only the scopes declared in files that differ between git REF and the working "
    "tree (added to --target).",
)
BASE = click.option(
    "--base",
    metavar="REF",
    help='Label each change "change" (from the YAML\'s difference to REF) or "drift" (REF\'s YAML '
    "would plan it too).",
)
PARALLELISM = click.option(
    "--parallelism",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Concurrent requests for reads and writes.",
)
RECORD = click.option(
    "--record",
    "record_dir",
    type=click.Path(file_okay=False),
    help="Write each request and response to DIR as JSON (credentials removed).",
)


def _keep_root(ctx: click.Context, _: click.Parameter, value: str | None) -> None:
    ctx.meta["provisioner.root"] = value


ROOT = click.option(
    "--root",
    type=click.Path(file_okay=False),
    expose_value=False,
    callback=_keep_root,
    metavar="DIR",
    help="The schedules root: a scope other files under it also declare is not pruned by a run "
    "given "
    "only some of them (default: schedules/ at the git top level).",
)


def root() -> str | None:
    """``--root`` of the running command (None when not given, or the command has no such
    option)."""
    return click.get_current_context().meta.get("provisioner.root")


def together(*options: Decorator) -> Decorator:
    """Several options as one decorator, listed in ``--help`` in the order given."""

    def apply(fn: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            fn = option(fn)
        return fn

    return apply


# What plan and drift read: the files, how to show the plan, which scopes, and --base.
REVIEW = together(PATHS, FORMAT, TARGET, CHANGED_SINCE, BASE)
# How a command that talks to the services runs.
RUN = together(PARALLELISM, ROOT, RECORD)
