"""``provisioner doctor`` for Planning Center: checks of the credentials, the URL, pagination, the
rate-limit headers, the service types (with the credentials' permissions), plans, teams and people
the files name, each responses file's person's schedules, and the team-member item routes
(doctor_access.py); nothing is changed (docs/api-notes.md says which of these behaviours are
documented)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from provisioner.core.errors import ApiError, AuthError, NotFoundError, TransportError
from provisioner.core.records import Scope
from provisioner.providers.base import Finding
from provisioner.providers.planning_center import doctor_access as access
from provisioner.providers.planning_center.client import (
    PER_PAGE,
    RATE_HEADERS,
    attributes,
)
from provisioner.providers.planning_center.mergers import merged_hint
from provisioner.providers.planning_center.refs import MISSING
from provisioner.providers.planning_center.refusals import whoami
from provisioner.transport.credentials import account_var

if TYPE_CHECKING:
    from provisioner.providers.planning_center.lists import Lists
    from provisioner.providers.planning_center.refs import PeopleAndTeams
    from provisioner.transport.http import HttpClient


class PlanningCenterProvider(Protocol):
    """What the checks use of the provider: a protocol, so that this module (which the provider
    imports) does not import the provider's module back."""

    account: str | None
    client: HttpClient
    directory: PeopleAndTeams
    lists: Lists

    def resource(self, path: str) -> Any: ...


def doctor(provider: PlanningCenterProvider, scopes: Sequence[Scope]) -> list[Finding]:
    """Read-only first-contact checks of one account: credentials, pages, rate headers, what the
    files name, the credentials' permissions and whose schedules they may read."""
    client = provider.client

    def v(
        name: str,
    ) -> str:  # the variable as this account reads it (PCO_SECRET_EAST for `account: east`)
        return account_var(name, provider.account)

    try:
        # the run's list: a file naming its service type has read this page already (resolver.py)
        page = provider.lists.service_types_page()
    except AuthError as e:
        return [
            Finding(
                "credentials",
                "problem",
                f"refused ({e.status}): {e}",
                f"check {v('PCO_APPLICATION_ID')} / {v('PCO_SECRET')}, or {v('PCO_ACCESS_TOKEN')} "
                "(and its "
                "`services` scope)",
            )
        ]
    except TransportError as e:
        return [
            Finding(
                "base URL",
                "problem",
                f"{client.base_url} cannot be reached: {e}",
                f"check {v('PCO_API_URL')}, the network and HTTPS_PROXY",
            )
        ]
    except ApiError as e:
        return [
            Finding(
                "base URL",
                "problem",
                f"the service types list answered {e.status}: {e}",
                f"check {v('PCO_API_URL')}: it should be https://api.planningcenteronline.com/",
            )
        ]
    me = _me(provider)
    found = [
        Finding(
            "credentials",
            "ok",
            "accepted" + (f"; acting as {me[1]} (person {me[0]})" if me else ""),
        ),
        Finding("base URL", "ok", f"{client.base_url} answers"),
        _pages(page.data),
        _rate_headers(page.headers),
    ]
    rows = page.data.get("data") if isinstance(page.data, dict) else None
    # every page (an organization may have >100), the first one not read again
    types = provider.lists.service_type_rows() if isinstance(rows, list) else {}
    found += _rosters(provider, [s for s in scopes if s.kind == "plan"], types)
    found += _people(provider, [s for s in scopes if s.kind == "person"], me)
    return found


def _me(provider: PlanningCenterProvider) -> tuple[str, str] | None:
    return whoami(provider.client)


def _pages(data: Any) -> Finding:
    meta = data.get("meta") if isinstance(data, dict) else None
    rows = data.get("data") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not isinstance(meta, dict):
        return Finding(
            "pagination",
            "problem",
            f"expected a JSON:API collection, got {str(data)[:80]!r}",
            "check PCO_API_URL",
        )
    total = meta.get("total_count")
    if isinstance(total, int) and len(rows) < min(total, PER_PAGE):
        return Finding(
            "pagination",
            "note",
            f"{len(rows)} of {total} on the first page although {PER_PAGE} were "
            "asked for; `links.next` is followed",
            "nothing to do",
        )
    return Finding("pagination", "ok", f"offset pages of up to {PER_PAGE} (`links.next` followed)")


