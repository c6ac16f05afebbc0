"""The readable forms of Planning Center references in files (contract §2.2): a service type, team
or person by name, a plan by date or title. Parsing only; resolution against live lists is
resolver.py's.

A reference by id stays the plain int; a readable one is a :class:`Ref` (``name``, ``date`` or
``title``). YAML reads an unquoted ``2026-12-13`` as a date, so a plan accepts a date object as well
as the string.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

from provisioner.files.fields import MAX_NAME, Ref, int_id, text

_DAY = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*$")


def _is_id(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and value.strip().isdigit()
    )


def parse_named(noun: str) -> BeforeValidator:
    """An id, a name (a string that is not all digits) or ``{name: ...}``."""

    def parse(value: Any) -> int | Ref:
        if isinstance(value, Ref):
            return value
        if _is_id(value):
            return int_id(value)
        if isinstance(value, dict) and list(value) == ["name"]:
            return Ref("name", _name(noun, value["name"]))
        if isinstance(value, str):
            return Ref("name", _name(noun, value))
        raise ValueError(f"{noun} must be an id, a name or {{name: ...}}, got {value!r}")

    return BeforeValidator(parse)


def _name(noun: str, value: Any) -> str:
    if _is_id(value) and not isinstance(value, str):
        raise ValueError(f"a {noun} name is text, got {value!r}")
    # Whitespace inside a name is folded when compared; text() refuses control characters and
    # padding.
    return text(value)


def parse_day(value: Any) -> str:
    """``2026-12-13`` (a YAML date or a string) as ISO text; a time of day is refused (a plan is a
    day)."""
    if isinstance(value, datetime):
        raise ValueError(f"a plan date is a day such as 2026-12-13, not a time ({value})")
    if isinstance(value, date):
        return value.isoformat()
    match = _DAY.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"a plan date is written 2026-12-13, got {value!r}")
    try:
        return date.fromisoformat(match[1]).isoformat()
    except ValueError as e:
        raise ValueError(f"{match[1]!r} is not a day of the calendar") from e


def parse_plan(titles: bool) -> BeforeValidator:
    """A plan: an id, a date (2026-12-13), ``{date: ...}``, and in rosters ``{title: ...}``."""
    forms = "an id, a date (2026-12-13), {date: ...}" + (" or {title: ...}" if titles else "")

    def parse(value: Any) -> int | Ref:
        if isinstance(value, Ref):
            return value
        if _is_id(value):
            return int_id(value)
        if isinstance(value, dict) and list(value) == ["date"]:
            return Ref("date", parse_day(value["date"]))
        if titles and isinstance(value, dict) and list(value) == ["title"]:
            return Ref("title", text(value["title"]))
        if isinstance(value, date) or (isinstance(value, str) and _DAY.match(value)):
            return Ref("date", parse_day(value))
        raise ValueError(f"a plan is {forms}, got {value!r}")

    return BeforeValidator(parse)


def shown(ref: int | Ref) -> str:
    """A reference as the file wrote it, for messages: ``5678``, ``2026-12-13``, ``'Jane Doe'``,
    ``title 'Advent 2'``."""
    if not isinstance(ref, Ref):
        return str(ref)
    if ref.kind == "date":
        return str(ref.value)
    if ref.kind == "title":
        return f"title {ref.value!r}"
    return repr(ref.value)


# -- JSON Schema (editors): mirrors what the parsers accept
# -------------------------------------------------

_ID: list[dict[str, Any]] = [
    {"type": "integer", "minimum": 1, "description": "{noun} id"},
    {"type": "string", "pattern": r"^\s*\d+\s*$", "description": "{noun} id as a string of digits"},
]
_TEXT: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": MAX_NAME, "pattern": r"\S"}
_DATE: dict[str, Any] = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "format": "date"}


def _ids(noun: str) -> list[dict[str, Any]]:
    return [{**o, "description": str(o["description"]).format(noun=noun)} for o in _ID]


def _keyed(key: str, value: dict[str, Any], what: str, example: str) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [key],
        "properties": {key: {**value, "description": what, "examples": [example]}},
        "description": what,
    }


def named_schema(noun: str, what: str, example: str) -> WithJsonSchema:
    """The JSON Schema of a reference by id or by name (text or ``{name: ...}``)."""
    return WithJsonSchema(
        {
            "anyOf": [
                *_ids(noun),
                {**_TEXT, "description": what, "examples": [example]},
                _keyed("name", _TEXT, what, example),
            ]
        }
    )


def plan_schema(titles: bool) -> WithJsonSchema:
    """The JSON Schema of a plan reference: an id, a day, or (with ``titles``) ``{title: ...}``."""
    day = (
        "the plan whose sort_date falls on this day in the organization's time zone "
        "(one plan of the service type must)"
    )
    options = [
        *_ids("plan"),
        {**_DATE, "description": day, "examples": ["2026-12-13"]},
        _keyed("date", _DATE, day, "2026-12-13"),
    ]
    if titles:
        options.append(_keyed("title", _TEXT, "the plan's exact title", "Advent 2"))
    return WithJsonSchema({"anyOf": options})


ServiceTypeRef = Annotated[
    int | Ref,
    parse_named("service type"),
    named_schema(
        "service type", "the service type's exact name (NFC, spaces folded)", "Sunday Services"
    ),
]
TeamRef = Annotated[
    int | Ref,
    parse_named("team"),
    named_schema("team", "the name of a team of the file's service type", "Band"),
]
PersonRef = Annotated[
    int | Ref,
    parse_named("person"),
    named_schema(
        "person",
        "a Services person's full name (case-sensitive; accents as written, spaces folded)",
        "Jane Doe",
    ),
]
RosterPlanRef = Annotated[int | Ref, parse_plan(titles=True), plan_schema(titles=True)]
ResponsePlanRef = Annotated[int | Ref, parse_plan(titles=False), plan_schema(titles=False)]
