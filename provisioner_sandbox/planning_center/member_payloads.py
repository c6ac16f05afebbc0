"""The write side of the PlanPerson endpoints (members.py): who may write (pco.member_writes), which
create body is accepted (pco.member_create) and how a JSON:API payload becomes column values, every
problem in Planning Center's own error shape."""

from __future__ import annotations

from typing import Any

from ..readings import Readings
from ..web import Request
from .common import PcoError, forbidden_attribute, validation_error
from .readings import MEMBER_CREATE, MEMBER_WRITES
from .store import PlanningCenterStore

ASSIGNABLE = {
    "person_id",
    "team_id",
    "status",
    "decline_reason",
    "notes",
    "team_position_name",
    "responds_to_id",
    "prepare_notification",
    "notification_prepared_at",
}
REFERENCES = ("person_id", "team_id")  # the attributes pco.member_create=relationships refuses
STATUSES = {"C": "C", "U": "U", "D": "D", "CONFIRMED": "C", "UNCONFIRMED": "U", "DECLINED": "D"}


def rel_id(rels: Any, name: str) -> Any:
    """The id in ``relationships.<name>.data.id``, or None."""
    rel = rels.get(name) if isinstance(rels, dict) else None
    data = rel.get("data") if isinstance(rel, dict) else None
    return data.get("id") if isinstance(data, dict) else None


class MemberPayloads:
    """Checks of a PlanPerson write against the store and the current readings."""

    def __init__(self, store: PlanningCenterStore, readings: Readings) -> None:
        self.store, self.readings = store, readings

    def scheduler(self) -> None:
        """pco.member_writes=forbidden: the credentials are not a scheduler's (a volunteer's own
        token)."""
        if self.readings.get(MEMBER_WRITES.name) == "forbidden":
            raise PcoError(
                403,
                [
                    {
                        "status": "403",
                        "title": "Forbidden",
                        "detail": "You do not have permission to schedule people on this team",
                    }
                ],
            )

    def payload(self, req: Request) -> tuple[dict[str, Any], dict[str, Any]]:
        """(attributes, relationships) of a write's JSON:API body; PcoError 403/400/422 as the API
        answers a non-scheduler, a body without ``data``, a malformed one or an attribute it does
        not assign."""
        self.scheduler()
        body = req.body
        if req.body_error is not None or not isinstance(body, dict) or "data" not in body:
            raise PcoError(
                400,
                [
                    {
                        "status": "400",
                        "title": "Bad Request",
                        "code": "invalid_resource_payload",
                        "detail": "The payload given does not contain a 'data' key.",
                    }
                ],
            )
        data = body["data"]
        attrs = data.get("attributes") if isinstance(data, dict) else None
        if not isinstance(data, dict) or not isinstance(attrs if attrs is not None else {}, dict):
            raise PcoError(
                422,
                [
                    {
                        "status": "422",
                        "title": "Invalid Payload",
                        "code": "invalid_payload",
                        "detail": "The top level data object must be an array or hash.",
                    }
                ],
            )
        attrs = attrs or {}
        assignable = ASSIGNABLE
        if self.readings.get(MEMBER_CREATE.name) == "relationships":
            assignable = ASSIGNABLE - set(REFERENCES)
        forbidden = [forbidden_attribute(k) for k in attrs if k not in assignable]
        if forbidden:
            raise PcoError(422, forbidden)
        rels = data.get("relationships") or {}
        return attrs, rels if isinstance(rels, dict) else {}

    def references(self, attrs: dict[str, Any], rels: dict[str, Any]) -> tuple[Any, Any]:
        """(person, team) as the current reading of the create body finds them."""
        form = self.readings.get(MEMBER_CREATE.name)
        if form == "attributes":  # relationships are not looked at [G ISSUE#1251]
            return attrs.get("person_id"), attrs.get("team_id")
        if form == "relationships":
            return rel_id(rels, "person"), rel_id(rels, "team")
        if (
            form == "team-lost"
        ):  # the team is read from neither form: the first available team [3P ISSUE#659]
            return rel_id(rels, "person") or attrs.get("person_id"), None
        return rel_id(rels, "person") or attrs.get("person_id"), rel_id(rels, "team") or attrs.get(
            "team_id"
        )

    def columns(
        self, attrs: dict[str, Any], rels: dict[str, Any], st: int, creating: bool
    ) -> dict[str, Any]:
        """Validate a PlanPerson payload into column values; every problem becomes one 422 error."""
        errors: list[dict[str, Any]] = []
        cols: dict[str, Any] = {}
        person, team = self.references(attrs, rels)
        if person is not None or creating:
            if not str(person or "").isdigit() or not self.store.rows(
                "SELECT id FROM pco_people WHERE id = ?", (int(str(person)),)
            ):
                errors.append(
                    validation_error(
                        "person_id", "can't be blank" if person is None else "must exist"
                    )
                )
            else:
                cols["person"] = int(str(person))
        if (
            team is None and creating
        ):  # the real API falls back to the first available team [3P ISSUE#659]
            first = self.store.rows(
                "SELECT id FROM pco_teams WHERE service_type = ? ORDER BY id LIMIT 1", (st,)
            )
            if not first:
                raise PcoError(
                    400, [{"status": "400", "title": "Bad Request", "detail": "No teams available"}]
                )
            team = first[0]["id"]
        if team is not None:
            if not str(team).isdigit() or not self.store.rows(
                "SELECT id FROM pco_teams WHERE id = ? AND service_type = ?", (int(str(team)), st)
            ):
                errors.append(validation_error("team_id", "invalid for plan"))
            else:
                cols["team"] = int(str(team))
        if "status" in attrs:
            status = STATUSES.get(str(attrs["status"]).strip().upper())
            if status is None:
                errors.append(validation_error("status", "is not included in the list"))
            cols["status"] = status
        for key in ("notes", "decline_reason", "team_position_name"):
            if key in attrs:
                cols[key] = None if attrs[key] is None else str(attrs[key])
        if "prepare_notification" in attrs:
            cols["prepare_notification"] = int(bool(attrs["prepare_notification"]))
        if errors:
            raise PcoError(422, errors)
        return cols
