"""Guidebook seed data. Example YAML and tests are written against these exact items.

``demo``
  Guide 47 "Summit 2026" (premium, published, timezone America/New_York), 40 sessions, ids 1-40, over
  2026-06-10 and 2026-06-11 (UTC times; some overlap). Named ones:
    13 "Opening Keynote" (import_id sess-keynote), 14 "Workshop A" (sess-wa), 15 "Workshop B" (sess-wb,
    same slot as Workshop A), 40 "Closing Panel" (sess-close). Sessions 38 and 39 have no import_id;
    every other session has import_id "sess-NNN" (its id, three digits).
  100 attendees, ids 1-100: 6 alice@example.com (crm-1001, Alice Archer), 7 bob@example.com (crm-1002,
    Bob Baker), 8 carol@example.com (crm-1003, Carol Chen); every other id N is attendeeNNN@example.com
    with import_id crm-0NNN (e.g. 42 -> attendee042@example.com, crm-0042). Attendee 100 is revoked.
  12 personalized schedules, ids 1-12: 1 Sales Team, 2 Engineering, 3 VIP Speakers, 4 Manual Adjustments,
    5 Marketing, 6 Legacy Track, 7 Product, 8 Support, 9 Executive Briefing, 10 Partners, 11 Volunteers,
    12 Press.  Sales Team = attendees [6, 7, 10, 11, 12], sessions [13, 14, 40];
    VIP Speakers = attendees [8, 20, 21], sessions [13, 15, 40]; Engineering = attendees [30-39],
    sessions [13, 15, 16, 17]; the rest are generated (see `_DEMO_SCHEDULES`) from attendees no other
    schedule holds: every attendee is on at most one schedule of the guide, as Guidebook keeps it.
  Guide 48 "Partner Day" (published but NOT premium: publishing answers 403): sessions 41-45
    ("Partner Welcome", ...), attendees 101-110 (101 is alice@example.com again, crm-1001, so lookups
    must be scoped by guide; 102-110 partnerNN@example.com), schedules 13 "Partner Track", 14 "Partner VIP".

``bench:guides=G,schedules=S,sessions=N,attendees=A`` — G premium guides with ids 1001.., each with
N
  sessions, A attendees and S schedules ("Schedule 0001"..) holding ~N/2 sessions each; the attendees are
  dealt out among the schedules (each on exactly one: A/S a schedule, none when S > A).
"""

from __future__ import annotations

import random
from typing import Any

from .store import GuidebookStore

GB_CREATED = "2026-01-15T10:00:00.000000+0000"

# (id, name, import_id, day, "HH:MM" UTC start, minutes)
_NAMED_SESSIONS = {
    13: ("Opening Keynote", "sess-keynote", 1, "13:00", 60),
    14: ("Workshop A", "sess-wa", 1, "15:00", 90),
    15: ("Workshop B", "sess-wb", 1, "15:00", 90),
    40: ("Closing Panel", "sess-close", 2, "21:30", 60),
}
_TOPICS = [
    "Registration",
    "Welcome Breakfast",
    "Cloud Costs 101",
    "Data Mesh in Practice",
    "Design Systems",
    "Security Basics",
    "Lightning Talks I",
    "Lunch Day 1",
    "Observability Deep Dive",
    "Hiring Panel",
    "Edge Computing",
    "Accessibility Clinic",
    "Sponsor Expo",
    "Rust for Pythonistas",
    "Customer Stories",
    "Lightning Talks II",
    "Welcome Reception",
    "Morning Yoga",
    "Breakfast Day 2",
    "Scaling Postgres",
    "Product Roadmap",
    "Incident Reviews",
    "Mobile Offline Sync",
    "Lunch Day 2",
    "AI in Operations",
    "Community Roundtable",
    "Leadership Forum",
    "Testing Strategies",
    "Career Clinic",
    "Demo Hour",
    "Open Source Fair",
    "Analytics Lab",
    "Pricing Workshop",
    "Partner Showcase",
    "Office Hours",
    "Wrap-up Drinks",
]

