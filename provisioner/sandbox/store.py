"""SQLite state of the sandbox: one schema for both emulated APIs, plus helpers for tests.

All access goes through one connection guarded by one re-entrant lock: the sandbox favours simple,
serialisable behaviour over throughput (each API request runs as one transaction).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS gb_guides (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, owner INTEGER, created_at TEXT, start_date TEXT,
  end_date TEXT, timezone TEXT, short_name TEXT, description_html TEXT, attendees_estimate INTEGER,
  privacy INTEGER DEFAULT 1, premium INTEGER DEFAULT 1, published INTEGER DEFAULT 1);
CREATE TABLE IF NOT EXISTS gb_sessions (
  id INTEGER PRIMARY KEY, guide INTEGER NOT NULL, name TEXT NOT NULL, import_id TEXT,
  start_time TEXT, end_time TEXT, all_day INTEGER DEFAULT 0, description_html TEXT DEFAULT '',
  created_at TEXT, extra TEXT DEFAULT '{}');
CREATE INDEX IF NOT EXISTS gb_sessions_guide ON gb_sessions(guide);
CREATE TABLE IF NOT EXISTS gb_attendees (
  id INTEGER PRIMARY KEY, guide INTEGER NOT NULL, email TEXT NOT NULL, import_id TEXT,
  first_name TEXT DEFAULT '', last_name TEXT DEFAULT '', revoked INTEGER DEFAULT 0,
  email_opt_out INTEGER DEFAULT 0, status INTEGER DEFAULT 0, account_id INTEGER, created_at TEXT);
CREATE INDEX IF NOT EXISTS gb_attendees_guide ON gb_attendees(guide, email);
CREATE TABLE IF NOT EXISTS gb_schedules (
  id INTEGER PRIMARY KEY, guide INTEGER NOT NULL, name TEXT NOT NULL, created_at TEXT);
CREATE INDEX IF NOT EXISTS gb_schedules_guide ON gb_schedules(guide);
CREATE TABLE IF NOT EXISTS gb_schedule_sessions (
  schedule INTEGER NOT NULL, session INTEGER NOT NULL, PRIMARY KEY (schedule, session)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS gb_schedule_attendees (
  schedule INTEGER NOT NULL, attendee INTEGER NOT NULL, PRIMARY KEY (schedule, attendee)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS gb_schedule_attendees_rev ON gb_schedule_attendees(attendee);
CREATE TABLE IF NOT EXISTS gb_publishes (
  id INTEGER PRIMARY KEY, scope TEXT NOT NULL, guide INTEGER, attendee INTEGER, at TEXT);
CREATE TABLE IF NOT EXISTS pco_service_types (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pco_plans (
  id INTEGER PRIMARY KEY, service_type INTEGER NOT NULL, title TEXT, series_title TEXT,
  dates TEXT, short_dates TEXT, sort_date TEXT);
CREATE TABLE IF NOT EXISTS pco_teams (id INTEGER PRIMARY KEY, service_type INTEGER NOT NULL, name TEXT);
CREATE TABLE IF NOT EXISTS pco_positions (id INTEGER PRIMARY KEY, team INTEGER NOT NULL, name TEXT);
CREATE TABLE IF NOT EXISTS pco_people (id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT);
CREATE TABLE IF NOT EXISTS pco_plan_people (
  id INTEGER PRIMARY KEY, plan INTEGER NOT NULL, person INTEGER NOT NULL, team INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'U', notes TEXT, decline_reason TEXT, team_position_name TEXT,
  prepare_notification INTEGER DEFAULT 0, created_at TEXT, updated_at TEXT, status_updated_at TEXT);
CREATE INDEX IF NOT EXISTS pco_plan_people_plan ON pco_plan_people(plan);
CREATE INDEX IF NOT EXISTS pco_plan_people_person ON pco_plan_people(person);
"""

TABLES = [
    "gb_guides",
    "gb_sessions",
    "gb_attendees",
    "gb_schedules",
    "gb_schedule_sessions",
    "gb_schedule_attendees",
    "gb_publishes",
    "pco_service_types",
    "pco_plans",
    "pco_teams",
    "pco_positions",
    "pco_people",
    "pco_plan_people",
]

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


