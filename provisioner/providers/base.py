"""The provider contract: read live state, resolve declarations, apply one change.

The engine owns the flow (read → resolve → diff → safety → apply → verify); a provider only translates
between the service's API and plain :class:`Record` values, so the diff and the plan stay generic.
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from provisioner.errors import AmbiguousWriteError
from provisioner.http import RetryPolicy
from provisioner.loader import Loaded
from provisioner.model import Safety
from provisioner.plan import Change

_DUPLICATE = re.compile(r" \(#[^)]*\)\Z")


def live_key(records: dict[str, Record], key: str, rid: Any) -> str:
    """The key of a live object: its identity, or "identity (#id)" when an earlier object already holds it.
    Services allow two objects with one identity; the extras are never declared, so prune removes them."""
    return key if key not in records else f"{key} (#{rid})"


def duplicate_of(key: str) -> str | None:
    """The identity a "identity (#id)" key duplicates, or None for an ordinary key."""
    found = _DUPLICATE.search(key)
    return key[:found.start()] if found else None


@dataclass(frozen=True)
class Record:
    """One object in comparable form. List values are sets, kept as sorted unique lists."""

    key: str
    values: dict[str, Any]
    id: Any = None
    source: str | None = None

    def snapshot(self) -> dict[str, Any]:
        """The precondition form stored in a saved plan."""
        return {"id": self.id, **self.values}


@dataclass
class Scope:
    """A unit of ownership (a guide, a plan, a person): declared items plus the policy for the rest."""

    provider: str
    name: str
    target: dict[str, Any]
    items: list[tuple[Loaded, tuple[str | int, ...], Any]] = field(default_factory=list)
    prune: bool = True
    ignore: tuple[str, ...] = ()
    protect: tuple[str, ...] = ()
    safety: Safety = field(default_factory=Safety)
    options: dict[str, Any] = field(default_factory=dict)


class Provider(ABC):
    """Subclasses implement the four abstract methods; every keyword argument is keyword-only.

    Contract:
    - ``scopes`` groups validated files into scopes. No I/O.
    - ``read`` returns the live records of one scope, keyed like ``desired`` keys them. Reads use list
      endpoints with pagination, never one request per object. Must be safe to call from several threads.
    - ``desired`` turns a scope's declarations into records, resolving references against live data; it
      raises :class:`~provisioner.errors.PlanError` naming file:line for anything unresolvable.
    - ``apply`` carries out exactly one change and raises an ``ApiError`` on failure. It must not duplicate:
      a create that failed ambiguously is re-read and adopted before any retry.
    """

    name: ClassVar[str]
    title: ClassVar[str] = ""  # the service's name in messages

    @abstractmethod
    def scopes(self, files: Sequence[Loaded]) -> list[Scope]: ...

    @abstractmethod
    def read(self, scope: Scope) -> dict[str, Record]: ...

    @abstractmethod
    def desired(self, scope: Scope, live: dict[str, Record], *, want_labels: bool = False) -> dict[str, Record]: ...

    @abstractmethod
    def apply(self, change: Change) -> None: ...

    def labels(self, scope: Scope) -> dict[str, dict[str, str]]:
        """Human names for ids in changes, by field; filled only when ``desired(want_labels=True)`` ran."""
        return {}

    def request_budget(self) -> tuple[int, str] | None:
        """(requests one apply may use, the setting that changes it) for a service that caps requests per day."""
        return None

    def post_apply_step(self, scope: Scope) -> str | None:
        """What ``after_apply`` does for this scope (e.g. "publish"), or None when nothing."""
        return None

    def after_apply(self, scope: Scope, *, applied: Sequence[Change]) -> list[str]:
        """Post-apply hook (e.g. publishing); returns notes for the user."""
        return []

    def impact(self, scope: Scope, *, live: dict[str, Record],
               changes: Sequence[Change]) -> list[dict[str, Any]] | None:
        """Per-person meaning of the changes (``{"person", "gain", "lose"}``) when it needs the whole scope;
        None when this provider does not compute it (an empty list means: computed, nobody affected)."""
        return None

    def publish_all(self, scope: Scope, *, desired: dict[str, Record]) -> list[str]:
        """Run the post-apply step as if every declared object had changed (``apply --republish``)."""
        return []

    def warnings(self, scope: Scope, *, desired: dict[str, Record]) -> list[str]:
        """Sanity warnings shown with the plan (overlapping sessions, double-booked people...)."""
        return []

    def request_estimate(self, scope: Scope, *, live: dict[str, Record], changes: Sequence[Change]) -> int:
        """About how many requests ``apply`` of ``changes`` spends on this scope (its re-read, one write per
        change, post-apply calls, the verify re-read); 0 for a service without a request budget to check."""
        return 0


def create_adopting(post: Callable[[], object], adopt: Callable[[], bool], *, retry: RetryPolicy,
                    timeout: float, tries: int = 3) -> None:
    """POST a create; after an ambiguous failure re-read (``adopt`` returns True when the object is there and
    finished) and only then send it again. Never a blind retry, so never a duplicate.

    A request that timed out may still be running on the server, so it gets up to three times the request
    ``timeout`` to show up before it is sent again; a dropped connection is looked for once, shortly after."""
    for attempt in range(tries):
        try:
            post()
            return
        except AmbiguousWriteError as e:
            waits = [timeout] * 3 if e.timed_out else [retry.delay(attempt, None)]
            for wait in waits:
                time.sleep(wait)
                if adopt():
                    return
            if attempt + 1 == tries:
                raise
