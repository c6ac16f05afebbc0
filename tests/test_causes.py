"""`--base REF` (planning/causes.py), asserted on plain records: a change REF's YAML would make
identically is drift, every other one is the pull request's; per-person impact is computed per
cause."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from provisioner.core.errors import Diagnostic, PlanError
from provisioner.core.records import Change, Loaded, Plan, Record, Scope
from provisioner.planning.causes import label_causes
from provisioner.planning.diff import diff_scope
from tests.helpers import FakeProvider, rec

LIVE = {"A": rec("A", id=1, s=[1]), "B": rec("B", id=2, s=[2]), "C": rec("C", id=3, s=[3])}


class TwoYamls(FakeProvider):
    """Scopes from the test; ``desired`` answers the head's YAML, or REF's when the scope is REF's
    object."""

    def __init__(self, head: Scope, base: Scope | None, want: dict[str, dict[str, Record]]) -> None:
        super().__init__([head], {head.name: LIVE}, {})
        self.base, self.want = base, want
        self.impacts: list[list[str]] = []

    def scopes(self, files: Sequence[Loaded]) -> list[Scope]:
        return [self.base] if self.base is not None else []

    def desired(
        self, scope: Scope, live: dict[str, Record], *, want_labels: bool = False
    ) -> dict[str, Record]:
        which = "base" if scope is self.base else "head"
        if which not in self.want:
            raise PlanError([Diagnostic("a.yaml", 4, 3, "no such thing")])
        return self.want[which]

    def impact(
        self, scope: Scope, *, live: dict[str, Record], changes: Sequence[Change]
    ) -> list[dict[str, Any]] | None:
        self.impacts.append(sorted(c.key for c in changes))
        return [{"person": 1, "gain": [len(changes)], "lose": []}]


def planned(head: dict[str, Record], base: dict[str, Record] | None) -> tuple[Plan, TwoYamls]:
    scope = Scope("fake", "guide 1", {"guide": 1})
    ref_scope = Scope("fake", "guide 1", {"guide": 1})
    want = {"head": head, **({"base": base} if base is not None else {})}
    provider = TwoYamls(scope, ref_scope, want)
    plan = Plan(tuple(diff_scope(scope, head, LIVE)))
    return label_causes(
        plan, [scope], {scope.ident: LIVE}, {"fake": provider}, [], "main"
    ), provider


def causes(plan: Plan) -> dict[tuple[str, str], str | None]:
    return {(c.action, c.key): c.cause for c in plan.changes}


def test_what_ref_would_plan_identically_is_drift_the_rest_is_the_pull_requests() -> None:
    # REF declares A with s=[9] and B (live moved away from both); the PR changes A again and adds
    # D.
    base = {"A": rec("A", s=[9]), "B": rec("B", s=[5]), "C": rec("C", s=[3])}
    head = {"A": rec("A", s=[8]), "B": rec("B", s=[5]), "C": rec("C", s=[3]), "D": rec("D", s=[4])}
    plan, provider = planned(head, base)
    assert causes(plan) == {
        ("update", "A"): "change",  # partly drift, but the PR edits it: one write, the PR's
        ("update", "B"): "drift",
        ("create", "D"): "change",
    }
    assert provider.impacts == [["A", "D"], ["B"]]
    assert [(i["cause"], i["people"]) for i in plan.impact] == [
        ("change", [{"person": 1, "gain": [2], "lose": []}]),
        ("drift", [{"person": 1, "gain": [1], "lose": []}]),
    ]


def test_a_prune_ref_also_makes_is_drift() -> None:
    both = {"A": rec("A", s=[1]), "B": rec("B", s=[2])}
    plan, _ = planned(dict(both), dict(both))
    assert causes(plan) == {("delete", "C"): "drift"}


def test_a_scope_new_in_the_pull_request_is_all_change() -> None:
    plan, _ = planned({"A": rec("A", s=[7])}, None)
    assert causes(plan) == {
        ("update", "A"): "change",
        ("delete", "B"): "change",
        ("delete", "C"): "change",
    }


def test_ref_yaml_that_does_not_plan_makes_everything_the_pull_requests_with_a_warning() -> None:
    scope = Scope("fake", "guide 1", {"guide": 1})
    provider = TwoYamls(scope, Scope("fake", "guide 1", {"guide": 1}), {"head": {}})
    plan = Plan(tuple(diff_scope(scope, {"A": rec("A", s=[1])}, LIVE)))
    out = label_causes(plan, [scope], {scope.ident: LIVE}, {"fake": provider}, [], "main")
    assert {c.cause for c in out.changes} == {"change"}
    assert out.warnings == (
        "guide 1: cannot tell drift from this pull request's changes: the YAML at main does not "
        "plan (a.yaml:4:3: no such thing); every change here is shown as the pull request's",
    )
