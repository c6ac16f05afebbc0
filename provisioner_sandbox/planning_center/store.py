"""Planning Center tables of the sandbox store, and the helpers tests use to arrange or inspect
them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from ..db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS pco_service_types (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pco_plans (
  id INTEGER PRIMARY KEY, service_type INTEGER NOT NULL, title TEXT, series_title TEXT,
  dates TEXT, short_dates TEXT, sort_date TEXT);
CREATE TABLE IF NOT EXISTS pco_plan_times (
  id INTEGER PRIMARY KEY, plan INTEGER NOT NULL, time_type TEXT NOT NULL, name TEXT NOT NULL DEFAULT '',
  starts_at TEXT NOT NULL, ends_at TEXT);
CREATE INDEX IF NOT EXISTS pco_plan_times_plan ON pco_plan_times(plan);
CREATE TABLE IF NOT EXISTS pco_teams (id INTEGER PRIMARY KEY, service_type INTEGER NOT NULL, name TEXT);
CREATE TABLE IF NOT EXISTS pco_positions (id INTEGER PRIMARY KEY, team INTEGER NOT NULL, name TEXT);
CREATE TABLE IF NOT EXISTS pco_people (id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT);
CREATE TABLE IF NOT EXISTS pco_plan_people (
  id INTEGER PRIMARY KEY AUTOINCREMENT, plan INTEGER NOT NULL, person INTEGER NOT NULL, team INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'U', notes TEXT, decline_reason TEXT, team_position_name TEXT,
  prepare_notification INTEGER DEFAULT 0, created_at TEXT, updated_at TEXT, status_updated_at TEXT);
CREATE INDEX IF NOT EXISTS pco_plan_people_plan ON pco_plan_people(plan);
CREATE TABLE IF NOT EXISTS pco_whole_only (plan_person INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS pco_person_mergers (
  id INTEGER PRIMARY KEY, person_to_keep_id INTEGER NOT NULL, person_to_remove_id INTEGER NOT NULL,
  created_at TEXT);
CREATE TABLE IF NOT EXISTS pco_ghost_members (
  id INTEGER PRIMARY KEY, plan INTEGER NOT NULL, person INTEGER NOT NULL, team INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'U', notes TEXT, decline_reason TEXT, team_position_name TEXT,
  prepare_notification INTEGER DEFAULT 0, created_at TEXT, updated_at TEXT, status_updated_at TEXT);
CREATE INDEX IF NOT EXISTS pco_plan_people_person ON pco_plan_people(person);
CREATE TABLE IF NOT EXISTS pco_declined_times (
  plan_person INTEGER NOT NULL, plan_time INTEGER NOT NULL, PRIMARY KEY (plan_person, plan_time)) WITHOUT ROWID;
"""
TABLES = (
    "pco_service_types",
    "pco_plans",
    "pco_plan_times",
    "pco_teams",
    "pco_positions",
    "pco_people",
    "pco_plan_people",
    "pco_declined_times",
    "pco_ghost_members",
    "pco_whole_only",
    "pco_person_mergers",
)
TIME_TYPES = ("service", "rehearsal", "other")

# Offset that turns a PlanPerson id into its Schedule id: the two resources must never share ids,
# so a client that confuses them fails loudly against the sandbox.
SCHEDULE_ID_OFFSET = 500_000_000

TEAM_MEMBER_FIELDS = (
    "status",
    "notes",
    "decline_reason",
    "team_position_name",
    "team",
    "person",
    "prepare_notification",
    "plan",
)

# How many times the member's plan has, and whether the member's schedule allows a partial accept at
# all (pco_whole_only lists those that do not): can_accept_partial is a per-schedule flag (part 3
# #20).
_TIME_COUNT = (
    "(SELECT COUNT(*) FROM pco_plan_times t WHERE t.plan = pp.plan) AS time_count, "
    "pp.id NOT IN (SELECT plan_person FROM pco_whole_only) AS partial_allowed"
)

