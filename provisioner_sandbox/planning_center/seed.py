"""Planning Center seed data. Example YAML and tests are written against these exact items.

``demo``
  Service type 1234 "Sunday Services": plans 5678 "Advent 2" (December 6, 2026), 5679 "Advent 3"
    (December 13, 2026), 5680 "Advent 4" (December 20, 2026); teams 22 Band (positions Vocals, Guitar,
    Keys, Drums), 23 Tech (Audio, Video, Lighting), 24 Hospitality (Greeter, Coffee).
  Service type 99 "Youth": plan 7001 "Youth Night" (December 11, 2026); team 31 "Youth Band" (Leader).
  Service type 2345 "Evening Prayer" (plans near midnight in New York): 9001 "Compline" Dec 18 23:30 local
    (Dec 19 04:30 UTC), 9002 "Vespers" Dec 27 17:00, 9003 "Compline" Dec 27 22:30 (Dec 28 03:30 UTC); team 41
    "Choir" (Cantor); no team members (PlanPerson ids of the other plans stay as they were).
  People 111 Jane Doe, 112 John Smith, 113-135 (see `_PEOPLE`; 131 and 132 are both Chris Taylor, 133 Zoë
    Martin stored NFD, 134 Zoe Martin, 135 "Mary  Ann Lee" with two spaces). The credentials act as 111.
  8 team members per Sunday plan (2 on 7001), PlanPerson ids from 800000001 (Schedule id = +500000000):
    5678: 111/22 Vocals U, 112/23 Audio C, 113/22 Guitar C, 114/22 Keys D ("Traveling"), 115/22 Drums C,
          116/23 Video U, 117/24 Greeter C, 118/24 Coffee U
    5679: 111/22 Vocals U, 112/23 Audio U, 119/22 Guitar C, 120/22 Keys C, 121/22 Drums D ("Sick"),
          122/23 Lighting C, 123/24 Greeter U, 124/24 Coffee C
    5680: 113/22 Vocals C, 125/22 Guitar U, 126/22 Keys C, 127/22 Drums U, 128/23 Audio C,
          129/23 Video D ("Family event"), 130/24 Greeter C, 114/24 Coffee U
    7001: 130/31 Leader C, 129/31 Leader U
  can_accept_partial: false on every schedule of teams 23 (Tech) and 24 (Hospitality), true on the others
    when the plan has more than one time.
  Plan times (PlanTime ids, UTC; the organisation's time zone is America/New_York):
    5678: 801 rehearsal "Rehearsal" Thu 2026-12-03 23:30, 802 service "10am" 15:00, 803 service "Noon" 17:00
    5679: 804 rehearsal "Rehearsal" 2026-12-10 23:30, 805 service "10am", 806 service "Noon"
    5680: 807 rehearsal "Rehearsal" 2026-12-17 23:30, 808 service "10am", 809 service "Noon",
          810 other "Carols in the park" 2026-12-19 22:00
    7001: 811 service "Youth Night" 2026-12-11 23:00 (one time only: no partial accept)

  Blockouts (blockouts.py): 901 Grace Wilson (119) Dec 19-20 "Visiting family" (Advent 4's weekend; she is
    on no roster of it); 902 Peter Clark (124) every 2 weeks from Sun Nov 29 until 2027-06-30 (Dec 13, Dec 27,
    ...) "Alternate Sundays"; 903 Jane Doe (111) Oct 4, 2026, long past.

``bench:...,plans=P,members=M`` — the demo data plus, if P > 0, P extra plans (ids 10001..) in
service type
  1234 with M team members each (no plan times).
"""

from __future__ import annotations

from collections.abc import Sequence

from . import blockouts
from .store import PlanningCenterStore

PCO_CREATED = "2026-10-01T12:00:00Z"
WHOLE_ONLY_TEAMS = (23, 24)  # their members' schedules say can_accept_partial: false
FIRST_PLAN_PERSON_ID = 800_000_001

