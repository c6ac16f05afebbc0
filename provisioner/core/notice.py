"""A warning with a kind (DESIGN §6 "warnings about people"): ``blockout``, ``double_booked``,
``overlapping_sessions``; and Guidebook's ``attendee_on_several`` and ``publish_emails`` (DESIGN
§2.1), ...

A :class:`Notice` *is* the one line every renderer already shows (it subclasses ``str``), so text,
markdown, ``show`` and the JSON plan's ``warnings`` list stay as they were; what it adds (the kind,
the provider, the scope and the facts behind it) goes to the JSON plan's ``warning_details``
(format_minor 3). Warnings never change an exit code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# The kinds a provider may give (others are allowed: a plug-in may add its own; these are the
# documented ones).
KINDS = (
    "blockout",
    "double_booked",
    "overlapping_sessions",
    "attendee_on_several",  # Guidebook, DESIGN §2.1: left in place, it is drift (Plan.duplicates)
    "publish_emails",
)


class Notice(str):
    """A warning line plus its ``kind`` and ``details`` (plain JSON values: ids, names, times)."""

    kind: str
    details: Mapping[str, Any]

    def __new__(cls, message: str, *, kind: str, **details: Any) -> Notice:
        self = super().__new__(cls, message)
        self.kind = kind
        self.details = dict(details)
        return self

    def __reduce__(
        self,
    ) -> tuple[Any, ...]:  # a copy (or a pickle) keeps the kind, not only the text
        return (_rebuild, (str(self), self.kind, dict(self.details)))

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": str(self), **self.details}


def _rebuild(message: str, kind: str, details: dict[str, Any]) -> Notice:
    return Notice(message, kind=kind, **details)


def details_json(warnings: Iterable[str]) -> list[dict[str, Any]]:
    """The JSON plan's ``warning_details``: one object per warning that has a kind, in plan
    order."""
    return [w.to_json() for w in warnings if isinstance(w, Notice)]


def with_details(warnings: Iterable[str], details: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """A saved plan's warnings again, each with its kind where ``warning_details`` gives one
    (matched by text)."""
    kinded: dict[str, Mapping[str, Any]] = {}
    for d in details:
        if isinstance(d, Mapping) and isinstance(d.get("message"), str) and d.get("kind"):
            kinded.setdefault(d["message"], d)
    out: list[str] = []
    for text in warnings:
        found = kinded.get(text)
        if found is None:
            out.append(text)
            continue
        extra = {k: v for k, v in found.items() if k not in ("kind", "message")}
        out.append(Notice(text, kind=str(found["kind"]), **extra))
    return tuple(out)
