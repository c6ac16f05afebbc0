"""Injected faults: rules that make matching API requests fail in a chosen way, a set number of times.

Modes:
  status             answer `status` (+ Retry-After if `retry_after`) with the API's error body; nothing is written
  delay              sleep `delay` seconds, then handle normally
  timeout            same as delay, meant to outlast the client's timeout (the write still happens afterwards)
  drop_before        close the connection without answering; nothing is written
  drop_after_commit  handle and commit the request, then close without answering (an ambiguous failure)
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

MODES = ("status", "delay", "timeout", "drop_before", "drop_after_commit")


@dataclass
class FaultRule:
    method: str = "*"  # "*" or an HTTP method
    path: str = ".*"  # regex searched in the request path (so "personalized-schedules" matches)
    mode: str = "status"
    status: int = 503
    times: int = 1  # matching requests affected before the rule expires; -1 = forever
    retry_after: float | None = None
    delay: float = 0.0
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown fault mode {self.mode!r}; use one of {', '.join(MODES)}")
        if self.times == 0 or self.times < -1:
            raise ValueError("times must be positive, or -1 for forever")
        self._regex = re.compile(self.path)
        self.method = self.method.upper()

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method.upper()) and self._regex.search(path) is not None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("_regex", None)
        return out


class Faults:
    """A thread-safe, ordered list of rules; the first matching live rule applies to a request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []

    def add(self, **spec: Any) -> FaultRule:
        rule = FaultRule(**spec)
        with self._lock:
            self._rules.append(rule)
        return rule

    def add_many(self, specs: Any) -> list[FaultRule]:
        """Rules from JSON: a list, `{"faults": [...]}`, or a single rule object."""
        if isinstance(specs, dict):
            specs = specs.get("faults", [specs])
        if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
            raise ValueError("faults must be a list of objects")
        rules = [FaultRule(**s) for s in specs]  # validate all before adding any
        with self._lock:
            self._rules.extend(rules)
        return rules

    def load_file(self, path: str) -> list[FaultRule]:
        with open(path, encoding="utf-8") as fh:
            return self.add_many(json.load(fh))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def active(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.as_dict() for r in self._rules]

    def take(self, method: str, path: str) -> FaultRule | None:
        """The rule that applies to this request, consuming one of its uses."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path):
                    if rule.times > 0:
                        rule.times -= 1
                        if rule.times == 0:
                            self._rules.remove(rule)
                    return rule
        return None
