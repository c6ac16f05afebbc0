"""Applying a surveyed plan: the safety refusal, fresh preconditions, the writes (in the phases of
applying/order.py, each concurrently), the post-apply steps (publishing), then the check after
apply.

This is the boundary of provider code for writes: whatever a provider raises while applying a change
(its own error, or any other exception: a bug in it) becomes that change's FAILED row, never a
traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

from provisioner.applying.interruptible import Stopped, run_all
from provisioner.applying.order import stages
from provisioner.applying.preconditions import Preconditions, Verdict
from provisioner.core.errors import HostDownError, ProvisionerError, RateLimitedError, SafetyError
from provisioner.core.outcomes import (
    NOT_STARTED,
    ApplyReport,
    Interrupted,
    Outcome,
    Survey,
    Written,
)
from provisioner.core.records import Change, Record, Scope
from provisioner.planning.reading import Workers, unexpected

log = logging.getLogger(__name__)


def check_safety(run: Survey, *, force: bool = False) -> None:
    """Refuse an unsafe plan unless forced; called before anything is written (and before
    asking)."""
    if run.plan.violations and not force:
        raise SafetyError(
            "refusing to apply: "
            + "; ".join(run.plan.violations)
            + ". Review the plan, then re-run with --force to override."
        )


def apply(
    workers: Workers,
    run: Survey,
    *,
    force: bool = False,
    changes: Sequence[Change] | None = None,
    republish: bool = False,
) -> ApplyReport:
    """Carry out ``changes`` (default: the run's plan); refuse unsafe plans without ``force``. With
    ``republish`` the post-apply step covers everything declared, not just what changed.

    Updates and deletes go before creates (an object's old copy is gone or changed before a new one
    appears), and each change's precondition is confirmed against a fresh read of its scope first.
    """
    todo = list(run.plan.changes if changes is None else changes)
    check_safety(run, force=force)
    checks = Preconditions(
        workers.read,
        run.scopes,
        run.live,
        run.read_at,
        max_age=workers.fresh_for,
        clock=workers.clock.monotonic,
    )
    report = ApplyReport(outcomes=_Writes(workers, checks).all(todo))
    try:
        if republish:  # covers what changed too: publishing it twice would only spend requests
            steps = republish_all(workers, run)
            report.notes, report.failed_steps = steps.notes, steps.failed_steps
        else:
            report.notes, report.failed_steps = _after_apply(workers, run, report)
        from provisioner.applying.verify import verify  # apply only: plan does not import it

        verify(workers, run, report)
    except KeyboardInterrupt:  # the changes are done; only publishing or the check was cut short
        report.failed_steps.append(
            "interrupted before the post-apply steps and the check after apply finished"
        )
        raise Interrupted(report) from None
    return report


class _Writes:
    """One apply's writes: each change checked, then written; a service whose rate limit is spent
    skips the rest of its changes."""

    def __init__(self, workers: Workers, checks: Preconditions) -> None:
        self.workers, self.checks = workers, checks
        self.exhausted: dict[str, str] = {}  # provider -> why its changes skip
        self.begun: set[int] = set()  # changes whose first part was written (applying/order.py)

    def all(self, todo: list[Change]) -> list[Outcome]:
        """The phases of applying/order.py, each concurrently. On Ctrl-C nothing new starts and the
        writes in flight finish; Interrupted then says what happened to every change."""
        st = stages(todo, self.workers.providers)
        self.begun = st.begun
        total = sum(map(len, st.phases))
        outcomes: list[Outcome] = []
        done = 0
        for i, phase in enumerate(st.phases):
            phase = st.pending(phase)
            try:
                results = run_all(
                    self.one,
                    phase,
                    workers=self.workers.parallelism,
                    progress=self._progress(done, total),
                )
            except Stopped as e:
                stopped = [
                    r
                    if isinstance(r, Outcome)
                    else Outcome(c, "skipped" if r == NOT_STARTED else "failed", r)
                    for c, r in zip(phase, e.results, strict=True)
                ]
                outcomes += st.settle(stopped)
                outcomes += [
                    Outcome(c, "skipped", NOT_STARTED)
                    for later in st.phases[i + 1 :]
                    for c in st.pending(later)
                ]
                raise Interrupted(ApplyReport(outcomes=outcomes)) from None
            done += len(phase)
            outcomes += st.settle(results)
        return outcomes

    def _progress(self, before: int, total: int) -> Callable[[int, int], None] | None:
        """One count across both phases: the user sees 30 changes, not 6 and then 24."""
        progress = self.workers.progress
        return None if progress is None else lambda done, _: progress("apply", before + done, total)

    def one(self, change: Change) -> Outcome:
        if change.provider_key in self.exhausted:
            return Outcome(change, "skipped", self.exhausted[change.provider_key])
        # A change whose first part was just written was confirmed then: its object now differs from
        # the plan's `before` by that very part.
        checked = id(change) not in self.begun
        verdict = self.checks.check(change) if checked else Verdict()
        if verdict.stale:
            return Outcome(change, "skipped", verdict.stale)
        if verdict.gone:
            return Outcome(
                change, "applied", written=Written(note="already gone (deleted meanwhile)")
            )
        try:
            return self._write(change)
        finally:
            if checked:  # the scope's next refresh no longer waits for it
                self.checks.done(change)

    def _write(self, change: Change) -> Outcome:
        try:
            written = self.workers.providers[change.provider_key].apply(change)
        except RateLimitedError as e:
            # The service's budget is spent (some count per day): the rest would only fail the same
            # way.
            self.exhausted.setdefault(
                change.provider_key, f"not attempted: {change.provider_key} rate limit exhausted"
            )
            return _failed(change, e)
        except HostDownError as e:  # raised before anything was sent: the change never started
            return Outcome(change, "skipped", f"not started: {e}")
        except ProvisionerError as e:
            return _failed(change, e)
        except Exception as e:  # the boundary: a provider's bug fails this change, not the apply
            return _failed(change, unexpected(f"{change.action} {change.key!r}", e))
        log.info("%s %s %r done", change.action, change.scope, change.key)
        return Outcome(change, "applied", written=written if isinstance(written, Written) else None)


def _failed(change: Change, e: ProvisionerError) -> Outcome:
    log.info("%s %s %r failed: %s", change.action, change.scope, change.key, e)
    return Outcome(change, "failed", str(e))


def _after_apply(workers: Workers, run: Survey, report: ApplyReport) -> tuple[list[str], list[str]]:
    """Post-apply steps (publishing) per scope: notes for the user, and the steps that failed."""
    notes: list[str] = []
    failed: list[str] = []
    by_scope: dict[tuple[str, str], list[Outcome]] = {}  # grouped once, not scanned per scope
    for o in report.outcomes:
        by_scope.setdefault((o.change.provider, o.change.scope), []).append(o)
    for scope in run.scopes:
        mine = by_scope.get(scope.ident, [])
        done = [o.change for o in mine if o.status == "applied"]
        provider = workers.providers[scope.provider_key]
        step = provider.post_apply_step(scope)
        if not done or step is None:
            continue
        if len(done) < len(mine):  # what did change is live: people should see it, the rest follows
            notes.append(f"{scope.name}: {step} covers the {len(done)} changes that succeeded")
        try:
            notes += provider.after_apply(scope, applied=done)
        except Exception as e:  # a provider's bug fails the step, not the apply
            failed.append(f"{scope.name}: post-apply step failed: {_said(scope, e)}")
    return notes, failed


def republish_all(workers: Workers, run: Survey) -> ApplyReport:
    """The post-apply step of every scope that has one, as if everything had changed."""
    report = ApplyReport()
    for scope in run.scopes:
        provider = workers.providers[scope.provider_key]
        if provider.post_apply_step(scope) is None:
            continue
        try:
            report.notes += provider.publish_all(scope, desired=_filled(run, scope))
        except Exception as e:  # a provider's bug fails the step, not the apply
            report.failed_steps.append(f"{scope.name}: post-apply step failed: {_said(scope, e)}")
    return report


def _said(scope: Scope, e: Exception) -> str:
    if isinstance(e, ProvisionerError):
        return str(e)
    log.debug("the post-apply step of %s raised", scope.name, exc_info=e)
    return f"{type(e).__name__}: {e}"


def _filled(run: Survey, scope: Scope) -> dict[str, Record]:
    """The declared records with the fields they leave unmanaged taken from live (what the object
    holds)."""
    live = run.live[scope.ident]
    return {
        key: replace(rec, values={**(live[key].values if key in live else {}), **rec.values})
        for key, rec in run.desired[scope.ident].items()
    }
