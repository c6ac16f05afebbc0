"""Property: two writers applying the same YAML at once, their requests interleaved in any order,
converge to one copy of each object, the one with the lowest id, and neither ever deletes a copy the
other created."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from provisioner.core.plan import Change
from provisioner.core.records import Loaded, Record, Scope, Workspace, add_live
from provisioner.providers.base import Provider, Written
from tests.helpers import Driver, examples

T = TypeVar("T")
WS = Workspace((), "sha256:inputs")


class SharedService:
    """One in-memory service both writers talk to. Ids grow; each request waits for its turn in
    ``turns`` (a writer with no turn left, or whose turn comes while the other has finished, goes on
    freely)."""

    def __init__(self, turns: Sequence[int]) -> None:
        self.rows: dict[int, tuple[str, tuple[int, ...]]] = {}
        self.next_id = 1
        self.maker: dict[int, int] = {}  # id -> the writer that created it
        self.made: dict[str, list[int]] = {}  # name -> ids in creation order
        self.deleted: list[tuple[int, int]] = []  # (writer, id)
        self.turns, self.pos = list(turns), 0
        self.done: set[int] = set()
        self.steps = 0  # requests served and pauses taken, by either writer
        self.cond = threading.Condition()

    def step(self, writer: int, op: Callable[[], T]) -> T:
        with self.cond:
            while (
                self.pos < len(self.turns)
                and self.turns[self.pos] != writer
                and self.turns[self.pos] not in self.done
            ):
                self.cond.wait(0.05)
            self.pos += 1
            self.steps += 1
            result = op()
            self.cond.notify_all()
            return result

    def pause(self, writer: int) -> None:
        """A writer's sleep: it gives up its own turns next in line and waits until the other writer
        has taken a step or finished, so "look again in a second" means "after the other writer
        moved", not wall time."""
        with self.cond:
            while self.pos < len(self.turns) and self.turns[self.pos] == writer:
                self.pos += 1
            self.steps += 1  # a pause moves too: two writers pausing at once wake each other
            moved_from = self.steps
            self.cond.notify_all()
            self.cond.wait_for(lambda: self.steps != moved_from or 1 - writer in self.done, 5)

    def finish(self, writer: int) -> None:
        with self.cond:
            self.done.add(writer)
            self.cond.notify_all()


class TurnClock:
    """The writer's clock: its sleeps are pauses for the other writer (see SharedService.pause)."""

    def __init__(self, me: int, service: SharedService) -> None:
        self.me, self.service, self.now = me, service, 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.service.pause(self.me)


class Writer(Provider):
    name = "fake"

    def __init__(
        self, me: int, service: SharedService, desired: dict[str, tuple[int, ...]]
    ) -> None:
        self.me, self.service, self._desired = me, service, desired
        self.scope = Scope("fake", "s", {})

    def scopes(self, files: Sequence[Loaded]) -> list[Scope]:
        return [self.scope]

    def read(self, scope: Scope) -> dict[str, Record]:
        def snapshot() -> dict[str, Record]:
            records: dict[str, Record] = {}
            for rid, (name, values) in sorted(self.service.rows.items()):
                add_live(records, Record(name, {"v": list(values)}, id=rid))
            return records

        return self.service.step(self.me, snapshot)

    def desired(
        self, scope: Scope, live: dict[str, Record], *, want_labels: bool = False
    ) -> dict[str, Record]:
        return {n: Record(n, {"v": list(v)}) for n, v in self._desired.items()}

    def apply(self, change: Change) -> Written | None:
        svc = self.service

        def create() -> Written:
            rid, svc.next_id = svc.next_id, svc.next_id + 1
            svc.rows[rid] = (change.key, tuple((change.after or {})["v"]))
            svc.maker[rid] = self.me
            svc.made.setdefault(change.key, []).append(rid)
            return Written(id=rid)

        def delete() -> Written | None:
            rid = int(change.target["id"])
            svc.deleted.append((self.me, rid))
            return None if svc.rows.pop(rid, None) else Written(note="already gone")

        assert change.action in ("create", "delete")
        return svc.step(self.me, create if change.action == "create" else delete)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=4, unique=True),
    turns=st.lists(st.integers(0, 1), max_size=40),
    fresh=st.tuples(st.booleans(), st.booleans()),
)
def test_two_writers_converge_on_the_lowest_ids(
    names: list[str], turns: list[int], fresh: tuple[bool, bool]
) -> None:
    service = SharedService(turns)
    desired = {n: (i,) for i, n in enumerate(names)}
    reports: list[Any] = [None, None]

    def run(me: int) -> None:
        try:
            # A writer either trusts its plan's read for the whole apply or re-reads before every
            # change.
            eng = Driver(
                {"fake": Writer(me, service, desired)},
                parallelism=1,
                fresh_for=0.0 if fresh[me] else None,
                clock=TurnClock(me, service),
            )
            reports[me] = eng.apply(eng.survey(WS))
        finally:
            service.finish(me)

    threads = [threading.Thread(target=run, args=(me,)) for me in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(not t.is_alive() for t in threads)
    event(f"copies removed: {len(service.deleted)}")
    left: dict[str, list[int]] = {}
    for rid, (name, _) in service.rows.items():
        left.setdefault(name, []).append(rid)
    assert left == {
        n: [min(service.made[n])] for n in names
    }  # one copy each, the lowest id ever made
    assert all(
        service.maker[rid] == who for who, rid in service.deleted
    )  # only ever its own copies
    for report in reports:
        # Both report sensibly: done, or a create skipped because the other writer had made it
        # meanwhile.
        assert (
            all(
                o.status == "applied"
                or (o.status == "skipped" and "was created meanwhile" in (o.error or ""))
                for o in report.outcomes
            )
            and not report.failed_steps
        )
