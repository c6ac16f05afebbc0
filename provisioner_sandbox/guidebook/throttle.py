"""Guidebook's daily request budget per API key ([G] "10000 per day", read as a UTC calendar day): a
request past it is DRF's 429 with a Retry-After until midnight UTC; throttled requests are not
counted."""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime, timedelta

from ..web import Response, json_response


class DailyBudget:
    """Requests counted per key and UTC day; thread-safe (the server handles requests on
    threads)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._used: dict[str, tuple[str, int]] = {}  # key -> (UTC date, requests used that day)

    def spend(self, key: str) -> Response | None:
        """Count one request of ``key``; the 429 to answer when its day's budget is already used
        up."""
        now = datetime.now(UTC)
        today = now.date().isoformat()
        with self._lock:
            day, used = self._used.get(key, (today, 0))
            if day != today:
                used = 0
            if used >= self.limit:
                # [G] "10000 per day" read as a UTC calendar day; throttled requests are not counted
                # (DRF).
                midnight = datetime.combine(
                    now.date() + timedelta(days=1), datetime.min.time(), UTC
                )
                wait = max(1, math.ceil((midnight - now).total_seconds()))
                resp = json_response(
                    429, {"detail": f"Request was throttled. Expected available in {wait} seconds."}
                )
                resp.headers["Retry-After"] = str(wait)
                return resp
            self._used[key] = (today, used + 1)
        return None

    def reset(self) -> None:
        """Forget every key's count (the sandbox's reset)."""
        with self._lock:
            self._used.clear()
