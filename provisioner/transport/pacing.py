"""How often and how fast the HTTP client may send: bounded retries with backoff (RetryPolicy) and
waiting for room in the server's rate-limit window (RatePacer). Both take their time from a Clock,
so tests sleep nothing."""

from __future__ import annotations

import logging
import random
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from provisioner.core.clock import SYSTEM, Clock

log = logging.getLogger("provisioner.transport.http")  # the name these log lines always had


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter; ``Retry-After`` wins when the server sends one.

    ``jitter(low, high)`` draws the random part (tests pass ``min`` to get exact delays)."""

    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0
    total: float = 120.0
    jitter: Callable[[float, float], float] = field(
        default=random.uniform, compare=False, repr=False
    )

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``attempt`` (from 0)."""
        if retry_after is not None:
            return retry_after + self.jitter(0, 0.1)
        return min(self.cap, self.base * 2**attempt) * self.jitter(0.5, 1.0)


class RatePacer:
    """Waits before a request when the server's rate-limit headers say the window is full.

    Keeps its own log of send times in the window, so pacing works before the first answer and
    between concurrent threads; the server's count corrects it when other clients share the budget.
    """

    def __init__(
        self,
        limit_header: str,
        count_header: str,
        period_header: str,
        limit: int = 100,
        period: float = 20.0,
        margin: int = 2,
        *,
        clock: Clock = SYSTEM,
    ) -> None:
        self.headers = (limit_header, count_header, period_header)
        self.limit, self.period, self.margin = limit, period, margin
        self.clock = clock
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def before(self) -> float:
        """Wait until the window has room for one more request; returns the time the request is
        counted at."""
        while True:
            with self._lock:
                now = self.clock.monotonic()
                while self._sent and now - self._sent[0] >= self.period:
                    self._sent.popleft()
                if len(self._sent) < max(1, self.limit - self.margin):
                    self._sent.append(now)
                    return now
                wait = self.period - (now - self._sent[0]) + 0.05
            log.info(
                "rate limit: %d requests in %.0fs window, waiting %.1fs",
                self.limit,
                self.period,
                wait,
            )
            self.clock.sleep(wait)

    def observe(self, headers: Any) -> None:
        """Take the limit, period and count the server's answer states (when they are numbers)."""
        limit, count, period = (headers.get(h) for h in self.headers)
        with self._lock:
            if limit and str(limit).strip().isdigit():
                self.limit = int(limit)
            if period:
                # The period arrives as "20" or "20 seconds" depending on the endpoint.
                head = str(period).strip().split(" ")[0]
                if head.isdigit():
                    self.period = float(head)
            if count and str(count).strip().isdigit():
                self._catch_up(int(count))

    def _catch_up(self, count: int) -> None:
        """Someone else used part of the budget: pretend we sent those requests just now."""
        missing = min(count, self.limit) - len(self._sent)
        now = self.clock.monotonic()
        for _ in range(max(0, missing)):
            self._sent.append(now)
