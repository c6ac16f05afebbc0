"""Warnings about people on a roster (DESIGN §6): ``blockout`` and ``double_booked``.

Planning Center does not stop anyone from scheduling a person on a day they blocked out ("No
conflict type will prevent you from scheduling someone", PCO help: Scheduling conflicts and
blockouts), so the plan says so itself.

Reads, the fewest (docs/api-notes.md, point 22): only for a plan that adds someone (a create), its
plan times once (``service_types/{st}/plans/{plan}/plan_times``), and each added person's blockouts
once a run (``people/{id}/blockouts``, every page; no filter, so that a blockout that began long ago
and repeats is seen). A plan that adds nobody costs nothing.

Whether a blockout's ``starts_at``/``ends_at`` are UTC instants or wall-clock times in its
``time_zone`` with a ``Z`` suffix is not documented [G] (a BlockoutDate has ``starts_at`` beside
``starts_at_utc``; a plan's ``sort_date`` is such a wall-clock ``Z`` time, ISSUE#987), so each time
is read both ways (:func:`readings`) unless the data tells: an offset other than ``Z`` is an
instant, no offset is a wall-clock time, and when exactly one reading puts the start at midnight in
the blockout's zone (an all-day blockout) that one is meant. Otherwise a warning is advisory, so it
is given when either reading overlaps (the conservative union). Repeats (``repeat_period`` daily |
weekly | monthly | yearly, ``repeat_frequency`` ``every_N``, ``repeat_interval`` for monthly ones,
up to ``repeat_until``) are laid out in its own ``time_zone`` [C: the fields; G: the rule].
"""

from __future__ import annotations

import calendar
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from provisioner.core.notice import Notice
from provisioner.providers.planning_center.client import attributes, iterate
from provisioner.transport.http import HttpClient

EVERY = {"daily": 1, "weekly": 7}  # days between repeats, per step of repeat_frequency
MAX_REPEATS = 5000  # repeats looked at per blockout and plan: ~100 years of weekly ones


@dataclass(frozen=True)
class Span:
    """A plan time, or one occurrence of a blockout: [start, end)."""

    start: datetime
    end: datetime
    name: str = ""
    id: str = ""

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Blockout:
    """A person's blockout: its first span, reason and repetition (every ``every`` ``interval``
    until a day), in the organization's time zone."""

    id: str
    first: Span
    reason: str
    period: str | None  # None: it does not repeat
    every: int
    interval: str
    until: date | None
    zone: tzinfo
    others: tuple[
        Span, ...
    ] = ()  # the first occurrence under the other reading of its times, if still open

    def hits(self, times: Sequence[Span]) -> list[Span]:
        """The plan times some occurrence of this blockout overlaps, under any reading still
        open."""
        if not times:
            return []
        last = max(t.end for t in times)
        spans = [o for first in (self.first, *self.others) for o in self.occurrences(last, first)]
        return [t for t in times if any(o.overlaps(t) for o in spans)]

    def occurrences(self, until: datetime, first: Span | None = None) -> Iterator[Span]:
        """Each occurrence that starts before ``until`` (the first one, then its repeats)."""
        first = first or self.first
        length = first.end - first.start
        local = first.start.astimezone(self.zone).replace(tzinfo=None)
        for k in range(MAX_REPEATS if self.period else 1):
            start = _nth(local, self.period, self.every * k, self.interval)
            if start is None:
                continue
            if self.until is not None and start.date() > self.until:
                return
            instant = start.replace(tzinfo=self.zone).astimezone(UTC)
            if instant >= until:
                return
            yield Span(instant, instant + length)

    def describe(self) -> str:
        """``blocked out Dec 19 – Dec 20 (Visiting family)``; a repeating one names its repeat."""
        first = self.first.start.astimezone(self.zone)
        last = (self.first.end - timedelta(seconds=1)).astimezone(self.zone)
        when = _day(first) if first.date() == last.date() else f"{_day(first)} – {_day(last)}"
        if self.period:
            unit = {"daily": "day", "weekly": "week", "monthly": "month", "yearly": "year"}
            step = unit.get(self.period, self.period)
            when = f"every {step if self.every == 1 else f'{self.every} {step}s'} from {when}"
        reason = f" ({self.reason})" if self.reason else ""
        return f"blocked out {when}{reason}"


