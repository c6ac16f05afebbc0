"""The orchestrator with an in-memory provider: plan, safety, partial failure, skip, verify, saved
plans."""

from __future__ import annotations

import pytest

from provisioner.applying.saved import check_saved
from provisioner.core.clock import FakeClock
from provisioner.core.errors import PlanError, RateLimitedError, SafetyError, ServerError
from provisioner.core.records import Scope, Workspace
from tests.helpers import Driver, FakeProvider, rec

WS = Workspace((), "sha256:inputs")


def scope(name: str, **kw: object) -> Scope:
    return Scope("fake", name, {"scope": name}, **kw)  # type: ignore[arg-type]


def engine(provider: FakeProvider) -> Driver:
    return Driver({"fake": provider}, parallelism=4)


def two_scopes() -> FakeProvider:
    live = {
        "a": {"x": rec("x", id=1, s=[1]), "gone": rec("gone", id=2, s=[2])},
        "b": {"y": rec("y", id=3, s=[3])},
    }
    desired = {
        "a": {"x": rec("x", s=[1, 9]), "new": rec("new", s=[4])},
        "b": {"y": rec("y", s=[3])},
    }
    return FakeProvider([scope("a"), scope("b")], live, desired)


def test_plan_diffs_every_scope_and_reports_safety() -> None:
    run = engine(two_scopes()).survey(WS)
    assert [(c.scope, c.action, c.key) for c in run.plan.changes] == [
        ("a", "delete", "gone"),
        ("a", "update", "x"),
        ("a", "create", "new"),
    ]
    assert [(s.scope, s.live_count, s.deletes) for s in run.plan.scopes] == [
        ("a", 2, 1),
        ("b", 1, 0),
    ]
    assert run.plan.inputs_digest == "sha256:inputs"


def test_read_errors_of_every_scope_are_collected() -> None:
    provider = two_scopes()
    from provisioner.core.errors import Diagnostic

    provider.unreadable = {
        "a": PlanError([Diagnostic("f.yaml", 1, 1, "no plan a")]),
        "b": PlanError([Diagnostic("f.yaml", 2, 1, "no plan b")]),
    }
    with pytest.raises(PlanError) as info:
        engine(provider).survey(WS)
    assert [d.message for d in info.value.diagnostics] == ["no plan a", "no plan b"]


def test_apply_converges_and_verify_finds_nothing() -> None:
    provider = two_scopes()
    eng = engine(provider)
    report = eng.apply(eng.survey(WS))
    assert (
        report.ok
        and report.unconverged == []
        and sorted(provider.applied) == [("create", "new"), ("delete", "gone"), ("update", "x")]
    )
    assert eng.survey(WS).plan.empty


def test_one_failure_does_not_stop_the_others_and_rate_exhaustion_skips() -> None:
    provider = two_scopes()
    provider.fail = {"x": ServerError("boom")}
    report = engine(provider).apply(engine(provider).survey(WS))
    assert {(o.change.key, o.status) for o in report.outcomes} == {
        ("gone", "applied"),
        ("x", "failed"),
        ("new", "applied"),
    }
    assert not report.ok
    provider = two_scopes()
    provider.fail = {"gone": RateLimitedError("daily budget spent")}
    eng = Driver({"fake": provider}, parallelism=1)
    report = eng.apply(eng.survey(WS))
    assert [(o.change.key, o.status) for o in report.outcomes] == [
        ("gone", "failed"),
        ("x", "skipped"),
        ("new", "skipped"),
    ]


def test_unsafe_plan_is_refused_unless_forced() -> None:
    live = {"a": {f"k{i}": rec(f"k{i}", id=i, s=[i]) for i in range(10)}}
    provider = FakeProvider([scope("a")], live, {"a": {}})
    eng = engine(provider)
    run = eng.survey(WS)
    with pytest.raises(SafetyError, match="would delete all 10 live objects"):
        eng.apply(run)
    assert provider.applied == []
    assert eng.apply(run, force=True).ok


def test_saved_plan_preconditions() -> None:
    provider = two_scopes()
    eng = engine(provider)
    saved = eng.survey(WS).plan
    assert check_saved(saved, eng.survey(WS)) == []
    provider.live["a"]["x"] = rec("x", id=1, s=[1, 5])  # someone edited live in between
    assert check_saved(saved, eng.survey(WS)) == [
        "update a 'x': live state changed since the plan was made"
    ]
    other = Workspace((), "sha256:other")
    assert "the YAML on disk differs" in check_saved(saved, eng.survey(other))[0]


def test_a_run_removes_its_own_copy_when_an_older_one_exists() -> None:
    provider = two_scopes()
    eng = engine(provider)
    run = eng.survey(WS)
    real_apply = provider.apply

    def late_twin(change):  # type: ignore[no-untyped-def]
        written = real_apply(change)
        if change.action == "create":
            provider.live["a"][f"{change.key} (#99)"] = rec(f"{change.key} (#99)", id=99, s=[4])
        return written

    provider.apply = late_twin  # type: ignore[method-assign]
    report = eng.apply(run)
    # Lowest id wins: #99 came first, so this run removes the copy it made itself (#10001), and
    # nothing else.
    assert report.ok and report.notes == [
        "a 'new' was created twice (another writer, or a create the server committed late): kept "
        "#99, the lowest "
        "id; removing this run's copy #10001"
    ]
    assert provider.applied[-1] == ("delete", "new") and [
        r.id for r in provider.live["a"].values() if "new" in r.key
    ] == [99]


def test_a_later_copy_made_by_another_writer_is_left_and_the_run_is_not_certain() -> None:
    provider = two_scopes()
    eng = engine(provider)
    eng.workers.clock = FakeClock()  # the few seconds it looks again are not slept for real
    run = eng.survey(WS)
    real_apply = provider.apply

    def other_writer(change):  # type: ignore[no-untyped-def]
        written = real_apply(change)
        if change.action == "create":
            provider.live["a"][f"{change.key} (#20000)"] = rec(
                f"{change.key} (#20000)", id=20000, s=[4]
            )
        return written

    provider.apply = other_writer  # type: ignore[method-assign]
    report = eng.apply(run)
    # Issue 23: a copy this run cannot show it made is never deleted, and the run does not end as
    # certain.
    assert (
        not report.ok
        and report.notes == []
        and report.unconverged
        == [
            "a 'new' also exists as #20000, which this run cannot show it created: left in place "
            "(#10001 is "
            "the lowest id and stays); the next plan shows the duplicate, and with prune on "
            "deletes it"
        ]
    )
    assert (
        eng.workers.clock.slept == 5.0
    )  # looked again for a while: another writer may be removing it
    assert ("delete", "new (#20000)") not in provider.applied
