"""Guidebook object shapes and DRF-style validation (field -> list of messages)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ..web import Request
from .store import GuidebookStore

REQUIRED = "This field is required."
EMPTY = "This list may not be empty."
NOT_UPDATABLE = "This field cannot be updated."
BAD_DATETIME = (
    "Datetime has wrong format. Use one of these formats instead: "
    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)
SESSION_EXTRA_DEFAULTS: dict[str, Any] = {
    "allow_rating": True,
    "add_to_schedule": True,
    "locations": [],
    "schedule_tracks": [],
    "image": None,
    "rank": 0.0,
    "waitlist": False,
    "require_login": False,
    "max_capacity": None,
    "registration_start_date": None,
    "registration_end_date": None,
}
GUIDE_UPDATABLE = {
    "name",
    "start_date",
    "end_date",
    "attendees_estimate",
    "description_html",
    "timezone",
    "privacy",
    "short_name",
}
ATTENDEE_UPDATABLE = {"revoked", "email_opt_out", "import_id"}


class GbError(Exception):
    """A DRF-style error answer; raising it inside a handler also rolls the transaction back."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status, self.body = status, body


def detail(status: int, message: str) -> GbError:
    return GbError(status, {"detail": message})


# ---- query parameters --------------------------------------------------------------------------


def parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    return {"true": True, "1": True, "false": False, "0": False}.get(text)


def int_param(name: str, value: str | None) -> int:
    if value is None or not value.strip().lstrip("-").isdigit():
        raise GbError(400, {name: ["Enter a number."]})
    return int(value)


def int_filters(req: Request, mapping: dict[str, str]) -> tuple[list[str], list[Any]]:
    """SQL conditions and parameters for the whole-number query filters ``mapping`` names (query key
    -> column); a value that is not a whole number is DRF's 400."""
    where: list[str] = []
    params: list[Any] = []
    for key, col in mapping.items():
        if req.q(key) is not None:
            where.append(f"{col} = ?")
            params.append(int_param(key, req.q(key)))
    return where, params


def ordering(req: Request, allowed: set[str]) -> str:
    """DRF OrderingFilter: `?ordering=-start_time,id`; unknown fields are ignored; id breaks
    ties."""
    parts = []
    for item in (req.q("ordering") or "").split(","):
        name = item.strip().lstrip("-")
        if name in allowed:
            parts.append(f"{name} {'DESC' if item.strip().startswith('-') else 'ASC'}")
    return ", ".join([*parts, "id"])


# ---- shapes ------------------------------------------------------------------------------------


def guide_json(row: dict[str, Any]) -> dict[str, Any]:
    """A guide row as the API shows it."""
    return {
        "id": row["id"],
        "created_at": row["created_at"],
        "owner": row["owner"],
        "name": row["name"],
        "start_date": row["start_date"],
        "end_date": row["end_date"],
        "attendees_estimate": row["attendees_estimate"],
        "description_html": row["description_html"] or "",
        "timezone": row["timezone"],
        "home_screen_menuitem": None,
        "privacy": row["privacy"],
        "redeem_code": "",
        "short_name": row["short_name"],
        "category": [],
    }


def session_json(row: dict[str, Any]) -> dict[str, Any]:
    """A session row as the API shows it."""
    out = {
        "id": row["id"],
        "created_at": row["created_at"],
        "start_time": row["start_time"],
        "end_time": row["end_time"],
        "all_day": bool(row["all_day"]),
        "name": row["name"],
        "description_html": row["description_html"] or "",
        "import_id": row["import_id"],
        "guide": row["guide"],
    }
    out.update(SESSION_EXTRA_DEFAULTS)
    out.update(json.loads(row["extra"] or "{}"))
    return out


def attendee_json(row: dict[str, Any]) -> dict[str, Any]:
    """An attendee row as the API shows it."""
    first, last = row["first_name"] or "", row["last_name"] or ""
    return {
        "id": row["id"],
        "guide_id": row["guide"],
        "import_id": row["import_id"],
        "account_id": row["account_id"],
        "first_name": first,
        "last_name": last,
        "email": row["email"],
        "avatar": None,
        "cover": None,
        "app_profile": {"website": "", "position": "", "company": "", "contact_email": ""},
        "revoked": bool(row["revoked"]),
        "email_opt_out": bool(row["email_opt_out"]),
        "status": row["status"],
        "last_email_send": None,
        "qr_badge": f"f={first}&l={last}",
        "created_at": row["created_at"],
    }


