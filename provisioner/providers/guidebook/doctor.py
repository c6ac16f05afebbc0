"""``provisioner doctor`` for Guidebook: read-only checks of the key, the URL, the pages and the
guides the files name (docs/api-notes.md says which of these behaviours are documented)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from provisioner.core.errors import ApiError, AuthError, NotFoundError, PlanError, TransportError
from provisioner.core.records import Record, Scope
from provisioner.providers.base import Finding
from provisioner.transport.credentials import account_var

if TYPE_CHECKING:
    from provisioner.providers.guidebook.refs import GuideIndex
    from provisioner.transport.http import HttpClient


class GuidebookProvider(Protocol):
    """What the checks use of the provider: a protocol, so that this module (which the provider
    imports) does not import the provider's module back."""

    account: str | None
    client: HttpClient

    def guide(self, guide: int) -> Any: ...

    def index(self, guide: int) -> GuideIndex: ...

    def read(self, scope: Scope) -> dict[str, Record]: ...

    def desired(
        self, scope: Scope, live: dict[str, Record], *, want_labels: bool = False
    ) -> dict[str, Record]: ...


RATE_HEADERS = (
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "RateLimit-Limit",
    "RateLimit-Remaining",
)


def doctor(provider: GuidebookProvider, scopes: Sequence[Scope]) -> list[Finding]:
    """Guidebook's doctor: whether the key is accepted and the base URL answers (one list of the
    first guide's schedules), what that page says about pagination and rate headers, then each
    guide's findings."""
    first = scopes[0].target["guide"] if scopes else None
    try:
        page = provider.client.request(
            "GET",
            "personalized-schedules/",
            params={**({"guide": first} if first else {}), "page_size": 100},
        )
    except AuthError as e:
        return [
            Finding(
                "credentials",
                "problem",
                f"the API key was refused ({e.status})",
                f"check {account_var('GUIDEBOOK_API_KEY', provider.account)} (Builder → Account → "
                "API)",
            )
        ]
    except TransportError as e:
        return [
            Finding(
                "base URL",
                "problem",
                f"{provider.client.base_url} cannot be reached: {e}",
                f"check {account_var('GUIDEBOOK_API_URL', provider.account)}, the network and "
                "HTTPS_PROXY",
            )
        ]
    except ApiError as e:
        return [
            Finding(
                "base URL",
                "problem",
                f"the schedules list answered {e.status}: {e}",
                f"check {account_var('GUIDEBOOK_API_URL', provider.account)}: it should end in "
                "/open-api/v1/",
            )
        ]
    found = [
        Finding("credentials", "ok", "the API key is accepted"),
        Finding("base URL", "ok", f"{provider.client.base_url} answers"),
    ]
    found += [_pages(page.data), _rate_headers(page.headers)]
    for scope in scopes:
        found += _guide(provider, scope)
    return found


def _pages(data: Any) -> Finding:
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        return Finding(
            "pagination",
            "problem",
            f"expected a page with `results`, got {str(data)[:80]!r}",
            "check GUIDEBOOK_API_URL: it should be the Open API base URL",
        )
    notes = []  # every surprise in one line: a missing `count` must not hide a page size
    size = len(data["results"])
    if data.get("next") and size < 100:
        notes.append(
            f"page size {size} (100 asked for): page_size is not honoured; request estimates use "
            "the size "
            "the server sends"
        )
    missing = [k for k in ("count", "next", "previous") if k not in data]
    if missing:
        notes.append(
            f"pages lack {', '.join(missing)} (documented: count/next/previous/results); `next` is "
            "followed "
            "while present"
        )
    if notes:
        return Finding(
            "pagination", "note", "; ".join(notes), "nothing, unless a plan looks incomplete"
        )
    if data.get("next"):
        return Finding("pagination", "ok", f"page-number pages of {size}")
    return Finding("pagination", "ok", f"page-number pages (one page held all {size} schedules)")


def _rate_headers(headers: Any) -> Finding:
    seen = [h for h in RATE_HEADERS if headers.get(h)]
    if seen:
        return Finding(
            "rate-limit headers", "ok", ", ".join(f"{h}: {headers.get(h)}" for h in seen)
        )
    return Finding(
        "rate-limit headers",
        "note",
        "none sent (not documented): the daily budget of 10,000 requests is "
        "counted only by the tool's own estimate",
        "keep PROVISIONER_GUIDEBOOK_BUDGET below what other integrations leave",
    )


def _guide(provider: GuidebookProvider, scope: Scope) -> list[Finding]:
    guide = scope.target["guide"]
    where = f"guide {guide}" + (
        f" ({scope.anchor[0].where(*scope.anchor[1])})" if scope.anchor else ""
    )
    try:
        provider.guide(guide)
    except NotFoundError:
        return [
            Finding(
                f"guide {guide}",
                "problem",
                f"{where} does not exist or this key cannot see it",
                "fix the guide id in the file, or use the key of the account that owns it",
            )
        ]
    except ApiError as e:
        return [Finding(f"guide {guide}", "problem", f"{where}: {e}", "see the message")]
    try:
        live = provider.read(scope)
        provider.desired(scope, live, want_labels=True)
    except PlanError as e:
        shown = "; ".join(str(d) for d in e.diagnostics[:3]) + (
            " …" if len(e.diagnostics) > 3 else ""
        )
        return [
            Finding(
                f"guide {guide}",
                "problem",
                f"{len(e.diagnostics)} reference(s) do not resolve: {shown}",
                "fix the files (`provisioner plan` names every line)",
            )
        ]
    index = provider.index(guide)
    return [
        Finding(
            f"guide {guide}",
            "ok",
            f"exists; {len(live)} schedules, {len(index.rows['sessions'])} sessions, "
            f"{len(index.rows['attendees'])} attendees; every id and reference in the files "
            "resolves",
        )
    ]
