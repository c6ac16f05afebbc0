"""Per-person impact: who gains or loses which sessions, who is rostered where, who declines
what."""

from __future__ import annotations

from typing import Any

from provisioner.core.plan import Change, Plan
from provisioner.planning.words import described
from provisioner.providers.guidebook.impact import guidebook_impact
from provisioner.providers.planning_center.impact import change_ids, planning_center_impact
from provisioner.render.impact import ScopeImpact, named_key, plan_impact
from tests.helpers import ident

SESSIONS = {"1": "Opening Keynote", "2": "Workshop B", "3": "Lunch"}
ATTENDEES = {"6": "alice@example.com", "7": "bob@example.com", "8": "carol@example.com"}
LABELS = {"sessions": SESSIONS, "attendees": ATTENDEES}
NAMES = {
    "person": {"111": "Jane Doe", "222": "John Smith"},
    "team": {"22": "Band", "23": "Tech"},
    "plan": {"5678": "Dec 6", "5679": "Dec 13"},
}


def schedule(
    action: str,
    key: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    labels: dict[str, dict[str, str]] | None = None,
) -> Change:
    return Change(
        action=action,
        provider="guidebook",
        scope="guide 47",
        key=key,
        fields={},  # type: ignore[arg-type]
        reason="r",
        before=before,
        after=after,
        labels=LABELS if labels is None else labels,
    )


def roster(
    action: str,
    key: str,
    fields: dict[str, Any],
    plan: int = 5678,
    after: dict[str, Any] | None = None,
    labels: dict[str, dict[str, str]] | None = None,
) -> Change:
    return Change(
        action=action,
        provider="planning_center",
        scope=f"plan {plan}",
        key=key,  # type: ignore[arg-type]
        fields=fields,
        reason="r",
        target={"service_type": 1234, "plan": plan},
        after=after,
        labels=NAMES if labels is None else labels,
        identity=ident(key),
    )


def response(
    to: str,
    reason: str | None = None,
    labels: dict[str, dict[str, str]] | None = None,
    key: str = "plan 5678 / team 22",
) -> Change:
    after = {"response": to, **({"decline_reason": reason} if reason else {})}
    return Change(
        action="update",
        provider="planning_center",
        scope="person 111",
        key=key,
        fields={"response": {"from": "pending", "to": to}},
        reason="response differs",
        target={"person": 111},
        before={"id": 9, "response": "pending"},
        after=after,
        labels=NAMES if labels is None else labels,
        identity=ident(key),
    )


def test_created_schedule_gives_its_attendees_its_sessions() -> None:
    c = schedule("create", "New", None, {"attendees": [7, 6], "sessions": [2, 1]})
    assert guidebook_impact([c]) == [
        "alice@example.com: +Opening Keynote, +Workshop B",
        "bob@example.com: +Opening Keynote, +Workshop B",
    ]


def test_deleted_schedule_takes_its_sessions_away() -> None:
    c = schedule("delete", "Old", {"id": 4, "attendees": [8], "sessions": [3]}, None)
    assert guidebook_impact([c]) == ["carol@example.com: −Lunch"]


def test_update_added_removed_and_staying_attendees() -> None:
    c = schedule(
        "update",
        "Sales",
        {"id": 3, "attendees": [6, 8], "sessions": [1, 2]},
        {"attendees": [6, 7], "sessions": [1, 3]},
    )
    assert guidebook_impact([c]) == [
        "alice@example.com: +Lunch, −Workshop B",  # stays: gains and loses the changed sessions
        "bob@example.com: +Lunch, +Opening Keynote",  # joins: gains all the (after) sessions
        # leaves: loses all the (before) sessions
        "carol@example.com: −Opening Keynote, −Workshop B",
    ]


def test_update_of_attendees_only_leaves_stayers_out() -> None:
    c = schedule(
        "update", "Sales", {"id": 3, "attendees": [6], "sessions": [1]}, {"attendees": [6, 7]}
    )
    assert guidebook_impact([c]) == ["bob@example.com: +Opening Keynote"]


def test_aggregates_per_person_across_changes_and_nets_out_moves() -> None:
    old = schedule("delete", "Old", {"id": 4, "attendees": [8], "sessions": [1, 2]}, None)
    new = schedule("create", "New", None, {"attendees": [8], "sessions": [1, 3]})
    assert guidebook_impact([old, new]) == ["carol@example.com: +Lunch, −Workshop B"]
    same = schedule("create", "Same", None, {"attendees": [8], "sessions": [1, 2]})
    assert guidebook_impact([old, same]) == []


def test_falls_back_to_ids_and_sorts_by_person_label() -> None:
    c = schedule("create", "New", None, {"attendees": [9, 7, 6], "sessions": [5, 1]})
    assert guidebook_impact([c]) == [
        "alice@example.com: +Opening Keynote, +session 5",
        "attendee 9: +Opening Keynote, +session 5",
        "bob@example.com: +Opening Keynote, +session 5",
    ]