# The Schedule resource is a view over PlanPerson rows: one source of truth for status and reason.
SCHEDULE_SELECT = f"""
SELECT pp.id + {SCHEDULE_ID_OFFSET} AS id, pp.id AS plan_person, pp.plan, pp.person, pp.team,
  pp.status, pp.decline_reason, pp.team_position_name, t.name AS team_name,
  pe.first_name || ' ' || pe.last_name AS person_name, st.id AS service_type, st.name AS service_type_name,
  pl.dates, pl.short_dates, pl.sort_date, {_TIME_COUNT}
FROM pco_plan_people pp
JOIN pco_plans pl ON pl.id = pp.plan
JOIN pco_service_types st ON st.id = pl.service_type
LEFT JOIN pco_teams t ON t.id = pp.team
LEFT JOIN pco_people pe ON pe.id = pp.person
"""
MEMBER_SELECT = f"""
SELECT pp.*, pl.service_type, pe.first_name || ' ' || pe.last_name AS name, {_TIME_COUNT}
FROM pco_plan_people pp JOIN pco_plans pl ON pl.id = pp.plan LEFT JOIN pco_people pe ON pe.id = pp.person
"""
# Deleted declined members that a plan's team_members still lists (pco.deleted_declined=listed,
# ISSUE#663): the same columns as a member, from their own table, so that no other query sees them.
GHOST_SELECT = MEMBER_SELECT.replace("FROM pco_plan_people pp", "FROM pco_ghost_members pp")


