"""What every command shares: the error and Ctrl-C exits, the run's settings (clock, progress,
recording), showing plans and apply outcomes. Only the CLI prints and picks exit codes (README:
Commands)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import click

from provisioner.cli.options import root
from provisioner.cli.verbosity import quiet
from provisioner.core.clock import SYSTEM, Clock
from provisioner.core.errors import Diagnostic, DiagnosticsError, ProvisionerError
from provisioner.render import render

if TYPE_CHECKING:
    from provisioner.core.outcomes import ApplyReport
    from provisioner.core.plan import Change, Plan
    from provisioner.engine import Planned, Settings

# Each command imports what it needs when it runs (the YAML parser and pydantic to load files; the
# engine and requests to talk to a service): `provisioner --help` imports none of them.


class Fail(click.ClickException):
    """A ProvisionerError on its way out: message to stderr, exit 1."""

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


def fail(e: ProvisionerError) -> NoReturn:
    """End the command with ``e`` in words (exit 1): diagnostics one a line with their count (and as
    GitHub annotations inside Actions), anything else as one ``error:`` line."""
    if isinstance(e, DiagnosticsError):
        # annotations on the pull request's diff (docs/api-notes.md, contract §4)
        if os.environ.get("GITHUB_ACTIONS") == "true":
            for d in e.diagnostics:
                click.echo(github_annotation(d), err=True)
        n = len(e.diagnostics)
        raise Fail(f"{e}\n{n} error{'s' if n != 1 else ''} found.") from e
    raise Fail(f"error: {e}") from e


def github_annotation(d: Diagnostic) -> str:
    """``::error file=F,line=L,col=C::message``, escaped as GitHub's workflow commands require; the
    path is made relative to the checkout (GITHUB_WORKSPACE) so that the annotation lands on the
    file in the diff."""
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


def interrupted(
    report: ApplyReport | None = None, titles: dict[tuple[str, str], str] | None = None
) -> NoReturn:
    """Ctrl-C, or SIGTERM taken as it: say what happened, exit 130 (143 for SIGTERM; contract
    §4)."""
    from provisioner.cli.edges import signal_exit

    code, word = signal_exit()
    if report is None:
        click.echo(f"\n{word}; nothing was written.", err=True)
    else:
        outcome_lines(report, titles)
        for step in report.failed_steps:
            click.echo(f"FAILED {step}", err=True)
        not_started = sum(o.not_started for o in report.outcomes)
        # stale, or a spent budget: skipped before Ctrl-C
        skipped = report.count("skipped") - not_started
        click.echo(
            f"{word}: {report.count('applied')} applied, {report.count('failed')} failed, "
            + (f"{skipped} skipped, " if skipped else "")
            + f"{not_started} not started. Re-running apply converges (it plans again from live "
            "state).",
            err=True,
        )
    sys.exit(code)


def usage_exits_1(e: click.UsageError) -> NoReturn:
    """Exit 2 means "changes" or "drift" (docs/api-notes.md, contract §4): a mistyped option must
    not look like drift."""
    e.exit_code = 1  # type: ignore[misc]
    raise e


def context_clock() -> Clock:
    """What retries, rate pacing, waits and progress use: the real clock, unless the caller passed a
    clock as the context object (tests: ``CliRunner().invoke(main, args, obj=FakeClock())``)."""
    obj = click.get_current_context().obj
    return obj if isinstance(obj, Clock) else SYSTEM


def start_recording(directory: str | None) -> None:
    """Record every exchange of this command into ``directory`` (``--record``) until the command
    ends."""
    if directory:
        from provisioner.engine import recording

        click.get_current_context().with_resource(recording(directory))


def settings(parallelism: int = 8) -> Settings:
    """The engine's settings for this command: the context's clock, progress on stderr (silent for
    short runs; a bar on a terminal, else lines; none with -q), credentials from the environment."""
    from provisioner.cli.progress import ProgressReporter
    from provisioner.engine import Settings

    clock = context_clock()
    progress = ProgressReporter(sys.stderr, clock=clock)
    click.get_current_context().call_on_close(progress.close)
    return Settings(parallelism, None if quiet() else progress, clock, os.environ)


def planned_for_review() -> Planned:
    """plan's and drift's run, from the command's options: the selected scopes planned (names read
    unless the format is JSON), and which were planned said on stderr."""
    from provisioner import engine

    options = click.get_current_context().params
    start_recording(options["record_dir"])
    planned = engine.plan(
        engine.load(options["paths"], root()),
        options["paths"],
        targets=options["targets"],
        changed_since=options["changed_since"],
        base=options["base"],
        labels=options["fmt"] != "json",
        settings=settings(options["parallelism"]),
    )
    said(planned.note)
    return planned


def color(stream: TextIO) -> bool:
    """--color always/never; else NO_COLOR (no-color.org: any non-empty value) turns it off,
    FORCE_COLOR (force-color.org) on, but 0 or false off (as Node reads it); the order is CPython's;
    else a terminal."""
    mode = click.get_current_context().find_root().meta.get("color", "auto")
    if mode != "auto":
        return bool(mode == "always")
    if os.environ.get("NO_COLOR"):
        return False
    force = os.environ.get("FORCE_COLOR", "")
    if force:
        return force.lower() not in ("0", "false")
    return stream.isatty()


def show(
    plan: Plan, fmt: str, title: str = "Plan", note: str = "", out: TextIO | None = None
) -> None:
    """The plan on ``out`` (stdout): colour as ``color`` says; -v lists every item of a long list in
    text."""
    from provisioner.cli.verbosity import verbose

    stream = out or sys.stdout
    render(
        plan,
        fmt,
        stream,
        color=fmt == "text" and color(stream),
        title=title,
        note=note,
        full=verbose() > 0,
    )


def said(message: str) -> None:
    """A side remark on stderr (which scopes were planned, the request budget), unless -q."""
    if message and not quiet():
        click.echo(message, err=True)


def outcome_lines(report: ApplyReport, titles: dict[tuple[str, str], str] | None = None) -> None:
    """Print the outcome table of an apply: one row a change (ok, FAILED or skip), with where it was
    declared and what was said about it. A scope is shown by the title the plan above showed
    (``titles``: read while planning, so no request here), else by its plain name."""
    from provisioner.render.impact import named_key

    click.echo("")
    for o in report.outcomes:
        mark = {"applied": "ok    ", "failed": "FAILED", "skipped": "skip  "}[o.status]
        where = f" ({o.change.source})" if o.change.source and o.status != "applied" else ""
        said = o.error or (o.written.note if o.written else None)
        scope = _scope(o.change, titles)
        click.echo(
            f"  {mark} {o.change.action:<6} {scope} {named_key(o.change)!r}{where}"
            + (f": {said}" if said else "")
        )


def _scope(change: Change, titles: dict[tuple[str, str], str] | None) -> str:
    return (titles or {}).get((change.provider, change.scope)) or change.scope
