"""`provisioner drift`: plan for scheduled runs, with an exit code that says whether live drifted."""

from __future__ import annotations

import sys

import click

from provisioner.cli.common import guard, said, settings, show, start_recording
from provisioner.cli.options import BASE, CHANGED_SINCE, FORMAT, PARALLELISM, PATHS, RECORD, TARGET


@click.command()
@PATHS
@FORMAT
@TARGET
@CHANGED_SINCE
@BASE
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the JSON plan (for `provisioner show`, or apply --plan).",
)
@PARALLELISM
@RECORD
@guard
def drift(
    paths: tuple[str, ...],
    fmt: str,
    targets: tuple[str, ...],
    changed_since: str | None,
    base: str | None,
    out: str | None,
    parallelism: int,
    record_dir: str | None,
) -> None:
    """Like plan, for scheduled runs: exit 0 in sync, 2 drift, 1 error."""
    from provisioner import engine

    start_recording(record_dir)
    planned = engine.plan(
        engine.load(paths),
        paths,
        targets=targets,
        changed_since=changed_since,
        base=base,
        labels=fmt != "json",
        settings=settings(parallelism),
    )
    said(planned.note)
    show(planned.run.plan, fmt, title="Drift", note=planned.note)
    if out:
        from provisioner.cli.plan import write_plan

        write_plan(planned.run.plan, out, title="Drift", note=planned.note)
    sys.exit(2 if planned.run.plan.differs else 0)
