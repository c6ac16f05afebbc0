"""Matching a person's response declarations to their schedules (DESIGN §2.3): which schedules a
plan (id or date), team (id or name) and position name, what is wrong when a declaration matches
none or several, and the values a matched declaration declares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from provisioner.core.errors import Diagnostic
from provisioner.core.records import Loaded, Record
from provisioner.files.fields import Ref
from provisioner.providers.planning_center.lists import fold
from provisioner.providers.planning_center.models import ResponseDecl
from provisioner.providers.planning_center.names import shown
from provisioner.providers.planning_center.schedule_rows import Facts


def matched(
    person: int,
    decl: ResponseDecl,
    parsed: Mapping[str, tuple[str, str | None]],
    facts: Mapping[str, Facts],
    positions: Mapping[str, str | None],
) -> tuple[list[str], str | None]:
    """The keys of the schedules a declaration answers (``parsed``: key -> (plan, team)), and what
    is wrong when it matches none, several it cannot tell apart, or a position the person does not
    hold."""
    found = [
        k
        for k, (plan, team) in parsed.items()
        if _same_plan(decl.plan, plan, facts.get(k)) and _same_team(decl.team, team, facts.get(k))
    ]
    problem = _position_problem(person, decl, found, positions)
    if decl.position is not None:
        found = [k for k in found if positions.get(k) == decl.position]
    return found, problem or _match_problem(person, decl, found, parsed, facts)


def whole_only_problem(
    item: Loaded,
    loc: tuple[str | int, ...],
    person: object,
    decl: ResponseDecl,
    facts: Facts | None,
) -> Diagnostic:
    """``declined_times`` on a schedule that says ``can_accept_partial: false`` (point 20): what the
    accept action would do with them there (a 422, or every time accepted) is unknown, so nothing is
    sent."""
    where = facts[2] if facts else f"plan {shown(decl.plan)}"
    return item.diagnostic(
        (*loc, "declined_times"),
        f"person {person}'s schedule on {where} cannot be accepted partially (Planning Center says "
        "can_accept_partial: false for it): remove declined_times and accept or decline it whole, "
        "or "
        "ask the scheduler to let this team accept some times",
    )


def response_values(decl: ResponseDecl, live: Record, declined: list[int] | None) -> dict[str, Any]:
    """The declared response. A reason rides along only with an answer that changes something: PCO
    has no way to edit a reason except answering again, and answering again only to reword it would
    re-notify the scheduler, so a differing reason alone is deliberately not a change."""
    values: dict[str, Any] = {"response": decl.response}
    if declined is not None:
        values["declined_times"] = declined
    changing = live.values.get("response") != decl.response or (
        declined is not None and sorted(live.values.get("declined_times") or []) != declined
    )
    if decl.reason and changing and (decl.response == "declined" or declined):
        values["decline_reason"] = decl.reason
    return values


def _same_plan(ref: int | Ref, plan: str, facts: Facts | None) -> bool:
    if not isinstance(ref, Ref):
        return plan == str(ref)
    return facts is not None and facts[0] is not None and facts[0].isoformat() == ref.value


def _same_team(ref: int | Ref | None, team: str | None, facts: Facts | None) -> bool:
    if ref is None:
        return True
    if not isinstance(ref, Ref):
        return team == str(ref)
    return facts is not None and facts[1] is not None and fold(facts[1]) == fold(str(ref.value))


def _match_problem(
    person: int,
    decl: ResponseDecl,
    found: list[str],
    parsed: Mapping[str, tuple[str, str | None]],
    facts: Mapping[str, Facts],
) -> str | None:
    where = f"plan {shown(decl.plan)}" + (
        f" team {shown(decl.team)}" if decl.team is not None else ""
    )
    if not found:
        looked = (
            ""
            if any(_same_plan(decl.plan, plan, facts.get(k)) for k, (plan, _) in parsed.items())
            or isinstance(decl.plan, Ref)
            else "; neither their schedules nor the plan's team members show one"
        )
        return (
            f"person {person} has no schedule on {where} (a Schedule cannot be created; add them "
            "to the roster "
            f"first{looked}){_candidates(parsed, facts) if _readable(decl) else ''}"
        )
    if len(found) == 1 or len({parsed[k] for k in found}) == 1:
        return None  # one schedule, or several positions on one team: each is answered
    plans = {parsed[k][0] for k in found}
    if len(plans) > 1:  # a date on which two of their plans fall (two services that day)
        return (
            f"person {person} has schedules on {len(plans)} plans on {shown(decl.plan)}"
            + (f" on team {shown(decl.team)}" if decl.team is not None else "")
            + ": write the plan's id"
            f"{_candidates(parsed, facts, found, 'candidates')}"
        )
    if decl.team is None:
        teams = sorted({str(parsed[k][1]) for k in found}, key=lambda t: (len(t), t))
        return (
            f"person {person} has {len(found)} schedules on {where} (teams {', '.join(teams)}): "
            "add `team:`"
        )
    return f"person {person} has {len(found)} schedules on {where}; cannot tell which one to answer"


def _position_problem(
    person: int, decl: ResponseDecl, found: list[str], positions: Mapping[str, str | None]
) -> str | None:
    """A `position:` the person does not hold on the schedules the plan (and team) match."""
    if decl.position is None or not found:
        return None
    held = sorted({p for k in found if (p := positions.get(k))})
    if decl.position in held:
        return None
    where = f"plan {shown(decl.plan)}" + (
        f" team {shown(decl.team)}" if decl.team is not None else ""
    )
    return (
        f"person {person} has no schedule as {decl.position} on {where}; their positions there: "
        f"{', '.join(held) or 'none'}"
    )


def _readable(decl: ResponseDecl) -> bool:
    """Written with a date or a team name: the message then lists the schedules it could have
    meant."""
    return isinstance(decl.plan, Ref) or isinstance(decl.team, Ref)


def _candidates(
    parsed: Mapping[str, tuple[str, str | None]],
    facts: Mapping[str, Facts],
    only: Sequence[str] | None = None,
    label: str = "their schedules",
) -> str:
    """Up to five of the person's schedules (``only`` those), with ids and dates: for a reference
    that matches none, or several."""
    listed = [
        facts[k][2] + (f" {facts[k][1]} (team {team})" if facts[k][1] else "")
        for k, (_, team) in sorted(
            parsed.items(), key=lambda kv: (facts.get(kv[0], (None,))[0] or date.min, kv[0])
        )
        if k in facts and (only is None or k in only)
    ]
    more = f" (+{len(listed) - 5} more)" if len(listed) > 5 else ""
    return f"; {label}: {', '.join(listed[:5])}{more}" if listed else ""
