"""`provisioner drift`: plan for scheduled runs, with an exit code that says whether live
drifted."""

from __future__ import annotations

import sys

import click

from provisioner.cli.common import guard, planned_for_review, show
from provisioner.cli.options import REVIEW, RUN


@click.command()
@REVIEW
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the JSON plan (for `provisioner show`, or apply --plan).",
)
@RUN
@guard
def drift(fmt: str, out: str | None, **_: object) -> None:
    """Like plan, for scheduled runs: exit 0 in sync, 2 drift, 1 error."""
    planned = planned_for_review()  # reads the other options from the click context
    show(planned.run.plan, fmt, title="Drift", note=planned.note)
    if out:
        from provisioner.cli.plan import write_plan

        write_plan(planned.run.plan, out, title="Drift", note=planned.note)
    sys.exit(2 if planned.run.plan.differs else 0)
