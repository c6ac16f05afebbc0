"""Injected faults: rules that make matching API requests fail in a chosen way, a set number of
times.

Modes:
  status              answer `status` (+ Retry-After if `retry_after`) with the API's error body; nothing is written
  delay               sleep `delay` seconds, then handle normally
  timeout             same as delay, meant to outlast the client's timeout (the write still happens afterwards)
  drop_before         close the connection without answering; nothing is written
  drop_after_commit   handle and commit the request, then close without answering (an ambiguous failure)
  ack_without_commit  answer exactly as a success would (status, body, new ids), but keep nothing
  commit_later        close the connection at once without answering, then carry the request out `delay`
                      seconds later (a write that lands after the client gave up: late duplicates)
  barrier             hold each matching request until `times` of them have arrived (or `delay` seconds,
                      default 5, have passed), then handle them all: two writers' requests meet in the middle

Hooks (Python only, `SandboxServer.add_hook`) run a function on the store before a matching request
is handled: an out-of-band edit at an exact point of a client's run, with no timing involved.
"""

from __future__ import annotations

import json
import os
import re
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from .errors import SandboxError

MODES = (
    "status",
    "delay",
    "timeout",
    "drop_before",
    "drop_after_commit",
    "ack_without_commit",
    "commit_later",
    "barrier",
)
MAX_FAULTS_BYTES = (
    1024 * 1024
)  # a faults file is a few rules; a larger one is cut off and fails as JSON
BARRIER_WAIT = 5.0  # seconds a barrier holds requests when the rule gives no `delay`


@dataclass
class FaultRule:
    """One injected fault: which requests it matches (method, path regex), what it does (a status, a
    delay, a dropped connection, ...) and how many times before it expires."""

    method: str = "*"  # "*" or an HTTP method
    path: str = ".*"  # regex searched in the request path (so "personalized-schedules" matches)
    mode: str = "status"
    status: int = 503
    times: int = 1  # matching requests affected before the rule expires; -1 = forever
    retry_after: float | None = None
    delay: float = 0.0
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _released: threading.Event = field(
        init=False, repr=False, compare=False
    )  # barrier: all have arrived

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise SandboxError(f"unknown fault mode {self.mode!r}; use one of {', '.join(MODES)}")
        if not isinstance(self.times, int) or self.times == 0 or self.times < -1:
            raise SandboxError(
                "fault times must be a positive whole number, or -1 for forever (got "
                f"{self.times!r})"
            )
        if self.mode == "barrier" and self.times < 2:
            raise SandboxError("a barrier fault needs times >= 2 (how many requests meet)")
        if (
            isinstance(self.status, bool)
            or not isinstance(self.status, int)
            or not 100 <= self.status <= 599
        ):
            raise SandboxError(f"fault status must be an HTTP status 100-599 (got {self.status!r})")
        if self.retry_after is not None and (
            not isinstance(self.retry_after, int | float) or self.retry_after < 0
        ):
            raise SandboxError(
                f"fault retry_after must be a number of seconds >= 0 (got {self.retry_after!r})"
            )
        if not isinstance(self.delay, int | float) or self.delay < 0:
            raise SandboxError(f"fault delay must be a number of seconds >= 0 (got {self.delay!r})")
        try:
            self._regex = re.compile(self.path)
        except (re.error, TypeError) as exc:
            raise SandboxError(
                f"fault path {self.path!r} is not a valid regular expression: {exc}"
            ) from None
        if not isinstance(self.method, str) or not re.fullmatch(r"\*|[A-Za-z]+", self.method):
            raise SandboxError(
                f"fault method must be an HTTP method such as POST, or * (got {self.method!r})"
            )
        self.method = self.method.upper()
        self._released = threading.Event()

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method.upper()) and self._regex.search(path) is not None

    def as_dict(self) -> dict[str, Any]:
        # Not dataclasses.asdict: it deep-copies every field, and the barrier's Event cannot be
        # copied.
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}

    def wait_for_others(self, stopping: threading.Event) -> None:
        """Barrier: the request that uses the rule up releases the ones already waiting."""
        if self.times == 0:  # this request was the last one the barrier waits for
            self._released.set()
            return
        deadline = self.delay or BARRIER_WAIT
        waited = 0.0
        while not self._released.wait(0.05) and not stopping.is_set() and waited < deadline:
            waited += 0.05


