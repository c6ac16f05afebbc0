"""`provisioner doctor`: read-only checks of every service and account the files use."""

from __future__ import annotations

import json
import sys

import click

from provisioner.cli.common import guard, settings, start_recording
from provisioner.cli.options import PATHS, RECORD


@click.command()
@PATHS
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A table (text) or the same findings as data (json).",
)
@RECORD
@guard
def doctor(paths: tuple[str, ...], fmt: str, record_dir: str | None) -> None:
    """Check every service and account the files use, read-only: exit 1 only for a problem that
    stops a run."""
    from provisioner import engine
    from provisioner.core.outcomes import any_problem
    from provisioner.render.doctor import table

    start_recording(record_dir)
    rows = engine.doctor(engine.load(paths), settings())
    if fmt == "json":
        findings = {"ok": not any_problem(rows), "checks": [r.to_json() for r in rows]}
        click.echo(json.dumps(findings, indent=2))
    else:
        click.echo(table(rows), nl=False)
    if any_problem(rows):
        sys.exit(1)