def _rate_headers(headers: Any) -> Finding:
    limit, count, period = (headers.get(h) for h in RATE_HEADERS)
    if limit and period:
        seconds = str(period).strip().split(" ")[0]  # "20" or "20 seconds" [R]
        return Finding(
            "rate-limit headers",
            "ok",
            f"{limit} requests per {seconds} s (used {count}); requests are paced from these",
        )
    return Finding(
        "rate-limit headers",
        "note",
        "none sent (documented on every response): pacing falls back to "
        "100 per 20 s and to Retry-After on 429",
        "nothing to do",
    )


def _rosters(
    provider: PlanningCenterProvider,
    scopes: Sequence[Scope],
    service_types: dict[str, dict[str, Any]],
) -> list[Finding]:
    out: list[Finding] = []
    probe: Scope | None = None  # a plan that exists, to probe the team-member routes on
    for st in sorted({s.target["service_type"] for s in scopes}):
        if str(st) not in service_types:
            out.append(
                Finding(
                    f"service type {st}",
                    "problem",
                    "not among the service types these credentials see",
                    "fix service_type in the file, or use the account that owns it",
                )
            )
            continue
        teams = provider.directory.teams(st)
        attrs = service_types[str(st)]
        level, note = access.permissions(st, attrs)
        out.append(
            Finding(
                f"service type {st}",
                "ok",
                f"{attrs.get('name') or 'exists'}; {len(teams)} teams{level}",
            )
        )
        out += [note] if note else []
        declared = {
            str(m.team) for s in scopes if s.target["service_type"] == st for _, _, m in s.items
        }
        unknown = sorted(declared - teams.keys(), key=int)
        if unknown:
            out.append(
                Finding(
                    f"service type {st} teams",
                    "problem",
                    f"team(s) {', '.join(unknown)} are not teams of this service type",
                    "fix the team ids (`provisioner plan` names each line)",
                )
            )
        people = provider.directory.people(
            m.person for s in scopes if s.target["service_type"] == st for _, _, m in s.items
        )
        missing = [str(p) for p, name in people.items() if name == MISSING]
        if missing:
            out.append(
                Finding(
                    f"service type {st} people",
                    "problem",
                    f"person(s) {', '.join(missing)} do not exist "
                    "in Planning Center Services (or these credentials cannot see them)",
                    "fix the person ids (`provisioner plan` names each line)"
                    # a merged profile's old id no longer resolves: name the kept one (the generic
                    # hint, the same for every other person, once)
                    + "".join(dict.fromkeys(merged_hint(provider.client, p) for p in missing)),
                )
            )
        for scope in (s for s in scopes if s.target["service_type"] == st):
            plan = _plan(provider, scope)
            out.append(plan)
            if plan.status == "ok" and probe is None:
                probe = scope
    return out + (access.member_routes(provider.client, probe) if probe is not None else [])


def _plan(provider: PlanningCenterProvider, scope: Scope) -> Finding:
    st, plan = scope.target["service_type"], scope.target["plan"]
    # the plans list names were resolved against this run, when it holds the plan: no GET of it
    listed = (
        provider.lists.known_plan(st, plan)
        if isinstance(st, int) and isinstance(plan, int)
        else None
    )
    if listed is not None:
        return Finding(f"plan {plan}", "ok", listed.dates or listed.title or "exists")
    try:
        data = provider.resource(f"service_types/{st}/plans/{plan}")
    except NotFoundError:
        return Finding(
            f"plan {plan}",
            "problem",
            f"not a plan of service type {st}",
            "fix the plan id in the file",
        )
    attrs = attributes(data.get("data") or {}) if isinstance(data, dict) else {}
    return Finding(f"plan {plan}", "ok", str(attrs.get("dates") or attrs.get("title") or "exists"))


def _people(
    provider: PlanningCenterProvider, scopes: Sequence[Scope], me: tuple[str, str] | None
) -> list[Finding]:
    out: list[Finding] = []
    for scope in scopes:
        person = scope.target["person"]
        name = provider.directory.person(person)
        if name == MISSING:
            out.append(
                Finding(
                    f"person {person}",
                    "problem",
                    "does not exist in Planning Center Services (or these "
                    "credentials cannot see them)",
                    "fix the person id in the file" + merged_hint(provider.client, person),
                )
            )
            continue
        out.append(Finding(f"person {person}", "ok", name or "exists"))
        out.append(access.schedules(provider.client, person, me))
        if me is not None and str(person) != me[0]:
            out.append(
                Finding(
                    f"person {person} answers",
                    "note",
                    f"these credentials act as {me[1]} (person "
                    f"{me[0]}): answering someone else's schedules needs Administrator (or team "
                    "Editor) "
                    "permission in Services",
                    "use an administrator's token, or that person's own "
                    "credentials with `account:`",
                )
            )
    return out
