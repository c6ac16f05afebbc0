"""Planning Center Services: plan rosters (PlanPerson) and people's responses (Schedule accept /
decline).

API facts: docs/api-notes.md. HTTP, pagination and payload shapes: client.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from provisioner.core.clock import SYSTEM, Clock
from provisioner.core.errors import NotFoundError, PlanError
from provisioner.core.records import Declared, Loaded, Record, Scope
from provisioner.providers.base import ByKind, Finding
from provisioner.providers.planning_center.blockouts import Blockouts
from provisioner.providers.planning_center.client import SERVICES, client_from_env, iterate
from provisioner.providers.planning_center.labels import Labels
from provisioner.providers.planning_center.lists import Lists
from provisioner.providers.planning_center.models import ResponsesFile, RostersFile
from provisioner.providers.planning_center.refs import PeopleAndTeams
from provisioner.providers.planning_center.resolver import Resolver, has_names
from provisioner.providers.planning_center.responses import Responses
from provisioner.providers.planning_center.rosters import Rosters, id_value
from provisioner.transport.http import HttpClient, RetryPolicy

log = logging.getLogger(__name__)


def response_key(plan: object, team: object | None) -> str:
    return f"plan {plan}" + (f" / team {team}" if team is not None else "")


def response_identity(plan: object, team: object | None) -> dict[str, Any]:
    return {"plan": id_value(plan), "team": id_value(team) if team is not None else None}


class PlanningCenterProvider(ByKind):
    """Planning Center Services: the scopes of kind ``plan`` (a roster: rosters.py) and ``person``
    (a person's responses: responses.py), each served by its own handler; names in files resolved to
    ids first (resolver.py)."""

    name = "planning_center"
    title = "Planning Center"

    def __init__(self, client: HttpClient) -> None:
        self.client = client
        self._labels = Labels()
        self.directory = PeopleAndTeams(client)
        self.lists = Lists(client)
        self.rosters = Rosters(
            client,
            labels=self._labels,
            directory=self.directory,
            lists=self.lists,
            blockouts=Blockouts(client),
        )
        self.responses = Responses(
            client,
            lambda plan, team: (response_key(plan, team), response_identity(plan, team)),
            self._labels,
            roster=self.rosters.roster,  # one learning of the not_deleted filter per run
        )
        self.responses.me = self.rosters.me  # who the credentials act as: read once a run
        self.responses.members = self.rosters.members  # one item path learnt a run
        # One handler per kind of scope (ByKind routes each scope and change to its own).
        self.kinds: dict[str, Rosters | Responses] = {
            "plan": self.rosters,
            "person": self.responses,
        }
        self.handlers = self.kinds

    @classmethod
    def from_env(
        cls, env: Mapping[str, str], retry: RetryPolicy | None = None, *, clock: Clock = SYSTEM
    ) -> PlanningCenterProvider:
        return cls(client_from_env(env, retry, clock=clock))

    def set_parallelism(self, requests: int) -> None:
        """Reads stay one request at a time each; only the blockouts of the people a plan adds are
        read ``requests`` people at a time (blockouts.py)."""
        self.rosters.blockouts.parallelism = max(1, requests)

    def doctor(self, scopes: Sequence[Scope]) -> list[Finding]:
        from provisioner.providers.planning_center.doctor import doctor

        return doctor(self, scopes)

    def resource(self, path: str) -> Any:
        """One Services resource's body (path below services/v2/); NotFoundError when it does not
        exist."""
        return self.client.request("GET", SERVICES + path).data

    def listing(
        self, path: str, query: Mapping[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every row of a Services list endpoint (path below services/v2/), page by page."""
        return iterate(self.client, path, dict(query) if query else None)

    # -- scopes
    # -------------------------------------------------------------------------------------------

    def resolve(self, files: Sequence[Loaded]) -> Sequence[Loaded]:
        """Names and dates → ids (resolver.py); then the checks across files again, since two forms
        of one reference (a plan's id and its date) are the same declaration."""
        if not any(has_names(f) for f in files):
            return files
        resolved = Resolver(self.lists, self.directory).files(files)
        from provisioner.files.checks import cross_file_checks  # the loader's checks, on ids now

        diags = cross_file_checks([f for f in resolved if f.provider == self.name])
        if diags:
            raise PlanError(diags)
        return resolved

    def scopes(self, files: Sequence[Loaded]) -> list[Scope]:
        """A scope per roster (kind ``plan``) and per responses file (kind ``person``)."""
        out: list[Scope] = []
        for file in files:
            doc = file.doc
            if isinstance(doc, RostersFile):
                for r, roster in enumerate(doc.rosters):
                    target = {"service_type": doc.service_type, "plan": roster.plan}
                    scope: Scope = Scope(self.name, f"plan {roster.plan}", target, kind="plan")
                    members = enumerate(roster.team_members)
                    scope.include(
                        file,
                        [Declared(file, ("rosters", r, "team_members", m), t) for m, t in members],
                        at=("rosters", r, "plan"),
                        prune=roster.prune,
                        safety=doc.safety,
                    )
                    out.append(scope)
            elif isinstance(doc, ResponsesFile):
                # A person's schedules are the service's: never pruned, and two of one plan are
                # normal.
                scope = Scope(
                    self.name,
                    f"person {doc.person}",
                    {"person": doc.person},
                    kind="person",
                    dedupe=False,
                )
                answers = enumerate(doc.responses)
                scope.include(
                    file,
                    [Declared(file, ("responses", i), a) for i, a in answers],
                    at=("person",),
                    prune=False,
                )
                out.append(scope)
        return sorted(out, key=lambda s: (s.name.split()[0], *(int(v) for v in s.target.values())))

    def read(self, scope: Scope) -> dict[str, Record]:
        """The kind's read; a JSON:API 404 on the scope's own list is a PlanError at the file's
        line."""
        try:
            return super().read(scope)
        except NotFoundError as e:
            # A JSON:API 404 on the scope's own list means the plan or person id is wrong: say where
            # it is written. An HTML 404 is a routing problem (a wrong PCO_API_URL) and stays an API
            # error.
            if scope.anchor is None or not isinstance(e.body, dict):
                raise
            item, loc = scope.anchor
            what = self.kinds[self.handler(scope).kind].missing(scope)  # the kind's own words
            raise PlanError([item.diagnostic(loc, what)]) from e

    def labels(self, scope: Scope) -> dict[str, dict[str, str]]:
        """Names of the people, teams and plans that keys mention, as read with the live state (no
        extra request)."""
        return self._labels.of(scope)
