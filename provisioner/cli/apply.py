"""`provisioner apply`: a fresh plan, or exactly a saved one; the outcome table and its exit
code."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from provisioner.cli.common import (
    Fail,
    guard,
    interrupted,
    outcome_lines,
    said,
    settings,
    show,
    start_recording,
)
from provisioner.cli.options import CHANGED_SINCE, PATHS, RUN, TARGET, root
from provisioner.cli.plan import budget_lines
from provisioner.core.outcomes import Interrupted
from provisioner.render.common import scope_titles

if TYPE_CHECKING:
    from provisioner.core.outcomes import ApplyReport
    from provisioner.engine import Planned


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
@RUN
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
    from provisioner import engine

    start_recording(record_dir)
    workspace = engine.load(paths, root())
    if plan_file and (targets or changed_since):
        raise Fail(
            "error: --plan applies the saved plan's own scopes; leave out --target and "
            "--changed-since"
        )
    if plan_file:
        planned = engine.plan_saved(
            workspace, plan_file, republish=republish, settings=settings(parallelism)
        )
        _already(planned)
    else:
        planned = engine.plan(
            workspace,
            paths,
            targets=targets,
            changed_since=changed_since,
            settings=settings(parallelism),
        )
        said(planned.note)
    show(planned.run.plan, "text")
    if planned.run.plan.empty and not republish:
        return
    if not planned.run.plan.empty:
        budget_lines(planned, lead="This apply will use")
    titles = scope_titles(planned.run.plan)  # the plan's titles name the outcome rows too
    try:
        report = engine.apply(
            planned, force=force, republish=republish, confirm=None if auto_approve else _confirm
        )
    except Interrupted as e:
        interrupted(e.report, titles)
    _report(report, titles)


def _already(planned: Planned) -> None:
    """What of the saved plan live already holds (a plan applied before, or an apply that
    stopped)."""
    done, left = len(planned.already), len(planned.run.plan.changes)
    if done and not left:
        click.echo(
            f"The saved plan is already applied: live state holds its {done} "
            f"change{'s' if done != 1 else ''}.",
            err=True,
        )
    elif done:
        click.echo(
            f"{done} of the saved plan's {planned.saved} changes are already applied; "
            f"applying the other {left}.",
            err=True,
        )


def _confirm() -> None:
    if not sys.stdin.isatty():
        raise Fail(
            "error: refusing to apply without confirmation: no terminal to ask on; pass "
            "--auto-approve"
        )
    try:
        approved = click.confirm("Apply these changes?", default=False)
    except (
        click.Abort
    ):  # Ctrl-C (or end of input) at the prompt: nothing written, exit 130 (contract §4)
        raise KeyboardInterrupt from None
    if not approved:
        raise Fail("error: apply cancelled; nothing was written")


def _report(report: ApplyReport, titles: dict[tuple[str, str], str] | None = None) -> None:
    outcome_lines(report, titles)
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
            "error: some changes failed or were skipped; fix the cause (for a stale change: review "
            "a new "
            "plan) and run apply again (it converges)"
        )
