"""The one orchestrator. The CLI parses options, calls these functions and prints what they return.

``plan``: load → select the scopes (--target, --changed-since) → read live → resolve and diff →
safety → causes (--base) → request budgets. ``plan_saved``: a saved plan over a fresh read of its
scopes (stale, pending or already applied). ``apply``: budgets and safety refusals → the caller's
confirmation → writes → post-apply steps → the check after apply. Planning lives in ``planning/``,
applying in ``applying/``; the values they produce in ``core/``. Heavy modules are imported when a
command runs: `provisioner --help` stays light."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from provisioner.core.clock import SYSTEM, Clock
from provisioner.core.errors import StalePlanError
from provisioner.core.outcomes import ApplyReport, Interrupted, RequestBudget, Survey

if TYPE_CHECKING:
    from provisioner.core.outcomes import DoctorRow
    from provisioner.core.records import Change, Workspace
    from provisioner.planning.reading import Workers


@dataclass(frozen=True)
class Settings:
    """How a command runs: concurrency, where progress goes, the clock waits use, the environment
    credentials come from."""

    parallelism: int = 8
    progress: Callable[[str, int, int], None] | None = None
    clock: Clock = SYSTEM
    env: Mapping[str, str] = field(default_factory=lambda: os.environ)


@dataclass
class Planned:
    """A plan ready to show and apply: the survey, the providers that made it, and what to say about
    it."""

    run: Survey
    workers: Workers
    note: str = ""  # which scopes were planned, when not every declared one
    budgets: list[RequestBudget] = field(default_factory=list)
    already: tuple[Change, ...] = ()  # a saved plan's changes live already holds (left out)
    saved: int = 0  # how many changes the saved plan holds


def load(paths: Sequence[str], root: str | None = None) -> Workspace:
    """Every file under ``paths`` (default: schedules/), validated. ``root`` is the schedules root
    where the other files that declare a scope are looked for (default: schedules/ at the git top
    level)."""
    from provisioner.files.loader import load_workspace

    return load_workspace(list(paths) or ["schedules"], root)


def plan(
    workspace: Workspace,
    paths: Sequence[str],
    *,
    targets: Sequence[str] = (),
    changed_since: str | None = None,
    base: str | None = None,
    labels: bool = True,
    settings: Settings = Settings(),
) -> Planned:
    """Plan the scopes --target / --changed-since select (every declared one by default), labelled
    against --base when given, with the request budgets applying it would spend."""
    from provisioner.planning import run as planning
    from provisioner.planning.selection import wanted as wanted_by

    paths = list(paths) or ["schedules"]
    wanted = wanted_by(targets, changed_since, paths, workspace)
    workers = _workers(workspace, wanted.services(), settings)
    selection = wanted.selection(workers.scopes)
    run = planning.survey(workers, workspace, want_labels=labels, only=selection.pick)
    note = "" if selection.everything else planning.planned_note(run.scopes, wanted.why)
    if base is not None:
        from provisioner.planning.causes import load_base

        files, notes = load_base(base, paths)
        run = planning.with_causes(workers, run, files, base, notes)
    return _planned(workers, run, note=note, words=labels)


def plan_saved(
    workspace: Workspace,
    saved_path: str,
    *,
    republish: bool = False,
    settings: Settings = Settings(),
) -> Planned:
    """The saved plan, over a fresh read of only the scopes it changes: that read decides staleness,
    and everything shown, checked and applied is the saved plan's. The YAML is resolved again (its
    names read): each saved change must be the one the YAML makes from the change's recorded
    ``before`` (contract §5), so a hand-edited plan, even with its fingerprint recomputed, is
    refused with nothing written."""
    from provisioner.applying.saved import adopt_saved, check_saved, read_plan_file, rederive
    from provisioner.planning import run as planning
    from provisioner.planning.selection import Selection

    saved = read_plan_file(saved_path)
    workers = _workers(workspace, {c.provider for c in saved.changes}, settings)
    del republish  # the YAML is resolved either way (it used to be only for --republish)
    scopes = frozenset((c.provider, c.scope) for c in saved.changes)
    fresh = planning.survey(workers, workspace, only=Selection(scopes=scopes).pick)
    problems = check_saved(saved, fresh)
    if problems:
        raise StalePlanError(
            "refusing to apply a stale plan, nothing was written:\n  " + "\n  ".join(problems)
        )
    rederive(
        saved, fresh, lambda scope, live: workers.providers[scope.provider_key].desired(scope, live)
    )
    run, done = adopt_saved(saved, fresh)
    return _planned(workers, run, already=done, saved=len(saved.changes))


def apply(
    planned: Planned,
    *,
    force: bool = False,
    republish: bool = False,
    confirm: Callable[[], None] | None = None,
) -> ApplyReport:
    """Refuse a plan over a request budget or unsafe (unless ``force``), then ``confirm`` (which
    raises to cancel; None: approved already), then write. An empty plan only republishes, when
    asked to. Raises Interrupted on Ctrl-C."""
    from provisioner.applying import run as applying
    from provisioner.applying.budgets import check_budgets

    run, workers = planned.run, planned.workers
    if run.plan.empty:
        try:
            return applying.republish_all(workers, run) if republish else ApplyReport()
        except KeyboardInterrupt:
            raise Interrupted(ApplyReport(failed_steps=["interrupted while publishing"])) from None
    check_budgets(planned.budgets, force=force)
    applying.check_safety(run, force=force)  # before asking: a "yes" must not meet a refusal
    if confirm is not None:
        confirm()
    return applying.apply(workers, run, force=force, republish=republish)


def doctor(workspace: Workspace, settings: Settings = Settings()) -> list[DoctorRow]:
    """Every service and account the files use, checked read-only by its own provider."""
    from provisioner.providers import doctor as checks

    return checks.run(workspace, settings.env, clock=settings.clock)


def recording(directory: str) -> AbstractContextManager[object]:
    """While open, every request and response is written to ``directory`` as JSON (``--record``)."""
    from provisioner.transport.recording import recording as record_to

    return record_to(directory)


def schema() -> str:
    """The JSON Schema of the YAML files, as text."""
    from provisioner.files.schema import schema_text

    return schema_text()


def _workers(workspace: Workspace, services: Collection[str] | None, settings: Settings) -> Workers:
    """A provider for each (service, account) the files use (of ``services``, when given)."""
    from provisioner.planning.reading import Workers
    from provisioner.providers import registry

    return Workers(
        registry.build(workspace, settings.env, services, clock=settings.clock),
        parallelism=settings.parallelism,
        progress=settings.progress,
        clock=settings.clock,
    )


def _planned(
    workers: Workers,
    run: Survey,
    note: str = "",
    already: Sequence[Change] = (),
    saved: int = 0,
    *,
    words: bool = True,
) -> Planned:
    from provisioner.applying.budgets import budgets
    from provisioner.planning.words import described

    if words:
        run.plan = described(run.plan)
    found = budgets(workers.providers, run, run.plan.changes)
    return Planned(run, workers, note, found, tuple(already), saved)
