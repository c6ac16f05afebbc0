"""Command line: the only module that prints and picks exit codes (docs/api-notes.md, contract §4)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import click

from provisioner import __version__, select
from provisioner.clock import SYSTEM, Clock
from provisioner.errors import Diagnostic, DiagnosticsError, ProvisionerError, StalePlanError
from provisioner.providers import registry
from provisioner.render import FORMATS, render
from provisioner.select import SHOWN, Selection
from provisioner.verbosity import (
    QUIET_HELP,
    VERBOSE_HELP,
    configure_logging,
    quiet,
    set_verbosity,
    verbosity_options,
)

if TYPE_CHECKING:
    from provisioner.budgets import RequestBudget
    from provisioner.core import Workspace
    from provisioner.engine import ApplyReport, Engine, Survey
    from provisioner.plan import Plan

# Each command imports what it needs when it runs (the YAML parser and pydantic to load files; the engine and
# requests to talk to a service): `provisioner --help` imports none of them.
MAX_PLAN_BYTES = 64 * 1024 * 1024  # a plan file larger than this is not one we wrote
PATHS = click.argument("paths", nargs=-1, type=click.Path())
FORMAT = click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
                      help="text for a terminal, markdown for a pull-request comment, json for machines.")
TARGET = click.option("--target", "targets", multiple=True, metavar="KIND:ID",
                       help="Only this scope (repeatable): guide:47, plan:5678, person:111; ACCOUNT/KIND:ID for an "
                            "account. Other scopes are not read.")
CHANGED_SINCE = click.option("--changed-since", metavar="REF",
                             help="Only the scopes declared in files that differ between git REF and the working "
                                  "tree (added to --target).")
BASE = click.option("--base", metavar="REF",
                    help='Label each change "change" (from the YAML\'s difference to REF) or "drift" (REF\'s YAML '
                         "would plan it too).")
PARALLELISM = click.option("--parallelism", type=click.IntRange(1, 64), default=8, show_default=True,
                           help="Concurrent requests for reads and writes.")
RECORD = click.option("--record", "record_dir", type=click.Path(file_okay=False),
                      help="Write each request and response to DIR as JSON (credentials removed).")


class Fail(click.ClickException):
    """A ProvisionerError on its way out: message to stderr, exit 1."""

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


def _fail(e: ProvisionerError) -> NoReturn:
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


def _guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every expected error into one clear message; tracebacks are for bugs only."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ProvisionerError as e:
            _fail(e)
        except KeyboardInterrupt:
            _interrupted()

    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    return wrapper


def _interrupted(report: ApplyReport | None = None) -> NoReturn:
    """Ctrl-C: say what happened, exit 130 (docs/api-notes.md, contract §4)."""
    if report is None:
        click.echo("\ninterrupted; nothing was written.", err=True)
    else:
        _outcome_lines(report)
        for step in report.failed_steps:
            click.echo(f"FAILED {step}", err=True)
        click.echo(f"interrupted: {report.count('applied')} applied, {report.count('failed')} failed, "
                   f"{report.count('skipped')} not started. Re-running apply converges (it plans again from "
                   "live state).", err=True)
    sys.exit(130)


def _usage_exits_1(e: click.UsageError) -> NoReturn:
    """Exit 2 means "changes" or "drift" (docs/api-notes.md, contract §4): a mistyped option must not look like
    drift."""
    e.exit_code = 1  # type: ignore[misc]
    raise e


class Main(click.Group):
    """The top-level group; its help lists the environment variables every registered service reads."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as e:
            _usage_exits_1(e)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as e:
            _usage_exits_1(e)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        return verbosity_options(command) if command is not None else None

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, meaning) for service in registry.services() for name, meaning in service.env_vars]
        rows += [("..._NAME", "any variable above, for the files with `account: NAME` (never the plain one)"),
                 ("PROVISIONER_TIMEOUT", "read timeout of one request in seconds (default 30)"),
                 ("NO_COLOR", "any non-empty value turns colour off"),
                 ("GITHUB_ACTIONS", "true: file errors also as ::error annotations for the pull request's diff")]
        with formatter.section("Environment"):
            formatter.write_dl(rows)


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="provisioner")
@click.option("-v", "--verbose", count=True, expose_value=False, callback=set_verbosity,
              help=VERBOSE_HELP)
@click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=set_verbosity,
              help=QUIET_HELP)
def main() -> None:
    """Keep people's schedules in git; make the live services match."""
    _tolerant_streams()
    configure_logging(click.get_current_context().meta)


