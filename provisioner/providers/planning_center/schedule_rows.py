"""What one row of a person's schedules list says (the Schedule resource, docs/api-notes.md): its
answer, its position, its day, team name and title (``Facts``), and its key; the id prefix that
marks a schedule the list hid and that was found through its PlanPerson (hidden_schedules.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from provisioner.core.records import Record
from provisioner.files.fields import nfc
from provisioner.providers.planning_center.client import attributes
from provisioner.providers.planning_center.lists import plan_day, short_day
from provisioner.providers.planning_center.models import RESPONSE_WORDS

log = logging.getLogger(__name__)
VIA_MEMBER = (
    "plan_person/"  # id prefix of a schedule found through its PlanPerson (the list hid it)
)
Keys = Callable[
    [object, object | None], tuple[str, dict[str, Any]]
]  # (plan, team) -> (key, identity)
Facts = tuple[
    date | None, str | None, str
]  # a schedule's day, team name and title ("Dec 13 (plan 5679)")


def schedule_key(
    keys: Keys,
    plan: str,
    team: str | None,
    position: str | None,
    shared: set[tuple[str, str | None]],
) -> tuple[str, dict[str, Any]]:
    """A schedule's key and identity: (plan, team), and its position when the person holds several
    on that team of that plan (each is its own schedule, DESIGN §2.3). One position keeps the key it
    always had."""
    key, identity = keys(plan, team)
    if (plan, team) in shared and position:
        return f"{key} / {position}", {**identity, "position": position}
    return key, identity


def schedule_values(attrs: dict[str, Any]) -> dict[str, Any]:
    """A schedule's (or PlanPerson's) answer as a record's values: its status letter as a word, and
    its decline reason."""
    status = attrs.get("status")
    letter = (
        str(status).strip()[:1].upper() if isinstance(status, str) and status.strip() else status
    )
    return {
        "response": RESPONSE_WORDS.get(str(letter), str(letter).lower()),
        "decline_reason": attrs.get("decline_reason") or None,
    }


def keep_time(times: dict[str, dict[str, Any]], resource: dict[str, Any]) -> None:
    """Keeps a sideloaded PlanTime's attributes, by its id."""
    if resource.get("type") == "PlanTime" and resource.get("id") is not None:
        times[str(resource["id"])] = attributes(resource)


def keep_name(names: dict[str, str], resource: dict[str, Any], kind: str, attr: str) -> None:
    """Keeps a sideloaded resource's name (``attr``) when it is of ``kind`` (a Team's, for
    labels)."""
    if (
        resource.get("type") == kind
        and resource.get("id") is not None
        and attributes(resource).get(attr)
    ):
        names[str(resource["id"])] = str(attributes(resource)[attr])


def shared_teams(
    schedules: Iterable[tuple[str | None, str | None, str | None]],
) -> set[tuple[str, str | None]]:
    """The (plan, team) pairs a person holds with more than one position: two schedules there."""
    held: dict[tuple[str, str | None], set[str | None]] = {}
    for plan, team, position in schedules:
        if plan is not None:
            held.setdefault((plan, team), set()).add(position)
    return {pair for pair, positions in held.items() if len(positions) > 1}


def position_of(attrs: Mapping[str, Any]) -> str | None:
    value = attrs.get("team_position_name")
    return nfc(value) if isinstance(value, str) and value else None


def schedule_facts(row: dict[str, Any], rec: Record) -> Facts:
    """What a responses file may match a schedule by: its day in the organization's time zone (the
    schedule carries ``organization_time_zone``, so no request is needed), and its team's name."""
    attrs = attributes(row)
    day = plan_day(attrs, _zone(attrs.get("organization_time_zone")))
    plan = rec.identity["plan"]
    title = f"{short_day(day, year=True)} (plan {plan})" if day else f"plan {plan}"
    kind = attrs.get(
        "service_type_name"
    )  # which service: two plans of one day are told apart by it
    title = f"{kind} · {title}" if kind else title
    team = attrs.get("team_name")
    return (day, str(team) if team else None, title)


def _zone(name: Any) -> tzinfo:
    try:
        return ZoneInfo(str(name)) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        log.warning(
            "unknown organization time zone %r on a schedule; reading its date in UTC", name
        )
        return UTC


def id_order(row: dict[str, Any]) -> tuple[int, int, str]:
    rid = str(row.get("id"))
    return (0, int(rid), "") if rid.isdigit() else (1, 0, rid)
