"""Guidebook tables of the sandbox store, and the helpers tests use to arrange or inspect them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ..db import Database

SCHEMA = """
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
"""
TABLES = (
    "gb_guides",
    "gb_sessions",
    "gb_attendees",
    "gb_schedules",
    "gb_schedule_sessions",
    "gb_schedule_attendees",
    "gb_publishes",
)


def gb_now() -> str:
    """Guidebook datetime format: microseconds and an offset without a colon."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")


class GuidebookStore(Database):
    """Guidebook's tables: guides, sessions, attendees, personalized schedules and their links, with
    the helpers tests and seeds use to add rows."""

    def guide(self, guide: int) -> dict[str, Any] | None:
        found = self.rows("SELECT * FROM gb_guides WHERE id = ?", (guide,))
        return found[0] if found else None

    def add_guide(self, guide: int, name: str, premium: bool = True, published: bool = True) -> int:
        """Add a guide (premium and published unless told otherwise); its id."""
        with self.transaction() as c:
            c.execute(
                "INSERT INTO gb_guides(id, name, owner, created_at, timezone, premium, published)"
                " VALUES (?, ?, 1, ?, 'UTC', ?, ?)",
                (guide, name, gb_now(), int(premium), int(published)),
            )
        return guide

    def set_guide(self, guide: int, **attrs: Any) -> None:
        """Change guide columns, e.g. `premium=False` or `published=False` to test publish
        errors."""
        self._update("gb_guides", guide, attrs)

    def add_session(
        self,
        guide: int,
        name: str,
        import_id: str | None = None,
        start_time: str | None = None,
        end_time: str | None = None,
    ) -> int:
        """Add a session to ``guide``; its id."""
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO gb_sessions(guide, name, import_id, start_time, end_time, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    guide,
                    name,
                    import_id,
                    start_time or "2026-06-10T13:00:00.000000+0000",
                    end_time,
                    gb_now(),
                ),
            )
        return int(cur.lastrowid or 0)

    def sessions(self, guide: int) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM gb_sessions WHERE guide = ? ORDER BY id", (guide,))

    def add_attendee(
        self,
        guide: int,
        email: str,
        import_id: str | None = None,
        first_name: str = "",
        last_name: str = "",
    ) -> int:
        """Add an attendee to ``guide``; its id."""
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO gb_attendees(guide, email, import_id, first_name, last_name, "
                "created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (guide, email, import_id, first_name, last_name, gb_now()),
            )
        return int(cur.lastrowid or 0)

    def attendees(self, guide: int) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM gb_attendees WHERE guide = ? ORDER BY id", (guide,))

    def add_guidebook_schedule(
        self, guide: int, name: str, attendees: Iterable[int], sessions: Iterable[int]
    ) -> int:
        """Add a personalized schedule with its attendee and session links; its id."""
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO gb_schedules(guide, name, created_at) VALUES (?, ?, ?)",
                (guide, name, gb_now()),
            )
            sid = int(cur.lastrowid or 0)
            self.set_schedule_links(sid, attendees=attendees, sessions=sessions)
        return sid

    def set_schedule_links(
        self,
        schedule: int,
        attendees: Iterable[int] | None = None,
        sessions: Iterable[int] | None = None,
    ) -> None:
        """Replace a personalized schedule's attendee and/or session lists wholesale (PATCH
        semantics)."""
        with self.transaction() as c:
            for table, col, ids in (
                ("gb_schedule_attendees", "attendee", attendees),
                ("gb_schedule_sessions", "session", sessions),
            ):
                if ids is None:
                    continue
                c.execute(f"DELETE FROM {table} WHERE schedule = ?", (schedule,))
                c.executemany(
                    f"INSERT OR IGNORE INTO {table}(schedule, {col}) VALUES (?, ?)",
                    [(schedule, int(i)) for i in ids],
                )

    def elsewhere(
        self, guide: int, schedule: int | None, attendees: Iterable[int]
    ) -> list[tuple[int, int, str]]:
        """(attendee, schedule id, schedule name) for each of ``attendees`` on another schedule of
        ``guide``."""
        ids = sorted({int(a) for a in attendees})
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        return self.tuples(
            "SELECT sa.attendee, s.id, s.name FROM gb_schedule_attendees sa JOIN gb_schedules s"
            " ON s.id = sa.schedule WHERE s.guide = ? AND s.id IS NOT ? AND sa.attendee IN "
            f"({marks})"
            " ORDER BY sa.attendee, s.id",
            [guide, schedule, *ids],
        )

    def take_off(self, held: Iterable[tuple[int, int, str]]) -> None:
        """Remove each (attendee, schedule, _) link: the attendee leaves that schedule."""
        with self.transaction() as c:
            c.executemany(
                "DELETE FROM gb_schedule_attendees WHERE attendee = ? AND schedule = ?",
                [(a, s) for a, s, _ in held],
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
        for index, table, col in (
            (0, "gb_schedule_attendees", "attendee"),
            (1, "gb_schedule_sessions", "session"),
        ):
            sql = (
                f"SELECT schedule, group_concat({col}) FROM {table} WHERE schedule IN ({marks}) "
                "GROUP BY schedule"
            )
            # One row per schedule, not per link: a page of 100 large schedules holds ~20,000 links,
            # and fetching them one by one made the emulator, not the client, the bottleneck of
            # benchmarks.
            for schedule, members in self.tuples(sql, ids):
                out[schedule][index].extend(sorted(map(int, members.split(","))) if members else [])
        return out

    def guidebook_schedules(self, guide: int | None = None) -> list[dict[str, Any]]:
        """Personalized schedules (of one guide, or all) with sorted attendee and session ids."""
        if guide is None:
            base = self.rows("SELECT id, guide, name, created_at FROM gb_schedules ORDER BY id")
        else:
            base = self.rows(
                "SELECT id, guide, name, created_at FROM gb_schedules WHERE guide = ? ORDER BY id",
                (guide,),
            )
        links = self.schedule_links([r["id"] for r in base])
        return [dict(r, attendees=links[r["id"]][0], sessions=links[r["id"]][1]) for r in base]

    def publishes(self) -> list[dict[str, Any]]:
        """Every publish-personalized-schedules call that succeeded, oldest first."""
        return self.rows("SELECT scope, guide, attendee, at FROM gb_publishes ORDER BY id")