def test_long_session_lists_are_cut_with_a_count() -> None:
    c = schedule(
        "create", "Big", None, {"attendees": [6], "sessions": list(range(100, 115))}, labels={}
    )
    (line,) = guidebook_impact([c])
    assert line.endswith(", +session 111, … 3 more")
    assert line.startswith("attendee 6: +session 100, +session 101, ")


def test_roster_lines() -> None:
    changes = [
        roster(
            "create",
            "person 111 / team 22",
            {
                "team_position_name": {"from": None, "to": "Vocals"},
                "status": {"from": None, "to": "U"},
            },
        ),
        roster("delete", "person 222 / team 23", {"status": {"from": "C", "to": None}}),
        roster("update", "person 111 / team 22", {"status": {"from": "U", "to": "C"}}, plan=5679),
        roster(
            "update",
            "person 222 / team 22",
            {
                "team_position_name": {"from": "Keys", "to": "Vocals"},
                "notes": {"from": "", "to": "In-ears"},
            },
        ),
    ]
    assert planning_center_impact(changes) == [
        "Jane Doe on Dec 6 Band: added as Vocals (unconfirmed)",
        "Jane Doe on Dec 13 Band: status unconfirmed → confirmed",
        "John Smith on Dec 6 Band: position Keys → Vocals; notes (none) → In-ears",
        "John Smith on Dec 6 Tech: removed",
    ]


def test_roster_create_reads_after_and_long_status_words() -> None:
    c = roster(
        "create",
        "person 111 / team 22",
        {},
        after={"team_position_name": "Drums", "status": "confirmed", "notes": "Bring sticks"},
    )
    assert planning_center_impact([c]) == [
        "Jane Doe on Dec 6 Band: added as Drums (confirmed), notes: Bring sticks"
    ]


def test_roster_without_labels_falls_back_to_ids() -> None:
    c = roster("delete", "person 333 / team 24", {}, labels={})
    assert planning_center_impact([c]) == ["person 333 on plan 5678 team 24: removed"]


def test_response_lines() -> None:
    assert planning_center_impact([response("declined", "Out of town")]) == [
        "Jane Doe: declines Dec 6 Band (Out of town)"
    ]
    assert planning_center_impact([response("accepted")]) == ["Jane Doe: accepts Dec 6 Band"]
    assert planning_center_impact([response("declined", labels={})]) == [
        "person 111: declines plan 5678 team 22"
    ]
    assert planning_center_impact([response("maybe")]) == [
        "Jane Doe: response pending → maybe for Dec 6 Band"
    ]


def test_decline_reason_from_fields_or_after() -> None:
    c = Change(
        action="update",
        provider="planning_center",
        scope="person 111",
        key="plan 5678 / team 22",
        fields={"decline_reason": {"from": None, "to": "Sick"}},
        reason="decline_reason differs",
        target={"person": 111},
        after={"response": "declined"},
        labels=NAMES,
        identity={"plan": 5678, "team": 22},
    )
    assert planning_center_impact([c]) == ["Jane Doe: declines Dec 6 Band (Sick)"]


def test_ids_come_from_identity_and_target() -> None:
    assert change_ids(roster("delete", "person 222 / team 23", {})) == {
        "plan": "5678",
        "person": "222",
        "team": "23",
    }
    assert change_ids(response("declined")) == {"person": "111", "plan": "5678", "team": "22"}
    no_team = response("declined", key="plan 5678")
    assert change_ids(no_team) == {"person": "111", "plan": "5678"}
    assert planning_center_impact([no_team]) == ["Jane Doe: declines Dec 6"]


def test_named_key_puts_names_before_known_ids() -> None:
    assert (
        named_key(roster("delete", "person 222 / team 99", {}))
        == "John Smith (person 222) / team 99"
    )
    assert named_key(schedule("create", "Sales Team", None, {})) == "Sales Team"


def test_plan_impact_groups_by_scope_and_skips_empty_ones() -> None:
    moved = [
        schedule("delete", "Old", {"id": 4, "attendees": [8], "sessions": [1]}, None),
        schedule("create", "New", None, {"attendees": [8], "sessions": [1]}),
    ]
    other = Change(action="create", provider="other", scope="x", key="k", fields={}, reason="r")
    plan = Plan((*moved, other, response("accepted")))
    # carol sees the same sessions on New as on Old: no session line, only her move (one schedule
    # each)
    assert plan_impact(described(plan)) == [
        ScopeImpact(("guidebook", "guide 47"), ("carol@example.com: Old → New",)),
        ScopeImpact(("planning_center", "person 111"), ("Jane Doe: accepts Dec 6 Band",)),
    ]