def rule_from_spec(spec: Any) -> FaultRule:
    """One rule from JSON, with a clear message for an unknown key (instead of a TypeError)."""
    if not isinstance(spec, dict):
        raise SandboxError(f"a fault must be an object, got {type(spec).__name__}")
    known = {"method", "path", "mode", "status", "times", "retry_after", "delay"}
    unknown = sorted(set(spec) - known)
    if unknown:
        raise SandboxError(f"unknown fault field {unknown[0]!r}; known: {', '.join(sorted(known))}")
    return FaultRule(**spec)


@dataclass
class Hook:
    """Run `action` on the store before a matching request is handled (Python-only, not
    serialisable)."""

    rule: FaultRule
    action: Callable[[Any], None]


class Faults:
    """A thread-safe, ordered list of rules; the first matching live rule applies to a request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._hooks: list[Hook] = []

    def add(self, **spec: Any) -> FaultRule:
        rule = rule_from_spec(spec)
        with self._lock:
            self._rules.append(rule)
        return rule

    def add_many(self, specs: Any) -> list[FaultRule]:
        """Rules from JSON: a list, `{"faults": [...]}`, or a single rule object."""
        if isinstance(specs, dict):
            specs = specs.get("faults", [specs])
        if not isinstance(specs, list):
            raise SandboxError("faults must be a list of objects")
        rules = [rule_from_spec(s) for s in specs]  # validate all before adding any
        with self._lock:
            self._rules.extend(rules)
        return rules

    def load_file(self, path: str) -> list[FaultRule]:
        """Add the rules of a JSON faults file (a list of rule objects); SandboxError in words for a
        file that is not a regular file, too large, not JSON or not a list of valid rules."""
        try:
            if not stat.S_ISREG(
                os.stat(path).st_mode
            ):  # /dev/zero or a FIFO would be read for ever
                raise SandboxError(f"the faults file {path} is not a regular file")
            with open(path, encoding="utf-8") as fh:
                specs = json.loads(fh.read(MAX_FAULTS_BYTES))
        except OSError as exc:
            raise SandboxError(
                f"cannot read the faults file {path}: {exc.strerror or exc}"
            ) from None
        except ValueError as exc:
            raise SandboxError(f"the faults file {path} is not valid JSON: {exc}") from None
        if not isinstance(specs, list):  # README: a JSON list; `{}` read as one rule was "503 next"
            raise SandboxError(
                f"the faults file {path} must hold a JSON list of fault objects "
                f'(e.g. [{{"mode": "status", "status": 503}}]), not {_kind(specs)}'
            )
        try:
            return self.add_many(specs)
        except SandboxError as exc:
            raise SandboxError(f"the faults file {path}: {exc}") from None

    def add_hook(
        self, action: Callable[[Any], None], method: str = "*", path: str = ".*", times: int = 1
    ) -> Hook:
        hook = Hook(FaultRule(method=method, path=path, times=times), action)
        with self._lock:
            self._hooks.append(hook)
        return hook

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._hooks.clear()

    def active(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.as_dict() for r in self._rules]

    def take(self, method: str, path: str) -> FaultRule | None:
        """The rule that applies to this request, consuming one of its uses."""
        with self._lock:
            return _consume(self._rules, method, path, lambda rule: rule)

    def take_hook(self, method: str, path: str) -> Hook | None:
        with self._lock:
            return _consume(self._hooks, method, path, lambda hook: hook.rule)


def _consume(items: list[Any], method: str, path: str, rule_of: Callable[[Any], FaultRule]) -> Any:
    """The first item whose rule matches; one use of it is spent, and a spent item is removed.
    Caller locks."""
    for item in items:
        rule = rule_of(item)
        if rule.matches(method, path):
            if rule.times > 0:
                rule.times -= 1
                if rule.times == 0:
                    items.remove(item)
            return item
    return None


def _kind(value: Any) -> str:
    names = {dict: "an object", str: "a string", bool: "a boolean"}
    return "null" if value is None else names.get(type(value), "a number")