def pco_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class PlanningCenterStore(Database):
    """Planning Center's tables: service types, plans and their times, teams, positions, people,
    team members and their declined times, with the helpers tests and seeds use."""

    # The day the future/past filters take as today (None: the real date). Tests fix it, so that the
    # demo seed's December 2026 plans stay "future" whatever the date the suite runs on.
    today: date | None = None

    def filter_now(self) -> str:
        """The instant the `future`/`past` filters compare `sort_date` with."""
        if self.today is None:
            return pco_now()
        return f"{self.today.isoformat()}T00:00:00Z"

    def add_person(self, person: int, first_name: str, last_name: str) -> int:
        with self.transaction() as c:
            c.execute(
                "INSERT INTO pco_people(id, first_name, last_name) VALUES (?, ?, ?)",
                (person, first_name, last_name),
            )
        return person

    def add_plan(
        self,
        plan: int,
        service_type: int,
        sort_date: str,
        dates: str = "",
        title: str = "",
        short_dates: str = "",
    ) -> int:
        """Add a plan; `sort_date` like "2026-12-06T15:00:00Z" drives the future/past filters."""
        with self.transaction() as c:
            c.execute(
                "INSERT INTO pco_plans(id, service_type, title, series_title, dates, short_dates, "
                "sort_date)"
                " VALUES (?, ?, ?, '', ?, ?, ?)",
                (plan, service_type, title, dates, short_dates, sort_date),
            )
        return plan

    def add_plan_time(
        self, plan: int, time_type: str, starts_at: str, name: str = "", ends_at: str | None = None
    ) -> int:
        """Add a PlanTime (`time_type` service | rehearsal | other; times like
        "2026-12-06T15:00:00Z")."""
        if time_type not in TIME_TYPES:
            raise ValueError(f"time_type must be one of {', '.join(TIME_TYPES)}")
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO pco_plan_times(plan, time_type, name, starts_at, ends_at) VALUES (?, "
                "?, ?, ?, ?)",
                (plan, time_type, name, starts_at, ends_at),
            )
        return int(cur.lastrowid or 0)

    def plan_times(self, plan: int) -> list[dict[str, Any]]:
        return self.rows(
            "SELECT * FROM pco_plan_times WHERE plan = ? ORDER BY starts_at, id", (plan,)
        )

    def add_team_member(
        self,
        plan: int,
        person: int,
        team: int,
        status: str = "U",
        position: str | None = None,
        notes: str | None = None,
        decline_reason: str | None = None,
    ) -> int:
        """Add a team member to ``plan`` (unconfirmed unless ``status`` says otherwise); its id."""
        now = pco_now()
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO pco_plan_people(plan, person, team, status, notes, decline_reason,"
                " team_position_name, created_at, updated_at, status_updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (plan, person, team, status, notes, decline_reason, position, now, now, now),
            )
        return int(cur.lastrowid or 0)

    def set_team_member(self, member: int, **attrs: Any) -> None:
        """Change PlanPerson columns (status, notes, decline_reason, team_position_name, team,
        ...)."""
        if "position" in attrs:
            attrs["team_position_name"] = attrs.pop("position")
        unknown = set(attrs) - set(TEAM_MEMBER_FIELDS)
        if unknown:
            raise ValueError(f"unknown team member attributes: {sorted(unknown)}")
        attrs["updated_at"] = pco_now()
        if "status" in attrs:
            attrs["status_updated_at"] = attrs["updated_at"]
        self._update("pco_plan_people", member, attrs)

    def team_member(self, member: int) -> dict[str, Any] | None:
        found = self.rows("SELECT * FROM pco_plan_people WHERE id = ?", (member,))
        return found[0] if found else None

    def team_members(self, plan: int) -> list[dict[str, Any]]:
        return self.rows(
            "SELECT id, plan, person, team, status, team_position_name, notes, decline_reason"
            " FROM pco_plan_people WHERE plan = ? ORDER BY id",
            (plan,),
        )

    def set_can_accept_partial(self, member: int, allowed: bool) -> None:
        """The member's schedule's can_accept_partial flag (the seed sets it false for teams 23 and
        24)."""
        with self.transaction() as c:
            c.execute("DELETE FROM pco_whole_only WHERE plan_person = ?", (member,))
            if not allowed:
                c.execute("INSERT INTO pco_whole_only(plan_person) VALUES (?)", (member,))

    def merge_people(self, keep: int, remove: int) -> None:
        """Merge person ``remove`` into ``keep``, as People does: their team members move over, the
        old id stops resolving, and ``people/v2/person_mergers`` records it."""
        with self.transaction() as c:
            c.execute("UPDATE pco_plan_people SET person = ? WHERE person = ?", (keep, remove))
            c.execute("DELETE FROM pco_people WHERE id = ?", (remove,))
            c.execute(
                "INSERT INTO pco_person_mergers(person_to_keep_id, person_to_remove_id, created_at)"
                " VALUES (?, ?, ?)",
                (keep, remove, pco_now()),
            )

    def ghost_members(self, plan: int) -> list[dict[str, Any]]:
        """Deleted declined members a plan's team_members still lists
        (pco.deleted_declined=listed)."""
        return self.rows(
            "SELECT id, plan, person, team, status FROM pco_ghost_members WHERE plan = ? ORDER BY "
            "id",
            (plan,),
        )

    def add_ghost_member(self, plan: int, person: int, team: int, position: str = "") -> int:
        """A member deleted in Planning Center after declining that the plan's list still shows."""
        member = self.add_team_member(plan, person, team, "D", position or None)
        self.bury(member)
        return member

    def bury(self, member: int) -> None:
        """Turn a member into a ghost: gone from its URLs and every list but the plan's
        team_members."""
        with self.transaction() as c:
            c.execute(
                "INSERT INTO pco_ghost_members SELECT * FROM pco_plan_people WHERE id = ?",
                (member,),
            )
            c.execute("DELETE FROM pco_declined_times WHERE plan_person = ?", (member,))
            c.execute("DELETE FROM pco_plan_people WHERE id = ?", (member,))

    def declined_times(self, member: int) -> list[int]:
        """The plan times a member declined while accepting the rest (a partial accept), by id."""
        return [
            r[0]
            for r in self.tuples(
                "SELECT plan_time FROM pco_declined_times WHERE plan_person = ?", (member,)
            )
        ]

    def set_declined_times(self, member: int, times: Iterable[int]) -> None:
        with self.transaction() as c:
            c.execute("DELETE FROM pco_declined_times WHERE plan_person = ?", (member,))
            c.executemany(
                "INSERT INTO pco_declined_times(plan_person, plan_time) VALUES (?, ?)",
                [(member, t) for t in times],
            )

    def schedules(self, person: int) -> list[dict[str, Any]]:
        """A person's Schedules as the API derives them (declined ones included), by date then
        id."""
        return self.rows(
            SCHEDULE_SELECT + " WHERE pp.person = ? ORDER BY pl.sort_date, pp.id", (person,)
        )
