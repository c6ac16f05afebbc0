"""The orchestrator: load → read live → resolve → diff → safety → (render by the CLI) → apply → verify."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Literal, TypeVar

from provisioner.applying.interruptible import NOT_STARTED, Stopped, run_all
from provisioner.applying.preconditions import Preconditions
from provisioner.core.clock import SYSTEM, Clock
from provisioner.core.collector import paused
from provisioner.core.errors import (
    Diagnostic,
    PlanError,
    ProvisionerError,
    RateLimitedError,
    SafetyError,
)
from provisioner.core.records import Change, Loaded, Plan, Record, Scope, Workspace
from provisioner.planning.diff import case_twins, diff_scope
from provisioner.planning.safety import assess, duplicates
from provisioner.providers.base import Provider, Written, scopes_of

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]
T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Survey:
    """One planning pass: the plan plus the live and desired records it was computed from."""

    plan: Plan
    scopes: list[Scope]
    live: dict[tuple[str, str], dict[str, Record]]
    desired: dict[tuple[str, str], dict[str, Record]]
    read_at: float = 0.0  # monotonic time of the live read, for fresh preconditions
    resolved: bool = (
        True  # False: a saved plan's run, whose ``desired`` is empty (the YAML was not resolved)
    )


@dataclass
class Outcome:
    change: Change
    status: Literal["applied", "failed", "skipped"]
    error: str | None = None
    written: Written | None = None  # what the provider reported (a created id, a note)


@dataclass
class ApplyReport:
    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    # What the check after apply could not establish (a failed re-read, a duplicate this run cannot show
    # it made): never exit 0 over doubt (issue 23).
    unconverged: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            all(o.status == "applied" for o in self.outcomes)
            and not self.failed_steps
            and not self.unconverged
        )

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)


class Interrupted(Exception):
    """Ctrl-C during apply: ``report`` holds what was applied, failed and (as skipped) not started. Not a
    ProvisionerError: the CLI exits 130 for it, not 1."""

    def __init__(self, report: ApplyReport) -> None:
        super().__init__("interrupted")
        self.report = report


@dataclass
class Engine:
    """Holds the providers for one run. ``providers`` maps a provider name to a built provider."""

    providers: Mapping[str, Provider]
    parallelism: int = 8
    progress: Progress | None = None
    clock: Clock = (
        SYSTEM  # what reads are timed and the wait for late commits sleeps on (tests: a FakeClock)
    )
    fresh_for: float | None = (
        None  # seconds a read confirms preconditions for (None: preconditions.MAX_AGE)
    )
    _exhausted: dict[str, str] = field(
        default_factory=dict, init=False
    )  # provider -> why its changes skip

    def __post_init__(self) -> None:
        for provider in self.providers.values():
            provider.set_parallelism(max(1, self.parallelism))

    def survey(
        self,
        workspace: Workspace,
        *,
        want_labels: bool = False,
        only: Callable[[list[Scope]], list[Scope]] | None = None,
    ) -> Survey:
        """Read, resolve and diff every scope the files declare, or those ``only`` picks (the others cost no
        request). The collector is paused meanwhile and what the survey made is kept out of it (collector.py): a
        survey of 10,000 creates spent a third of its time in full collections over the records and changes it
        keeps for the run, and makes no garbage cycles."""
        with paused(keep=True):
            return self._survey(workspace, want_labels=want_labels, only=only)

    def _survey(
        self,
        workspace: Workspace,
        *,
        want_labels: bool,
        only: Callable[[list[Scope]], list[Scope]] | None,
    ) -> Survey:
        scopes = self.scopes(workspace.files)
        if only is not None:
            scopes = only(scopes)
        notes = self._subset_guard(workspace, scopes)
        read_at = self.clock.monotonic()
        live, diags = self._read_all(scopes)
        desired, more = self._resolve(
            [s for s in scopes if (s.provider, s.name) in live], live, want_labels
        )
        if diags or more:
            raise PlanError([*diags, *more])
        changes, reports, warnings, impact, twins = [], [], list(notes), [], []
        for scope in scopes:
            provider, k = self.providers[scope.provider_key], (scope.provider, scope.name)
            found = diff_scope(scope, desired[k], live[k], provider.labels(scope))
            changes += found
            reports.append(assess(scope, live[k], found))
            twins += duplicates(scope, desired[k], live[k], found)
            people = provider.impact(scope, live=live[k], changes=found)
            if people is not None:
                impact.append({"provider": scope.provider, "scope": scope.name, "people": people})
            # Sanity warnings only for what this plan writes: the reviewer is approving those.
            touched = {c.key for c in found if c.action != "delete"}
            warnings += provider.warnings(
                scope, desired={n: r for n, r in desired[k].items() if n in touched}
            )
            warnings += case_twins(scope, desired[k], live[k])
        plan = Plan(
            tuple(changes),
            tuple(reports),
            tuple(warnings + twins),
            workspace.digest,
            tuple(impact),
            tuple(twins),
        )
        log.info("%s", plan.summary_line())
        return Survey(plan, scopes, live, desired, read_at)

    def read_saved(self, workspace: Workspace, saved: Plan) -> Survey:
        """apply --plan's fresh read: the live objects of the scopes the saved plan changes, and nothing else. The
        YAML is not resolved again (its digest is compared instead, and the saved changes carry ids and names), so
        no name is read: a guide's attendee and session lists cost more pages than its schedules."""
        wanted = {(c.provider, c.scope) for c in saved.changes}
        scopes = [s for s in self.scopes(workspace.files) if (s.provider, s.name) in wanted]
        read_at = self.clock.monotonic()
        live, diags = self._read_all(scopes)
        if diags:
            raise PlanError(diags)
        return Survey(
            Plan(inputs_digest=workspace.digest), scopes, live, {}, read_at, resolved=False
        )

    def desired_for(self, scope: Scope, live: dict[str, Record]) -> dict[str, Record]:
        """What the YAML declares for ``scope`` resolved against ``live`` (a saved plan's re-derivation)."""
        return self.providers[scope.provider_key].desired(scope, live)

    def _read_all(
        self, scopes: list[Scope]
    ) -> tuple[dict[tuple[str, str], dict[str, Record]], list[Diagnostic]]:
        """Each scope's live records; the YAML's mistakes a read reveals (an unknown plan) are collected."""
        read = self._map("read", self._read, scopes)
        fatal = next(
            (r for r in read if isinstance(r, ProvisionerError) and not isinstance(r, PlanError)),
            None,
        )
        if fatal is not None:
            raise fatal
        diags = [d for r in read if isinstance(r, PlanError) for d in r.diagnostics]
        return {
            k: r
            for k, r in zip(_keys(scopes), read, strict=True)
            if not isinstance(r, ProvisionerError)
        }, diags

    def _subset_guard(self, workspace: Workspace, scopes: list[Scope]) -> list[str]:
        """A run given only some of the files that declare a scope must not prune that scope (it would delete
        what the other files declare): turn its prune off and say why."""
        if not workspace.siblings:
            return []
        elsewhere: dict[tuple[str, str], list[str]] = {}
        for item in workspace.siblings:
            for other in self.scopes([item]):
                elsewhere.setdefault(other.ident, []).append(item.path)
        notes = []
        for scope in scopes:
            paths = sorted(set(elsewhere.get(scope.ident, [])))
            if paths and scope.prune:
                scope.prune = False
                one = len(paths) == 1
                notes.append(
                    f"{scope.name}: not pruned: {', '.join(paths)} also declare{'s' if one else ''} it and "
                    f"this run was not given {'it' if one else 'them'}; pass every file of the scope (or "
                    "the directory) to prune it"
                )
        return notes

    def scopes(self, files: Sequence[Loaded]) -> list[Scope]:
        """The scopes ``files`` declare (no I/O). With ``account:`` (docs/api-notes.md, contract §2.1) there is one
        provider per (service, account): each gets only its account's files, its scopes named after the account."""
        return [s for key, p in self.providers.items() for s in scopes_of(key, p, files)]

    def with_causes(
        self, run: Survey, base: Sequence[Loaded], ref: str, notes: Sequence[str] = ()
    ) -> Survey:
        """The run with each change labelled "change" or "drift" against the YAML at ``ref`` (``base``)."""
        from provisioner.planning.causes import (
            label_causes,
        )  # only with --base: it imports the git reader

        plan = label_causes(run.plan, run.scopes, run.live, self.providers, base, ref, notes)
        return replace(run, plan=plan)

    def _read(self, scope: Scope) -> dict[str, Record] | ProvisionerError:
        """The error instead of the records, so one scope's failure does not hide the others' (plan collects the
        YAML's mistakes such as an unknown plan; verify reports a failed re-read without undoing the apply)."""
        try:
            return self.providers[scope.provider_key].read(scope)
        except ProvisionerError as e:
            return e

    def _resolve(
        self, scopes: list[Scope], live: dict[tuple[str, str], dict[str, Record]], want_labels: bool
    ) -> tuple[dict[tuple[str, str], dict[str, Record]], list[Diagnostic]]:
        def one(scope: Scope) -> dict[str, Record] | PlanError:
            try:
                return self.providers[scope.provider_key].desired(
                    scope, live[(scope.provider, scope.name)], want_labels=want_labels
                )
            except PlanError as e:
                return e

        results = self._map("resolve", one, scopes)
        diags = [d for r in results if isinstance(r, PlanError) for d in r.diagnostics]
        return {
            k: r
            for k, r in zip(_keys(scopes), results, strict=True)
            if not isinstance(r, PlanError)
        }, diags

    def check_safety(self, run: Survey, *, force: bool = False) -> None:
        """Refuse an unsafe plan unless forced; called before anything is written (and before asking)."""
        if run.plan.violations and not force:
            raise SafetyError(
                "refusing to apply: "
                + "; ".join(run.plan.violations)
                + ". Review the plan, then re-run with --force to override."
            )

    def apply(
        self,
        run: Survey,
        *,
        force: bool = False,
        changes: Sequence[Change] | None = None,
        republish: bool = False,
    ) -> ApplyReport:
        """Carry out ``changes`` (default: the run's plan); refuse unsafe plans without ``force``. With
        ``republish`` the post-apply step covers everything declared, not just what changed.

        Updates and deletes go before creates (an object's old copy is gone or changed before a new one
        appears), and each change's precondition is confirmed against a fresh read of its scope first."""
        todo = list(run.plan.changes if changes is None else changes)
        self.check_safety(run, force=force)
        self._exhausted.clear()
        checks = Preconditions(
            self._read,
            run.scopes,
            run.live,
            run.read_at,
            max_age=self.fresh_for,
            clock=self.clock.monotonic,
        )
        report = ApplyReport(outcomes=self._apply_all(todo, checks))
        try:
            if republish:  # covers what changed too: publishing it twice would only spend requests
                steps = self.republish(run)
                report.notes, report.failed_steps = steps.notes, steps.failed_steps
            else:
                report.notes, report.failed_steps = self._after_apply(run, report)
            self._verify(run, report)
        except (
            KeyboardInterrupt
        ):  # the changes are done; only publishing or the check after them was cut short
            report.failed_steps.append(
                "interrupted before the post-apply steps and the check after apply finished"
            )
            raise Interrupted(report) from None
        return report

    def _apply_all(self, todo: list[Change], checks: Preconditions) -> list[Outcome]:
        """Updates and deletes, then creates, each phase concurrently. On Ctrl-C nothing new starts and the writes
        in flight finish; Interrupted then says what happened to every change."""
        phases = [
            [c for c in todo if c.action != "create"],
            [c for c in todo if c.action == "create"],
        ]
        outcomes: list[Outcome] = []
        for i, phase in enumerate(phases):
            try:
                outcomes += run_all(
                    lambda c: self._apply_one(c, checks),
                    phase,
                    workers=self.parallelism,
                    progress=self._apply_progress(len(outcomes), len(todo)),
                )
            except Stopped as e:
                outcomes += [
                    r
                    if isinstance(r, Outcome)
                    else Outcome(c, "skipped" if r == NOT_STARTED else "failed", r)
                    for c, r in zip(phase, e.results, strict=True)
                ]
                outcomes += [
                    Outcome(c, "skipped", NOT_STARTED) for later in phases[i + 1 :] for c in later
                ]
                raise Interrupted(ApplyReport(outcomes=outcomes)) from None
        return outcomes

    def _apply_progress(self, before: int, total: int) -> Callable[[int, int], None] | None:
        """One count across both phases: the user sees 30 changes, not 6 and then 24."""
        progress = self.progress
        return None if progress is None else lambda done, _: progress("apply", before + done, total)

    def _apply_one(self, change: Change, checks: Preconditions) -> Outcome:
        if change.provider_key in self._exhausted:
            return Outcome(change, "skipped", self._exhausted[change.provider_key])
        verdict = checks.check(change)
        if verdict.stale:
            return Outcome(change, "skipped", verdict.stale)
        if verdict.gone:
            return Outcome(
                change, "applied", written=Written(note="already gone (deleted meanwhile)")
            )
        try:
            written = self.providers[change.provider_key].apply(change)
        except RateLimitedError as e:
            # The service's budget is spent (some services count per day): the rest would only fail the same way.
            self._exhausted.setdefault(
                change.provider_key, f"not attempted: {change.provider_key} rate limit exhausted"
            )
            log.info("%s %s %r failed: %s", change.action, change.scope, change.key, e)
            return Outcome(change, "failed", str(e))
        except ProvisionerError as e:
            log.info("%s %s %r failed: %s", change.action, change.scope, change.key, e)
            return Outcome(change, "failed", str(e))
        log.info("%s %s %r done", change.action, change.scope, change.key)
        return Outcome(change, "applied", written=written if isinstance(written, Written) else None)

    def _after_apply(self, run: Survey, report: ApplyReport) -> tuple[list[str], list[str]]:
        """Post-apply steps (publishing) per scope: notes for the user, and the steps that failed."""
        notes: list[str] = []
        failed: list[str] = []
        for scope in run.scopes:
            mine = [
                o
                for o in report.outcomes
                if (o.change.provider, o.change.scope) == (scope.provider, scope.name)
            ]
            done = [o.change for o in mine if o.status == "applied"]
            step = self.providers[scope.provider_key].post_apply_step(scope)
            if not done or step is None:
                continue
            if len(done) < len(
                mine
            ):  # what did change is live: people should see it, the rest follows later
                notes.append(f"{scope.name}: {step} covers the {len(done)} changes that succeeded")
            try:
                notes += self.providers[scope.provider_key].after_apply(scope, applied=done)
            except ProvisionerError as e:
                failed.append(f"{scope.name}: post-apply step failed: {e}")
        return notes, failed

    def republish(self, run: Survey) -> ApplyReport:
        """The post-apply step of every scope that has one, as if everything had changed."""
        report = ApplyReport()
        for scope in run.scopes:
            provider = self.providers[scope.provider_key]
            if provider.post_apply_step(scope) is None:
                continue
            try:
                report.notes += provider.publish_all(scope, desired=_filled(run, scope))
            except ProvisionerError as e:
                report.failed_steps.append(f"{scope.name}: post-apply step failed: {e}")
        return report

    def _verify(self, run: Survey, report: ApplyReport) -> None:
        """Re-read the scopes written to: remove this run's own duplicated creates (lowest id wins), and turn
        every applied change that did not take effect into a failure naming the object and field."""
        from provisioner.applying.verify import Verifier  # apply only: plan does not import it

        Verifier(
            self.providers, self._read, self._map, self.clock.monotonic, self.clock.sleep
        ).check(run, report)

    def _map(self, what: str, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        todo = list(items)
        if not todo:
            return []
        done: list[R] = []
        if self.progress:  # the start of the phase: progress can then be shown by how long it takes
            self.progress(what, 0, len(todo))
        with ThreadPoolExecutor(
            max_workers=max(1, self.parallelism), thread_name_prefix=what
        ) as pool:
            for result in pool.map(fn, todo):
                done.append(result)
                if self.progress:
                    self.progress(what, len(done), len(todo))
        return done


def _filled(run: Survey, scope: Scope) -> dict[str, Record]:
    """The declared records with the fields they leave unmanaged taken from live (what the object holds)."""
    k = (scope.provider, scope.name)
    live = run.live[k]
    return {
        key: replace(rec, values={**(live[key].values if key in live else {}), **rec.values})
        for key, rec in run.desired[k].items()
    }


def _keys(scopes: list[Scope]) -> list[tuple[str, str]]:
    return [(s.provider, s.name) for s in scopes]
