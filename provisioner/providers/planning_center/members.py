"""Writing team members (PlanPerson) where the API's documentation and its users disagree
(docs/api-notes.md):

- create: person and team go both as ``person_id`` / ``team_id`` attributes and as relationships; a
  422 refusing those attributes switches this run to relationships only. The created member's team
  is then checked: the API puts a member whose team it could not read on "the first available team"
  [3P], which is a failed create, so that member is removed again.
- PATCH / DELETE: on the documented ``people/{person}/plan_people/{id}``; a routing 404 (HTML) there
  switches this run to the plan's ``team_members/{id}`` path. A JSON:API 404 is the object missing,
  never a route.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from provisioner.core.errors import ApiError, BadRequestError, NotFoundError, ProvisionerError
from provisioner.core.records import Change
from provisioner.providers.base import Written, create_adopting
from provisioner.providers.planning_center.client import (
    is_route_404,
    member_create_body,
    person_member_path,
    plan_member_path,
    plan_person_body,
    refuses_reference_attributes,
    rel_id,
)
from provisioner.providers.writes import already_gone
from provisioner.transport.http import HttpClient, Response

log = logging.getLogger(__name__)
CREATE_TRIES = 3


class MemberWriter:
    """The create body and item path this run uses, learnt from the server's answers; safe across
    threads."""

    def __init__(self, client: HttpClient) -> None:
        self.client = client
        self.forms = "both"  # or "relationships" after a 422 refusing person_id / team_id
        self.item_route = "person"  # or "plan" after a routing 404 on the documented path
        self._lock = threading.Lock()

    # -- create
    # -------------------------------------------------------------------------------------------

    def create(self, change: Change, adopt: Callable[[], Any]) -> Written:
        """POST the team member the change declares (person and team from its identity), adopting
        the one the server made when an answer was lost (``adopt``)."""
        person, team = change.identity.get("person"), change.identity.get("team")
        if person is None or team is None:
            raise ProvisionerError(
                f"{change.scope}: cannot create {change.key!r}: the change names no person and "
                "team (a plan file from another tool?); make a new plan"
            )
        attrs = dict(change.after or {})
        created: list[Response] = []

        def post() -> Any:
            answer = self._post(change.target, attrs, str(person), str(team))
            created.append(answer)
            data = answer.data.get("data") if isinstance(answer.data, dict) else None
            return (
                str(data["id"]) if isinstance(data, dict) and data.get("id") is not None else None
            )

        written = create_adopting(
            post,
            adopt,
            retry=self.client.retry,
            timeout=self.client.timeout[1],
            tries=CREATE_TRIES,
            clock=self.client.clock,
        )
        if (
            created
        ):  # an adopted create was read back by (person, team): its team is right by construction
            self._check_team(change, created[-1], str(person), str(team))
        return written

    def _post(
        self, target: Mapping[str, Any], attrs: dict[str, Any], person: str, team: str
    ) -> Response:
        path = plan_member_path(target["service_type"], target["plan"])
        forms = self.forms
        try:
            return self.client.request(
                "POST", path, json=member_create_body(attrs, person=person, team=team, forms=forms)
            )
        except BadRequestError as e:
            if forms != "both" or e.status != 422 or not refuses_reference_attributes(e.body):
                raise
            with self._lock:
                if self.forms == "both":
                    log.warning(
                        "Planning Center refused person_id/team_id attributes (%s); creating team "
                        "members "
                        "with relationships only for the rest of the run",
                        e,
                    )
                    self.forms = "relationships"
        return self.client.request(
            "POST",
            path,
            json=member_create_body(attrs, person=person, team=team, forms="relationships"),
        )

    def _check_team(self, change: Change, answer: Response, person: str, team: str) -> None:
        data = answer.data.get("data") if isinstance(answer.data, dict) else None
        if not isinstance(data, dict):
            return  # no body to check (a 204): the check after apply reads the roster back
        got, rid = rel_id(data, "team"), data.get("id")
        if got is None or got == team or rid is None:
            return
        what = (
            f"{change.scope}: person {person} was created on team {got} instead of team {team}: "
            "the server did "
            "not take the team from the request (it puts such a member on the first available team)"
        )
        try:
            self.delete_member(change.target, person, str(rid))
        except ApiError as e:
            raise ApiError(
                f"{what}; removing that member failed too ({e}): the next plan removes it"
            ) from e
        raise ApiError(
            f"{what}; that member was removed again. Check the team id, and report the request "
            "with "
            "`provisioner apply --record DIR` (docs/api-notes.md)"
        )

    # -- update and delete
    # --------------------------------------------------------------------------------

    def update(self, change: Change, attrs: dict[str, Any], member: str | None = None) -> None:
        rid = member or str(change.live_id)
        self._item(
            "PATCH", change.target, _person(change), rid, json=plan_person_body(attrs, rid=rid)
        )

    def delete(self, change: Change) -> Written | None:
        """A JSON:API 404 from the member's own URL: already gone (a note); a route 404 on both
        paths fails."""
        try:
            self.delete_member(change.target, _person(change), str(change.live_id))
        except NotFoundError as e:
            return already_gone(e, route=is_route_404(e.body))
        return None

    def delete_member(self, target: Mapping[str, Any], person: str, member: str) -> None:
        self._item("DELETE", target, person, member)

    def patch_member(self, target: Mapping[str, Any], person: str, member: str, body: Any) -> None:
        """A PATCH of one member by its ids (``target``: service_type and plan), on this run's
        path."""
        self._item("PATCH", target, person, member, json=body)

    def _item(
        self, method: str, target: Mapping[str, Any], person: str, member: str, json: Any = None
    ) -> None:
        """One request on the item path this run uses; a routing 404 on the documented path moves to
        the other."""
        route = self.item_route
        try:
            self.client.request(method, self._path(route, target, person, member), json=json)
            return
        except NotFoundError as e:
            if route != "person" or not is_route_404(e.body):
                raise  # a JSON:API 404: the member is not there (DELETE callers count that as done)
            with self._lock:
                if self.item_route == "person":
                    log.warning(
                        "Planning Center does not route %s people/{person}/plan_people/{id} (HTML "
                        "404); "
                        "using plans/{plan}/team_members/{id} for the rest of the run",
                        method,
                    )
                    self.item_route = "plan"
        self.client.request(method, self._path("plan", target, person, member), json=json)

    @staticmethod
    def _path(route: str, target: Mapping[str, Any], person: str, member: str) -> str:
        if route == "person":
            return person_member_path(person, member)
        return plan_member_path(target["service_type"], target["plan"], member)


def _person(change: Change) -> str:
    person = change.identity.get("person")
    if person is None:
        raise ProvisionerError(
            f"{change.scope}: {change.key!r} names no person (a plan file from another tool?); "
            "make a new plan"
        )
    return str(person)
