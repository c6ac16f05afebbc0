"""The sandbox state: one SQLite file holding both emulated services, plus the helpers tests use.

API handlers use `conn` inside `transaction()`; tests use the helpers each service's store mixin
adds.
"""

from __future__ import annotations

import json
from typing import Any

from .db import Database
from .guidebook import store as gb
from .planning_center import blockouts
from .planning_center import store as pco
from .planning_center.store import SCHEDULE_ID_OFFSET

__all__ = ["SCHEDULE_ID_OFFSET", "Store"]

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);\n"
    + gb.SCHEMA
    + pco.SCHEMA
    + blockouts.SCHEMA
)
TABLES = (*gb.TABLES, *pco.TABLES, *blockouts.TABLES)
_FOLDED = (
    "gb_schedule_sessions",
    "gb_schedule_attendees",
    "gb_schedules",
    "pco_declined_times",
    "pco_whole_only",
)


class Store(gb.GuidebookStore, pco.PlanningCenterStore, blockouts.BlockoutStore):
    """Both services' tables in one SQLite file."""

    def __init__(self, path: str) -> None:
        Database.__init__(self, path, SCHEMA)

    def wipe(self) -> None:
        """Delete every row (and restart the ids), keeping the tables."""
        with self.transaction() as c:
            for table in TABLES:
                c.execute(f"DELETE FROM {table}")
            c.execute("DELETE FROM meta")
            # Ids start again after a wipe; within a run they are never reused (AUTOINCREMENT): a
            # member buried as a ghost keeps its id, and a new member taking it listed one id twice
            # (as Planning Center, whose ids are never reused, would not).
            c.execute("DELETE FROM sqlite_sequence")

    def snapshot(self) -> dict[str, Any]:
        """Everything, for GET /_sandbox/state (link tables folded into the rows they belong to)."""
        out: dict[str, Any] = {
            t: self.rows(f"SELECT * FROM {t} ORDER BY id") for t in TABLES if t not in _FOLDED
        }
        out["gb_schedules"] = self.guidebook_schedules()
        for row in out["gb_sessions"]:
            row["extra"] = json.loads(row["extra"] or "{}")
        declined: dict[int, list[int]] = {}
        for member, plan_time in self.tuples(
            "SELECT plan_person, plan_time FROM pco_declined_times ORDER BY 1, 2"
        ):
            declined.setdefault(member, []).append(plan_time)
        whole_only = {r[0] for r in self.tuples("SELECT plan_person FROM pco_whole_only")}
        for row in out["pco_plan_people"]:
            row["declined_times"] = declined.get(row["id"], [])
            row["partial_allowed"] = row["id"] not in whole_only
        return out