_PEOPLE = [
    (111, "Jane", "Doe"),
    (112, "John", "Smith"),
    (113, "Maria", "Garcia"),
    (114, "David", "Kim"),
    (115, "Sarah", "Johnson"),
    (116, "Michael", "Brown"),
    (117, "Emily", "Davis"),
    (118, "Daniel", "Lee"),
    (119, "Grace", "Wilson"),
    (120, "Samuel", "Moore"),
    (121, "Hannah", "Taylor"),
    (122, "Joshua", "White"),
    (123, "Ruth", "Harris"),
    (124, "Peter", "Clark"),
    (125, "Lydia", "Lewis"),
    (126, "Caleb", "Walker"),
    (127, "Naomi", "Hall"),
    (128, "Isaac", "Young"),
    (129, "Esther", "King"),
    (130, "Levi", "Wright"),
    # Names that resolve by name only with care (contract §2.2): two people share one; two differ
    # only in an accent (133 is stored decomposed, NFD, as some clients send it); one has a double
    # space in it.
    (131, "Chris", "Taylor"),
    (132, "Chris", "Taylor"),
    (133, "Zoe\u0308", "Martin"),
    (134, "Zoe", "Martin"),
    (135, "Mary  Ann", "Lee"),
]

_TEAMS = [
    (22, 1234, "Band", ["Vocals", "Guitar", "Keys", "Drums"]),
    (23, 1234, "Tech", ["Audio", "Video", "Lighting"]),
    (24, 1234, "Hospitality", ["Greeter", "Coffee"]),
    (31, 99, "Youth Band", ["Leader"]),
    (41, 2345, "Choir", ["Cantor"]),
]
_PLANS = [
    (5678, 1234, "Advent 2", "December 6, 2026", "Dec 6", "2026-12-06T15:00:00Z"),
    (5679, 1234, "Advent 3", "December 13, 2026", "Dec 13", "2026-12-13T15:00:00Z"),
    (5680, 1234, "Advent 4", "December 20, 2026", "Dec 20", "2026-12-20T15:00:00Z"),
    (7001, 99, "Youth Night", "December 11, 2026", "Dec 11", "2026-12-11T23:00:00Z"),
    # Near midnight in the organization's time zone (America/New_York): 9001 is on Dec 18 there (Dec
    # 19 in UTC); 9002 and 9003 are both on Dec 27 there (9003 is Dec 28 in UTC); 9001 and 9003
    # share a title.
    (9001, 2345, "Compline", "December 18, 2026", "Dec 18", "2026-12-19T04:30:00Z"),
    (9002, 2345, "Vespers", "December 27, 2026", "Dec 27", "2026-12-27T22:00:00Z"),
    (9003, 2345, "Compline", "December 27, 2026", "Dec 27", "2026-12-28T03:30:00Z"),
]
# (plan, person, team, position, status, decline_reason)
_MEMBERS: list[tuple[int, int, int, str, str, str | None]] = [
    (5678, 111, 22, "Vocals", "U", None),
    (5678, 112, 23, "Audio", "C", None),
    (5678, 113, 22, "Guitar", "C", None),
    (5678, 114, 22, "Keys", "D", "Traveling"),
    (5678, 115, 22, "Drums", "C", None),
    (5678, 116, 23, "Video", "U", None),
    (5678, 117, 24, "Greeter", "C", None),
    (5678, 118, 24, "Coffee", "U", None),
    (5679, 111, 22, "Vocals", "U", None),
    (5679, 112, 23, "Audio", "U", None),
    (5679, 119, 22, "Guitar", "C", None),
    (5679, 120, 22, "Keys", "C", None),
    (5679, 121, 22, "Drums", "D", "Sick"),
    (5679, 122, 23, "Lighting", "C", None),
    (5679, 123, 24, "Greeter", "U", None),
    (5679, 124, 24, "Coffee", "C", None),
    (5680, 113, 22, "Vocals", "C", None),
    (5680, 125, 22, "Guitar", "U", None),
    (5680, 126, 22, "Keys", "C", None),
    (5680, 127, 22, "Drums", "U", None),
    (5680, 128, 23, "Audio", "C", None),
    (5680, 129, 23, "Video", "D", "Family event"),
    (5680, 130, 24, "Greeter", "C", None),
    (5680, 114, 24, "Coffee", "U", None),
    (7001, 130, 31, "Leader", "C", None),
    (7001, 129, 31, "Leader", "U", None),
]


