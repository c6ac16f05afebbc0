"""The Planning Center lists that readable references resolve against (contract §2.2), each read at
most once a run and only when asked for: the organization (its time zone), the service types, a
service type's plans. Teams and people come from
:class:`~provisioner.providers.planning_center.refs.PeopleAndTeams`, whose caches the roster checks
share, so a list read to resolve names is not read again to check them.

A plan's calendar day is its ``sort_date`` in the organization's time zone (docs/api-notes.md, "A
plan's day").
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from provisioner.core.errors import ApiError, ProvisionerError
from provisioner.files.fields import nfc
from provisioner.providers.planning_center.client import (
    PER_PAGE,
    SERVICES,
    attributes,
    iterate,
    iterate_from,
)
from provisioner.transport.http import HttpClient, Response

log = logging.getLogger(__name__)


def fold(name: str) -> str:
    """Names compared as people read them: NFC, runs of whitespace as one space; case is kept."""
    return " ".join(nfc(name).split())


@dataclass(frozen=True)
class PlanRow:
    """A plan of a service type as lists read it: id, title and day (in the organization's time
    zone)."""

    id: int
    title: str
    day: date | None
    dates: str = ""  # the plan's ``dates`` as Planning Center shows them (doctor's plan row)

    def describe(self) -> str:
        """``Advent 3 · Dec 13, 2026 (plan 5679)``: a candidate in an error message."""
        when = short_day(self.day, year=True) if self.day else "no date"
        return (
            f"{self.title} · {when} (plan {self.id})" if self.title else f"{when} (plan {self.id})"
        )


def short_day(day: date, *, year: bool = False) -> str:
    return f"{day:%b} {day.day}" + (f", {day.year}" if year else "")


def plan_day(attrs: dict[str, object], zone: tzinfo) -> date | None:
    """The plan's calendar day in the organization's time zone, from ``sort_date``.

    ``sort_date`` ends in ``Z``; the docs list it among the fields "in the organization's time zone"
    and a 2022 report (ISSUE#987) says it comes as local wall-clock time with a ``Z`` suffix. The
    two readings give different days only near midnight; there the display dates (``dates`` /
    ``short_dates``, written in the organization's time zone) say which day is meant."""
    text = str(attrs.get("sort_date") or "")
    try:
        instant = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    literal = instant.date()
    local = instant.astimezone(zone).date() if instant.tzinfo else literal
    if local == literal:
        return local
    shown = f"{attrs.get('dates') or ''} {attrs.get('short_dates') or ''}"
    if _mentions(shown, literal) and not _mentions(shown, local):
        return literal
    return local


def _mentions(text: str, day: date) -> bool:
    return re.search(rf"\b{day:%b}[a-z]*\.? {day.day}\b", text) is not None


class Lists:
    """The organization, service types and plans, each read once per run; safe across threads."""

    def __init__(self, client: HttpClient) -> None:
        self.client = client
        self._zone: tuple[tzinfo, str] | None = None
        self._service_types: dict[int, str] | None = None
        self._first_service_types: Response | None = None  # the first page, headers and all
        self._service_type_rows: dict[str, dict[str, Any]] | None = None
        self._unnamed = False  # the service types list could not be read for titles
        self._plans: dict[int, list[PlanRow]] = {}
        self._lock = threading.RLock()

    def time_zone(self) -> tuple[tzinfo, str]:
        """The organization's time zone (``GET /services/v2`` → ``time_zone`` [3P ISSUE#575]); UTC
        when absent."""
        with self._lock:
            if self._zone is None:
                body = self.client.request("GET", SERVICES.rstrip("/")).data
                data = body.get("data") if isinstance(body, dict) else None
                name = attributes(data).get("time_zone") if isinstance(data, dict) else None
                self._zone = (_zone(str(name)), str(name)) if name else (UTC, "UTC")
            return self._zone

    def service_types_page(self) -> Response:
        """The first page of the service types (doctor reads its meta and rate-limit headers); read
        once a run, whoever asks first."""
        with self._lock:
            if self._first_service_types is None:
                self._first_service_types = self.client.request(
                    "GET", f"{SERVICES}service_types", params={"per_page": PER_PAGE, "offset": 0}
                )
            return self._first_service_types

    def service_type_rows(self) -> dict[str, dict[str, Any]]:
        """Id → attributes of every service type: the first page, then the rest by offset (one
        paginated list, read once a run)."""
        with self._lock:
            if self._service_type_rows is None:
                first = self.service_types_page().data
                data = first.get("data") if isinstance(first, dict) else None
                if not isinstance(data, list):
                    raise ApiError(
                        "Planning Center: expected a JSON:API collection, got "
                        f"{type(first).__name__}"
                    )
                rows = list(data)
                links = first.get("links")
                if isinstance(links, dict) and links.get("next"):
                    rows += list(iterate_from(self.client, "service_types", PER_PAGE))
                self._service_type_rows = {
                    str(r.get("id")): attributes(r) for r in rows if isinstance(r, dict)
                }
            return self._service_type_rows

    def service_types(self) -> dict[int, str]:
        """Service type id → name (one paginated list)."""
        with self._lock:
            if self._service_types is None:
                self._service_types = {
                    int(i): str(a.get("name") or i)
                    for i, a in self.service_type_rows().items()
                    if i.isdigit()
                }
            return self._service_types

    def service_type_name(self, service_type: int) -> str | None:
        """The service type's name for a title: the list, read once; None when it cannot be read. A
        title is for people only, so a failed read fails nothing and is not tried again this run."""
        with self._lock:
            if self._service_types is None and not self._unnamed:
                try:
                    self.service_types()
                except ProvisionerError as e:
                    self._unnamed = True
                    log.info("service types not named: %s", e)
            return (self._service_types or {}).get(service_type)

    def known_service_type(self, service_type: int) -> str | None:
        """The service type's name when the list was read this run (no request)."""
        with self._lock:
            return (self._service_types or {}).get(service_type)

    def plans(self, service_type: int) -> list[PlanRow]:
        """Every plan of the service type with its day (the time zone, then one paginated list)."""
        with self._lock:
            if service_type not in self._plans:
                zone, _ = self.time_zone()
                rows = iterate(self.client, f"service_types/{service_type}/plans")
                self._plans[service_type] = [
                    PlanRow(
                        int(r["id"]),
                        _title(r),
                        plan_day(attributes(r), zone),
                        str(attributes(r).get("dates") or ""),
                    )
                    for r in rows
                    if str(r.get("id", "")).isdigit()
                ]
            return self._plans[service_type]

    def known_plan(self, service_type: int, plan: int) -> PlanRow | None:
        """The plan as the service type's list read it this run (no request); None when the list
        was not read or does not hold it."""
        with self._lock:
            return next((p for p in self._plans.get(service_type, []) if p.id == plan), None)


def _title(row: dict[str, object]) -> str:
    return str(attributes(row).get("title") or "")


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ApiError(
            f"Planning Center: the organization's time zone {name!r} is not known here (a plan "
            "date cannot "
            "be placed); install the tzdata package, or write the plan's id"
        ) from e
