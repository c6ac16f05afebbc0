"""Pydantic models of the YAML files (DESIGN.md section 2). Unknown keys are errors everywhere."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

# Control characters (tabs and newlines included) and bidirectional overrides: in review output they hide or
# rewrite what a name says.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
MAX_ID = 2**63 - 1
MAX_NAME = 255


def _int_id(value: Any) -> int:
    # bool is an int subclass; `true` as an id is always a mistake.
    if isinstance(value, bool):
        raise ValueError("an id must be a whole number, not true/false")
    if isinstance(value, int):
        if not 1 <= value <= MAX_ID:
            raise ValueError(f"an id must be a whole number from 1 to {MAX_ID}, got {value}")
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return _int_id(int(value.strip()))
    raise ValueError(f"an id must be a whole number or a string of digits, got {value!r}")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {type(value).__name__} {value!r}")
    if _CONTROL.search(value):
        raise ValueError(f"control characters (tabs, newlines, direction overrides) are not allowed in {value!r}")
    if not value.strip():
        raise ValueError("must not be empty")
    if value != value.strip():
        # The services trim names (Django REST Framework's CharField does by default [G]): a padded name would
        # never match live and every plan would try again.
        raise ValueError(f"{value!r} has leading or trailing spaces; remove them")
    if len(value) > MAX_NAME:
        raise ValueError(f"longer than {MAX_NAME} characters")
    return value


IntId = Annotated[
    int,
    BeforeValidator(_int_id),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": r"^\s*\d+\s*$"}],
                    "description": "A numeric id, as an integer or a string of digits."}),
]
Text = Annotated[str, BeforeValidator(_text),
                 WithJsonSchema({"type": "string", "minLength": 1, "maxLength": MAX_NAME, "pattern": r"\S"})]


@dataclass(frozen=True)
class Ref:
    """A reference to a live object: by id, or by a unique attribute resolved at plan time."""

    kind: str  # "id" or the attribute name: email, import_id, name
    value: int | str

    def __str__(self) -> str:
        return str(self.value) if self.kind == "id" else f"{self.kind}={self.value}"


def _ref_parser(noun: str, kinds: tuple[str, ...]) -> BeforeValidator:
    expected = ", ".join(f"{{{k}: ...}}" for k in kinds)

    def parse(value: Any) -> Ref:
        if isinstance(value, Ref):
            return value
        if isinstance(value, dict):
            if len(value) != 1 or next(iter(value)) not in kinds:
                raise ValueError(f"{noun} reference must be an id or one of {expected}, got {dict(value)!r}")
            kind, inner = next(iter(value.items()))
            return Ref(kind, _text(inner) if not isinstance(inner, int) or kind != "import_id" else str(inner))
        try:
            return Ref("id", _int_id(value))
        except ValueError:
            raise ValueError(f"{noun} reference must be an id or one of {expected}, got {value!r}") from None

    return BeforeValidator(parse)


_REF_HELP = {"email": "the attendee's email address (case-insensitive), unique within the guide",
             "import_id": "the {noun}'s import_id (your CRM or agenda tool's id), unique within the guide",
             "name": "the session's exact name; must match exactly one session of the guide"}
_REF_EXAMPLES = {"email": "alice@example.com", "import_id": "crm-1001", "name": "Opening Keynote"}


def _ref_schema(noun: str, kinds: tuple[str, ...]) -> WithJsonSchema:
    # JSON Schema only (editors): mirrors what the parser accepts, including ids written as digit strings.
    options: list[dict[str, Any]] = [
        {"type": "integer", "minimum": 1, "description": f"{noun} id"},
        {"type": "string", "pattern": r"^\s*\d+\s*$", "description": f"{noun} id as a string of digits"}]
    for k in kinds:
        value: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": MAX_NAME, "pattern": r"\S",
                                 "description": _REF_HELP[k].format(noun=noun), "examples": [_REF_EXAMPLES[k]]}
        if k == "import_id":
            value = {"anyOf": [value, {"type": "integer"}], "description": value["description"]}
        options.append({"type": "object", "additionalProperties": False, "required": [k], "properties": {k: value},
                        "description": f"{noun} by {k}"})
    return WithJsonSchema({"anyOf": options})


ATTENDEE_KINDS = ("email", "import_id")
SESSION_KINDS = ("import_id", "name")
AttendeeRef = Annotated[Ref, _ref_parser("attendee", ATTENDEE_KINDS), _ref_schema("attendee", ATTENDEE_KINDS)]
SessionRef = Annotated[Ref, _ref_parser("session", SESSION_KINDS), _ref_schema("session", SESSION_KINDS)]

_STATUS = {"c": "C", "u": "U", "d": "D", "confirmed": "C", "unconfirmed": "U", "declined": "D"}


def _status(value: Any) -> str:
    if isinstance(value, str) and value.strip().lower() in _STATUS:
        return _STATUS[value.strip().lower()]
    raise ValueError(f"status must be C, U, D, confirmed, unconfirmed or declined, got {value!r}")


Status = Annotated[
    str, BeforeValidator(_status),
    # The enum is for completion; the pattern accepts what the parser does (any case, surrounding spaces).
    WithJsonSchema({"anyOf": [
        {"enum": ["C", "U", "D", "confirmed", "unconfirmed", "declined"]},
        {"type": "string", "pattern": r"^\s*([cC]|[uU]|[dD]|[cC][oO][nN][fF][iI][rR][mM][eE][dD]"
                                      r"|[uU][nN][cC][oO][nN][fF][iI][rR][mM][eE][dD]|[dD][eE][cC][lL][iI][nN][eE][dD])\s*$"},
    ]}),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Safety(Strict):
    """Per-file override of the mass-delete guard."""

    max_delete_percent: float = Field(
        30.0, ge=0, le=100, examples=[30],
        description="apply refuses (without --force) to delete more than this percentage of a scope's live objects.")
    min_existing: int = Field(
        10, ge=0, examples=[10],
        description="The percentage applies only when the scope has at least this many live objects.")


class GuidebookSchedule(Strict):
    name: Text = Field(
        examples=["Sales Team"],
        description="The schedule's identity within the guide. The API cannot rename: a new name is a new schedule.")
    attendees: list[AttendeeRef] = Field(
        default_factory=list, examples=[[6, {"email": "alice@example.com"}, {"import_id": "crm-1001"}]],
        description="Who gets this schedule: a set of attendee ids, {email: ...} or {import_id: ...}; "
                    "order and duplicates do not matter.")
    sessions: list[SessionRef] = Field(
        default_factory=list, examples=[[13, {"import_id": "sess-keynote"}, {"name": "Opening Keynote"}]],
        description="The sessions on it: a set of session ids, {import_id: ...} or {name: ...}.")


class GuidebookFile(Strict):
    provider: Literal["guidebook"] = Field(description="This file holds Guidebook personalized schedules.")
    guide: IntId = Field(examples=[47], description="Guidebook guide id: the scope this file manages.")
    prune: bool = Field(True, description="Delete live schedules of this guide that no file declares (default true).")
    ignore: list[Text] = Field(
        default_factory=list, examples=[["Manual *"]],
        description="fnmatch patterns: live schedules whose name matches are never touched.")
    protect: list[Text] = Field(
        default_factory=list, examples=[["VIP*"]],
        description="fnmatch patterns: matching live schedules are never deleted without --force.")
    publish: Literal["none", "guide", "attendees"] = Field(
        "none", description="After a successful apply, publish personalized schedules: none, the whole guide, "
                            "or only the attendees whose schedule changed (Premium guides).")
    safety: Safety = Field(default_factory=Safety, description="Override of the mass-delete guard for this file.")
    schedules: list[GuidebookSchedule] = Field(
        default_factory=list, description="The guide's personalized schedules; names are unique across files.")


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
        default_factory=list, description="Who serves on this plan; identity is (person, team).")


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


Document = GuidebookFile | RostersFile | ResponsesFile


def model_for(data: dict[str, Any]) -> type[Strict]:
    """Pick the model from the keys, so errors talk about the right file kind."""
    if data.get("provider") == "guidebook":
        return GuidebookFile
    if "responses" in data or "person" in data:
        return ResponsesFile
    return RostersFile
