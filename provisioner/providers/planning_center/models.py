"""Pydantic models of Planning Center files: rosters (DESIGN.md section 2.2) and responses (section 2.3)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from provisioner.model import IntId, Safety, Strict, Text

# One table for the status letters: a roster reads them as confirmed/unconfirmed/declined; the Schedule resource
# (a person's answer) reads the same letters as accepted/pending/declined.
ROSTER_WORDS = {"C": "confirmed", "U": "unconfirmed", "D": "declined"}
RESPONSE_WORDS = {"C": "accepted", "U": "pending", "D": "declined"}
_STATUS = {**{k.lower(): k for k in ROSTER_WORDS}, **{w: k for k, w in ROSTER_WORDS.items()}}


def parse_status(value: Any) -> str:
    if isinstance(value, str) and value.strip().lower() in _STATUS:
        return _STATUS[value.strip().lower()]
    raise ValueError(f"status must be C, U, D, confirmed, unconfirmed or declined, got {value!r}")


Status = Annotated[
    str, BeforeValidator(parse_status),
    # The enum is for completion; the pattern accepts what the parser does (any case, surrounding spaces).
    WithJsonSchema({"anyOf": [
        {"enum": ["C", "U", "D", "confirmed", "unconfirmed", "declined"]},
        {"type": "string", "pattern": r"^\s*([cC]|[uU]|[dD]|[cC][oO][nN][fF][iI][rR][mM][eE][dD]"
                                      r"|[uU][nN][cC][oO][nN][fF][iI][rR][mM][eE][dD]|[dD][eE][cC][lL][iI][nN][eE][dD])\s*$"},
    ]}),
]


class TeamMember(Strict):
    person: IntId = Field(examples=[111], description="Planning Center person id.")
    team: IntId = Field(examples=[22], description="Team id; with the person, the member's identity on the plan.")
    position: Text | None = Field(
        None, examples=["Vocals"], description="The team position name (team_position_name); absent = not managed.")
    status: Status | None = Field(
        None, examples=["C"], description="C (confirmed), U (unconfirmed) or D (declined), or those words; "
                                          "absent = not managed.")
    notes: str | None = Field(
        None, examples=["Bring in-ears"], description="Notes for this person on this plan; absent = not managed.")


class Roster(Strict):
    plan: IntId = Field(examples=[5678], description="Plan id (of the file's service type).")
    prune: bool = Field(True, description="Remove team members of this plan that no file declares (default true).")
    team_members: list[TeamMember] = Field(
        default_factory=list, description="Who serves on this plan; identity is (person, team, position).")


class RostersFile(Strict):
    provider: Literal["planning_center"] = Field(description="This file holds Planning Center Services data.")
    service_type: IntId = Field(examples=[1234], description="Service type id the plans belong to.")
    safety: Safety = Field(default_factory=Safety, description="Override of the mass-delete guard for this file.")
    rosters: list[Roster] = Field(description="The managed plans, one entry per plan.")


class ResponseDecl(Strict):
    plan: IntId = Field(examples=[5678], description="Plan id.")
    team: IntId | None = Field(
        None, examples=[22], description="Team id; optional when the person has one schedule on that plan.")
    response: Literal["accepted", "declined"] = Field(description="The answer to the scheduling request.")
    reason: str | None = Field(
        None, examples=["Out of town"], description="Sent with a decline; the scheduler sees it.")

    @model_validator(mode="after")
    def _reason_only_with_decline(self) -> ResponseDecl:
        # An accept carries no reason in the API: a reason here would be silently dropped.
        if self.reason is not None and self.response != "declined":
            raise ValueError("`reason` is sent only with `response: declined`; remove it or decline")
        return self


class ResponsesFile(Strict):
    provider: Literal["planning_center"] = Field(description="This file holds Planning Center Services data.")
    person: IntId = Field(examples=[111], description="Planning Center person id whose answers these are.")
    responses: list[ResponseDecl] = Field(
        description="Answers to this person's scheduling requests (a schedule cannot be created, only answered).")
