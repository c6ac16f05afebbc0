"""The rules of one schedule per attendee where they live: moves, the first writes of an apply, the
phases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from provisioner.applying.order import stages
from provisioner.core.records import Change, Record
from provisioner.providers.guidebook.moves import conflicts, first_writes, moves


def update(key: str, before: list[int], after: list[int], sid: int = 1) -> Change:
    return Change(
        action="update",
        provider="guidebook",
        scope="guide 47",
        key=key,
        fields={
            "attendees": {
                "add": sorted(set(after) - set(before)),
                "remove": sorted(set(before) - set(after)),
            }
        },
        reason="r",
        before={"id": sid, "attendees": before, "sessions": [13]},
        after={"attendees": after},
    )


def create(key: str, attendees: list[int]) -> Change:
    after = {"attendees": attendees, "sessions": [13]}
    return Change("create", "guidebook", "guide 47", key, {}, "r", after=after)


def delete(key: str, attendees: list[int]) -> Change:
    before = {"id": 9, "attendees": attendees, "sessions": [13]}
    return Change("delete", "guidebook", "guide 47", key, {}, "r", before=before)


def test_a_swap_splits_both_schedules_and_their_removals_go_first() -> None:
    a, b = update("A", [1, 2], [1, 3], 1), update("B", [3, 4], [2, 4], 2)
    assert moves([a, b]) == [
        {"person": 2, "from": ["A"], "to": ["B"]},
        {"person": 3, "from": ["B"], "to": ["A"]},
    ]
    (first_a, part_a), (first_b, part_b) = first_writes([a, b])
    assert (first_a, first_b) == (a, b)
    assert part_a is not None and part_b is not None
    assert (part_a.fields, part_a.after) == (
        {"attendees": {"add": [], "remove": [2]}},
        {"attendees": [1]},
    )
    assert (part_b.fields, part_b.after) == (
        {"attendees": {"add": [], "remove": [3]}},
        {"attendees": [4]},
    )
    assert part_a.before == a.before  # its precondition is the whole change's


def test_a_schedule_that_only_loses_movers_goes_first_whole_and_joiners_alone_wait() -> None:
    leaving, joining, newcomer = (
        update("A", [1, 2], [1], 1),
        create("B", [2]),
        update("C", [5], [5, 6]),
    )
    assert first_writes([leaving, joining, newcomer]) == [(leaving, None)]
    gone = delete("Old", [7, 8])
    assert first_writes([gone, create("New", [8])]) == [(gone, None)]
    assert first_writes([newcomer]) == [] and moves([newcomer]) == []


def test_the_phases_put_first_writes_before_updates_and_deletes_before_creates() -> None:
    a, b, new = update("A", [1, 2], [1, 3], 1), update("B", [3, 4], [2, 4], 2), create("N", [9])
    plain = update("P", [5], [5, 6], 3)

    class Guide:
        def first_writes(self, changes: Sequence[Change]) -> Any:
            return first_writes(changes)

    st = stages([a, b, plain, new], {"guidebook": Guide()})  # type: ignore[dict-item]
    first, middle, last = st.phases
    assert [c.key for c in first] == ["A", "B"] and all(id(c) in st.parts for c in first)
    assert middle == [a, b, plain] and last == [new]


def test_a_provider_whose_first_writes_fails_keeps_the_default_phases() -> None:
    class Broken:
        def first_writes(self, changes: Sequence[Change]) -> Any:
            raise RuntimeError("bug")

    a, new = update("A", [1], [2]), create("N", [9])
    st = stages([a, new], {"guidebook": Broken()})  # type: ignore[dict-item]
    assert st.phases == [[], [a], [new]]


def test_conflicts_tell_repaired_from_left() -> None:
    live = {
        "A": Record("A", {"attendees": [1, 2], "sessions": []}, id=1),
        "B": Record("B", {"attendees": [2, 3], "sessions": []}, id=2),
        "Manual": Record("Manual", {"attendees": [3], "sessions": []}, id=3),
    }
    repaired, left = conflicts("guide 47", live, [update("B", [2, 3], [3], 2)], str)
    assert repaired == [
        "guide 47: attendee 2 is on 2 schedules in live ('A', 'B'); this plan keeps them on 'A'"
    ]
    assert [w.kind for w in left] == ["attendee_on_several"]  # type: ignore[attr-defined]
    assert left[0].startswith(
        "guide 47: attendee 3 is on 2 schedules after this plan ('B', 'Manual')"
    )


def test_a_failed_first_part_fails_its_whole_change_which_is_then_not_written() -> None:
    from provisioner.core.outcomes import Outcome

    a, b = update("A", [1, 2], [1, 3], 1), update("B", [3, 4], [2, 4], 2)

    class Guide:
        def first_writes(self, changes: Sequence[Change]) -> Any:
            return first_writes(changes)

    st = stages([a, b], {"guidebook": Guide()})  # type: ignore[dict-item]
    part_a, part_b = st.phases[0]
    shown = st.settle([Outcome(part_a, "applied"), Outcome(part_b, "failed", "400: no")])
    assert shown == [Outcome(b, "failed", "400: no")]  # the report shows the whole change, once
    assert st.begun == {id(a)} and st.pending(st.phases[1]) == [a]
