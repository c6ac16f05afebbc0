"""Pydantic models of Guidebook files (docs/api-notes.md, contract §2.1)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from provisioner.files.fields import (
    REF_LIST,
    Account,
    IntId,
    Ref,
    Safety,
    Strict,
    Text,
    ref_parser,
    ref_schema,
)

_REF_HELP = {
    "email": "the attendee's email address (case-insensitive), unique within the guide",
    "import_id": "the {noun}'s import_id (your CRM or agenda tool's id), unique within the guide",
    "name": "the session's exact name; must match exactly one session of the guide",
}
_REF_EXAMPLES = {"email": "alice@example.com", "import_id": "crm-1001", "name": "Opening Keynote"}


ATTENDEE_KINDS = ("email", "import_id")
SESSION_KINDS = ("import_id", "name")
AttendeeRef = Annotated[
    int | Ref,
    ref_parser("attendee", ATTENDEE_KINDS),
    ref_schema("attendee", ATTENDEE_KINDS, _REF_HELP, _REF_EXAMPLES),
]
SessionRef = Annotated[
    int | Ref,
    ref_parser("session", SESSION_KINDS),
    ref_schema("session", SESSION_KINDS, _REF_HELP, _REF_EXAMPLES),
]


class GuidebookSchedule(Strict):
    name: Text = Field(
        examples=["Sales Team"],
        description="The schedule's identity within the guide. The API cannot rename: a new name "
        "is a new schedule.",
    )
    # Left out = not managed (its live value is kept), as in Planning Center files; a create needs
    # both.
    attendees: Annotated[list[AttendeeRef], REF_LIST] | SkipJsonSchema[None] = Field(
        None,
        examples=[[6, {"email": "alice@example.com"}, {"import_id": "crm-1001"}]],
        description="Who gets this schedule: a set of attendee ids, {email: ...} or {import_id: "
        "...}; "
        "order and duplicates do not matter. Left out: not managed (creating a schedule needs it; "
        "[] for nobody).",
    )
    sessions: Annotated[list[SessionRef], REF_LIST] | SkipJsonSchema[None] = Field(
        None,
        examples=[[13, {"import_id": "sess-keynote"}, {"name": "Opening Keynote"}]],
        description="The sessions on it: a set of session ids, {import_id: ...} or {name: ...}. "
        "Left out: not "
        "managed (creating a schedule needs it; [] for none).",
    )


class GuidebookFile(Strict):
    provider: Literal["guidebook"] = Field(
        description="This file holds Guidebook personalized schedules."
    )
    guide: IntId = Field(
        examples=[47], description="Guidebook guide id: the scope this file manages."
    )
    account: Account | None = Field(
        None, description="The service account (default: the plain variables)."
    )
    prune: bool = Field(
        True,
        description="Delete live schedules of this guide that no file declares (default true).",
    )
    ignore: list[Text] = Field(
        default_factory=list,
        examples=[["Manual *"]],
        description="fnmatch patterns: live schedules whose name matches are never touched.",
    )
    protect: list[Text] = Field(
        default_factory=list,
        examples=[["VIP*"]],
        description="fnmatch patterns: matching live schedules are never deleted without --force.",
    )
    publish: Literal["none", "guide", "attendees"] = Field(
        "none",
        description="After a successful apply, publish personalized schedules: none, the whole "
        "guide, "
        "or only the attendees whose schedule changed (Premium guides).",
    )
    safety: Safety = Field(
        default_factory=Safety, description="Override of the mass-delete guard for this file."
    )
    schedules: list[GuidebookSchedule] = Field(
        default_factory=list,
        description="The guide's personalized schedules; names are unique across files.",
    )
