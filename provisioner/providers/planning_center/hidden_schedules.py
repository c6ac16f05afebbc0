"""A declared schedule the person's schedules list does not show (docs/api-notes.md, Planning
Center): declined schedules may be missing from ``people/{p}/schedules`` even with
``filter=with_declined`` [3P], so a declared plan the list hides is looked up in the plan's
``team_members`` (which lists declined members [3P ISSUE#1464]) before it is called missing; and
which service type holds a plan, which that lookup and a hidden schedule's answer (answers.py) need.
"""

from __future__ import annotations

import logging
import threading

from provisioner.core.errors import NotFoundError
from provisioner.core.records import Record
from provisioner.providers.planning_center.client import SERVICES, attributes, iterate, rel_id
from provisioner.providers.planning_center.ghosts import RosterReader
from provisioner.providers.planning_center.schedule_rows import (
    VIA_MEMBER,
    Keys,
    id_order,
    keep_name,
    position_of,
    schedule_key,
    schedule_values,
    shared_teams,
)
from provisioner.transport.http import HttpClient

log = logging.getLogger(__name__)


class HiddenSchedules:
    """Finds a person's schedules on plans their list hid; remembers each plan's service type and
    date for the run. Thread-safe."""

    def __init__(self, client: HttpClient, keys: Keys, roster: RosterReader) -> None:
        self.client, self.keys = client, keys
        # a plan's team_members without deleted-but-listed members (ghosts.py)
        self.roster = roster
        self._plan_service_type: dict[str, str | None] = {}
        self._plan_dates: dict[str, str] = {}
        self._service_types: list[str] | None = None
        self._lock = threading.Lock()

    def lookup(
        self, person: object, plan: str, names: dict[str, dict[str, str]]
    ) -> list[tuple[Record, str | None]]:
        """The person's PlanPeople on a plan the schedules list did not show (it hides declined ones
        [3P])."""
        st = self.service_type_of(plan)
        if st is None:
            return []
        with self._lock:
            if plan in self._plan_dates:
                names["plan"][plan] = self._plan_dates[plan]
        teams: dict[str, str] = {}
        mine = self.roster.rows(  # a ghost (deleted, still listed) is not a schedule to answer
            st,
            plan,
            {"include": "team"},
            included=lambda res: keep_name(teams, res, "Team", "name"),
            only=lambda r: rel_id(r, "person") == str(person),  # only theirs are looked up
        )
        mine = sorted(mine, key=id_order)
        shared = shared_teams((plan, rel_id(r, "team"), position_of(attributes(r))) for r in mine)
        out = []
        for row in mine:
            team = rel_id(row, "team")
            if team and team in teams:
                names["team"][team] = teams[team]
            position = position_of(attributes(row))
            key, identity = schedule_key(self.keys, plan, team, position, shared)
            log.info(
                "person %s: plan %s is not in the schedules list; found PlanPerson %s on its "
                "roster",
                person,
                plan,
                row.get("id"),
            )
            rec = Record(
                key,
                schedule_values(attributes(row)),
                id=VIA_MEMBER + str(row["id"]),
                identity=identity,
            )
            out.append((rec, position))
        return out

    def service_type_of(self, plan: str) -> str | None:
        """Which service type holds ``plan``: the service types are listed once, then asked in
        turn."""
        with self._lock:
            if plan in self._plan_service_type:
                return self._plan_service_type[plan]
            if self._service_types is None:
                self._service_types = [str(r["id"]) for r in iterate(self.client, "service_types")]
            candidates = list(self._service_types)
        found, dates = None, None
        for st in candidates:
            try:
                data = self.client.request("GET", f"{SERVICES}service_types/{st}/plans/{plan}").data
            except NotFoundError:
                continue
            found = st
            attrs = attributes(data.get("data") or {}) if isinstance(data, dict) else {}
            dates = attrs.get("short_dates") or attrs.get("dates")
            break
        with self._lock:
            self._plan_service_type[plan] = found
            if dates:  # review output names the plan by its date, as for a schedule the list shows
                self._plan_dates[plan] = str(dates)
        return found
