"""The check after apply: re-read what was written, keep the lowest id of duplicated creates
(removing only this run's own copies), and turn every change the server accepted but did not keep
into a failure (docs/api-notes.md, contract §4, §6)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from provisioner.applying.duplicates import Created, rekeyed
from provisioner.applying.duplicates import resolve as resolve_twins
from provisioner.core.errors import ProvisionerError
from provisioner.core.outcomes import ApplyReport, Outcome, Survey
from provisioner.core.records import Change, LiveIndex, Record, Scope
from provisioner.planning.diff import diff_scope, field_diff
from provisioner.planning.reading import Workers, unexpected
from provisioner.planning.words import field_name  # the YAML's field names, not the API's

OTHERS_WAIT = 5.0  # seconds a duplicate this run did not make is looked at again before exit 1
OTHERS_STEP = 1.0


def verify(workers: Workers, run: Survey, report: ApplyReport) -> None:
    """Re-read the scopes written to: remove this run's own duplicated creates (lowest id wins), and
    turn every applied change that did not take effect into a failure naming the object and field.
    """
    _Verifier(workers).check(run, report)


@dataclass
class _Verifier:
    """The run's providers and thread pool, for one check after apply."""

    workers: Workers

    def check(self, run: Survey, report: ApplyReport) -> None:
        """Re-read the scopes written to: remove this run's own duplicated creates (lowest id wins),
        and turn every applied change that did not take effect into a failure naming the object and
        field."""
        self._settle(report)
        applied = {
            (o.change.provider, o.change.scope) for o in report.outcomes if o.status == "applied"
        }
        touched = [s for s in run.scopes if (s.provider, s.name) in applied]
        by_scope: dict[tuple[str, str], list[Outcome]] = {}  # grouped once, not scanned per scope
        for o in report.outcomes:
            if o.status == "applied":
                by_scope.setdefault((o.change.provider, o.change.scope), []).append(o)
        for scope, live in zip(
            touched, self.workers.map("verify", self.workers.read, touched), strict=True
        ):
            if isinstance(live, ProvisionerError):
                # The writes happened, but whether they took effect (or left a duplicate) is
                # unknown: exit 1 with what is uncertain, never 0 (issue 23); the next run's plan
                # shows the rest.
                report.unconverged.append(
                    f"{scope.name}: could not re-read after the apply, so whether its changes took "
                    f"effect is not known: {live}; run plan again to see what is left"
                )
                continue
            mine = by_scope.get((scope.provider, scope.name), [])
            live = self._dedupe(scope, live, mine, report)
            report.unconverged += self._check_effect(scope, run, live, mine)

    def _settle(self, report: ApplyReport) -> None:
        """A create whose POST went unanswered may still commit: wait out its window before looking
        for it. So may any write sent again after its answer was lost (a PATCH that lands after the
        run's later PATCH of the same object undoes it): its window too (issue 23: no exit 0 over
        that)."""
        until = [
            o.written.settle_until
            for o in report.outcomes
            if o.status == "applied"
            and o.written
            and o.written.settle_until
            and o.written.unanswered
        ]
        until += [t for p in self.workers.providers.values() if (t := p.unsettled_until()) > 0]
        left = max(until) - self.workers.clock.monotonic() if until else 0.0
        if left > 0:  # a POST that timed out was already waited for longer while it was adopted
            self.workers.clock.sleep(left)

    def _dedupe(
        self, scope: Scope, live: dict[str, Record], mine: list[Outcome], report: ApplyReport
    ) -> dict[str, Record]:
        created = [
            Created(o.change, o.written.id if o.written else None)
            for o in mine
            if o.change.action == "create"
        ]
        twins = resolve_twins(scope, live, created)
        report.notes += twins.notes
        gone = set()
        errors = self.workers.map("dedupe", self._apply_plain, twins.removals)
        for removal, error in zip(twins.removals, errors, strict=True):
            if error is None:
                gone.add(removal.key)
            else:
                report.failed_steps.append(
                    f"{scope.name}: could not remove this run's duplicate {removal.key!r}: "
                    f"{error}; the next plan shows it"
                )
        live = rekeyed({k: r for k, r in live.items() if k not in gone})
        uncertain, waited = twins.uncertain, 0.0
        # A copy this run did not make may be another writer's, which that writer is removing right
        # now (lowest id wins): look again for a few seconds before calling the run uncertain.
        while uncertain and waited < OTHERS_WAIT:
            self.workers.clock.sleep(OTHERS_STEP)
            waited += OTHERS_STEP
            again = self.workers.read(scope)
            if isinstance(again, ProvisionerError):
                break
            live = again
            uncertain = resolve_twins(scope, live, created).uncertain
        report.unconverged += uncertain
        return live

    def _apply_plain(self, change: Change) -> str | None:
        try:
            self.workers.providers[change.provider_key].apply(change)
        except ProvisionerError as e:
            return str(e)
        except Exception as e:  # the boundary: a provider's bug fails this removal, not the apply
            return str(unexpected(f"removing {change.key!r}", e))
        return None

    def _check_effect(
        self, scope: Scope, run: Survey, live: dict[str, Record], mine: list[Outcome]
    ) -> list[str]:
        """An applied change whose object still differs in a field it wrote was accepted but not
        kept: a failure, not a warning. One that differs only in fields it did not write was changed
        by someone else meanwhile (issue 23): not this run's failure, but not certain either (exit
        1), said so."""
        left = self._left(scope, run, live) if run.resolved else {}
        doubts: list[str] = []
        index = LiveIndex.of(live)
        for o in mine:
            c = o.change
            what = left.get(c.key) if run.resolved else _unkept(c, live, index)
            if c.action == "delete" and _still_listed(c, index):
                # Confirmed by identity (id and name): a server that reuses the id for a new object
                # does not fail a good delete, and a 404 "already gone" does not pass while it is
                # still there.
                gone = o.written and o.written.note
                o.status, o.error = (
                    "failed",
                    f"the server answered 404 (already gone) but the object is still listed "
                    f"(#{(c.before or {}).get('id')})"
                    if gone
                    else "the server accepted the delete but the object is still there",
                )
            elif c.action != "delete" and what is not None and what.action != "delete":
                ours, others = _written(c, what)
                if ours or what.action == "create":
                    o.status, o.error = "failed", self._not_kept(scope, c, what, ours, live)
                elif others:
                    doubts.append(
                        f"{c.scope} {c.key!r}: {', '.join(field_name(c, n) for n in others)} "
                        "changed "
                        "while this run applied (not by this run: another writer?); run plan again "
                        "to "
                        "see what is left"
                    )
        return doubts

    def _not_kept(
        self, scope: Scope, c: Change, what: Change, ours: list[str], live: dict[str, Record]
    ) -> str:
        """Why an accepted change did not take effect, naming only the fields it wrote."""
        detail = (
            "it is not there"
            if what.action == "create"
            else f"{', '.join(field_name(c, n) for n in ours)} still "
            f"differ{'s' if len(ours) == 1 else ''}"
        )
        hint = self.workers.providers[scope.provider_key].explain_unconverged(
            c, live=live.get(c.key)
        )
        detail += f" — {hint}" if hint else ""
        return f"the server accepted the {c.action} but it did not take effect: {detail}"

    def _left(self, scope: Scope, run: Survey, live: dict[str, Record]) -> dict[str, Change]:
        """What a fresh plan would still do, by key."""
        try:  # resolved again against the new live state: a changed position pairs with its new key
            want = self.workers.providers[scope.provider_key].desired(scope, live)
        except Exception:  # any failure (a bug too): the plan's own resolution still holds
            want = run.desired[(scope.provider, scope.name)]
        return {c.key: c for c in diff_scope(scope, want, live)}