def _tolerant_streams() -> None:
    """A terminal or CI log in a non-UTF-8 encoding (LANG=C on old systems, PYTHONIOENCODING=latin-1) gets
    ``\u2192`` for what it cannot show, instead of a UnicodeEncodeError traceback half-way through a plan."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (getattr(stream, "encoding", "") or "").lower().replace("-", "") != "utf8":
            reconfigure(errors="backslashreplace")


def _paths(paths: tuple[str, ...]) -> list[str]:
    return list(paths) or ["schedules"]


def _clock() -> Clock:
    """What retries, rate pacing, waits and progress use: the real clock, unless the caller passed a clock as the
    context object (tests: ``CliRunner().invoke(main, args, obj=FakeClock())``)."""
    obj = click.get_current_context().obj
    return obj if isinstance(obj, Clock) else SYSTEM


def _record(directory: str | None) -> None:
    """Record every exchange of this command into ``directory`` (``--record``) until the command ends."""
    if directory:
        from provisioner.recording import recording

        click.get_current_context().with_resource(recording(directory))


def _load(paths: tuple[str, ...]) -> Workspace:
    from provisioner.loader import load_workspace

    return load_workspace(_paths(paths))


def _engine(workspace: Workspace, parallelism: int, services: Collection[str] | None = None) -> Engine:
    """The engine with a provider for each service the files use (of ``services``, when given)."""
    from provisioner.engine import Engine
    from provisioner.progress import ProgressReporter

    clock = _clock()
    progress = ProgressReporter(sys.stderr, clock=clock)  # silent for short runs; a bar on a terminal, else lines
    click.get_current_context().call_on_close(progress.close)
    return Engine(registry.build(workspace, os.environ, services, clock=clock), parallelism=parallelism,
                  progress=None if quiet() else progress, clock=clock)


def _color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")  # no-color.org: only a non-empty value


def _show(plan: Plan, fmt: str, title: str = "Plan", note: str = "", out: TextIO | None = None) -> None:
    stream = out or sys.stdout
    render(plan, fmt, stream, color=fmt == "text" and stream.isatty() and _color(), title=title, note=note)


@main.command()
@PATHS
@_guard
def validate(paths: tuple[str, ...]) -> None:
    """Check the YAML offline: exit 0 valid, 1 invalid."""
    workspace = _load(paths)
    n = len(workspace.files)
    click.echo(f"{n} file{'s' if n != 1 else ''} valid.")


@main.command()
@PATHS
@FORMAT
@TARGET
@CHANGED_SINCE
@BASE
@click.option("--out", type=click.Path(dir_okay=False, writable=True, allow_dash=True),
              help="Write the JSON plan for apply --plan (`-`: to stdout, the readable plan then goes to stderr).")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 for no changes, 2 for changes.")
@PARALLELISM
@RECORD
@_guard
def plan(paths: tuple[str, ...], fmt: str, targets: tuple[str, ...], changed_since: str | None, base: str | None,
         out: str | None, detailed_exitcode: bool, parallelism: int, record_dir: str | None) -> None:
    """Read live state and show the changes apply would make."""
    _record(record_dir)
    workspace = _load(paths)
    wanted = select.wanted(targets, changed_since, _paths(paths), workspace)
    engine = _engine(workspace, parallelism, wanted.services())
    run, note = _planned(engine, workspace, wanted, _paths(paths), base, want_labels=fmt != "json")
    if out == "-":  # stdout carries the plan file alone, so it can be piped or redirected
        if fmt != "json":
            _show(run.plan, fmt, note=note, out=sys.stderr)
    else:
        _show(run.plan, fmt, note=note)
    if fmt == "text":
        _budgets(engine, run, run.plan.changes)
    if out:
        _write_plan(run.plan, out)
    if detailed_exitcode and run.plan.differs:
        sys.exit(2)


def _planned(engine: Engine, workspace: Workspace, wanted: select.Wanted, paths: list[str], base: str | None, *,
             want_labels: bool) -> tuple[Survey, str]:
    """Plan the scopes --target / --changed-since select, labelled against --base when given; and, when only
    some scopes were planned, a note saying which (on stderr, and in markdown for the reviewer)."""
    selection = wanted.selection(engine.scopes)
    run = engine.survey(workspace, want_labels=want_labels, only=selection.pick)
    note = ""
    if not selection.everything:
        n = len(run.scopes)
        names = ", ".join(s.name for s in run.scopes[:SHOWN]) + (" …" if n > SHOWN else "")
        note = f"Planned {n} scope{'s' if n != 1 else ''} ({wanted.why}): {names or 'none'}."
        click.echo(note, err=True)
    if base is not None:
        from provisioner.causes import load_base

        files, notes = load_base(base, paths)
        run = engine.with_causes(run, files, base, notes)
    return run, note


def _write_plan(plan: Plan, path: str) -> None:
    if path == "-":
        render(plan, "json", sys.stdout, color=False)
        return
    try:
        with open(path, "w", encoding="utf-8") as fh:
            render(plan, "json", fh, color=False)
    except OSError as e:
        raise Fail(f"error: cannot write the plan file {path}: {e.strerror or type(e).__name__}") from e
    if not quiet():
        click.echo(f"Plan written to {path} ({plan.fingerprint[:19]}…).", err=True)


@main.command()
@PATHS
@TARGET
@CHANGED_SINCE
@click.option("--plan", "plan_file", type=click.Path(exists=True, dir_okay=False), help="Apply exactly this plan.")
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@click.option("--force", is_flag=True, help="Override the safety guards (mass deletes, protected objects).")
@click.option("--republish", is_flag=True, help="Afterwards, publish every guide with `publish:` again in full.")
@PARALLELISM
@RECORD
@_guard
def apply(paths: tuple[str, ...], targets: tuple[str, ...], changed_since: str | None, plan_file: str | None,
          auto_approve: bool, force: bool, republish: bool, parallelism: int, record_dir: str | None) -> None:
    """Apply a fresh plan, or exactly a saved one."""
    _record(record_dir)
    workspace = _load(paths)
    if plan_file:
        if targets or changed_since:
            raise Fail("error: --plan applies the saved plan's own scopes; leave out --target and --changed-since")
        saved = _load_plan(plan_file)
        engine = _engine(workspace, parallelism, {c.provider for c in saved.changes})
        run = _saved_run(engine, workspace, saved, resolve=republish)
    else:
        wanted = select.wanted(targets, changed_since, _paths(paths), workspace)
        engine = _engine(workspace, parallelism, wanted.services())
        run, _ = _planned(engine, workspace, wanted, _paths(paths), None, want_labels=True)
    changes = run.plan.changes
    _show(run.plan, "text")
    if run.plan.empty:
        if republish:
            try:
                _report(engine.republish(run))
            except KeyboardInterrupt:
                from provisioner.engine import ApplyReport

                _interrupted(ApplyReport(failed_steps=["interrupted while publishing"]))
        return
    from provisioner.budgets import check_budgets

    check_budgets(_budgets(engine, run, changes), force=force)
    engine.check_safety(run, force=force)  # before asking: a "yes" must not be followed by a refusal
    if not auto_approve:
        _confirm()
    from provisioner.engine import Interrupted

    try:
        report = engine.apply(run, force=force, changes=changes, republish=republish)
    except Interrupted as e:
        _interrupted(e.report)
    _report(report)


def _load_plan(path: str) -> Plan:
    from provisioner.files import FileProblem, read_bounded
    from provisioner.saved import load_saved

    try:
        return load_saved(json.loads(read_bounded(path, MAX_PLAN_BYTES)))
    except FileProblem as e:
        raise StalePlanError(f"cannot read plan file {path}: {e}") from e
    except (ValueError, RecursionError) as e:
        raise StalePlanError(f"cannot read plan file {path}: not JSON ({e})") from e


def _saved_run(engine: Engine, workspace: Workspace, saved: Plan, *, resolve: bool) -> Survey:
    """The saved plan, over a fresh read of only the scopes it changes: that read decides staleness, and
    everything shown, checked and applied is the saved plan's. Only ``--republish`` (which publishes everyone the
    YAML declares) resolves the YAML again; otherwise no name is read."""
    from provisioner.saved import adopt_saved, check_saved

    if resolve:
        scopes = frozenset((c.provider, c.scope) for c in saved.changes)
        fresh = engine.survey(workspace, only=Selection(scopes=scopes).pick)
    else:
        fresh = engine.read_saved(workspace, saved)
    problems = check_saved(saved, fresh)
    if problems:
        raise StalePlanError("refusing to apply a stale plan, nothing was written:\n  " + "\n  ".join(problems))
    run, done = adopt_saved(saved, fresh)
    if done and run.plan.empty:
        n = len(done)
        click.echo(f"The saved plan is already applied: live state holds its {n} change{'s' if n != 1 else ''}.",
                   err=True)
    elif done:
        click.echo(f"{len(done)} of the saved plan's {len(saved.changes)} changes are already applied; "
                   f"applying the other {len(run.plan.changes)}.", err=True)
    return run


def _budgets(engine: Engine, run: Survey, changes: Any) -> list[RequestBudget]:
    """Say how much of each service's daily request cap the apply would use."""
    from provisioner.budgets import budgets

    found = budgets(engine.providers, run, changes)
    for b in found if not quiet() else ():
        click.echo(f"This apply will use about {b.used} {b.service} requests (budget {b.limit}/day).", err=True)
    return found