def gb_now() -> str:
    """Guidebook datetime format: microseconds and an offset without a colon."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")


def pco_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """The sandbox state. API handlers use `conn` inside `transaction()`; tests use the helpers."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lock = threading.RLock()
        # One connection shared by the server threads; the lock serialises every use of it.
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.executescript(SCHEMA)

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block atomically: committed on success, rolled back on any exception."""
        with self.lock:
            if self.conn.in_transaction:  # nested use (helpers called from a handler): join it
                yield self.conn
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(r) for r in self.conn.execute(sql, tuple(params))]

    def tuples(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            cursor = self.conn.execute(sql, tuple(params))
            cursor.row_factory = None
            return cursor.fetchall()

    def wipe(self) -> None:
        with self.transaction() as c:
            for table in TABLES:
                c.execute(f"DELETE FROM {table}")
            c.execute("DELETE FROM meta")

    def get_meta(self, key: str) -> str | None:
        found = self.rows("SELECT value FROM meta WHERE key = ?", (key,))
        return found[0]["value"] if found else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as c:
            c.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # ---- Guidebook ---------------------------------------------------------------------------

    def guide(self, guide: int) -> dict[str, Any] | None:
        found = self.rows("SELECT * FROM gb_guides WHERE id = ?", (guide,))
        return found[0] if found else None

    def add_guide(self, guide: int, name: str, premium: bool = True, published: bool = True) -> int:
        with self.transaction() as c:
            c.execute(
                "INSERT INTO gb_guides(id, name, owner, created_at, timezone, premium, published)"
                " VALUES (?, ?, 1, ?, 'UTC', ?, ?)",
                (guide, name, gb_now(), int(premium), int(published)),
            )
        return guide

    def set_guide(self, guide: int, **attrs: Any) -> None:
        """Change guide columns, e.g. `premium=False` or `published=False` to test publish errors."""
        self._update("gb_guides", guide, attrs)

    def add_session(
        self,
        guide: int,
        name: str,
        import_id: str | None = None,
        start_time: str | None = None,
        end_time: str | None = None,
    ) -> int:
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO gb_sessions(guide, name, import_id, start_time, end_time, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (guide, name, import_id, start_time or "2026-06-10T13:00:00.000000+0000", end_time, gb_now()),
            )
        return int(cur.lastrowid or 0)

    def sessions(self, guide: int) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM gb_sessions WHERE guide = ? ORDER BY id", (guide,))

    def add_attendee(
        self, guide: int, email: str, import_id: str | None = None, first_name: str = "", last_name: str = ""
    ) -> int:
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO gb_attendees(guide, email, import_id, first_name, last_name, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (guide, email, import_id, first_name, last_name, gb_now()),
            )
        return int(cur.lastrowid or 0)

    def attendees(self, guide: int) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM gb_attendees WHERE guide = ? ORDER BY id", (guide,))

    def add_guidebook_schedule(self, guide: int, name: str, attendees: Iterable[int], sessions: Iterable[int]) -> int:
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO gb_schedules(guide, name, created_at) VALUES (?, ?, ?)", (guide, name, gb_now())
            )
            sid = int(cur.lastrowid or 0)
            self.set_schedule_links(sid, attendees=attendees, sessions=sessions)
        return sid

    def set_schedule_links(
        self, schedule: int, attendees: Iterable[int] | None = None, sessions: Iterable[int] | None = None
    ) -> None:
        """Replace a personalized schedule's attendee and/or session lists wholesale (PATCH semantics)."""
        with self.transaction() as c:
            for table, col, ids in (
                ("gb_schedule_attendees", "attendee", attendees),
                ("gb_schedule_sessions", "session", sessions),
            ):
                if ids is None:
                    continue
                c.execute(f"DELETE FROM {table} WHERE schedule = ?", (schedule,))
                c.executemany(
                    f"INSERT OR IGNORE INTO {table}(schedule, {col}) VALUES (?, ?)", [(schedule, int(i)) for i in ids]
                )

    def delete_guidebook_schedule(self, schedule: int) -> None:
        with self.transaction() as c:
            for table in ("gb_schedule_attendees", "gb_schedule_sessions"):
                c.execute(f"DELETE FROM {table} WHERE schedule = ?", (schedule,))
            c.execute("DELETE FROM gb_schedules WHERE id = ?", (schedule,))

    def schedule_links(self, ids: list[int]) -> dict[int, tuple[list[int], list[int]]]:
        """(attendees, sessions) of each schedule, sorted; one query per table for a whole page."""
        out: dict[int, tuple[list[int], list[int]]] = {i: ([], []) for i in ids}
        if not ids:
            return out
        marks = ",".join("?" * len(ids))
        for index, table, col in ((0, "gb_schedule_attendees", "attendee"), (1, "gb_schedule_sessions", "session")):
            sql = f"SELECT schedule, group_concat({col}) FROM {table} WHERE schedule IN ({marks}) GROUP BY schedule"
            # One row per schedule, not per link: a page of 100 large schedules holds ~20,000 links, and
            # fetching them one by one made the emulator, not the client, the bottleneck of benchmarks.
            for schedule, members in self.tuples(sql, ids):
                out[schedule][index].extend(sorted(map(int, members.split(","))) if members else [])
        return out

    def guidebook_schedules(self, guide: int | None = None) -> list[dict[str, Any]]:
        """Personalized schedules (of one guide, or all) with sorted attendee and session ids."""
        if guide is None:
            base = self.rows("SELECT id, guide, name, created_at FROM gb_schedules ORDER BY id")
        else:
            base = self.rows(
                "SELECT id, guide, name, created_at FROM gb_schedules WHERE guide = ? ORDER BY id", (guide,)
            )
        links = self.schedule_links([r["id"] for r in base])
        return [dict(r, attendees=links[r["id"]][0], sessions=links[r["id"]][1]) for r in base]

    def publishes(self) -> list[dict[str, Any]]:
        """Every publish-personalized-schedules call that succeeded, oldest first."""
        return self.rows("SELECT scope, guide, attendee, at FROM gb_publishes ORDER BY id")

    # ---- Planning Center ---------------------------------------------------------------------

    def add_person(self, person: int, first_name: str, last_name: str) -> int:
        with self.transaction() as c:
            c.execute(
                "INSERT INTO pco_people(id, first_name, last_name) VALUES (?, ?, ?)", (person, first_name, last_name)
            )
        return person

    def add_plan(
        self, plan: int, service_type: int, sort_date: str, dates: str = "", title: str = "", short_dates: str = ""
    ) -> int:
        """Add a plan; `sort_date` like "2026-12-06T15:00:00Z" drives the future/past filters."""
        with self.transaction() as c:
            c.execute(
                "INSERT INTO pco_plans(id, service_type, title, series_title, dates, short_dates, sort_date)"
                " VALUES (?, ?, ?, '', ?, ?, ?)",
                (plan, service_type, title, dates, short_dates, sort_date),
            )
        return plan

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
        """Change PlanPerson columns (status, notes, decline_reason, team_position_name, team, ...)."""
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

    def schedules(self, person: int) -> list[dict[str, Any]]:
        """A person's Schedules as the API derives them (declined ones included), by date then id."""
        return self.rows(SCHEDULE_SELECT + " WHERE pp.person = ? ORDER BY pl.sort_date, pp.id", (person,))

    # ---- whole state -------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything, for GET /_sandbox/state (link tables folded into their schedules)."""
        out: dict[str, Any] = {}
        for table in TABLES:
            if table in ("gb_schedule_sessions", "gb_schedule_attendees", "gb_schedules"):
                continue
            out[table] = self.rows(f"SELECT * FROM {table} ORDER BY id")
        out["gb_schedules"] = self.guidebook_schedules()
        for row in out["gb_sessions"]:
            row["extra"] = json.loads(row["extra"] or "{}")
        return out

    def _update(self, table: str, row_id: int, attrs: dict[str, Any]) -> None:
        if not attrs:
            return
        cols = ", ".join(f"{k} = ?" for k in attrs)
        with self.transaction() as c:
            c.execute(f"UPDATE {table} SET {cols} WHERE id = ?", (*attrs.values(), row_id))


# The Schedule resource is a view over PlanPerson rows: one source of truth for status and reason.
SCHEDULE_SELECT = f"""
SELECT pp.id + {SCHEDULE_ID_OFFSET} AS id, pp.id AS plan_person, pp.plan, pp.person, pp.team,
  pp.status, pp.decline_reason, pp.team_position_name, t.name AS team_name,
  pe.first_name || ' ' || pe.last_name AS person_name, st.id AS service_type, st.name AS service_type_name,
  pl.dates, pl.short_dates, pl.sort_date
FROM pco_plan_people pp
JOIN pco_plans pl ON pl.id = pp.plan
JOIN pco_service_types st ON st.id = pl.service_type
LEFT JOIN pco_teams t ON t.id = pp.team
LEFT JOIN pco_people pe ON pe.id = pp.person
"""
