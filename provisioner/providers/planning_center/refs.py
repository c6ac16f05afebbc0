"""Checks of the people and teams a roster adds, against Planning Center, before anything is written."""

from __future__ import annotations

import logging
import threading

from provisioner.errors import NotFoundError
from provisioner.http import HttpClient
from provisioner.providers.planning_center.client import SERVICES, attributes, iterate

log = logging.getLogger(__name__)
# Each new person costs one GET (the API has no documented way to fetch several people by id in one request),
# so a roster that adds hundreds of people is checked by the server at apply instead (its 422 names the line).
MAX_PERSON_LOOKUPS = 25
MISSING = "\0missing"


class PeopleAndTeams:
    """Teams per service type and people by id, each read at most once per run; safe across threads."""

    def __init__(self, client: HttpClient) -> None:
        self.client = client
        self._teams: dict[int, dict[str, str]] = {}
        self._people: dict[int, str | None] = {}
        self._lock = threading.Lock()

    def teams(self, service_type: int) -> dict[str, str]:
        """Team id → name for one service type (one paginated list)."""
        with self._lock:
            if service_type not in self._teams:
                rows = iterate(self.client, f"service_types/{service_type}/teams")
                self._teams[service_type] = {str(r["id"]): str(attributes(r).get("name") or r["id"]) for r in rows}
            return self._teams[service_type]

    def person(self, person: int) -> str | None:
        """The person's name, MISSING when the server says there is no such person, None when not looked up."""
        with self._lock:  # the lock guards the cache only: lookups of different people run concurrently
            if person in self._people:
                return self._people[person]
            if len(self._people) >= MAX_PERSON_LOOKUPS:
                return None
            self._people[person] = None  # claimed: counts towards the cap, and nobody looks it up twice
        try:
            data = self.client.request("GET", f"{SERVICES}people/{person}").data
            attrs = attributes(data.get("data", {})) if isinstance(data, dict) else {}
            name = attrs.get("full_name") or " ".join(filter(None, [attrs.get("first_name"),
                                                                    attrs.get("last_name")])) or None
        except NotFoundError as e:
            name = MISSING if isinstance(e.body, dict) else None  # an HTML 404 is routing, not an answer
        with self._lock:
            self._people[person] = name
        return name
