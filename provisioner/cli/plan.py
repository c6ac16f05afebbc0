"""`provisioner plan`: the changes apply would make, for review; optionally the plan file apply
--plan takes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from provisioner.cli.common import Fail, guard, planned_for_review, said, show
from provisioner.cli.options import REVIEW, RUN
from provisioner.cli.verbosity import quiet
from provisioner.render import render

if TYPE_CHECKING:
    from provisioner.core.plan import Plan
    from provisioner.engine import Planned


@click.command()
@REVIEW
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    help="Write the JSON plan for apply --plan (`-`: to stdout, the readable plan then goes to "
    "stderr).",
)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 for no changes, 2 for changes.")
@RUN
@guard
def plan(fmt: str, out: str | None, detailed_exitcode: bool, **_: object) -> None:
    """Read live state and show the changes apply would make."""
    planned = planned_for_review()  # reads the other options from the click context
    result = planned.run.plan
    if out == "-":  # stdout carries the plan file alone, so it can be piped or redirected
        if fmt != "json":
            show(result, fmt, note=planned.note, out=sys.stderr)
    else:
        show(result, fmt, note=planned.note)
    if fmt == "text":
        budget_lines(planned)
    if out:
        write_plan(result, out, note=planned.note)
    if detailed_exitcode and result.differs:
        sys.exit(2)


def budget_lines(planned: Planned, lead: str = "Applying this plan will use") -> None:
    """Say how much of each service's daily request cap applying would use: a plan speaks of
    applying it, apply of itself (``lead``)."""
    for b in planned.budgets:
        said(f"{lead} about {b.used} {b.service} requests (budget {b.limit}/day).")


def write_plan(plan: Plan, path: str, *, title: str = "Plan", note: str = "") -> None:
    """The plan file, with what review output needs besides the plan (the title, the note), so that
    `provisioner show` renders it as the command that wrote it did."""
    if path == "-":
        render(plan, "json", sys.stdout, color=False, title=title, note=note)
        return
    from provisioner.files.io import write_with

    try:  # atomic: a full disk leaves the previous plan file as it was (contract §4)
        write_with(
            Path(path),
            lambda fh: render(plan, "json", fh, color=False, title=title, note=note),
        )
    except OSError as e:
        raise Fail(
            f"error: cannot write the plan file {path}: {e.strerror or type(e).__name__}"
        ) from e
    if not quiet():
        click.echo(f"Plan written to {path} ({plan.fingerprint[:19]}…).", err=True)
