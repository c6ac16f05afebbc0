"""Checks that span files: one identity declared twice, a declared object that is also ignored."""

from __future__ import annotations

from fnmatch import fnmatchcase

from provisioner.errors import Diagnostic
from provisioner.loader import Loaded
from provisioner.model import GuidebookFile, ResponsesFile, RostersFile


def cross_file_checks(files: list[Loaded]) -> list[Diagnostic]:
    """Every identity must be declared once across all files."""
    seen: dict[tuple[object, ...], tuple[str, tuple[str | int, ...], str]] = {}
    diags: list[Diagnostic] = []

    def claim(identity: tuple[object, ...], item: Loaded, loc: tuple[str | int, ...], what: str) -> None:
        # Declarations are told apart by where they sit in the document, not by the line of their text: a `<<`
        # merge copies a name whose text stands on another item's line.
        path, first_loc, first = seen.setdefault(identity, (item.path, loc, item.where(*loc)))
        if (path, first_loc) != (item.path, loc):
            diags.append(item.diagnostic(loc, f"{what} is declared twice (first at {first})"))

    for item in files:
        doc = item.doc
        if isinstance(doc, GuidebookFile):
            diags += _guidebook(item, doc, claim)
        elif isinstance(doc, RostersFile):
            for r, roster in enumerate(doc.rosters):
                claim(("roster", roster.plan), item, ("rosters", r), f"roster of plan {roster.plan}")
                for m, member in enumerate(roster.team_members):
                    claim(("member", roster.plan, member.person, member.team), item,
                          ("rosters", r, "team_members", m),
                          f"person {member.person} on team {member.team} of plan {roster.plan}")
        elif isinstance(doc, ResponsesFile):
            claim(("person", doc.person), item, ("person",), f"responses of person {doc.person}")
            for i, resp in enumerate(doc.responses):
                claim(("response", doc.person, resp.plan, resp.team), item, ("responses", i),
                      f"response of person {doc.person} to plan {resp.plan}"
                      + (f" team {resp.team}" if resp.team else ""))
    return diags + _status_conflicts(files)


AGREES = {"C": "accepted", "D": "declined"}  # a roster status that says the same as a response


def _status_conflicts(files: list[Loaded]) -> list[Diagnostic]:
    """A roster `status` and a response for the same schedule that disagree would fight: each apply would undo
    the other. Agreeing ones (C with accepted, D with declined, as an import of live state writes) are fine."""
    statuses: dict[tuple[int, int], list[tuple[int, str, str]]] = {}
    for item in files:
        if isinstance(item.doc, RostersFile):
            for r, roster in enumerate(item.doc.rosters):
                for m, member in enumerate(roster.team_members):
                    if member.status is not None:
                        where = item.where("rosters", r, "team_members", m)
                        statuses.setdefault((member.person, roster.plan), []).append(
                            (member.team, member.status, where))
    diags = []
    for item in files:
        if isinstance(item.doc, ResponsesFile):
            for i, resp in enumerate(item.doc.responses):
                for team, status, where in statuses.get((item.doc.person, resp.plan), []):
                    if resp.team in (None, team) and AGREES.get(status) != resp.response:
                        diags.append(item.diagnostic(("responses", i), (
                            f"person {item.doc.person}'s response to plan {resp.plan} team {team} ({resp.response}) "
                            f"contradicts the roster `status: {status}` at {where}; declare it in one place only")))
    return diags


def _guidebook(item: Loaded, doc: GuidebookFile, claim: object) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    for i, schedule in enumerate(doc.schedules):
        claim(("schedule", doc.guide, schedule.name), item, ("schedules", i, "name"),  # type: ignore[operator]
              f"schedule {schedule.name!r} of guide {doc.guide}")
        for pattern in doc.ignore:
            if fnmatchcase(schedule.name, pattern):
                diags.append(item.diagnostic(("schedules", i, "name"),
                                             f"schedule {schedule.name!r} matches ignore pattern {pattern!r}: "
                                             "an ignored schedule cannot be managed; remove one of them"))
    return diags
