"""Reading a plan's ``team_members`` without the members Planning Center deleted but still lists
(point 19 of docs/api-notes.md).

A declined member deleted in Planning Center can stay in the plan's ``team_members`` list while its
own URL answers 404 (ISSUE#663). Taken as live, such a "ghost" is planned as a delete on every run,
and the check after apply reports "the server accepted the delete but the object is still there"
forever. The list documents a ``not_deleted`` filter [C], so it is sent. Whether the server honours
it is learnt from its answers, once a run:

- a 400 or 422 to the filtered read: the filter is refused, the list is read again without it;
- a page whose ``meta.can_filter`` does not name ``not_deleted``: the filter was silently ignored
  (Planning Center ignores filters an endpoint does not define, ISSUE#1439).

In both cases each declined member of the list is looked up by its own URL (one GET each, declined
members only): a JSON:API 404 there is a ghost, left out of the live state. Otherwise the filtered
list is trusted.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from provisioner.core.errors import BadRequestError, NotFoundError
from provisioner.providers.planning_center.client import (
    attributes,
    is_route_404,
    plan_member_path,
    read_whole,
)
from provisioner.transport.http import HttpClient

log = logging.getLogger(__name__)
FILTER = "not_deleted"


class RosterReader:
    """A plan's team members, ghosts left out; what the filter does is learnt once a run
    (thread-safe)."""

    def __init__(self, client: HttpClient) -> None:
        self.client = client
        self.filter = "unknown"  # "honoured" or "not honoured" after the first read
        self._lock = threading.Lock()
        self._first = threading.Lock()  # held by the read that learns what the filter does

    def rows(
        self,
        service_type: object,
        plan: object,
        params: dict[str, Any],
        included: Callable[[dict[str, Any]], None] | None = None,
        only: Callable[[dict[str, Any]], bool] | None = None,
    ) -> list[dict[str, Any]]:
        """Every member of the plan that still exists (of those ``only`` keeps: only they are looked
        up), sideloads passed to ``included``."""
        path = f"service_types/{service_type}/plans/{plan}/team_members"
        if self.filter == "unknown":
            # plans are read in parallel: the first read learns what the filter does, the others
            # wait for it, so a server that refuses the filter answers one 400 a run, not one per
            # plan
            with self._first:
                if self.filter == "unknown":
                    return self._filtered(service_type, plan, path, params, included, only)
        if self.filter == "not honoured":
            rows = read_whole(self.client, path, params, included=included)
            return self._checked(service_type, plan, _kept(rows, only))
        return self._filtered(service_type, plan, path, params, included, only)

    def _filtered(
        self,
        service_type: object,
        plan: object,
        path: str,
        params: dict[str, Any],
        included: Callable[[dict[str, Any]], None] | None,
        only: Callable[[dict[str, Any]], bool] | None,
    ) -> list[dict[str, Any]]:
        """The list read with the filter; a refusal or a sign it was ignored switches the run off
        it."""
        known: list[Any] = []
        try:
            rows = read_whole(
                self.client,
                path,
                {**params, "filter": FILTER},
                included=included,
                meta=lambda m: known.append(m.get("can_filter")),
            )
        except BadRequestError as e:
            if e.status not in (400, 422):
                raise
            self._learn(f"refused filter={FILTER} ({e})")
            rows = read_whole(self.client, path, params, included=included)
            return self._checked(service_type, plan, _kept(rows, only))
        lists = [k for k in known if isinstance(k, list)]
        if lists and not any(FILTER in k for k in lists):
            self._learn(f"ignored filter={FILTER} (its meta.can_filter does not name it)")
            return self._checked(service_type, plan, _kept(rows, only))
        with self._lock:
            if self.filter == "unknown":
                self.filter = "honoured"
        return _kept(rows, only)

    def _learn(self, why: str) -> None:
        with self._lock:
            if self.filter != "not honoured":
                log.warning(
                    "Planning Center: a plan's team_members list %s; each declined member is "
                    "looked up "
                    "by its own URL for the rest of the run (a deleted one can stay listed: "
                    "ISSUE#663)",
                    why,
                )
            self.filter = "not honoured"

    def _checked(
        self, service_type: object, plan: object, rows: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The rows without ghosts: a declined member whose own URL answers the API's JSON 404."""
        return [r for r in rows if not self._ghost(service_type, plan, r)]

    def _ghost(self, service_type: object, plan: object, row: dict[str, Any]) -> bool:
        if str(attributes(row).get("status") or "").upper() not in ("D", "DECLINED"):
            return False
        try:
            self.client.request("GET", plan_member_path(service_type, plan, row.get("id")))
        except NotFoundError as e:
            if is_route_404(e.body):
                return False  # the route, not the member, is missing: keep what the list says
            log.info(
                "plan %s: team member %s is listed but its own URL answers 404 (deleted in "
                "Planning "
                "Center): left out",
                plan,
                row.get("id"),
            )
            return True
        return False


def _kept(
    rows: list[dict[str, Any]], only: Callable[[dict[str, Any]], bool] | None
) -> list[dict[str, Any]]:
    return rows if only is None else [r for r in rows if only(r)]
