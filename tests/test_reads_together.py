"""Issue 24 #5: when a provider keeps its own requests within --parallelism (reads_bounded), every
scope's read starts at once, so the first pages of all guides wait together for a free slot;
otherwise the engine runs --parallelism reads at a time, as before."""

from __future__ import annotations

import threading

from provisioner.core.records import Record, Scope
from provisioner.planning.reading import Workers
from tests.helpers import FakeProvider

SCOPES = 5


class Gate(FakeProvider):
    """Each read waits until every scope's read has started (or gives up after 10 s)."""

    def __init__(self, bounded: bool) -> None:
        scopes: list[Scope] = [Scope("fake", f"s{i}", {}) for i in range(SCOPES)]
        super().__init__(scopes, {s.name: {} for s in scopes}, {})
        self.reads_bounded = bounded  # type: ignore[misc]
        self.all_started = threading.Barrier(SCOPES)

    def read(self, scope: Scope) -> dict[str, Record]:
        try:
            self.all_started.wait(timeout=10)
        except threading.BrokenBarrierError:
            return {"not together": Record("not together", {})}
        return {}


def test_bounded_providers_read_every_scope_at_once() -> None:
    provider = Gate(bounded=True)
    workers = Workers({"fake": provider}, parallelism=2)
    live, _ = workers.read_all(provider.scopes([]))
    assert live == {("fake", f"s{i}"): {} for i in range(SCOPES)}  # no read gave up waiting


def test_other_providers_read_parallelism_scopes_at_a_time() -> None:
    provider = Gate(bounded=False)
    workers = Workers({"fake": provider}, parallelism=2)
    assert workers._read_threads(provider.scopes([])) == 2
    bounded = Workers({"fake": Gate(bounded=True)}, parallelism=2)
    assert bounded._read_threads(provider.scopes([])) == SCOPES


def test_a_later_page_takes_a_free_slot_before_a_first_page() -> None:
    """A list already begun finishes first; first pages fill the slots it leaves (PageReader's
    slots)."""
    from provisioner.providers.guidebook.pages import Slots

    slots, order = Slots(1), list[str]()

    def take(name: str, later: bool) -> None:
        with slots(later):
            order.append(name)

    first = threading.Thread(target=take, args=("first page", False))
    later = threading.Thread(target=take, args=("later page", True))
    with slots():
        for thread, waiting in ((first, 1), (later, 2)):
            thread.start()
            while len(slots._cond._waiters) < waiting:  # type: ignore[attr-defined]
                thread.join(0.001)
    first.join(timeout=10)
    later.join(timeout=10)
    assert order == ["later page", "first page"]