def _confirm() -> None:
    if not sys.stdin.isatty():
        raise Fail("error: refusing to apply without confirmation: no terminal to ask on; pass --auto-approve")
    if not click.confirm("Apply these changes?", default=False):
        raise Fail("error: apply cancelled; nothing was written")


def _outcome_lines(report: ApplyReport) -> None:
    from provisioner.render.impact import named_key

    click.echo("")
    for o in report.outcomes:
        mark = {"applied": "ok    ", "failed": "FAILED", "skipped": "skip  "}[o.status]
        where = f" ({o.change.source})" if o.change.source and o.status != "applied" else ""
        said = o.error or (o.written.note if o.written else None)
        click.echo(f"  {mark} {o.change.action:<6} {o.change.scope} {named_key(o.change)!r}{where}" +
                   (f": {said}" if said else ""))


def _report(report: ApplyReport) -> None:
    _outcome_lines(report)
    for note in report.notes:
        click.echo(note)
    for step in report.failed_steps:
        click.echo(f"FAILED {step}")
    for warning in report.unconverged:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"Applied {report.count('applied')}, failed {report.count('failed')}, "
               f"skipped {report.count('skipped')}.")
    if report.failed_steps and report.count("failed") == 0 and report.count("skipped") == 0:
        # Plain apply finds no changes after a failed publish, so it would never publish again.
        raise Fail("error: the changes were applied but a post-apply step failed; fix the cause, then run "
                   "`provisioner apply --republish`")
    if report.failed_steps:
        raise Fail("error: some changes or steps failed; fix the cause and run apply again, then "
                   "`provisioner apply --republish` if a publish failed")
    if not report.ok:
        raise Fail("error: some changes failed or were skipped; fix the cause (for a stale change: review a new "
                   "plan) and run apply again (it converges)")