def parse_blockout(row: Mapping[str, Any]) -> Blockout | None:
    """A blockout from its JSON:API resource; None when its times cannot be read (it is then not
    checked)."""
    attrs = attributes(dict(row))
    zone = _zone(attrs.get("time_zone"))
    spans = readings(attrs.get("starts_at"), attrs.get("ends_at"), zone)
    if not spans:
        return None
    frequency = str(attrs.get("repeat_frequency") or "no_repeat")
    period = attrs.get("repeat_period")
    repeats = frequency.startswith("every_") and period in ("daily", "weekly", "monthly", "yearly")
    every = frequency.removeprefix("every_")
    return Blockout(
        id=str(row.get("id")),
        first=spans[0],
        others=tuple(spans[1:]),
        reason=str(attrs.get("reason") or attrs.get("description") or ""),
        period=str(period) if repeats else None,
        every=int(every) if every.isdigit() and int(every) > 0 else 1,
        interval=str(attrs.get("repeat_interval") or "exact_day_of_month"),
        until=_date(attrs.get("repeat_until")),
        zone=zone,
    )


def readings(starts_at: Any, ends_at: Any, zone: tzinfo) -> list[Span]:
    """The blockout's first occurrence under each reading of its times the data leaves open, the UTC
    one first (named ``utc`` / ``local`` in ``Span.name``); empty when ``starts_at`` cannot be read.

    ``Z`` (how Planning Center writes every time, wall-clock ones too: ISSUE#987) leaves both open;
    another offset means an instant, none a wall-clock time. Of two, the one starting at midnight in
    ``zone`` wins when only one does: an all-day blockout starts at midnight where the person is."""
    spans: list[Span] = []
    for reading in _forms(starts_at):
        start = _read(starts_at, reading, zone)
        if start is None:
            continue
        end = _read(ends_at, reading, zone)
        end = end if end is not None and end > start else start + timedelta(days=1)
        if all(s.start != start for s in spans):  # a UTC zone: both readings are one
            spans.append(Span(start, end, reading))
    midnight = [s for s in spans if s.start.astimezone(zone).time() == time(0)]
    return midnight if len(spans) > 1 and len(midnight) == 1 else spans


def _forms(text: Any) -> tuple[str, ...]:
    raw = str(text).strip()
    if raw.upper().endswith("Z"):
        return ("utc", "local")
    try:
        aware = datetime.fromisoformat(raw).tzinfo is not None
    except ValueError:
        return ()
    return ("utc",) if aware else ("local",)


def _read(text: Any, reading: str, zone: tzinfo) -> datetime | None:
    """``text`` as an instant (``utc``), or its clock reading taken in ``zone`` (``local``)."""
    value = _instant(text)
    if value is None or reading == "utc":
        return value
    return value.replace(tzinfo=None).replace(tzinfo=zone).astimezone(UTC)


class Blockouts:
    """Each person's blockouts and each plan's times, read at most once a run; safe across
    threads."""

    def __init__(self, client: HttpClient, parallelism: int = 1) -> None:
        self.client = client
        self.parallelism = (
            parallelism  # people read at once (``--parallelism``, set by the provider)
        )
        self._people: dict[int, list[Blockout]] = {}
        self._times: dict[tuple[int, int], list[Span]] = {}
        self._lock = threading.Lock()  # guards the caches and the per-person locks, never a request
        self._reading: dict[int, threading.Lock] = {}

    def of(self, person: int) -> list[Blockout]:
        """The person's blockouts, read once a run; different people are read concurrently."""
        with self._lock:
            mine = self._reading.setdefault(person, threading.Lock())
        with mine:  # a second caller for the same person waits for the first one's read
            if person not in self._people:
                rows = iterate(self.client, f"people/{person}/blockouts")
                found = [b for r in rows if (b := parse_blockout(r)) is not None]
                with self._lock:
                    self._people[person] = found
            return self._people[person]

    def read_all(self, people: Sequence[int]) -> None:
        """Read the blockouts of ``people`` not read yet, ``parallelism`` at a time (one each: the
        order of these GETs is then not fixed)."""
        todo = [p for p in dict.fromkeys(people) if p not in self._people]
        if len(todo) < 2 or self.parallelism < 2:
            return  # read one by one as they are asked for
        threads = min(self.parallelism, len(todo))
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="blockouts") as pool:
            list(pool.map(self.of, todo))  # re-raises the first failure, as a one-by-one read would

    def plan_times(self, service_type: int, plan: int) -> list[Span]:
        with self._lock:
            if (service_type, plan) not in self._times:
                rows = iterate(self.client, f"service_types/{service_type}/plans/{plan}/plan_times")
                self._times[service_type, plan] = [t for r in rows if (t := _time(r)) is not None]
            return self._times[service_type, plan]