_DEMO_SCHEDULES: list[tuple[str, list[int], list[int]]] = [
    ("Sales Team", [6, 7, 10, 11, 12], [13, 14, 40]),
    ("Engineering", [*range(30, 40)], [13, 15, 16, 17]),
    ("VIP Speakers", [8, 20, 21], [13, 15, 40]),
    ("Manual Adjustments", [9, 50], [22, 23]),
    ("Marketing", [40, 41, 42, 43], [13, 14, 18, 19]),
    ("Legacy Track", [60, 61], [1, 2, 3]),
]
_MORE_SCHEDULES = ["Product", "Support", "Executive Briefing", "Partners", "Volunteers", "Press"]


def _session_rows(
    guide: int,
    first_id: int,
    count: int,
    names: dict[int, tuple[str, str | None, int, str, int]],
    topics: list[str],
) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    it = iter(topics)
    for n in range(count):
        sid = first_id + n
        if sid in names:
            name, import_id, day, hhmm, minutes = names[sid]
        else:
            # Filler sessions fill hourly slots over two days; slots repeat, so some overlap.
            name, import_id = next(it), f"sess-{sid:03d}"
            day, hhmm, minutes = (
                1 + (n * 2) // count,
                f"{12 + n % 9:02d}:{'30' if n % 3 == 0 else '00'}",
                60,
            )
            if sid in (38, 39):
                import_id = None
        hour, minute = map(int, hhmm.split(":"))
        start = f"2026-06-{9 + day:02d}T{hour:02d}:{minute:02d}:00.000000+0000"
        end_h, end_m = divmod(hour * 60 + minute + minutes, 60)
        end = f"2026-06-{9 + day:02d}T{end_h:02d}:{end_m:02d}:00.000000+0000"
        rows.append((sid, guide, name, import_id, start, end, GB_CREATED))
    return rows