def schedule_json(row: dict[str, Any], attendees: list[int], sessions: list[int]) -> dict[str, Any]:
    """A personalized schedule row, with its attendee and session ids, as the API shows it."""
    return {
        "id": row["id"],
        "guide": row["guide"],
        "name": row["name"],
        "attendees": attendees,
        "sessions": sessions,
        "created_at": row["created_at"],
    }


# ---- field validation --------------------------------------------------------------------------


def _pk(value: Any) -> int | None:
    """A primary key from JSON (int) or form encoding (string of digits); None when malformed."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _guide(store: GuidebookStore, data: dict[str, Any], errors: dict[str, list[str]]) -> int | None:
    if "guide" not in data:
        errors["guide"] = [REQUIRED]
        return None
    guide = _pk(data["guide"])
    if guide is None:
        errors["guide"] = [
            f"Incorrect type. Expected pk value, received {type(data['guide']).__name__}."
        ]
    elif store.guide(guide) is None:
        errors["guide"] = [f'Invalid pk "{guide}" - object does not exist.']
        return None
    return guide


def _text(
    data: dict[str, Any], name: str, errors: dict[str, list[str]], required: bool
) -> str | None:
    if name not in data:
        if required:
            errors[name] = [REQUIRED]
        return None
    value = data[name]
    if value is None or not str(value).strip():
        errors[name] = [
            "This field may not be blank." if value is not None else "This field may not be null."
        ]
        return None
    return str(value)


def _datetime(value: Any) -> str:
    try:
        parsed = datetime.fromisoformat(str(value).strip().replace(" ", "T"))
    except ValueError:
        raise GbError(400, {}) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")


def _id_list(
    store: GuidebookStore,
    table: str,
    guide: int | None,
    data: dict[str, Any],
    name: str,
    errors: dict[str, list[str]],
) -> list[int] | None:
    """A list of pks that must exist in `guide`; form encoding sends one value as a bare string."""
    value = data[name]
    if isinstance(value, str):
        value = [value] if value.strip() else []
    if not isinstance(value, list):
        errors[name] = [f'Expected a list of items but got type "{type(value).__name__}".']
        return None
    ids: list[int] = []
    for item in value:
        pk = _pk(item)
        if pk is None:
            errors[name] = [f"Incorrect type. Expected pk value, received {type(item).__name__}."]
            return None
        ids.append(pk)
    if guide is not None and ids:
        marks = ",".join("?" * len(ids))
        found = {
            r["id"]
            for r in store.rows(
                f"SELECT id FROM {table} WHERE guide = ? AND id IN ({marks})", [guide, *ids]
            )
        }
        missing = [i for i in ids if i not in found]
        if missing:  # another guide's id is as unknown as a made-up one
            errors[name] = [f'Invalid pk "{missing[0]}" - object does not exist.']
            return None
    return sorted(set(ids))


def validate_new_schedule(
    store: GuidebookStore, data: dict[str, Any], refuse_empty: bool = False
) -> tuple[int, str, list[int], list[int]]:
    """All four fields are required; `refuse_empty` is the reading where [] is refused
    (allow_empty=False)."""
    errors: dict[str, list[str]] = {}
    guide = _guide(store, data, errors)
    name = _text(data, "name", errors, required=True)
    lists: dict[str, list[int] | None] = {}
    for field, table in (("attendees", "gb_attendees"), ("sessions", "gb_sessions")):
        if field not in data:
            errors[field] = [REQUIRED]
        else:
            lists[field] = _id_list(store, table, guide, data, field, errors)
            if refuse_empty and lists[field] == []:
                errors[field] = [EMPTY]
    if errors:
        raise GbError(400, errors)
    assert guide is not None and name is not None
    return guide, name, lists["attendees"] or [], lists["sessions"] or []


def validate_schedule_patch(
    store: GuidebookStore, guide: int, data: dict[str, Any], refuse_empty: bool = False
) -> tuple[list[int] | None, ...]:
    """Only `attendees` and `sessions` may change; each given list replaces (or, merged, joins) the
    old one."""
    errors: dict[str, list[str]] = {
        k: [NOT_UPDATABLE] for k in data if k not in ("attendees", "sessions")
    }
    result: list[list[int] | None] = [None, None]
    for index, (field, table) in enumerate(
        (("attendees", "gb_attendees"), ("sessions", "gb_sessions"))
    ):
        if field in data:
            result[index] = _id_list(store, table, guide, data, field, errors)
            if refuse_empty and result[index] == []:
                errors[field] = [EMPTY]
    if errors:
        raise GbError(400, errors)
    return tuple(result)


def validate_session(
    store: GuidebookStore,
    data: dict[str, Any],
    creating: bool,
    current: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Columns to write for a session POST (all required fields) or PATCH (partial)."""
    errors: dict[str, list[str]] = {}
    cols: dict[str, Any] = {}
    if creating:
        cols["guide"] = _guide(store, data, errors)
    name = _text(data, "name", errors, required=creating)
    if name is not None:
        cols["name"] = name
    for field in ("start_time", "end_time"):
        if field not in data:
            if creating and field == "start_time":
                errors[field] = [REQUIRED]
            continue
        if data[field] in (None, "") and field == "end_time":  # blank end = all-day session
            cols[field] = None
            continue
        try:
            cols[field] = _datetime(data[field])
        except GbError:
            errors[field] = [BAD_DATETIME]
    for field in ("import_id", "description_html"):
        if field in data:
            cols[field] = None if data[field] is None else str(data[field])
    if "all_day" in data:
        cols["all_day"] = int(bool(parse_bool(data["all_day"])))
    extras = {k: v for k, v in data.items() if k in SESSION_EXTRA_DEFAULTS}
    if extras:
        merged = json.loads((current or {}).get("extra") or "{}")
        merged.update(extras)
        cols["extra"] = json.dumps(merged)
    if errors:
        raise GbError(400, errors)
    return cols


