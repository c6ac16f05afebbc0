"""Fresh preconditions: just before a change is written, confirm the live object is still what the
plan saw.

A long apply (Planning Center pacing makes 40 changes take tens of seconds) must not overwrite an
edit made in the meantime, nor create a second copy of an object someone else created meanwhile.
Each change is compared against a read of its scope at most ``max_age`` seconds old; an older read
is refreshed first (one read per scope at a time, shared by the changes waiting on it). A change
whose precondition fails is skipped as stale, never forced (docs/api-notes.md, contract §5).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from provisioner.core.errors import HostDownError, ProvisionerError
from provisioner.core.records import Change, LiveIndex, Record, Scope

MAX_AGE = 5.0  # seconds a scope's read is trusted for preconditions ("a few seconds")
Reader = Callable[[Scope], "dict[str, Record] | ProvisionerError"]


@dataclass(frozen=True)
class Verdict:
    """``stale`` says why the change must not be written; ``gone`` that a delete has nothing left to
    do."""

    stale: str | None = None
    gone: bool = False


class Preconditions:
    """Whether each change may still be written: judged against a read of its scope at most
    ``max_age`` seconds old (read again when older, after this run's writes in flight to that scope
    have settled). Thread-safe: ``check`` and ``done`` are called from the apply's worker threads.
    """

    def __init__(
        self,
        read: Reader,
        scopes: list[Scope],
        live: dict[tuple[str, str], dict[str, Record]],
        read_at: float,
        *,
        max_age: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read, self._max_age, self._clock = (
            read,
            MAX_AGE if max_age is None else max_age,
            clock,
        )
        self._scopes = {(s.provider, s.name): s for s in scopes}
        self._live = {
            k: LiveIndex.of(v) for k, v in live.items()
        }  # looked up per change, never scanned
        self._at = dict.fromkeys(live, read_at)
        self._locks = {k: threading.Lock() for k in self._scopes}
        # This run's writes in flight per scope: a refresh waits for them, so it reads a list that
        # holds still (read while this run adds to it, the pages do not add up and the list is read
        # a second time, page by page: most of what a 10,000-create apply spent beyond linear; issue
        # 24).
        self._writing = dict.fromkeys(self._scopes, 0)
        self._settled = threading.Condition()

    def check(self, change: Change) -> Verdict:
        """The verdict on ``change`` against a read at most ``max_age`` old. A change that may be
        written (neither stale nor gone) counts as in flight until :meth:`done`."""
        k = (change.provider, change.scope)
        if k not in self._scopes:
            return Verdict()
        with self._locks[k]:
            if (
                k not in self._live or self._clock() - self._at[k] >= self._max_age
            ):  # 0: always read again
                with self._settled:
                    self._settled.wait_for(lambda: self._writing[k] == 0)
                fresh = self._read(self._scopes[k])
                if isinstance(fresh, HostDownError):  # the circuit breaker: nothing was sent
                    return Verdict(stale=f"not started: {fresh}")
                if isinstance(fresh, ProvisionerError):
                    return Verdict(
                        stale=f"could not re-read {change.scope} to confirm it is unchanged: "
                        f"{fresh}"
                    )
                self._live[k], self._at[k] = LiveIndex.of(fresh), self._clock()
            verdict = judge(change, self._live[k])
            if not verdict.stale and not verdict.gone:
                with self._settled:
                    self._writing[k] += 1
        return verdict

    def done(self, change: Change) -> None:
        """``change``, which :meth:`check` let through, is written (or failed): no longer in
        flight."""
        k = (change.provider, change.scope)
        if k in self._writing:
            with self._settled:
                self._writing[k] -= 1
                self._settled.notify_all()


def judge(change: Change, live: dict[str, Record] | LiveIndex) -> Verdict:
    """The verdict on one change against a read of its scope."""
    if not isinstance(live, LiveIndex):
        live = LiveIndex.of(live)
    if change.action == "create":
        there = live.named(change.key)
        if there:
            return Verdict(
                stale=f"stale: {change.key!r} was created meanwhile (#{there[0].id}; another "
                "writer?); "
                "not created again"
            )
        return Verdict()
    before = change.before or {}
    now = next(
        (r for r in live.with_id(before.get("id")) if _same_id(r.id, before.get("id"))), None
    )
    if now is None:
        if change.action == "delete":
            return Verdict(gone=True)
        return Verdict(
            stale=f"stale: {change.key!r} was deleted meanwhile (another writer?); not updated"
        )
    moved = moved_fields(change, now)
    if moved:
        return Verdict(
            stale=f"stale: {change.key!r} was changed meanwhile ({', '.join(moved)}; another "
            "writer?); "
            f"not {change.action}d — make a new plan to review it"
        )
    return Verdict()


def moved_fields(change: Change, now: Record) -> list[str]:
    """The fields of ``now`` that differ from what ``change`` was computed from and make it stale.
    An update watches only the fields its file manages (its ``after``): another field is never
    written by it nor shown as drift, and may well have been changed by this very run (a Planning
    Center accept sets the status of the team member that a roster change then updates)."""
    before = change.before or {}
    watched = {*before, *now.values} - {"id"}
    if change.action == "update" and change.after:
        watched &= set(change.after)
    return sorted(n for n in watched if _norm(before.get(n)) != _norm(now.values.get(n)))


def _same_id(a: Any, b: Any) -> bool:
    return a is not None and str(a) == str(b)


def _norm(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return sorted((_norm(v) for v in value), key=repr)
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value
