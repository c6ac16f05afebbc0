"""Lowest id wins (applying/duplicates.py), asserted on plain records: which copies a run removes,
which it leaves to their writer, and how live is keyed again afterwards."""

from __future__ import annotations

from provisioner.applying.duplicates import Created, id_order, rekeyed, resolve
from provisioner.core.records import Change, Record
from tests.helpers import scope


def create(key: str) -> Change:
    return Change("create", "guidebook", "guide 47", key, {}, "missing in live", after={"s": [1]})


def copy(key: str, id: int, twin_of: str | None = None) -> Record:
    shown = f"{key} (#{id})" if twin_of else key
    return Record(shown, {"s": [1]}, id=id, identity={"name": key}, twin_of=twin_of)


def live_of(*records: Record) -> dict[str, Record]:
    return {r.key: r for r in records}


def test_ids_order_as_numbers_then_text() -> None:
    assert sorted(["10", 9, "b", "a", 100], key=id_order) == [9, "10", 100, "a", "b"]


def test_a_single_copy_needs_nothing() -> None:
    twins = resolve(scope(), live_of(copy("A", 5)), [Created(create("A"), id=5)])
    assert twins.removals == () and twins.notes == ()


def test_this_runs_copy_above_the_lowest_id_is_removed() -> None:
    live = live_of(copy("A", 3), copy("A", 8, twin_of="A"))
    twins = resolve(scope(), live, [Created(create("A"), id=8)])
    assert [(c.action, c.key, c.target["id"]) for c in twins.removals] == [("delete", "A (#8)", 8)]
    assert twins.removals[0].reason == "this run's duplicate of a lower id (lowest id wins)"
    assert twins.notes == (
        "guide 47 'A' was created twice (another writer, or a create the server committed late): "
        "kept #3, the lowest id; removing this run's copy #8",
    )


def test_a_copy_this_run_did_not_make_is_never_removed_and_is_uncertain() -> None:
    # Our create got #3, the lowest: #8 may be another writer's (theirs to remove) or a person's.
    live = live_of(copy("A", 3), copy("A", 8, twin_of="A"))
    twins = resolve(scope(), live, [Created(create("A"), id=3)])
    assert twins.removals == () and twins.notes == ()
    assert twins.uncertain == (
        "guide 47 'A' also exists as #8, which this run cannot show it created: left in place (#3 "
        "is "
        "the lowest id and stays); the next plan shows the duplicate, and with prune on deletes it",
    )


def test_an_unanswered_post_claims_no_copy() -> None:
    # Issue 23: a POST whose answer was lost may have landed late, or a person made the same name
    # meanwhile; nothing tells the two apart, so neither new copy is removed.
    live = live_of(copy("A", 3), copy("A", 8, twin_of="A"), copy("A", 9, twin_of="A"))
    twins = resolve(scope(), live, [Created(create("A"), id=3, unanswered=2)])
    assert twins.removals == ()
    assert twins.uncertain[0].startswith("guide 47 'A' also exists as #8, #9, which this run")


def test_a_copy_read_twice_is_not_its_own_duplicate() -> None:
    # The same object under two keys (a read that repeated it): one id, so one copy, nothing to
    # remove.
    live = {"A": copy("A", 3), "A (#3)": copy("A", 3, twin_of="A")}
    twins = resolve(scope(), live, [Created(create("A"), id=3)])
    assert twins == type(twins)((), (), ())


def test_rekeyed_gives_the_lowest_id_left_the_plain_key() -> None:
    live = live_of(copy("A", 8, twin_of="A"), copy("A", 9, twin_of="A"), copy("B", 2))
    out = rekeyed(live)
    assert {k: (r.id, r.twin_of) for k, r in out.items()} == {
        "A": (8, None),
        "A (#9)": (9, "A"),
        "B": (2, None),
    }
