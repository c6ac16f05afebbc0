"""The generic diff: identity by key, lists as sets, only declared fields managed;
property-tested."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from provisioner.core.records import Record
from provisioner.planning.diff import diff_scope, field_diff
from tests.helpers import examples, rec, scope, simulate


def test_field_diff_sets_and_scalars() -> None:
    assert field_diff({"s": [3, 1, 2]}, {"s": [2, 1, 3, 3]}) == {}
    assert field_diff({"s": [1, 4]}, {"s": [1, 2]}) == {"s": {"add": [4], "remove": [2]}}
    assert field_diff({"status": "C"}, {"status": "U", "notes": "x"}) == {
        "status": {"from": "U", "to": "C"}
    }
    assert field_diff({}, {"status": "U"}) == {}  # absent from YAML: not managed


def test_create_update_delete_with_reasons_and_sources() -> None:
    desired = {
        "A": rec("A", source="s.yaml:4", sessions=[1, 2], attendees=[6]),
        "B": rec("B", source="s.yaml:8", sessions=[3], attendees=[]),
    }
    live = {
        "B": rec("B", id=2, sessions=[3, 4], attendees=[]),
        "C": rec("C", id=3, sessions=[5], attendees=[7]),
    }
    changes = diff_scope(scope(), desired, live, {"sessions": {"1": "Keynote"}})
    by = {c.key: c for c in changes}
    assert by["A"].action == "create" and by["A"].source == "s.yaml:4"
    assert (
        by["A"].reason == "missing in live"
    )  # nothing in common with the deleted 'C': not a rename
    assert by["A"].fields == {
        "sessions": {"add": [1, 2], "remove": []},
        "attendees": {"add": [6], "remove": []},
    }
    assert by["A"].labels == {"sessions": {"1": "Keynote"}}
    assert by["A"].before is None and by["A"].after == {"sessions": [1, 2], "attendees": [6]}
    assert by["B"].action == "update" and by["B"].reason == "sessions differs"
    assert by["B"].fields == {"sessions": {"add": [], "remove": [4]}}
    assert by["B"].target == {"guide": 47, "id": 2}
    assert by["B"].before == {"id": 2, "sessions": [3, 4], "attendees": []}
    assert by["C"].action == "delete" and by["C"].reason == "not declared (prune)"
    assert by["C"].fields == {
        "sessions": {"add": [], "remove": [5]},
        "attendees": {"add": [], "remove": [7]},
    }


def test_prune_false_and_ignore_keep_live_objects() -> None:
    live = {"Manual 1": rec("Manual 1", id=1, s=[1]), "Other": rec("Other", id=2, s=[1])}
    assert diff_scope(scope(prune=False), {}, live) == []
    (change,) = diff_scope(scope(ignore=("Manual *",)), {}, live)
    assert change.key == "Other"


def test_rename_is_delete_plus_create_and_says_so() -> None:
    changes = diff_scope(
        scope(), {"New": rec("New", s=[1, 2])}, {"Old": rec("Old", id=1, s=[2, 1])}
    )
    assert [c.action for c in changes] == ["create", "delete"]
    assert "the API cannot rename" in changes[0].reason and "'Old'" in changes[0].reason
    renamed_and_edited = diff_scope(
        scope(), {"New": rec("New", s=[1, 2, 3])}, {"Old": rec("Old", id=1, s=[2, 1])}
    )
    assert "if this renames 'Old'" in renamed_and_edited[0].reason
    stranger = diff_scope(
        scope(), {"New": rec("New", s=[7, 8])}, {"Old": rec("Old", id=1, s=[2, 1])}
    )
    assert stranger[0].reason == "missing in live"
    two = diff_scope(
        scope(), {"N1": rec("N1", s=[1]), "N2": rec("N2", s=[2])}, {"Old": rec("Old", id=1, s=[3])}
    )
    assert all(c.reason == "missing in live" for c in two if c.action == "create")


def test_live_duplicates_are_pruned_by_their_suffixed_key() -> None:
    live = {"A": rec("A", id=1, s=[1]), "A (#7)": rec("A (#7)", id=7, s=[1])}
    (change,) = diff_scope(scope(), {"A": rec("A", s=[1])}, live)
    assert (change.action, change.key, change.reason) == (
        "delete",
        "A (#7)",
        "duplicate in live: the lowest id is kept (prune)",
    )


def test_copies_of_an_undeclared_object_go_with_it_and_do_not_claim_the_lowest_id_is_kept() -> None:
    # Measured: "Marketing (#16)  # duplicate in live: the lowest id is kept" in a plan deleting
    # Marketing too.
    live = {
        "A": rec("A", id=1, s=[1]),
        "A (#7)": rec("A (#7)", id=7, s=[1]),
        "B": rec("B", id=2, s=[2]),
    }
    changes = diff_scope(scope(), {"B": rec("B", s=[2])}, live)
    assert sorted((c.action, c.key, c.reason) for c in changes) == [
        ("delete", "A", "not declared (prune)"),
        ("delete", "A (#7)", "not declared (prune)"),
    ]
    # an ignored name stays ignored for its live duplicates too
    twins = {"B": rec("B", id=1, s=[1]), "B (#7)": rec("B (#7)", id=7, s=[1])}
    assert diff_scope(scope(ignore=("B",)), {}, twins) == []


ids = st.lists(st.integers(1, 12), max_size=6)
names = st.sampled_from([f"S{i}" for i in range(8)])
records = st.dictionaries(names, st.tuples(ids, ids), max_size=8)


def to_records(raw: dict[str, tuple[list[int], list[int]]], with_ids: bool) -> dict[str, Record]:
    return {
        k: rec(k, id=i if with_ids else None, sessions=sorted(set(s)), attendees=sorted(set(a)))
        for i, (k, (s, a)) in enumerate(sorted(raw.items()), start=1)
    }


@settings(max_examples=examples(300), deadline=None)
@given(live_raw=records, desired_raw=records, prune=st.booleans())
def test_applying_the_plan_yields_desired_and_replanning_is_empty(
    live_raw: dict, desired_raw: dict, prune: bool
) -> None:
    live, desired = to_records(live_raw, True), to_records(desired_raw, False)
    changes = diff_scope(scope(prune=prune), desired, live)
    after = simulate(live, changes)
    for key, want in desired.items():
        assert {k: sorted(v) for k, v in after[key].values.items()} == want.values
    if prune:
        assert set(after) == set(desired)
    else:
        assert set(after) == set(desired) | set(live)
    assert diff_scope(scope(prune=prune), desired, after) == []
    # fewest writes: one change per differing key, none for equal ones
    differing = {k for k in desired if k not in live or live[k].values != desired[k].values}
    differing |= (set(live) - set(desired)) if prune else set()
    assert sorted(c.key for c in changes) == sorted(differing)
