"""Checks of the people and teams a roster adds, against Planning Center, before anything is
written."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from provisioner.core.errors import NotFoundError
from provisioner.providers.planning_center.client import SERVICES, attributes, iterate
from provisioner.transport.http import HttpClient

log = logging.getLogger(__name__)
# Up to this many people are looked up one GET each (the API has no documented way to fetch several
# people by id); more than that, and the organisation's people list is read in pages of 100 instead,
# stopping once every wanted person is found. Either way every unknown person is reported in the
# same run.
MAX_PERSON_LOOKUPS = 25
MISSING = "\0missing"


class PeopleAndTeams:
    """Teams per service type and people by id, each read at most once per run; safe across
    threads."""

    def __init__(self, client: HttpClient) -> None:
        self.client = client
        self._teams: dict[int, dict[str, str]] = {}
        self._people: dict[int, str | None] = {}
        self._everyone: dict[int, str] | None = None  # the whole people list, once read
        self._lock = threading.Lock()

    def teams(self, service_type: int) -> dict[str, str]:
        """Team id → name for one service type (one paginated list)."""
        with self._lock:
            if service_type not in self._teams:
                rows = iterate(self.client, f"service_types/{service_type}/teams")
                self._teams[service_type] = {
                    str(r["id"]): str(attributes(r).get("name") or r["id"]) for r in rows
                }
            return self._teams[service_type]

    def everyone(self) -> dict[int, str]:
        """Every Services person's id → full name (one paginated list, read at most once a run).
        Once read, the lookups of people by id below answer from it without a request."""
        with self._lock:
            if self._everyone is not None:
                return self._everyone
        found = {
            int(row["id"]): _name(attributes(row)) or str(row["id"])
            for row in iterate(self.client, "people")
            if str(row.get("id", "")).isdigit()
        }
        with self._lock:
            self._everyone = found
            self._people.update(found)
            return found

    def people(self, wanted: Iterable[int]) -> dict[int, str | None]:
        """Each wanted person's name; MISSING for one the server says does not exist (or these
        credentials cannot see), None for one whose existence could not be told (an HTML 404 is
        routing, not an answer)."""
        ids = sorted(set(wanted))
        with self._lock:
            todo = [p for p in ids if p not in self._people]
            if (
                self._everyone is not None
            ):  # the whole list was read: whoever is not in it does not exist
                self._people.update({p: MISSING for p in todo})
                todo = []
        if len(todo) > MAX_PERSON_LOOKUPS:
            self._list_people(set(todo))
        else:
            for person in todo:
                self.person(person)
        with self._lock:
            return {p: self._people.get(p) for p in ids}

    def _list_people(self, todo: set[int]) -> None:
        """Page through the people list until every id in ``todo`` is seen; the rest do not
        exist."""
        found: dict[int, str | None] = {}
        for row in iterate(self.client, "people"):
            rid = int(row["id"]) if str(row.get("id", "")).isdigit() else None
            if rid in todo:
                found[rid] = _name(attributes(row)) or str(rid)
                if len(found) == len(todo):
                    break
        with self._lock:
            for person in todo:
                self._people[person] = found.get(person, MISSING)

    def person(self, person: int) -> str | None:
        """The person's name, MISSING when the server says there is no such person, None when it
        cannot be told."""
        with (
            self._lock
        ):  # the lock guards the cache only: lookups of different people run concurrently
            if person in self._people:
                return self._people[person]
            self._people[person] = None  # claimed: nobody looks it up twice
        try:
            data = self.client.request("GET", f"{SERVICES}people/{person}").data
            name = _name(attributes(data.get("data", {}))) if isinstance(data, dict) else None
        except NotFoundError as e:
            name = (
                MISSING if isinstance(e.body, dict) else None
            )  # an HTML 404 is routing, not an answer
        with self._lock:
            self._people[person] = name
        return name


def _name(attrs: dict[str, object]) -> str | None:
    return (
        str(
            attrs.get("full_name")
            or " ".join(str(p) for p in (attrs.get("first_name"), attrs.get("last_name")) if p)
            or ""
        )
        or None
    )
