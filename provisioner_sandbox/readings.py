"""Readings: named switches for API behaviour the real services leave undocumented.

Where docs/api-notes.md marks a behaviour [G] (a guess), the sandbox can take each plausible
reading, so a test of the client can run against all of them. The first value of each reading is its
default: the reading the API notes call most likely, and what the sandbox did before readings
existed. Each service declares its readings in its own package (`guidebook/readings.py`,
`planning_center/readings.py`); `services.py` lists them all.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .errors import SandboxError


@dataclass(frozen=True)
class Reading:
    """One undocumented point of an API and the values the sandbox can read it as (the first is the
    default)."""

    name: str  # "<service>.<point>", e.g. "guidebook.body"
    values: tuple[str, ...]  # allowed values; the first is the default
    doc: str  # one line: what each value means
    numeric: bool = False  # also accepts a positive integer (e.g. a fixed page size)

    @property
    def default(self) -> str:
        return self.values[0]

    def check(self, value: object) -> str:
        text = str(value).strip()
        if text in self.values or (self.numeric and text.isdigit() and 0 < int(text) <= 10_000):
            return text
        allowed = " | ".join(self.values) + (" | a page size 1-10000" if self.numeric else "")
        raise SandboxError(f"reading {self.name} cannot be {value!r}; use {allowed}")


class Readings:
    """The current value of every reading. Thread-safe: handlers read it per request, tests change
    it at runtime."""

    def __init__(
        self, known: Iterable[Reading], initial: Mapping[str, object] | None = None
    ) -> None:
        self._known = {r.name: r for r in known}
        self._lock = threading.Lock()
        self._values = {name: r.default for name, r in self._known.items()}
        self.set(initial or {})
        self._initial = dict(self._values)  # what reset() goes back to

    def get(self, name: str) -> str:
        with self._lock:
            return self._values[name]

    def set(self, changes: Mapping[str, object]) -> dict[str, str]:
        """Change some readings; all are checked before any changes, so a bad one changes
        nothing."""
        if not isinstance(changes, Mapping):
            raise SandboxError('readings must be an object such as {"guidebook.body": "form-only"}')
        checked: dict[str, str] = {}
        for name, value in changes.items():
            reading = self._known.get(name)
            if reading is None:
                raise SandboxError(
                    f"unknown reading {name!r}; known: {', '.join(sorted(self._known))}"
                )
            checked[name] = reading.check(value)
        with self._lock:
            self._values.update(checked)
            return dict(self._values)

    def reset(self) -> None:
        """Back to the values the server started with."""
        with self._lock:
            self._values = dict(self._initial)

    def as_dict(self) -> dict[str, str]:
        with self._lock:
            return dict(self._values)

    def describe(self) -> dict[str, dict[str, object]]:
        """Every reading with its allowed values, default and meaning (GET /_sandbox/readings)."""
        return {
            r.name: {
                "values": list(r.values),
                "default": r.default,
                "numeric": r.numeric,
                "doc": r.doc,
            }
            for r in self._known.values()
        }


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """`NAME=VALUE` strings (the CLI's --reading) into a mapping; the values are checked by
    Readings.set."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise SandboxError(
                f"--reading takes NAME=VALUE, e.g. guidebook.body=form-only (got {item!r})"
            )
        out[name.strip()] = value.strip()
    return out
