"""Time as a value: the clock that retries, rate pacing, adoption waits and progress read and sleep
on.

Code that waits takes a :class:`Clock` (a constructor argument or keyword, defaulting to
:data:`SYSTEM`), never ``time`` directly. Tests pass a :class:`FakeClock`: its sleeps return at
once, move its time forward and are recorded, so a test asserts the exact waits instead of sitting
through them. Nothing here imports the rest of the package.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds from an arbitrary start; only differences mean anything."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real thing: ``time.monotonic`` and ``time.sleep``."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM: Clock = SystemClock()


class FakeClock:
    """A clock for tests: ``sleep`` returns at once, advances the time by its argument and appends
    it to ``sleeps``. Thread-safe; concurrent sleeps add up (the time only ever moves forward).

    ``call_at(when, action)`` runs ``action`` once, from the sleep that first brings the time to
    ``when`` or later: how a test makes something happen "in the meantime" (a server committing a
    write late).
    """

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()
        self._due: list[tuple[float, Callable[[], object]]] = []

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        self._move(seconds, record=True)

    def advance(self, seconds: float) -> None:
        """Let time pass without anyone sleeping (work that took a while); runs the actions that
        fall due."""
        self._move(seconds, record=False)

    def _move(self, seconds: float, *, record: bool) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")  # as time.sleep
        with self._lock:
            if record:
                self.sleeps.append(seconds)
            self.now += seconds
            due = [action for when, action in self._due if when <= self.now]
            self._due = [(when, action) for when, action in self._due if when > self.now]
        for action in due:
            action()

    def call_at(self, when: float, action: Callable[[], object]) -> None:
        with self._lock:
            self._due.append((when, action))

    @property
    def slept(self) -> float:
        """The total of all sleeps."""
        with self._lock:
            return sum(self.sleeps)
