"""Planning Center's rate limit as the sandbox keeps it: a fixed window per credential (100 requests
per 20 seconds by default), rejected requests counted too (the documented 429 says "118 of 100")."""

from __future__ import annotations

import threading
from collections.abc import Callable


class RateWindows:
    """Requests counted per credential in fixed windows of ``period`` seconds on ``monotonic``'s
    clock."""

    def __init__(self, period: int, monotonic: Callable[[], float]) -> None:
        self.period = period
        self.monotonic = monotonic  # the rate window's time (tests share the client's fake clock)
        self._lock = threading.Lock()
        self._windows: dict[
            str, tuple[float, int]
        ] = {}  # credential -> (window start, requests in it)

    def count(self, credential: str) -> tuple[float, float, int]:
        """Count one request of ``credential``: (its window's start, now, requests in the
        window)."""
        now = self.monotonic()
        with self._lock:
            start, count = self._windows.get(credential, (now, 0))
            if now - start >= self.period:
                start, count = now, 0
            count += 1  # rejected requests count too: the documented 429 says "118 of 100"
            self._windows[credential] = (start, count)
        return start, now, count

    def peek(self, credential: str) -> int:
        """Requests of ``credential`` in its current window, counting none."""
        with self._lock:
            start, count = self._windows.get(credential, (0.0, 0))
        return count if self.monotonic() - start < self.period else 0

    def reset(self) -> None:
        """Forget every window (the sandbox's reset)."""
        with self._lock:
            self._windows.clear()