# (id, plan, time_type, name, starts_at, ends_at), UTC
_TIMES = [
    (801, 5678, "rehearsal", "Rehearsal", "2026-12-03T23:30:00Z", "2026-12-04T01:30:00Z"),
    (802, 5678, "service", "10am", "2026-12-06T15:00:00Z", "2026-12-06T16:15:00Z"),
    (803, 5678, "service", "Noon", "2026-12-06T17:00:00Z", "2026-12-06T18:15:00Z"),
    (804, 5679, "rehearsal", "Rehearsal", "2026-12-10T23:30:00Z", "2026-12-11T01:30:00Z"),
    (805, 5679, "service", "10am", "2026-12-13T15:00:00Z", "2026-12-13T16:15:00Z"),
    (806, 5679, "service", "Noon", "2026-12-13T17:00:00Z", "2026-12-13T18:15:00Z"),
    (807, 5680, "rehearsal", "Rehearsal", "2026-12-17T23:30:00Z", "2026-12-18T01:30:00Z"),
    (808, 5680, "service", "10am", "2026-12-20T15:00:00Z", "2026-12-20T16:15:00Z"),
    (809, 5680, "service", "Noon", "2026-12-20T17:00:00Z", "2026-12-20T18:15:00Z"),
    (810, 5680, "other", "Carols in the park", "2026-12-19T22:00:00Z", "2026-12-19T23:30:00Z"),
    (811, 7001, "service", "Youth Night", "2026-12-11T23:00:00Z", "2026-12-12T01:00:00Z"),
]


def demo(store: PlanningCenterStore) -> None:
    """Seed the demo data: service types, December 2026 plans, teams, positions, people and
    members."""
    with store.transaction() as c:
        c.executemany(
            "INSERT INTO pco_service_types(id, name) VALUES (?, ?)",
            [(1234, "Sunday Services"), (99, "Youth"), (2345, "Evening Prayer")],
        )
        c.executemany(
            "INSERT INTO pco_plans(id, service_type, title, series_title, dates, short_dates, "
            "sort_date)"
            " VALUES (?, ?, ?, 'Advent', ?, ?, ?)",
            _PLANS,
        )
        c.executemany(
            "INSERT INTO pco_teams(id, service_type, name) VALUES (?, ?, ?)",
            [(t, st, name) for t, st, name, _ in _TEAMS],
        )
        positions = [(team, name) for team, _, _, names in _TEAMS for name in names]
        c.executemany(
            "INSERT INTO pco_positions(id, team, name) VALUES (?, ?, ?)",
            [(301 + i, team, name) for i, (team, name) in enumerate(positions)],
        )
        c.executemany("INSERT INTO pco_people(id, first_name, last_name) VALUES (?, ?, ?)", _PEOPLE)
        c.executemany(
            "INSERT INTO pco_plan_times(id, plan, time_type, name, starts_at, ends_at) VALUES (?, "
            "?, ?, ?, ?, ?)",
            _TIMES,
        )
        _insert_members(store, FIRST_PLAN_PERSON_ID, _MEMBERS)
        # can_accept_partial is per schedule (part 3 #20): as in a recorded 2018 roster, where 11 of
        # 20 members with several times had it false, team by team, Tech and Hospitality cannot
        # split times.
        c.executemany(
            "INSERT INTO pco_whole_only(plan_person) VALUES (?)",
            [
                (FIRST_PLAN_PERSON_ID + i,)
                for i, m in enumerate(_MEMBERS)
                if m[2] in WHOLE_ONLY_TEAMS
            ],
        )
        blockouts.seed(store)


def _insert_members(
    store: PlanningCenterStore,
    first_id: int,
    members: Sequence[tuple[int, int, int, str, str, str | None]],
) -> None:
    store.conn.executemany(
        "INSERT INTO pco_plan_people(id, plan, person, team, team_position_name, status, "
        "decline_reason,"
        " notes, prepare_notification, created_at, updated_at, status_updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 0, ?, ?, ?)",
        [(first_id + i, *m, PCO_CREATED, PCO_CREATED, PCO_CREATED) for i, m in enumerate(members)],
    )


def bench(store: PlanningCenterStore, opts: dict[str, int]) -> None:
    """The demo data, plus `plans` extra plans of `members` team members each."""
    demo(store)
    if opts["plans"] <= 0:
        return
    with store.transaction() as c:
        plans = [
            (
                10001 + p,
                1234,
                f"Bench {p + 1}",
                f"Bench date {p + 1}",
                "",
                f"2027-01-01T{p % 24:02d}:00:00Z",
            )
            for p in range(opts["plans"])
        ]
        c.executemany(
            "INSERT INTO pco_plans(id, service_type, title, series_title, dates, short_dates, "
            "sort_date)"
            " VALUES (?, ?, ?, 'Bench', ?, ?, ?)",
            plans,
        )
        teams = [(22, "Vocals"), (23, "Audio"), (24, "Greeter")]
        members = [
            (plan[0], 111 + m % 20, *teams[m % 3], "U", None)
            for plan in plans
            for m in range(opts["members"])
        ]
        _insert_members(store, FIRST_PLAN_PERSON_ID + len(_MEMBERS), members)