def _insert_sessions(store: GuidebookStore, rows: list[tuple[Any, ...]]) -> None:
    store.conn.executemany(
        "INSERT INTO gb_sessions(id, guide, name, import_id, start_time, end_time, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def _insert_attendees(store: GuidebookStore, rows: list[tuple[Any, ...]]) -> None:
    store.conn.executemany(
        "INSERT INTO gb_attendees(id, guide, email, import_id, first_name, last_name, revoked, "
        "status,"
        " account_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
        [(*r, 5000 + r[0], GB_CREATED) for r in rows],
    )


def _insert_schedules(
    store: GuidebookStore, rows: list[tuple[int, int, str, list[int], list[int]]]
) -> None:
    c = store.conn
    c.executemany(
        "INSERT INTO gb_schedules(id, guide, name, created_at) VALUES (?, ?, ?, ?)",
        [(sid, guide, name, GB_CREATED) for sid, guide, name, _, _ in rows],
    )
    c.executemany(
        "INSERT INTO gb_schedule_attendees(schedule, attendee) VALUES (?, ?)",
        [(r[0], a) for r in rows for a in sorted(set(r[3]))],
    )
    c.executemany(
        "INSERT INTO gb_schedule_sessions(schedule, session) VALUES (?, ?)",
        [(r[0], s) for r in rows for s in sorted(set(r[4]))],
    )


def demo(store: GuidebookStore) -> None:
    """Seed the demo data: guides 47 (premium) and 48, their sessions, attendees and schedules."""
    with store.transaction() as c:
        c.executemany(
            "INSERT INTO gb_guides(id, name, owner, created_at, start_date, end_date, timezone, "
            "short_name,"
            " description_html, attendees_estimate, privacy, premium, published)"
            " VALUES (?, ?, 1, ?, ?, ?, 'America/New_York', ?, '', ?, 1, ?, 1)",
            [
                (47, "Summit 2026", GB_CREATED, "2026-06-10", "2026-06-11", "summit2026", 100, 1),
                (48, "Partner Day", GB_CREATED, "2026-06-12", "2026-06-12", "partnerday", 10, 0),
            ],
        )
        _insert_sessions(store, _session_rows(47, 1, 40, dict(_NAMED_SESSIONS), _TOPICS))
        partner = [
            "Partner Welcome",
            "Integration Lab",
            "Partner Lunch",
            "Roadmap Preview",
            "Partner Awards",
        ]
        _insert_sessions(
            store,
            [
                (
                    41 + i,
                    48,
                    name,
                    f"partner-{i + 1}",
                    f"2026-06-12T{13 + i}:00:00.000000+0000",
                    f"2026-06-12T{14 + i}:00:00.000000+0000",
                    GB_CREATED,
                )
                for i, name in enumerate(partner)
            ],
        )
        special = {
            6: ("alice@example.com", "crm-1001", "Alice", "Archer"),
            7: ("bob@example.com", "crm-1002", "Bob", "Baker"),
            8: ("carol@example.com", "crm-1003", "Carol", "Chen"),
        }
        rows = [
            (
                n,
                47,
                *special.get(
                    n, (f"attendee{n:03d}@example.com", f"crm-{n:04d}", "Attendee", f"{n:03d}")
                ),
                int(n == 100),
            )
            for n in range(1, 101)
        ]
        rows.append((101, 48, "alice@example.com", "crm-1001", "Alice", "Archer", 0))
        rows += [
            (n, 48, f"partner{n - 100:02d}@example.com", f"prt-{n}", "Partner", f"{n - 100:02d}", 0)
            for n in range(102, 111)
        ]
        _insert_attendees(store, rows)
        rng = random.Random(47)
        schedules = [
            (i + 1, 47, name, att, ses) for i, (name, att, ses) in enumerate(_DEMO_SCHEDULES)
        ]
        # One personalized schedule per attendee (docs/api-notes.md): the generated schedules take
        # people no other schedule has. The first draw is still made, so the sessions stay what they
        # always were.
        taken = {a for _, att, _ in _DEMO_SCHEDULES for a in att}
        free = [a for a in range(9, 100) if a not in taken]
        random.Random(4747).shuffle(free)
        for i, name in enumerate(_MORE_SCHEDULES, start=len(schedules) + 1):
            rng.sample(range(9, 100), 6)
            attendees = sorted(free[(i - 7) * 6 : (i - 6) * 6])
            schedules.append((i, 47, name, attendees, rng.sample(range(1, 41), 5)))
        schedules += [
            (13, 48, "Partner Track", [101, 102, 103], [41, 42, 44]),
            (14, 48, "Partner VIP", [104, 105], [41, 45]),
        ]
        _insert_schedules(store, schedules)


def bench(store: GuidebookStore, opts: dict[str, int]) -> None:
    """Seed a large guide set for benchmarks (``opts``: guides, schedules, sessions, attendees), the
    same data every time (a fixed random seed)."""
    rng = random.Random(1001)
    n_ses, n_att = opts["sessions"], opts["attendees"]
    with store.transaction() as c:
        for g in range(opts["guides"]):
            guide = 1001 + g
            c.execute(
                "INSERT INTO gb_guides(id, name, owner, created_at, timezone, premium, published)"
                " VALUES (?, ?, 1, ?, 'UTC', 1, 1)",
                (guide, f"Bench Guide {guide}", GB_CREATED),
            )
            s0, a0, sch0 = g * n_ses + 1, g * n_att + 1, g * opts["schedules"] + 1
            topics = [f"Session {guide}-{n:04d}" for n in range(n_ses)]
            _insert_sessions(store, _session_rows(guide, s0, n_ses, {}, topics))
            _insert_attendees(
                store,
                [
                    (
                        a0 + n,
                        guide,
                        f"user{n:05d}.g{guide}@example.com",
                        f"crm-{guide}-{n:05d}",
                        "User",
                        f"{n:05d}",
                        0,
                    )
                    for n in range(n_att)
                ],
            )
            ses_ids, att_ids = range(s0, s0 + n_ses), range(a0, a0 + n_att)
            # One personalized schedule per attendee, as Guidebook keeps it: the attendees are dealt
            # out.
            dealt = rng.sample(att_ids, n_att)
            n_sch = opts["schedules"]
            _insert_schedules(
                store,
                [
                    (
                        sch0 + k,
                        guide,
                        f"Schedule {k + 1:04d}",
                        dealt[k::n_sch],
                        rng.sample(ses_ids, n_ses // 2),
                    )
                    for k in range(n_sch)
                ],
            )