def validate_attendee(store: GuidebookStore, data: dict[str, Any]) -> dict[str, Any]:
    """The columns of a new attendee from a POST body (guide, a valid e-mail, optional names and
    import_id); GbError 400 with DRF's field messages otherwise."""
    errors: dict[str, list[str]] = {}
    guide = _guide(store, data, errors)
    email = _text(data, "email", errors, required=True)
    if email is not None and ("@" not in email or email.strip() != email or " " in email):
        errors["email"] = ["Enter a valid email address."]
    if errors:
        raise GbError(400, errors)
    cols: dict[str, Any] = {"guide": guide, "email": email}
    for field in ("import_id", "first_name", "last_name"):
        if field in data:
            cols[field] = None if data[field] is None else str(data[field])
    for field in ("revoked", "email_opt_out"):
        if field in data:
            cols[field] = int(bool(parse_bool(data[field])))
    return cols


def attendee_changes(data: dict[str, Any]) -> dict[str, Any]:
    """Only revoked, email_opt_out and import_id can be updated (documented)."""
    errors = {k: [NOT_UPDATABLE] for k in data if k not in ATTENDEE_UPDATABLE}
    if errors:
        raise GbError(400, errors)
    changes: dict[str, Any] = {}
    for field in ("revoked", "email_opt_out"):
        if field in data:
            flag = parse_bool(data[field])
            if flag is None:
                raise GbError(400, {field: ["Must be a valid boolean."]})
            changes[field] = int(flag)
    if "import_id" in data:
        changes["import_id"] = None if data["import_id"] is None else str(data["import_id"])
    return changes


def guide_changes(data: dict[str, Any]) -> dict[str, Any]:
    """PATCH of a guide is partial; read-only and unknown fields are ignored, as DRF does."""
    return {k: v for k, v in data.items() if k in GUIDE_UPDATABLE}
