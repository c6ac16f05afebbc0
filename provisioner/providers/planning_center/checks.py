"""Checks across Planning Center files: a roster, member or response declared twice, and a roster
status that contradicts a response."""

from __future__ import annotations

from collections.abc import Sequence

from provisioner.core.errors import Diagnostic
from provisioner.core.records import Loaded
from provisioner.providers.base import Claim
from provisioner.providers.planning_center.models import ResponsesFile, RostersFile
from provisioner.providers.planning_center.names import shown


def checks(files: Sequence[Loaded], claim: Claim) -> list[Diagnostic]:
    """Checks across Planning Center files: a roster or a response declared twice, each at its
    ``file:line:col`` naming the other."""
    for item in files:
        doc = item.doc
        if isinstance(doc, RostersFile):
            for r, roster in enumerate(doc.rosters):
                # A plan id names one plan anywhere; a date or title only within the file's service
                # type (Evening Prayer and Sunday Services both have plans on Dec 27). After names
                # resolve, these checks run again on ids (provider.resolve), so two forms of one
                # plan are caught there.
                plan = (
                    roster.plan if isinstance(roster.plan, int) else (doc.service_type, roster.plan)
                )
                what = f"plan {shown(roster.plan)}" + (
                    ""
                    if isinstance(roster.plan, int)
                    else f" of service type {shown(doc.service_type)}"
                )
                claim(("roster", plan), item, ("rosters", r), f"roster of {what}")
                for m, member in enumerate(roster.team_members):
                    # One person may hold several positions on a team (section 2.2): each is its own
                    # member.
                    claim(
                        ("member", plan, member.person, member.team, member.position or None),
                        item,
                        ("rosters", r, "team_members", m),
                        f"person {shown(member.person)} on team {shown(member.team)} of {what}"
                        + (f" as {member.position}" if member.position else ""),
                    )
        elif isinstance(doc, ResponsesFile):
            person = shown(doc.person)
            claim(("person", doc.person), item, ("person",), f"responses of person {person}")
            for i, resp in enumerate(doc.responses):
                claim(
                    ("response", doc.person, resp.plan, resp.team, resp.position),
                    item,
                    ("responses", i),
                    f"response of person {person} to plan {shown(resp.plan)}"
                    + (f" team {shown(resp.team)}" if resp.team else "")
                    + (f" as {resp.position}" if resp.position else ""),
                )
    return _status_conflicts(files)


AGREES = {"C": "accepted", "D": "declined"}  # a roster status that says the same as a response


def _status_conflicts(files: Sequence[Loaded]) -> list[Diagnostic]:
    """A roster `status` and a response for the same schedule that disagree would fight: each apply
    would undo the other. Agreeing ones (C with accepted, D with declined, as an import of live
    state writes) are fine."""
    statuses: dict[tuple[object, object], list[tuple[object, object, str, str]]] = {}
    for item in files:
        if isinstance(item.doc, RostersFile):
            for r, roster in enumerate(item.doc.rosters):
                for m, member in enumerate(roster.team_members):
                    if member.status is not None:
                        where = item.where("rosters", r, "team_members", m)
                        statuses.setdefault((member.person, roster.plan), []).append(
                            (member.team, member.position, member.status, where)
                        )
    diags = []
    for item in files:
        if isinstance(item.doc, ResponsesFile):
            for i, resp in enumerate(item.doc.responses):
                for team, position, status, where in statuses.get((item.doc.person, resp.plan), []):
                    if (
                        resp.team in (None, team)
                        and (resp.position is None or position in (None, resp.position))
                        and AGREES.get(status) != resp.response
                    ):
                        diags.append(
                            item.diagnostic(
                                ("responses", i),
                                (
                                    f"person {item.doc.person}'s response to plan {resp.plan} "
                                    f"team {team} ({resp.response}) contradicts the roster "
                                    f"`status: {status}` at {where}; declare it in one place only"
                                ),
                            )
                        )
    return diags
