"""`provisioner action-report` (hidden): what the GitHub action (action.yml) says after running a
command.

It reads the command's output, its stderr and the JSON plan, writes the markdown of the job summary
and the comment to ``--body``, and prints the step outputs (``name=value`` lines for
``$GITHUB_OUTPUT``): whether the plan is unsafe and why, the PR labels, and apply's counts. Not a
user command: its options may change with the action, which is shipped from the same commit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from provisioner.cli.common import guard
from provisioner.render.buffer import fit

OVERRIDE = (
    "apply refuses it without --force. Change the YAML (or the scope's `safety:`), or, to go ahead "
    "deliberately, apply it with --force: in the apply workflow, run it by hand with `force` "
    "ticked; "
    "that run waits for the approval of the `production-force` environment (docs/workflows.md)."
)


@click.command("action-report", hidden=True)
@click.option("--command", "command", required=True, help="The command the action ran.")
@click.option("--exit-code", "rc", type=int, required=True, help="Its exit code.")
@click.option("--format", "fmt", default="markdown", help="The format of its report.")
@click.option(
    "--output", "output_file", type=click.Path(dir_okay=False), required=True, help="Its stdout."
)
@click.option(
    "--errors", "errors_file", type=click.Path(dir_okay=False), required=True, help="Its stderr."
)
@click.option("--plan-file", type=click.Path(dir_okay=False), help="The JSON plan it wrote.")
@click.option("--run-url", default="", help="The workflow run, linked from the comment.")
@click.option("--event", default="", help="The event that started the run (github.event_name).")
@click.option(
    "--body", "body_file", type=click.Path(dir_okay=False), required=True, help="Markdown out."
)
@guard
def action_report(
    command: str,
    rc: int,
    fmt: str,
    output_file: str,
    errors_file: str,
    plan_file: str | None,
    run_url: str,
    event: str,
    body_file: str,
) -> None:
    """Write the comment body; print the step outputs."""
    from provisioner.render import comment
    from provisioner.render.markdown import LIMIT

    output, errors = _read(output_file), _read(errors_file)
    plan = _plan(plan_file) if command == "plan" and rc in (0, 2) else {}
    unsafe = [v for s in plan.get("scopes", []) for v in s.get("violations", [])]
    shown = _plan(plan_file) if command == "show" and rc == 0 else {}
    said = "drift" if shown.get("command") == "drift" and shown.get("changes") else command
    then = comment.next_step(said, rc if said == command else 2, event, bool(unsafe))
    if command == "apply":
        body = comment.apply_comment(rc, output, errors, run_url, then=then)
        applied, failed, skipped = comment.counts(output) or (0, 0, 0)
        click.echo(f"applied={applied}\nfailed={failed}\nskipped={skipped}")
    elif rc not in (0, 2) or (rc == 2 and command not in ("plan", "drift")):
        body = comment.failure_comment(command, rc, output, errors, run_url, then=then)
    elif fmt == "markdown":
        body = fit(comment.with_then(output, then), LIMIT, comment.CUT)
    else:
        body = fit(comment.with_then(comment.text_comment(output), then), LIMIT, comment.CUT)
    Path(body_file).write_text(body, encoding="utf-8")
    click.echo(f"unsafe={'true' if unsafe else 'false'}")
    if unsafe:
        click.echo(f"unsafe-reason={_one_line('; '.join(unsafe))}. {OVERRIDE}")
    click.echo(f"labels={' '.join(labels(command, rc, plan, unsafe))}")


def labels(command: str, rc: int, plan: dict[str, Any], unsafe: list[str]) -> list[str]:
    """The pull request's labels after a plan: changes, unsafe, and drift (changes already in
    live)."""
    if command != "plan" or rc not in (0, 2):
        return []
    changes = plan.get("changes", [])
    found = ["provisioner:changes"] if changes else []
    if unsafe:
        found.append("provisioner:unsafe")
    if any(c.get("cause") == "drift" for c in changes):
        found.append("provisioner:drift")
    return found


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _plan(path: str | None) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _one_line(text: str) -> str:
    """A value for ``$GITHUB_OUTPUT``'s ``name=value`` form: no line break may end it early."""
    return " ".join(text.split())
