"""Pydantic models of the YAML files (DESIGN.md section 2). Unknown keys are errors everywhere."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_NAME = 255


def _int_id(value: Any) -> int:
    # bool is an int subclass; `true` as an id is always a mistake.
    if isinstance(value, bool):
        raise ValueError("an id must be a whole number, not true/false")
    if isinstance(value, int):
        if value < 1:
            raise ValueError(f"an id must be a positive whole number, got {value}")
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return _int_id(int(value.strip()))
    raise ValueError(f"an id must be a whole number or a string of digits, got {value!r}")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {type(value).__name__} {value!r}")
    if _CONTROL.search(value):
        raise ValueError(f"control characters are not allowed in {value!r}")
    if not value.strip():
        raise ValueError("must not be empty")
    if len(value) > MAX_NAME:
        raise ValueError(f"longer than {MAX_NAME} characters")
    return value


IntId = Annotated[
    int,
    BeforeValidator(_int_id),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": r"^\s*\d+\s*$"}],
                    "description": "A numeric id, as an integer or a string of digits."}),
]
Text = Annotated[str, BeforeValidator(_text), WithJsonSchema({"type": "string", "minLength": 1, "maxLength": MAX_NAME})]


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


def _ref_schema(noun: str, kinds: tuple[str, ...]) -> WithJsonSchema:
    options: list[dict[str, Any]] = [{"type": "integer", "minimum": 1, "description": f"{noun} id"}]
    options += [{"type": "object", "additionalProperties": False, "required": [k],
                 "properties": {k: {"type": "string", "minLength": 1}}} for k in kinds]
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
    WithJsonSchema({"enum": ["C", "U", "D", "confirmed", "unconfirmed", "declined"]}),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Safety(Strict):
    """Per-file override of the mass-delete guard."""

    max_delete_percent: float = Field(30.0, ge=0, le=100, description="Refuse deleting more than this share.")
    min_existing: int = Field(10, ge=0, description="Apply the percentage only from this many live objects.")


class GuidebookSchedule(Strict):
    name: Text = Field(description="Identity within the guide; the API cannot rename.")
    attendees: list[AttendeeRef] = Field(default_factory=list, description="A set of attendees.")
    sessions: list[SessionRef] = Field(default_factory=list, description="A set of sessions.")


class GuidebookFile(Strict):
    provider: Literal["guidebook"]
    guide: IntId
    prune: bool = True
    ignore: list[Text] = Field(default_factory=list, description="fnmatch patterns of schedules never touched.")
    protect: list[Text] = Field(default_factory=list, description="Patterns never deleted without --force.")
    publish: Literal["none", "guide", "attendees"] = "none"
    safety: Safety = Field(default_factory=Safety)
    schedules: list[GuidebookSchedule] = Field(default_factory=list)


class TeamMember(Strict):
    person: IntId
    team: IntId
    position: Text | None = Field(None, description="team_position_name; absent = not managed.")
    status: Status | None = Field(None, description="C/U/D; absent = not managed.")
    notes: str | None = Field(None, description="Absent = not managed.")


class Roster(Strict):
    plan: IntId
    prune: bool = True
    team_members: list[TeamMember] = Field(default_factory=list)


class RostersFile(Strict):
    provider: Literal["planning_center"]
    service_type: IntId
    safety: Safety = Field(default_factory=Safety)
    rosters: list[Roster]


class ResponseDecl(Strict):
    plan: IntId
    team: IntId | None = None
    response: Literal["accepted", "declined"]
    reason: str | None = Field(None, description="Sent with a decline.")


class ResponsesFile(Strict):
    provider: Literal["planning_center"]
    person: IntId
    responses: list[ResponseDecl]


Document = GuidebookFile | RostersFile | ResponsesFile


def model_for(data: dict[str, Any]) -> type[Strict]:
    """Pick the model from the keys, so errors talk about the right file kind."""
    if data.get("provider") == "guidebook":
        return GuidebookFile
    if "responses" in data or "person" in data:
        return ResponsesFile
    return RostersFile
