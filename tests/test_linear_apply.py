"""Issue 24 #1: the checks around an apply look each change's object up in an index of the scope's
read (core.records.LiveIndex) instead of scanning the read once per change, so an apply grows with
its changes. Asserted by counting the scans of the read: one per check, whatever the number of
changes."""

from __future__ import annotations

import threading
from typing import Any

from provisioner.applying.duplicates import Created, resolve
from provisioner.applying.preconditions import Preconditions, Verdict
from provisioner.core.plan import Change
from provisioner.core.records import LiveIndex, Record
from tests.helpers import scope


class CountedLive(dict[str, Record]):
    """A scope's read that counts how often it is scanned whole."""

    scans = 0

    def values(self) -> Any:
        self.scans += 1
        return super().values()


def records(n: int) -> CountedLive:
    live = CountedLive()
    for i in range(n):
        live[f"S{i}"] = Record(f"S{i}", {"s": [1]}, id=i, identity={"name": f"S{i}"})
    return live


def create(key: str) -> Change:
    return Change("create", "guidebook", "guide 47", key, {}, "missing in live", after={"s": [1]})


def test_duplicates_of_many_creates_scan_the_read_once() -> None:
    live = records(300)
    twins = resolve(scope(), live, [Created(create(f"S{i}"), id=i) for i in range(300)])
    assert twins.removals == () and twins.uncertain == ()
    assert live.scans == 1  # was 300: one scan of every live object per create


def test_preconditions_of_many_changes_scan_each_read_once() -> None:
    live = records(300)
    checks = Preconditions(
        lambda s: live, [scope()], {("guidebook", "guide 47"): live}, 0.0, clock=lambda: 0.0
    )
    verdicts = [checks.check(create(f"New {i}")) for i in range(300)]
    update = Change("update", "guidebook", "guide 47", "S5", {}, "r", before={"id": 5, "s": [1]})
    assert verdicts == [Verdict()] * 300 and checks.check(update) == Verdict()
    assert "created meanwhile (#7" in str(checks.check(create("S7")).stale)
    assert live.scans == 1


def test_the_index_finds_twins_by_the_name_they_repeat_and_ids_as_text() -> None:
    a = Record("A", {}, id=3)
    twin = Record("A (#8)", {}, id="8", twin_of="A")
    index = LiveIndex.of({"A": a, "A (#8)": twin, "B": Record("B", {}, id=9)})
    assert index.named("A") == [a, twin] and index.named("A (#8)") == [twin]
    assert index.with_id(8) == [twin] and index.with_id("3") == [a] and index.named("C") == []


def test_a_refresh_waits_for_this_runs_writes_in_flight_to_the_scope() -> None:
    """A read of the scope while this run's creates land does not add up and is read again page by
    page; the refresh therefore waits until the changes let through are written (done)."""
    live = records(3)
    seen: list[int] = []
    checks: Preconditions

    def read(s: Any) -> CountedLive:
        seen.append(checks._writing[("guidebook", "guide 47")])  # writes in flight at the read
        return live

    checks = Preconditions(read, [scope()], {}, 0.0, max_age=5.0, clock=lambda: 0.0)
    first, second = create("A"), create("B")
    assert checks.check(first) == Verdict() and seen == [0]  # nothing read yet: read now
    checks._at[
        ("guidebook", "guide 47")
    ] = -10.0  # the read is now too old: the next check refreshes
    waiting = threading.Thread(target=checks.check, args=(second,))
    waiting.start()
    while len(seen) < 2 and not checks._settled._waiters:  # type: ignore[attr-defined]
        waiting.join(0.001)  # until it reads (a bug) or waits for the write in flight
    assert seen == [0]  # it waits: no read while the create is in flight
    checks.done(first)
    waiting.join(timeout=10)
    assert not waiting.is_alive() and seen == [0, 0]
