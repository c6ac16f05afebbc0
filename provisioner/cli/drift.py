"""`provisioner drift`: plan for scheduled runs, with an exit code that says whether live drifted."""

from __future__ import annotations

import sys

import click

from provisioner.cli.common import guard, planned_for_review, show
from provisioner.cli.options import REVIEW, RUN


@click.command()
@REVIEW
@RUN
@guard
def drift(
    paths: tuple[str, ...],
    fmt: str,
    targets: tuple[str, ...],
    changed_since: str | None,
    base: str | None,
    parallelism: int,
    record_dir: str | None,
) -> None:
    """Like plan, for scheduled runs: exit 0 in sync, 2 drift, 1 error."""
    planned = planned_for_review()  # reads the options above from the click context
    show(planned.run.plan, fmt, title="Drift", note=planned.note)
    sys.exit(2 if planned.run.plan.differs else 0)
