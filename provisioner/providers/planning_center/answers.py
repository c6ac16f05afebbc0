"""Answering a person's schedule (docs/api-notes.md, Planning Center): the accept or decline action
(a partial accept names ``declined_plan_times`` [C]); a schedule the list hid, found through its
PlanPerson (hidden_schedules.py), is answered through the PlanPerson's documented ``status``, since
the Schedule's id is not known. A 403 names the person and the access needed, fitted to whose
credentials these are (refusals.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from provisioner.core.errors import AuthError, ProvisionerError
from provisioner.core.records import Change
from provisioner.providers.planning_center.client import (
    SERVICES,
    accept_body,
    decline_body,
    plan_person_body,
)
from provisioner.providers.planning_center.members import MemberWriter
from provisioner.providers.planning_center.refusals import Me, answer_refused, reworded
from provisioner.providers.planning_center.schedule_rows import VIA_MEMBER
from provisioner.transport.http import HttpClient


def answer(
    change: Change,
    *,
    client: HttpClient,
    me: Me,
    members: MemberWriter,
    service_type_of: Callable[[str], str | None],
) -> None:
    """A changed response is an update of the schedule: POST accept or decline (idempotent
    actions)."""
    after = change.after or {}
    want = after.get("response")
    if change.action != "update" or want not in ("accepted", "declined"):
        raise ProvisionerError(
            f"{change.scope} {change.key!r}: a Schedule cannot be {change.action}d "
            f"(only accepted or declined); this plan was not made by this provisioner"
        )
    person, rid = change.target["person"], str(change.live_id)
    try:
        if rid.startswith(VIA_MEMBER):
            _answer_member(
                members,
                service_type_of,
                person,
                str(change.identity.get("plan")),
                rid.removeprefix(VIA_MEMBER),
                want,
                after.get("decline_reason"),
            )
            return
        path = f"{SERVICES}people/{person}/schedules/{rid}/"
        if want == "accepted":
            body = accept_body(after.get("declined_times") or [], after.get("decline_reason"))
            client.request("POST", path + "accept", json=body, idempotent=True)
        else:
            client.request(
                "POST",
                path + "decline",
                json=decline_body(after.get("decline_reason")),
                idempotent=True,
            )
    except AuthError as e:
        if e.status != 403:
            raise
        why = answer_refused(
            person,
            me.get(),
            hidden=rid.startswith(VIA_MEMBER),
            auth_hint=client.auth_hint,
        )
        raise reworded(e, f"{change.scope} {change.key!r}: {why}") from e


def _answer_member(
    members: MemberWriter,
    service_type_of: Callable[[str], str | None],
    person: object,
    plan: str,
    member: str,
    want: str,
    reason: Any,
) -> None:
    attrs: dict[str, Any] = {"status": "C" if want == "accepted" else "D"}
    if want == "declined":
        attrs["decline_reason"] = reason or ""
    # the documented path first; a route 404 there switches to the plan's (as roster writes do)
    target = {"service_type": service_type_of(plan), "plan": plan}
    members.patch_member(target, str(person), member, plan_person_body(attrs, rid=member))