@main.command()
@PATHS
@FORMAT
@TARGET
@CHANGED_SINCE
@BASE
@PARALLELISM
@RECORD
@_guard
def drift(paths: tuple[str, ...], fmt: str, targets: tuple[str, ...], changed_since: str | None, base: str | None,
          parallelism: int, record_dir: str | None) -> None:
    """Like plan, for scheduled runs: exit 0 in sync, 2 drift, 1 error."""
    _record(record_dir)
    workspace = _load(paths)
    wanted = select.wanted(targets, changed_since, _paths(paths), workspace)
    engine = _engine(workspace, parallelism, wanted.services())
    run, note = _planned(engine, workspace, wanted, _paths(paths), base, want_labels=fmt != "json")
    _show(run.plan, fmt, title="Drift", note=note)
    sys.exit(2 if run.plan.differs else 0)


@main.command()
@PATHS
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="A table (text) or the same findings as data (json).")
@RECORD
@_guard
def doctor(paths: tuple[str, ...], fmt: str, record_dir: str | None) -> None:
    """Check read-only every service and account the files use: exit 1 only for a problem that stops a run."""
    from provisioner import doctor as checks

    _record(record_dir)
    rows = checks.run(_load(paths), os.environ, clock=_clock())
    if fmt == "json":
        click.echo(json.dumps({"ok": not checks.failed(rows), "checks": [r.to_json() for r in rows]}, indent=2))
    else:
        click.echo(checks.table(rows), nl=False)
    if checks.failed(rows):
        sys.exit(1)


@main.command()
def schema() -> None:
    """Print the JSON Schema of the YAML files."""
    from provisioner.schema import schema_text

    click.echo(schema_text(), nl=False)


def _add_sandbox() -> None:
    from provisioner.sandbox.cli import sandbox

    main.add_command(sandbox)


_add_sandbox()


class ImportGroup(click.Group):
    """`provisioner import <service>`: one subcommand per registered service that has an importer. Each returns
    an ImportResult; this group prints it and turns expected errors into one message."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(c.name for c in self._commands().values() if c.name)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._commands().get(cmd_name)

    def _commands(self) -> dict[str, click.Command]:
        out = {}
        for service in registry.services():
            command = service.import_command()
            if command is not None and command.name:
                out[command.name] = verbosity_options(command)
        return out

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
        except ProvisionerError as e:
            _fail(e)
        except KeyboardInterrupt:  # the file is written in one atomic step at the end: nothing yet
            _interrupted()
        if result is not None:
            _imported(result)
        return result


@main.group("import", cls=ImportGroup)
def import_group() -> None:
    """Write YAML for live state; with -o FILE, merge into it when it exists (keeping its comments)."""


def _imported(result: Any) -> None:
    if result.path is None:
        click.echo(result.text, nl=False)
    for line in result.messages():
        click.echo(line, err=True)
