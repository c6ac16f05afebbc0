"""Blockouts: the dates a person said they cannot serve (a Services Person child, read-only here).

``GET /services/v2/people/{id}/blockouts`` (filters ``future``, ``past``) and ``.../blockouts/{id}``
with the documented attributes [C PCO-JSON blockout.json]: ``starts_at``, ``ends_at``, ``reason``,
``description``, ``repeat_frequency`` (``no_repeat`` | ``every_N``), ``repeat_period`` (daily |
weekly | monthly | yearly), ``repeat_interval`` (monthly: ``exact_day_of_month`` |
``week_of_month_N`` | ``week_of_month_last``), ``repeat_until``, ``time_zone``, ``share``. Planning
Center does not stop anyone from scheduling a person on a blocked-out day, and neither does the
sandbox: blockouts change nothing else it answers. Times are stored in UTC;
``pco.blockout_times=local`` serves ``starts_at``/``ends_at`` as New York wall-clock times with a
``Z``.
"""

from __future__ import annotations

from typing import Any

from ..db import Database
from ..web import Request, Response
from .common import (
    ORG_TIME_ZONE,
    collection,
    filter_names,
    not_found,
    require_person,
    resource,
    wall_clock,
)
from .common import single as single_response

SCHEMA = """
CREATE TABLE IF NOT EXISTS pco_blockouts (
  id INTEGER PRIMARY KEY, person INTEGER NOT NULL, reason TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '', starts_at TEXT NOT NULL, ends_at TEXT NOT NULL,
  repeat_frequency TEXT NOT NULL DEFAULT 'no_repeat', repeat_interval TEXT, repeat_period TEXT,
  repeat_until TEXT, created_at TEXT);
CREATE INDEX IF NOT EXISTS pco_blockouts_person ON pco_blockouts(person);
"""
TABLES = ("pco_blockouts",)
PERIODS = ("daily", "weekly", "monthly", "yearly")

# (id, person, reason, starts_at, ends_at, repeat_frequency, repeat_interval, repeat_period,
# repeat_until)
SEED: list[tuple[Any, ...]] = [
    # Grace Wilson (119) is away the weekend of Advent 4 (Dec 19-20 in New York): on no roster of it
    # yet.
    (
        901,
        119,
        "Visiting family",
        "2026-12-19T05:00:00Z",
        "2026-12-21T04:59:00Z",
        "no_repeat",
        None,
        None,
        None,
    ),
    # Peter Clark (124) serves every other Sunday: blocked out every 2 weeks from Nov 29 (Dec 13,
    # Dec 27, ...).
    (
        902,
        124,
        "Alternate Sundays",
        "2026-11-29T05:00:00Z",
        "2026-11-30T04:59:00Z",
        "every_2",
        None,
        "weekly",
        "2027-06-30",
    ),
    # Jane Doe (111): a blockout long past.
    (
        903,
        111,
        "Conference",
        "2026-10-04T04:00:00Z",
        "2026-10-05T03:59:00Z",
        "no_repeat",
        None,
        None,
        None,
    ),
]
_CREATED = "2026-10-01T12:00:00Z"


class BlockoutStore(Database):
    """The helpers tests use to arrange blockouts."""

    def add_blockout(
        self,
        person: int,
        starts_at: str,
        ends_at: str,
        reason: str = "",
        *,
        repeat_period: str | None = None,
        repeat_frequency: str = "no_repeat",
        repeat_interval: str | None = None,
        repeat_until: str | None = None,
    ) -> int:
        """Add a blockout (times like "2026-12-20T05:00:00Z"); ``repeat_period`` daily | weekly |
        monthly | yearly with ``repeat_frequency`` ``every_N`` makes it repeat until
        ``repeat_until`` (a date) or forever."""
        if repeat_period is not None and repeat_period not in PERIODS:
            raise ValueError(f"repeat_period must be one of {', '.join(PERIODS)}")
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO pco_blockouts(person, reason, starts_at, ends_at, repeat_frequency,"
                " repeat_interval, repeat_period, repeat_until, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    person,
                    reason,
                    starts_at,
                    ends_at,
                    repeat_frequency,
                    repeat_interval,
                    repeat_period,
                    repeat_until,
                    _CREATED,
                ),
            )
        return int(cur.lastrowid or 0)

    def blockouts(self, person: int) -> list[dict[str, Any]]:
        return self.rows(
            "SELECT * FROM pco_blockouts WHERE person = ? ORDER BY starts_at, id", (person,)
        )


def seed(db: Database) -> None:
    db.conn.executemany(
        "INSERT INTO pco_blockouts(id, person, reason, starts_at, ends_at, repeat_frequency,"
        " repeat_interval, repeat_period, repeat_until, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*row, _CREATED) for row in SEED],
    )


def blockout_json(req: Request, r: dict[str, Any]) -> dict[str, Any]:
    """A blockout row as the API shows it."""
    attrs = {
        "description": r["description"] or r["reason"],
        "group_identifier": f"g{r['id']}",
        "organization_name": "Sandbox Church",
        "reason": r["reason"],
        "repeat_frequency": r["repeat_frequency"],
        "repeat_interval": r["repeat_interval"],
        "repeat_period": r["repeat_period"],
        "settings": None,
        "time_zone": ORG_TIME_ZONE,
        "created_at": r["created_at"],
        "updated_at": r["created_at"],
        "repeat_until": r["repeat_until"],
        "starts_at": served(req, r["starts_at"]),
        "ends_at": served(req, r["ends_at"]),
        "share": False,
    }
    rels = {"person": ("Person", r["person"]), "organization": ("Organization", 1)}
    return resource(
        req, "Blockout", r["id"], attrs, rels, f"people/{r['person']}/blockouts/{r['id']}"
    )


def served(req: Request, stored: str) -> str:
    """A blockout time as served under ``pco.blockout_times`` (the handler puts it in
    ``req.extras``)."""
    return (wall_clock(stored) or stored) if req.extras.get("blockout_times") == "local" else stored


class BlockoutHandlers:
    """A person's blockouts: the list (``future``/``past`` filters) and one blockout."""

    def __init__(self, store: Any) -> None:
        self.store = (
            store  # the whole sandbox store: its filter_now() is the `future`/`past` filters' today
        )

    def list_blockouts(self, req: Request, ids: tuple[int, ...]) -> Response:
        """The person's blockouts; ``future`` keeps those that end later or still repeat after
        today."""
        person = ids[0]
        require_person(self.store, person)
        where, params = "person = ?", [person]
        filters = filter_names(req)
        if (
            "future" in filters
        ):  # still to come: ends later, or repeats past today [G: the real rule]
            where += " AND (ends_at >= ? OR (repeat_frequency != 'no_repeat'"
            where += " AND (repeat_until IS NULL OR repeat_until >= substr(?, 1, 10))))"
            params += [self.store.filter_now()] * 2
        if "past" in filters:
            where += " AND ends_at < ?"
            params.append(self.store.filter_now())
        return collection(
            self.store,
            req,
            f"SELECT * FROM pco_blockouts WHERE {where}",
            params,
            "starts_at, id",
            lambda r: blockout_json(req, r),
            {"parent": {"id": str(person), "type": "Person"}, "can_filter": ["future", "past"]},
        )

    def get_blockout(self, req: Request, ids: tuple[int, ...]) -> Response:
        found = self.store.rows(
            "SELECT * FROM pco_blockouts WHERE person = ? AND id = ?", (ids[0], ids[1])
        )
        if not found:
            raise not_found()
        return single_response(blockout_json(req, found[0]))
