"""`provisioner validate`, `plan`, `drift`, `doctor` and `schema`."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

import click

from provisioner.cli.common import (
    BASE,
    CHANGED_SINCE,
    FORMAT,
    PARALLELISM,
    PATHS,
    RECORD,
    ROOT,
    TARGET,
    Fail,
    context_clock,
    default_paths,
    guard,
    load,
    make_engine,
    planned,
    report_budgets,
    show,
    start_recording,
)
from provisioner.cli.verbosity import quiet
from provisioner.planning import selection as select
from provisioner.render import render

if TYPE_CHECKING:
    from provisioner.core.plan import Plan


@click.command()
@PATHS
@guard
def validate(paths: tuple[str, ...]) -> None:
    """Check the YAML offline: exit 0 valid, 1 invalid."""
    workspace = load(paths)
    n = len(workspace.files)
    click.echo(f"{n} file{'s' if n != 1 else ''} valid.")


@click.command()
@PATHS
@FORMAT
@TARGET
@CHANGED_SINCE
@BASE
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    help="Write the JSON plan for apply --plan (`-`: to stdout, the readable plan then goes to stderr).",
)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 for no changes, 2 for changes.")
@PARALLELISM
@ROOT
@RECORD
@guard
def plan(
    paths: tuple[str, ...],
    fmt: str,
    targets: tuple[str, ...],
    changed_since: str | None,
    base: str | None,
    out: str | None,
    detailed_exitcode: bool,
    parallelism: int,
    record_dir: str | None,
) -> None:
    """Read live state and show the changes apply would make."""
    start_recording(record_dir)
    workspace = load(paths)
    wanted = select.wanted(targets, changed_since, default_paths(paths), workspace)
    engine = make_engine(workspace, parallelism, wanted.services())
    run, note = planned(
        engine, workspace, wanted, default_paths(paths), base, want_labels=fmt != "json"
    )
    if out == "-":  # stdout carries the plan file alone, so it can be piped or redirected
        if fmt != "json":
            show(run.plan, fmt, note=note, out=sys.stderr)
    else:
        show(run.plan, fmt, note=note)
    if fmt == "text":
        report_budgets(engine, run, run.plan.changes)
    if out:
        _write_plan(run.plan, out)
    if detailed_exitcode and run.plan.differs:
        sys.exit(2)


def _write_plan(plan: Plan, path: str) -> None:
    if path == "-":
        render(plan, "json", sys.stdout, color=False)
        return
    try:
        with open(path, "w", encoding="utf-8") as fh:
            render(plan, "json", fh, color=False)
    except OSError as e:
        raise Fail(
            f"error: cannot write the plan file {path}: {e.strerror or type(e).__name__}"
        ) from e
    if not quiet():
        click.echo(f"Plan written to {path} ({plan.fingerprint[:19]}…).", err=True)


@click.command()
@PATHS
@FORMAT
@TARGET
@CHANGED_SINCE
@BASE
@PARALLELISM
@ROOT
@RECORD
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
    start_recording(record_dir)
    workspace = load(paths)
    wanted = select.wanted(targets, changed_since, default_paths(paths), workspace)
    engine = make_engine(workspace, parallelism, wanted.services())
    run, note = planned(
        engine, workspace, wanted, default_paths(paths), base, want_labels=fmt != "json"
    )
    show(run.plan, fmt, title="Drift", note=note)
    sys.exit(2 if run.plan.differs else 0)


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
    """Check read-only every service and account the files use: exit 1 only for a problem that stops a run."""
    from provisioner.providers import doctor as checks

    start_recording(record_dir)
    rows = checks.run(load(paths), os.environ, clock=context_clock())
    if fmt == "json":
        click.echo(
            json.dumps(
                {"ok": not checks.failed(rows), "checks": [r.to_json() for r in rows]}, indent=2
            )
        )
    else:
        click.echo(checks.table(rows), nl=False)
    if checks.failed(rows):
        sys.exit(1)


@click.command()
def schema() -> None:
    """Print the JSON Schema of the YAML files."""
    from provisioner.files.schema import schema_text

    click.echo(schema_text(), nl=False)