def blockout_warnings(
    reader: Blockouts,
    where: tuple[str, int, int],
    added: Sequence[int],
    people: Mapping[str, str],
) -> list[Notice]:
    """A ``blockout`` warning for each added person whose blockout overlaps a time of the plan.
    ``where`` is (scope name, service type, plan); ``people`` names people by id, where known."""
    if not added:
        return []
    scope, service_type, plan = where
    times = reader.plan_times(service_type, plan)
    persons = sorted(set(added))
    reader.read_all(persons)
    out = []
    for person in persons:
        for blockout in reader.of(person):
            hit = blockout.hits(times)
            if not hit:
                continue
            who = named(people, person)
            out.append(
                Notice(
                    f"{scope}: {who} is {blockout.describe()}, which overlaps "
                    f"{and_list([t.name or _day(t.start) for t in hit])}; Planning Center "
                    "schedules "
                    "them anyway",
                    kind="blockout",
                    provider="planning_center",
                    scope=scope,
                    person=person,
                    plan=plan,
                    blockout={
                        "id": blockout.id,
                        "starts_at": _iso(blockout.first.start),
                        "ends_at": _iso(blockout.first.end),
                        "reason": blockout.reason,
                        "repeats": blockout.period is not None,
                    },
                    times=[
                        {
                            "id": t.id,
                            "name": t.name,
                            "starts_at": _iso(t.start),
                            "ends_at": _iso(t.end),
                        }
                        for t in hit
                    ],
                )
            )
    return out


def double_booked(
    scope: str,
    plan: int,
    teams: Mapping[int, set[int]],
    involved: set[int],
    names: Mapping[str, Any],
) -> list[Notice]:
    """A ``double_booked`` warning for each involved person on several teams of the plan: a member
    of a team scheduled to the plan serves every time of it, so two teams' times overlap (split
    teams, scheduled per time, are not told apart: docs/api-notes.md)."""
    people, team_names = names.get("person", {}), names.get("team", {})
    return [
        Notice(
            f"{scope}: {named(people, p)} is on teams "
            f"{and_list([_team(team_names, t) for t in sorted(teams[p])])}",
            kind="double_booked",
            provider="planning_center",
            scope=scope,
            person=p,
            plan=plan,
            teams=sorted(teams[p]),
        )
        for p in sorted(involved)
        if len(teams.get(p, ())) > 1
    ]


def named(people: Mapping[str, str], person: int) -> str:
    name = people.get(str(person))
    return f"{name} (person {person})" if name else f"person {person}"


def _team(names: Mapping[str, str], team: int) -> str:
    name = names.get(str(team))
    return f"{name} ({team})" if name else str(team)


def and_list(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _nth(local: datetime, period: str | None, n: int, interval: str) -> datetime | None:
    """The ``n``-th step of a repeat from ``local`` (wall-clock time); None when that month has no
    such day."""
    if n == 0 or period is None:
        return local
    if period in EVERY:
        return local + timedelta(days=EVERY[period] * n)
    months = n * (12 if period == "yearly" else 1)
    year, month = divmod(local.month - 1 + months, 12)
    year, month = local.year + year, month + 1
    days = calendar.monthrange(year, month)[1]
    if period == "monthly" and interval.startswith("week_of_month_"):
        which = interval.removeprefix("week_of_month_")
        same = [d for d in range(1, days + 1) if date(year, month, d).weekday() == local.weekday()]
        if which == "last":
            day = same[-1]
        elif which.isdigit() and 1 <= int(which) <= len(same):
            day = same[int(which) - 1]
        else:
            return None
    else:
        day = local.day
        if day > days:
            return None  # Jan 31 repeats on no day of February
    return local.replace(year=year, month=month, day=day)


def _time(row: Mapping[str, Any]) -> Span | None:
    attrs = attributes(dict(row))
    start = _instant(attrs.get("starts_at"))
    if start is None:
        return None
    end = _instant(attrs.get("ends_at"))
    end = end if end is not None and end > start else start + timedelta(minutes=1)
    return Span(start, end, str(attrs.get("name") or ""), str(row.get("id")))


def _instant(text: Any) -> datetime | None:
    try:
        value = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _date(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def _zone(name: Any) -> tzinfo:
    try:
        return ZoneInfo(str(name)) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _day(moment: datetime) -> str:
    return f"{moment:%b} {moment.day}, {moment.year}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
