"""`provisioner apply`: a fresh plan, or exactly a saved one; the outcome table and its exit code."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from provisioner.cli.common import (
    CHANGED_SINCE,
    PARALLELISM,
    PATHS,
    RECORD,
    ROOT,
    TARGET,
    Fail,
    default_paths,
    guard,
    interrupted,
    load,
    make_engine,
    outcome_lines,
    planned,
    report_budgets,
    show,
    start_recording,
)
from provisioner.core.errors import StalePlanError
from provisioner.planning import selection as select
from provisioner.planning.selection import Selection

if TYPE_CHECKING:
    from provisioner.core.plan import Plan
    from provisioner.core.records import Workspace
    from provisioner.engine import ApplyReport, Engine, Survey

MAX_PLAN_BYTES = 64 * 1024 * 1024  # a plan file larger than this is not one we wrote


@click.command()
@PATHS
@TARGET
@CHANGED_SINCE
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Apply exactly this plan.",
)
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--force", is_flag=True, help="Override the safety guards (mass deletes, protected objects)."
)
@click.option(
    "--republish",
    is_flag=True,
    help="Afterwards, publish every guide with `publish:` again in full.",
)
@PARALLELISM
@ROOT
@RECORD
@guard
def apply(
    paths: tuple[str, ...],
    targets: tuple[str, ...],
    changed_since: str | None,
    plan_file: str | None,
    auto_approve: bool,
    force: bool,
    republish: bool,
    parallelism: int,
    record_dir: str | None,
) -> None:
    """Apply a fresh plan, or exactly a saved one."""
    start_recording(record_dir)
    workspace = load(paths)
    if plan_file:
        if targets or changed_since:
            raise Fail(
                "error: --plan applies the saved plan's own scopes; leave out --target and --changed-since"
            )
        saved = _load_plan(plan_file)
        engine = make_engine(workspace, parallelism, {c.provider for c in saved.changes})
        run = _saved_run(engine, workspace, saved)
    else:
        wanted = select.wanted(targets, changed_since, default_paths(paths), workspace)
        engine = make_engine(workspace, parallelism, wanted.services())
        run, _ = planned(engine, workspace, wanted, default_paths(paths), None, want_labels=True)
    changes = run.plan.changes
    show(run.plan, "text")
    if run.plan.empty:
        if republish:
            try:
                _report(engine.republish(run))
            except KeyboardInterrupt:
                from provisioner.engine import ApplyReport

                interrupted(ApplyReport(failed_steps=["interrupted while publishing"]))
        return
    from provisioner.applying.budgets import check_budgets

    check_budgets(report_budgets(engine, run, changes), force=force)
    engine.check_safety(
        run, force=force
    )  # before asking: a "yes" must not be followed by a refusal
    if not auto_approve:
        _confirm()
    from provisioner.engine import Interrupted

    try:
        report = engine.apply(run, force=force, changes=changes, republish=republish)
    except Interrupted as e:
        interrupted(e.report)
    _report(report)


def _load_plan(path: str) -> Plan:
    from provisioner.applying.saved import load_saved
    from provisioner.files.io import FileProblem, read_bounded

    try:
        return load_saved(json.loads(read_bounded(path, MAX_PLAN_BYTES)))
    except FileProblem as e:
        raise StalePlanError(f"cannot read plan file {path}: {e}") from e
    except (ValueError, RecursionError) as e:
        raise StalePlanError(f"cannot read plan file {path}: not JSON ({e})") from e


def _saved_run(engine: Engine, workspace: Workspace, saved: Plan) -> Survey:
    """The saved plan, over a fresh read of only the scopes it changes: that read decides staleness, and
    everything shown, checked and applied is the saved plan's; the YAML resolved against each change's
    recorded ``before`` must make that change (issue 23)."""
    from provisioner.applying.saved import adopt_saved, check_saved, rederive

    # The YAML is resolved again (its names read): each saved change must be one the YAML makes from the
    # change's recorded `before` (contract §5), so an edited plan cannot carry out what nobody declared.
    scopes = frozenset((c.provider, c.scope) for c in saved.changes)
    fresh = engine.survey(workspace, only=Selection(scopes=scopes).pick)
    problems = check_saved(saved, fresh)
    if problems:
        raise StalePlanError(
            "refusing to apply a stale plan, nothing was written:\n  " + "\n  ".join(problems)
        )
    forged = rederive(saved, fresh, engine.desired_for)
    if forged:
        raise StalePlanError(
            "refusing to apply a plan the YAML does not make, nothing was written:\n  "
            + "\n  ".join(forged)
        )
    run, done = adopt_saved(saved, fresh)
    if done and run.plan.empty:
        n = len(done)
        click.echo(
            f"The saved plan is already applied: live state holds its {n} change{'s' if n != 1 else ''}.",
            err=True,
        )
    elif done:
        click.echo(
            f"{len(done)} of the saved plan's {len(saved.changes)} changes are already applied; "
            f"applying the other {len(run.plan.changes)}.",
            err=True,
        )
    return run


def _confirm() -> None:
    if not sys.stdin.isatty():
        raise Fail(
            "error: refusing to apply without confirmation: no terminal to ask on; pass --auto-approve"
        )
    if not click.confirm("Apply these changes?", default=False):
        raise Fail("error: apply cancelled; nothing was written")


def _report(report: ApplyReport) -> None:
    outcome_lines(report)
    for note in report.notes:
        click.echo(note)
    for step in report.failed_steps:
        click.echo(f"FAILED {step}")
    for doubt in report.unconverged:
        click.echo(f"UNCERTAIN {doubt}")
    click.echo(
        f"Applied {report.count('applied')}, failed {report.count('failed')}, "
        f"skipped {report.count('skipped')}."
    )
    if report.failed_steps and report.count("failed") == 0 and report.count("skipped") == 0:
        # Plain apply finds no changes after a failed publish, so it would never publish again.
        raise Fail(
            "error: the changes were applied but a post-apply step failed; fix the cause, then run "
            "`provisioner apply --republish`"
        )
    if report.failed_steps:
        raise Fail(
            "error: some changes or steps failed; fix the cause and run apply again, then "
            "`provisioner apply --republish` if a publish failed"
        )
    if report.unconverged and report.count("failed") == 0 and report.count("skipped") == 0:
        raise Fail(
            "error: the changes were sent, but the check after apply is not certain of the result "
            "(UNCERTAIN above); run plan again: the next run repairs what is left"
        )
    if not report.ok:
        raise Fail(
            "error: some changes failed or were skipped; fix the cause (for a stale change: review a new "
            "plan) and run apply again (it converges)"
        )
