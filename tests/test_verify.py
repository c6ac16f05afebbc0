"""The check after apply (applying/verify.py), asserted on plain records and a fake provider: a
change the server accepted but did not keep is a failure naming the field, this run's duplicated
creates are removed, late POSTs are waited for, and a re-read that fails is reported without undoing
anything."""

from __future__ import annotations

from provisioner.applying.verify import verify
from provisioner.core.errors import ApiError, ProvisionerError
from provisioner.core.outcomes import ApplyReport, Outcome, Survey
from provisioner.core.records import Change, Plan, Record, Scope
from provisioner.planning.diff import diff_scope
from provisioner.planning.reading import Workers
from provisioner.providers.base import Written
from tests.helpers import FakeProvider, rec

SCOPE = Scope("fake", "guide 1", {"guide": 1})
K = SCOPE.ident


class Checker:
    """The check after apply over one fake provider whose re-read answers ``after``; sleeps are
    recorded."""

    def __init__(self, after: dict[str, Record] | ProvisionerError, now: float = 100.0) -> None:
        self.provider = FakeProvider([SCOPE], {}, {})
        self.after, self.now, self.slept = after, now, []  # type: list[float]
        self.removed: list[Change] = []
        self.provider.apply = self._remove  # type: ignore[method-assign]

    def _remove(self, change: Change) -> Written | None:
        self.removed.append(change)
        return None

    def read(self, scope: Scope) -> dict[str, Record]:
        if isinstance(self.after, ProvisionerError):
            raise self.after
        return self.after

    def monotonic(self) -> float:  # time stands still; sleeps are recorded
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def check(self, run: Survey, outcomes: list[Outcome]) -> ApplyReport:
        report = ApplyReport(outcomes=outcomes)
        self.provider._desired = {SCOPE.name: run.desired[K]}  # resolved again after the writes
        self.provider.read = self.read  # type: ignore[method-assign]
        verify(Workers({"fake": self.provider}, parallelism=1, clock=self), run, report)
        return report


def survey(live: dict[str, Record], desired: dict[str, Record], *, resolved: bool = True) -> Survey:
    plan = Plan(tuple(diff_scope(SCOPE, desired, live)))
    return Survey(plan, [SCOPE], {K: live}, {K: desired}, resolved=resolved)


def applied(run: Survey, **written: Written) -> list[Outcome]:
    return [Outcome(c, "applied", written=written.get(c.key)) for c in run.plan.changes]


def results(report: ApplyReport) -> list[tuple[str, str, str | None]]:
    return [(o.change.key, o.status, o.error) for o in report.outcomes]


def test_changes_that_took_effect_stay_applied() -> None:
    run = survey({"A": rec("A", id=1, s=[1])}, {"A": rec("A", s=[2]), "B": rec("B", s=[3])})
    after = {"A": rec("A", id=1, s=[2]), "B": rec("B", id=2, s=[3])}
    report = Checker(after).check(run, applied(run, B=Written(id=2)))
    assert results(report) == [("A", "applied", None), ("B", "applied", None)]
    assert report.ok and report.notes == []


def test_an_accepted_change_that_was_not_kept_is_a_failure_naming_the_field() -> None:
    live = {"A": rec("A", id=1, s=[1]), "Old": rec("Old", id=2, s=[5])}
    run = survey(live, {"A": rec("A", s=[2]), "B": rec("B", s=[3])})
    report = Checker({"A": rec("A", id=1, s=[1]), "Old": rec("Old", id=2, s=[5])}).check(
        run, applied(run)
    )
    assert results(report) == [
        ("Old", "failed", "the server accepted the delete but the object is still there"),
        (
            "A",
            "failed",
            "the server accepted the update but it did not take effect: s still differs",
        ),
        (
            "B",
            "failed",
            "the server accepted the create but it did not take effect: it is not there",
        ),
    ]
    assert not report.ok


def test_a_delete_the_provider_found_already_gone_is_confirmed_by_identity() -> None:
    run = survey({"Old": rec("Old", id=2, s=[5])}, {})
    gone = Written(note="already gone (404 from its own URL)")
    report = Checker({}).check(run, applied(run, Old=gone))
    assert results(report) == [("Old", "applied", None)]
    # Issue 23: a 404 while the object is still listed (same id, same name) is not "already gone".
    listed = Checker({"Old": rec("Old", id=2, s=[5])}).check(run, applied(run, Old=gone))
    assert results(listed) == [
        (
            "Old",
            "failed",
            "the server answered 404 (already gone) but the object is still listed (#2)",
        )
    ]
    # A server that reused id 2 for another object does not fail a good delete.
    reused = Checker({"New": rec("New", id=2, s=[5])}).check(run, applied(run))
    assert results(reused) == [("Old", "applied", None)]


def test_this_runs_duplicated_create_is_removed_and_the_lowest_id_kept() -> None:
    run = survey({}, {"B": rec("B", s=[3])})
    after = {"B": rec("B", id=4, s=[3]), "B (#9)": rec("B (#9)", id=9, s=[3])}
    checker = Checker(after)
    report = checker.check(run, applied(run, B=Written(id=9)))
    assert [(c.action, c.key, c.target["id"]) for c in checker.removed] == [("delete", "B (#9)", 9)]
    assert results(report) == [("B", "applied", None)]
    assert report.notes == [
        "guide 1 'B' was created twice (another writer, or a create the server committed late): "
        "kept #4, the lowest id; removing this run's copy #9"
    ]


def test_a_create_with_an_unanswered_post_is_waited_for_until_its_window_ends() -> None:
    run = survey({}, {"B": rec("B", s=[3]), "C": rec("C", s=[4])})
    late = Written(id=5, unanswered=1, settle_until=130.0)
    answered = Written(id=6, unanswered=0, settle_until=500.0)  # no unanswered POST: no wait
    checker = Checker({"B": rec("B", id=5, s=[3]), "C": rec("C", id=6, s=[4])}, now=100.0)
    checker.check(run, applied(run, B=late, C=answered))
    assert checker.slept == [30.0]
    past = Checker({"B": rec("B", id=5, s=[3]), "C": rec("C", id=6, s=[4])}, now=131.0)
    past.check(run, applied(run, B=late))
    assert past.slept == []


def test_a_failed_re_read_is_reported_and_the_writes_stay_applied() -> None:
    run = survey({}, {"B": rec("B", s=[3])})
    report = Checker(ApiError("Fake: 503 Service Unavailable")).check(run, applied(run))
    assert results(report) == [("B", "applied", None)]
    assert report.unconverged == [
        "guide 1: could not re-read after the apply, so whether its changes took effect is not "
        "known: "
        "Fake: 503 Service Unavailable; run plan again to see what is left"
    ]
    assert not report.ok  # issue 23: never exit 0 over doubt


def test_a_saved_plans_update_is_found_by_the_id_it_was_computed_from() -> None:
    """Without the YAML resolved again, an update is checked against the object it was planned on,
    by id: its key may have changed (a Planning Center position is part of the key)."""
    run = survey({"A": rec("A", id=1, s=[1], n="x")}, {"A": rec("A", s=[2], n="x")}, resolved=False)
    kept = Checker({"A renamed": rec("A renamed", id=1, s=[2], n="y")}).check(run, applied(run))
    assert results(kept) == [("A", "applied", None)]  # only the change's own fields are compared
    lost = Checker({"A": rec("A", id=1, s=[1], n="x")}).check(run, applied(run))
    assert results(lost) == [
        (
            "A",
            "failed",
            "the server accepted the update but it did not take effect: s still differs",
        )
    ]
