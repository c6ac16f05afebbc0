"""Resolving YAML references against a guide's sessions and attendees, and schedule sanity
checks."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from itertools import pairwise
from typing import Any

from provisioner.core.errors import Diagnostic
from provisioner.core.notice import Notice
from provisioner.core.records import Loaded, Record
from provisioner.files.fields import Ref, nfc

_LOOKUPS = {"attendees": ("id", "email", "import_id"), "sessions": ("id", "import_id", "name")}


class GuideIndex:
    """Lookup tables over one guide's sessions and attendees."""

    def __init__(
        self, guide: int, sessions: list[dict[str, Any]], attendees: list[dict[str, Any]]
    ) -> None:
        self.guide = guide
        self.rows = {
            "sessions": {int(s["id"]): s for s in sessions},
            "attendees": {int(a["id"]): a for a in attendees},
        }
        self.by: dict[tuple[str, str], dict[str, list[int]]] = {}
        self._spans: dict[int, tuple[datetime, datetime] | None] = {}
        for field, kinds in _LOOKUPS.items():
            for kind in kinds[1:]:
                table: dict[str, list[int]] = defaultdict(list)
                for rid, row in self.rows[field].items():
                    value = row.get(kind)
                    if value not in (None, ""):
                        table[norm(kind, str(value))].append(rid)
                self.by[(field, kind)] = table

    def resolve(self, field: str, ref: int | Ref) -> tuple[int | None, str | None]:
        """The id a reference names, or a message saying why it names none or several."""
        noun = field[:-1]
        if isinstance(ref, int) or ref.kind == "id":
            rid = int(ref if isinstance(ref, int) else ref.value)
            if rid in self.rows[field]:
                return rid, None
            return None, f"{noun} {rid} does not exist in guide {self.guide}"
        found = sorted(self.by[(field, ref.kind)].get(norm(ref.kind, str(ref.value)), []))
        if len(found) == 1:
            return found[0], None
        if not found:
            return (
                None,
                f"no {noun} of guide {self.guide} has {ref.kind} "
                f"{ref.value!r}{self._hint(field, ref)}",
            )
        listed = ", ".join(f"{i} ({self.describe(field, i)})" for i in found[:5])
        return (
            None,
            f"{ref.kind} {ref.value!r} matches {len(found)} {field} of guide {self.guide}: "
            f"{listed}; use an id",
        )

    def _hint(self, field: str, ref: Ref) -> str:
        """Close matches, ranked without regard to case: for `workshop a`, `Workshop A` comes before
        `Workshop B`."""
        import difflib

        folded: dict[str, list[str]] = defaultdict(list)
        for known in sorted(self.by[(field, ref.kind)]):
            folded[known.casefold()].append(known)
        close = difflib.get_close_matches(
            norm(ref.kind, str(ref.value)).casefold(), list(folded), n=3
        )
        names = [known for c in close for known in folded[c]][:3]
        return f"; did you mean {', '.join(repr(c) for c in names)}?" if names else ""

    def span(self, session: int) -> tuple[datetime, datetime] | None:
        """A session's time span, parsed once per run (a plan may check the same sessions on many
        schedules)."""
        if session not in self._spans:
            self._spans[session] = _span(self.rows["sessions"].get(session, {}))
        return self._spans[session]

    def describe(self, field: str, rid: int) -> str:
        """A session's name, or an attendee's e-mail or full name; the id when the guide has
        none."""
        row = self.rows[field].get(rid, {})
        if field == "sessions":
            return str(row.get("name") or rid)
        return str(
            row.get("email")
            or " ".join(filter(None, [row.get("first_name"), row.get("last_name")]))
            or rid
        )

    def labels(self) -> dict[str, dict[str, str]]:
        return {
            field: {str(rid): self.describe(field, rid) for rid in rows}
            for field, rows in self.rows.items()
        }


def norm(kind: str, value: str) -> str:
    return value.strip().lower() if kind == "email" else nfc(value)


def _span(row: dict[str, Any]) -> tuple[datetime, datetime] | None:
    try:
        start = _time(row["start_time"])
        end = _time(row.get("end_time") or row["start_time"])
    except (KeyError, TypeError, ValueError):
        return None
    return (start, end) if end > start and not row.get("all_day") else None


def _time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")


def overlap_warnings(scope: str, desired: dict[str, Record], index: GuideIndex) -> list[str]:
    """An ``overlapping_sessions`` warning (DESIGN §6) for each schedule this plan writes whose
    sessions overlap in time: its attendees are shown two sessions at once, which is probably a
    mistake."""
    out: list[str] = []
    for key, rec in sorted(desired.items()):
        spans = sorted((s, rid) for rid in rec.values.get("sessions", []) if (s := index.span(rid)))
        for (a, ida), (b, idb) in pairwise(spans):
            if b[0] < a[1]:
                out.append(
                    Notice(
                        f"{scope}: schedule {key!r} has overlapping sessions "
                        f"{index.describe('sessions', ida)!r} and "
                        f"{index.describe('sessions', idb)!r}",
                        kind="overlapping_sessions",
                        provider="guidebook",
                        scope=scope,
                        schedule=key,
                        sessions=[ida, idb],
                    )
                )
    return out


Split = tuple[set[int], list[tuple[int, Ref]]]


def split_refs(refs: list[int | Ref]) -> Split:
    """(the ids, the readable references with their position)."""
    if set(map(type, refs)) <= {int}:  # the common case, at scale: only ids
        return set(refs), []  # type: ignore[arg-type]
    return {r for r in refs if isinstance(r, int)}, [
        (i, r) for i, r in enumerate(refs) if isinstance(r, Ref)
    ]


def resolve_refs(
    item: Loaded,
    loc: tuple[str | int, ...],
    refs: list[int | Ref],
    split: Split,
    index: GuideIndex | None,
    diags: list[Diagnostic],
) -> list[int]:
    """The ids ``refs`` name: ids as written when the guide's index was not read; otherwise every id
    checked and every readable reference resolved against the index, each unknown one a diagnostic.
    """
    ids, readable = split
    if (
        index is None
    ):  # only ids, none checked against the guide: the common case, kept cheap at scale
        return sorted(ids)
    field = str(loc[-1])
    found = set(ids)
    for unknown in sorted(ids - index.rows[field].keys()):  # rare: an id the guide does not have
        found.discard(unknown)
        position = next(i for i, r in enumerate(refs) if r == unknown)
        diags.append(
            item.diagnostic(
                (*loc, position), f"{field[:-1]} {unknown} does not exist in guide {index.guide}"
            )
        )
    for i, ref in readable:
        resolved, problem = index.resolve(field, ref)
        if problem:
            diags.append(item.diagnostic((*loc, i), problem))
        elif resolved is not None:
            found.add(resolved)
    return sorted(found)
