"""What every command shares: options, the error and Ctrl-C exits, loading files, building the engine, showing
plans and apply outcomes. Only the CLI prints and picks exit codes (README: Commands)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import click

from provisioner.cli.verbosity import quiet
from provisioner.core.clock import SYSTEM, Clock
from provisioner.core.errors import Diagnostic, DiagnosticsError, ProvisionerError
from provisioner.planning import selection as select
from provisioner.planning.selection import SHOWN
from provisioner.providers import registry
from provisioner.render import FORMATS, render

if TYPE_CHECKING:
    from provisioner.applying.budgets import RequestBudget
    from provisioner.core.plan import Plan
    from provisioner.core.records import Workspace
    from provisioner.engine import ApplyReport, Engine, Survey

# Each command imports what it needs when it runs (the YAML parser and pydantic to load files; the engine and
# requests to talk to a service): `provisioner --help` imports none of them.
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
    help="The schedules root: a scope other files under it also declare is not pruned by a run given "
    "only some of them (default: schedules/ at the git top level).",
)


class Fail(click.ClickException):
    """A ProvisionerError on its way out: message to stderr, exit 1."""

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


def fail(e: ProvisionerError) -> NoReturn:
    if isinstance(e, DiagnosticsError):
        # annotations on the pull request's diff (docs/api-notes.md, contract §4)
        if os.environ.get("GITHUB_ACTIONS") == "true":
            for d in e.diagnostics:
                click.echo(github_annotation(d), err=True)
        n = len(e.diagnostics)
        raise Fail(f"{e}\n{n} error{'s' if n != 1 else ''} found.") from e
    raise Fail(f"error: {e}") from e


def github_annotation(d: Diagnostic) -> str:
    """``::error file=F,line=L,col=C::message``, escaped as GitHub's workflow commands require; the path is made
    relative to the checkout (GITHUB_WORKSPACE) so that the annotation lands on the file in the diff."""
    root = os.environ.get("GITHUB_WORKSPACE")
    path = os.path.relpath(os.path.abspath(d.file), root) if root else d.file
    if path.startswith(".."):
        path = d.file

    def data(text: str) -> str:
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    def prop(text: str) -> str:
        return data(text).replace(":", "%3A").replace(",", "%2C")

    return f"::error file={prop(path)},line={d.line},col={d.col}::{data(d.message)}"


def guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every expected error into one clear message; tracebacks are for bugs only."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ProvisionerError as e:
            fail(e)
        except KeyboardInterrupt:
            interrupted()

    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    return wrapper


def interrupted(report: ApplyReport | None = None) -> NoReturn:
    """Ctrl-C: say what happened, exit 130 (docs/api-notes.md, contract §4)."""
    if report is None:
        click.echo("\ninterrupted; nothing was written.", err=True)
    else:
        outcome_lines(report)
        for step in report.failed_steps:
            click.echo(f"FAILED {step}", err=True)
        from provisioner.applying.interruptible import (
            NOT_STARTED,
        )  # here: --help stays free of concurrent.futures

        not_started = sum(o.status == "skipped" and o.error == NOT_STARTED for o in report.outcomes)
        skipped = (
            report.count("skipped") - not_started
        )  # stale, or a spent budget: skipped before Ctrl-C
        click.echo(
            f"interrupted: {report.count('applied')} applied, {report.count('failed')} failed, "
            + (f"{skipped} skipped, " if skipped else "")
            + f"{not_started} not started. Re-running apply converges (it plans again from live state).",
            err=True,
        )
    sys.exit(130)


def usage_exits_1(e: click.UsageError) -> NoReturn:
    """Exit 2 means "changes" or "drift" (docs/api-notes.md, contract §4): a mistyped option must not look like
    drift."""
    e.exit_code = 1  # type: ignore[misc]
    raise e


def default_paths(paths: tuple[str, ...]) -> list[str]:
    return list(paths) or [
        "schedules"
    ]  # loader.DEFAULT_PATH (not imported here: --help stays light)


def context_clock() -> Clock:
    """What retries, rate pacing, waits and progress use: the real clock, unless the caller passed a clock as the
    context object (tests: ``CliRunner().invoke(main, args, obj=FakeClock())``)."""
    obj = click.get_current_context().obj
    return obj if isinstance(obj, Clock) else SYSTEM


def start_recording(directory: str | None) -> None:
    """Record every exchange of this command into ``directory`` (``--record``) until the command ends."""
    if directory:
        from provisioner.transport.recording import recording

        click.get_current_context().with_resource(recording(directory))


def load(paths: tuple[str, ...]) -> Workspace:
    from provisioner.files.loader import load_workspace

    root = click.get_current_context().meta.get("provisioner.root")
    return load_workspace(default_paths(paths), root)


def make_engine(
    workspace: Workspace, parallelism: int, services: Collection[str] | None = None
) -> Engine:
    """The engine with a provider for each service the files use (of ``services``, when given)."""
    from provisioner.cli.progress import ProgressReporter
    from provisioner.engine import Engine

    clock = context_clock()
    progress = ProgressReporter(
        sys.stderr, clock=clock
    )  # silent for short runs; a bar on a terminal, else lines
    click.get_current_context().call_on_close(progress.close)
    return Engine(
        registry.build(workspace, os.environ, services, clock=clock),
        parallelism=parallelism,
        progress=None if quiet() else progress,
        clock=clock,
    )


def color() -> bool:
    return sys.stdout.isatty() and not os.environ.get(
        "NO_COLOR"
    )  # no-color.org: only a non-empty value


def show(
    plan: Plan, fmt: str, title: str = "Plan", note: str = "", out: TextIO | None = None
) -> None:
    stream = out or sys.stdout
    render(
        plan,
        fmt,
        stream,
        color=fmt == "text" and stream.isatty() and color(),
        title=title,
        note=note,
    )


def planned(
    engine: Engine,
    workspace: Workspace,
    wanted: select.Wanted,
    paths: list[str],
    base: str | None,
    *,
    want_labels: bool,
) -> tuple[Survey, str]:
    """Plan the scopes --target / --changed-since select, labelled against --base when given; and, when only
    some scopes were planned, a note saying which (on stderr, and in markdown for the reviewer)."""
    selection = wanted.selection(engine.scopes)
    run = engine.survey(workspace, want_labels=want_labels, only=selection.pick)
    note = ""
    if not selection.everything:
        n = len(run.scopes)
        names = ", ".join(s.name for s in run.scopes[:SHOWN]) + (" …" if n > SHOWN else "")
        note = f"Planned {n} scope{'s' if n != 1 else ''} ({wanted.why}): {names or 'none'}."
        if not quiet():
            click.echo(note, err=True)
    if base is not None:
        from provisioner.planning.causes import load_base

        files, notes = load_base(base, paths)
        run = engine.with_causes(run, files, base, notes)
    return run, note


def report_budgets(engine: Engine, run: Survey, changes: Any) -> list[RequestBudget]:
    """Say how much of each service's daily request cap the apply would use."""
    from provisioner.applying.budgets import budgets

    found = budgets(engine.providers, run, changes)
    for b in found if not quiet() else ():
        click.echo(
            f"This apply will use about {b.used} {b.service} requests (budget {b.limit}/day).",
            err=True,
        )
    return found


def outcome_lines(report: ApplyReport) -> None:
    from provisioner.render.impact import named_key

    click.echo("")
    for o in report.outcomes:
        mark = {"applied": "ok    ", "failed": "FAILED", "skipped": "skip  "}[o.status]
        where = f" ({o.change.source})" if o.change.source and o.status != "applied" else ""
        said = o.error or (o.written.note if o.written else None)
        click.echo(
            f"  {mark} {o.change.action:<6} {o.change.scope} {named_key(o.change)!r}{where}"
            + (f": {said}" if said else "")
        )