def _written(change: Change, left: Change) -> tuple[list[str], list[str]]:
    """The fields still differing after ``change``: those it wrote, and those it did not (which only
    someone else can have changed since it was planned)."""
    wrote = set(change.fields) | (set(change.after or {}) if change.action == "create" else set())
    differ = set(left.fields) if left.action == "update" else set()
    return sorted(differ & wrote), sorted(differ - wrote)


def _still_listed(change: Change, live: LiveIndex) -> bool:
    """Whether the object ``change`` deletes is still in ``live``: the same id under the same
    identity."""
    name = change.twin_of or change.key
    return any(
        (r.identity == change.identity) if change.identity else (r.twin_of or r.key) == name
        for r in live.with_id((change.before or {}).get("id"))
    )


def _unkept(change: Change, live: dict[str, Record], index: LiveIndex) -> Change | None:
    """For a saved plan (its YAML not resolved again, so its names not read): what of ``change``
    live does not hold. A create is found by its key, an update by the id it was computed from (a
    changed position changes the key); the fields compare as the diff compares them."""
    if change.action == "delete":
        return None
    if change.action == "create":
        now = live.get(change.key)
    else:
        now = next(iter(index.with_id((change.before or {}).get("id"))), None)
    if now is None:
        return replace(change, action="create")
    after = change.after or {}
    fields = field_diff(
        {f: after.get(f) for f in (change.fields if change.action == "update" else after)},
        now.values,
    )
    return replace(change, action="update", fields=fields) if fields else None
