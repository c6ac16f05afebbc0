"""Pydantic models of Planning Center files: rosters (docs/api-notes.md, contract §2.2) and
responses (section 2.3)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from provisioner.files.fields import Account, Ref, Safety, Strict, Text, ref_parser, ref_schema
from provisioner.providers.planning_center.names import (
    PersonRef,
    ResponsePlanRef,
    RosterPlanRef,
    ServiceTypeRef,
    TeamRef,
)

# One table for the status letters: a roster reads them as confirmed/unconfirmed/declined; the
# Schedule resource (a person's answer) reads the same letters as accepted/pending/declined.
ROSTER_WORDS = {"C": "confirmed", "U": "unconfirmed", "D": "declined"}
RESPONSE_WORDS = {"C": "accepted", "U": "pending", "D": "declined"}
_STATUS = {**{k.lower(): k for k in ROSTER_WORDS}, **{w: k for k, w in ROSTER_WORDS.items()}}


def parse_status(value: Any) -> str:
    if isinstance(value, str) and value.strip().lower() in _STATUS:
        return _STATUS[value.strip().lower()]
    raise ValueError(f"status must be C, U, D, confirmed, unconfirmed or declined, got {value!r}")


Status = Annotated[
    str,
    BeforeValidator(parse_status),
    # The enum is for completion; the pattern accepts what the parser does (any case, surrounding
    # spaces).
    WithJsonSchema(
        {
            "anyOf": [
                {"enum": ["C", "U", "D", "confirmed", "unconfirmed", "declined"]},
                {
                    "type": "string",
                    "pattern": r"^\s*([cC]|[uU]|[dD]|[cC][oO][nN][fF][iI][rR][mM][eE][dD]"
                    r"|[uU][nN][cC][oO][nN][fF][iI][rR][mM][eE][dD]|[dD][eE][cC][lL][iI][nN][eE][dD])\s*$",
                },
            ]
        }
    ),
]


class TeamMember(Strict):
    person: PersonRef = Field(
        examples=[111, "Jane Doe"],
        description="Planning Center person: an id, or the person's full name (or {name: ...}).",
    )
    team: TeamRef = Field(
        examples=[22, "Band"],
        description="Team: an id, or the name of a team of the file's service type (or {name: "
        "...}); "
        "with the person, the member's identity on the plan.",
    )
    position: Text | None = Field(
        None,
        examples=["Vocals"],
        description="The team position name (team_position_name); absent = not managed.",
    )
    status: Status | None = Field(
        None,
        examples=["C"],
        description="C (confirmed), U (unconfirmed) or D (declined), or those words; "
        "absent = not managed.",
    )
    notes: str | None = Field(
        None,
        examples=["Bring in-ears"],
        description="Notes for this person on this plan; absent = not managed.",
    )


class Roster(Strict):
    plan: RosterPlanRef = Field(
        examples=[5678, "2026-12-13", {"title": "Advent 2"}],
        description="Plan of the file's service type: an id, a date (the plan whose sort_date "
        "falls on "
        "that day in the organization's time zone), {date: ...} or {title: ...}.",
    )
    prune: bool = Field(
        True, description="Remove team members of this plan that no file declares (default true)."
    )
    team_members: list[TeamMember] = Field(
        default_factory=list,
        description="Who serves on this plan; identity is (person, team, position).",
    )


class ServicesFile(Strict):
    """What both kinds of Planning Center file hold besides their own keys."""

    provider: Literal["planning_center"] = Field(
        description="This file holds Planning Center Services data."
    )
    account: Account | None = Field(
        None, description="The service account (default: the plain variables)."
    )


class RostersFile(ServicesFile):
    service_type: ServiceTypeRef = Field(
        examples=[1234, "Sunday Services"],
        description="The service type the plans belong to: an id, or its name (or {name: ...}).",
    )
    safety: Safety = Field(
        default_factory=Safety, description="Override of the mass-delete guard for this file."
    )
    rosters: list[Roster] = Field(description="The managed plans, one entry per plan.")


TIME_KINDS = ("type", "name", "starts_at")
TIME_TYPES = ("service", "rehearsal", "other")
_TIME_HELP = {
    "type": "every time of that kind: service, rehearsal or other",
    "name": "a plan time's name",
    "starts_at": "a plan time's start, ISO 8601 (2030-01-06T17:00:00Z)",
}
_TIME_EXAMPLES = {"type": "rehearsal", "name": "11am", "starts_at": "2030-01-06T17:00:00Z"}
_parse_time = ref_parser("plan time", TIME_KINDS).func


def _time_ref(value: Any) -> Ref:
    parsed = _parse_time(value)  # type: ignore[call-arg]
    ref = (
        parsed if isinstance(parsed, Ref) else Ref("id", parsed)
    )  # the parser gives an id as the plain int
    if ref.kind == "type" and ref.value not in TIME_TYPES:
        raise ValueError(f"a plan time type is service, rehearsal or other, got {ref.value!r}")
    return ref


TimeRef = Annotated[
    Ref, BeforeValidator(_time_ref), ref_schema("plan time", TIME_KINDS, _TIME_HELP, _TIME_EXAMPLES)
]


class ResponseDecl(Strict):
    plan: ResponsePlanRef = Field(
        examples=[5678, "2026-12-13"],
        description="Plan: an id, or a date (or {date: ...}) matched against the person's own "
        "schedules.",
    )
    team: TeamRef | None = Field(
        None,
        examples=[22, "Band"],
        description="Team id or name (matched against the person's schedules); optional when the "
        "person "
        "has one schedule on that plan.",
    )
    position: Text | None = Field(
        None,
        examples=["Vocals"],
        description="With two positions on one team of the plan (two schedules), the one this "
        "response "
        "answers; absent = every schedule of the person on that plan and team.",
    )
    response: Literal["accepted", "declined"] = Field(
        description="The answer to the scheduling request."
    )
    declined_times: list[TimeRef] | None = Field(
        None,
        examples=[[{"type": "rehearsal"}, {"name": "11am"}, 803]],
        description="With accepted only: accept, but decline these plan times (a partial accept): "
        "{type: ...}, "
        "{name: ...}, {starts_at: ...} or a plan time id; [] accepts every time; absent = not "
        "managed.",
    )
    reason: str | None = Field(
        None,
        examples=["Out of town"],
        description="Sent with a decline (or with declined_times); the scheduler sees it.",
    )

    @model_validator(mode="after")
    def _reason_only_with_decline(self) -> ResponseDecl:
        # An accept carries no reason in the API: a reason here would be silently dropped.
        if self.declined_times is not None and self.response != "accepted":
            raise ValueError(
                "`declined_times` goes with `response: accepted` (a partial accept); a decline "
                "declines every time"
            )
        if self.reason is not None and self.response != "declined" and not self.declined_times:
            raise ValueError(
                "`reason` is sent only with `response: declined` or with `declined_times`; remove "
                "it "
                "or decline"
            )
        return self


class ResponsesFile(ServicesFile):
    person: PersonRef = Field(
        examples=[111, "Jane Doe"],
        description="The person whose answers these are: an id, or their full name (or {name: "
        "...}).",
    )
    responses: list[ResponseDecl] = Field(
        description="Answers to this person's scheduling requests (a schedule cannot be created, "
        "only answered)."
    )
