"""Guidebook Open API: personalized schedules of a guide (API facts: docs/api-notes.md)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from provisioner.core.clock import SYSTEM, Clock
from provisioner.core.errors import ApiError, ConfigError, Diagnostic, PlanError
from provisioner.core.records import Change, Declared, Loaded, Record, Scope, add_live
from provisioner.files.fields import nfc
from provisioner.providers.base import Finding, Provider, Written, delete_once
from provisioner.providers.guidebook import moves
from provisioner.providers.guidebook.budget import DAILY_BUDGET, budget_from_env, request_estimate
from provisioner.providers.guidebook.checks import resolved_twice
from provisioner.providers.guidebook.creates import SCHEDULES, create_schedule
from provisioner.providers.guidebook.models import GuidebookSchedule
from provisioner.providers.guidebook.pages import PAGE_SIZE, PageReader
from provisioner.providers.guidebook.publish import (
    PUBLISH_INTERVAL,
    affected_attendees,
    publish,
    publish_interval_from_env,
    publish_notice,
)
from provisioner.providers.guidebook.refs import (
    GuideIndex,
    overlap_warnings,
    resolve_refs,
    split_refs,
)
from provisioner.providers.guidebook.scopes import guide_scopes, publish_mode
from provisioner.providers.guidebook.writes import Writer, drf_detail
from provisioner.transport.credentials import credential, var
from provisioner.transport.endpoints import check_base_url, timeout_from_env
from provisioner.transport.http import HttpClient, RetryPolicy

log = logging.getLogger(__name__)
DEFAULT_URL = "https://builder.guidebook.com/open-api/v1/"


class GuidebookProvider(Provider):
    """Personalized schedules of Guidebook guides: one scope per guide (kind ``guide``), read a page
    at a time, written one schedule per request, published after apply when the files ask for it."""

    name = "guidebook"
    title = "Guidebook"
    reads_bounded = True  # every list request waits for one of PageReader's slots

    def __init__(
        self,
        client: HttpClient,
        budget: int = DAILY_BUDGET,
        publish_interval: float = PUBLISH_INTERVAL,
    ) -> None:
        self.client = client
        self.budget = budget
        self.writer = Writer(client)
        self.publish_interval = publish_interval
        self.page_size: int | None = None  # the size of a full page, as the server sent it
        self.pages = PageReader(client, self._page_results)
        self._indexes: dict[int, GuideIndex] = {}
        self._lock = threading.Lock()
        self._guide_locks: dict[int, threading.Lock] = {}

    @classmethod
    def from_env(
        cls, env: Mapping[str, str], retry: RetryPolicy | None = None, *, clock: Clock = SYSTEM
    ) -> GuidebookProvider:
        """The provider for the credentials in ``env`` (GUIDEBOOK_API_KEY, GUIDEBOOK_API_URL, the
        budget and publish interval); ConfigError naming the variable when the key is missing."""
        key = credential(env, "GUIDEBOOK_API_KEY")
        if not key:
            raise ConfigError(
                f"{var(env, 'GUIDEBOOK_API_KEY')} is not set; export your Guidebook Open API key "
                "(Builder → Account → API) to plan or apply Guidebook files"
            )
        url = check_base_url(
            env.get("GUIDEBOOK_API_URL") or DEFAULT_URL, var(env, "GUIDEBOOK_API_URL")
        )
        client = HttpClient(
            url,
            auth=lambda: f"JWT {key}",
            service="Guidebook",
            detail=drf_detail,
            retry=retry or RetryPolicy(),
            timeout=timeout_from_env(env),
            clock=clock,
            auth_hint=f"check {var(env, 'GUIDEBOOK_API_KEY')}: is it the current key of the "
            "account "
            "that owns this guide?",
        )
        return cls(client, budget_from_env(env), publish_interval_from_env(env))

    # -- scopes
    # -------------------------------------------------------------------------------------------

    def scopes(self, files: Sequence[Loaded]) -> list[Scope]:
        """One scope per guide; several files of one guide merge (scopes.guide_scopes)."""
        return guide_scopes(self.name, files)

    # -- reading
    # ------------------------------------------------------------------------------------------

    def read(self, scope: Scope) -> dict[str, Record]:
        """The guide's personalized schedules (a paginated list), keyed by name; a name twice is a
        twin."""
        guide = scope.target["guide"]
        rows = self._list(SCHEDULES, {"guide": guide})
        records: dict[str, Record] = {}
        for row in sorted(rows, key=lambda r: r["id"]):
            if int(row.get("guide", guide)) != guide:
                # defensive: a server that ignores the filter must not leak other guides in
                continue
            name = nfc(str(row["name"]))
            add_live(
                records,
                Record(
                    name,
                    {
                        "attendees": sorted(set(row.get("attendees") or [])),
                        "sessions": sorted(set(row.get("sessions") or [])),
                    },
                    id=row["id"],
                    identity={"name": name},
                ),
            )
        return records

    def _list(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self.pages.read(path, params)

    def set_parallelism(self, requests: int) -> None:
        self.pages = PageReader(self.client, self._page_results, requests, self.pages.progress)

    def set_page_progress(self, report: Callable[[int, int], None] | None) -> bool:
        self.pages.progress = report
        return True

    def guide(self, guide: int) -> Any:
        """The guide resource itself (import names it in a comment); NotFoundError when it does not
        exist."""
        return self.client.request("GET", f"guides/{guide}/").data

    def scope_title(self, scope: Scope) -> str | None:
        """``Summit 2026 (guide 47)``: the guide's name, one GET of the guide (asked only for the
        scopes text and markdown show, those with changes)."""
        data = self.guide(scope.target["guide"])
        name = data.get("name") if isinstance(data, dict) else None
        return f"{nfc(str(name))} ({scope.name})" if name else None

    def _page_results(self, page: Any) -> list[dict[str, Any]]:
        results = _results(page)
        if (
            page.get("next") and results
        ):  # a full page: this is the server's page size, whatever we asked
            with self._lock:
                self.page_size = max(self.page_size or 0, len(results))
        return results

    def _pages(self, items: int) -> int:
        return max(1, -(-items // (self.page_size or PAGE_SIZE)))

    def index(self, guide: int) -> GuideIndex:
        """The guide's sessions and attendees, read once per run and only when asked for."""
        with (
            self._lock
        ):  # one lock per guide: guides are resolved concurrently, each read only once
            lock = self._guide_locks.setdefault(guide, threading.Lock())
        with lock:
            if guide not in self._indexes:
                self._indexes[guide] = GuideIndex(
                    guide,
                    self._list("sessions/", {"guide": guide}),
                    self._list("attendees/", {"guide": guide}),
                )
            return self._indexes[guide]

    # -- resolving
    # ----------------------------------------------------------------------------------------

    def desired(
        self, scope: Scope, live: dict[str, Record], *, want_labels: bool = False
    ) -> dict[str, Record]:
        """The declared schedules, their attendee and session references resolved against the
        guide's lists (read only when a reference or review labels need them); each unresolved one a
        PlanError."""
        guide = scope.target["guide"]
        schedules: list[Declared[GuidebookSchedule]] = scope.items
        # One pass over the references (a guide can hold hundreds of thousands): ids apart, readable
        # ones kept with their position for error messages.
        split = [
            (item, loc, s, split_refs(s.attendees or []), split_refs(s.sessions or []))
            for item, loc, s in schedules
        ]
        needs_index = want_labels or any(a[1] or ss[1] for *_, a, ss in split)
        index = self.index(guide) if needs_index else None
        diags: list[Diagnostic] = []
        out: dict[str, Record] = {}
        for item, loc, schedule, attendee_refs, session_refs in split:
            values: dict[str, Any] = {}
            for field, refs, found in (
                ("attendees", schedule.attendees, attendee_refs),
                ("sessions", schedule.sessions, session_refs),
            ):
                if refs is not None:  # left out = not managed: the live value stays
                    values[field] = resolve_refs(item, (*loc, field), refs, found, index, diags)
            diags += _creatable(item, loc, schedule.name, values, live)
            out[schedule.name] = Record(
                schedule.name, values, source=item.where(*loc), identity={"name": schedule.name}
            )
        diags += resolved_twice(  # one schedule per attendee: an id here, the e-mail there
            [(item, loc, s, out[s.name].values.get("attendees")) for item, loc, s in schedules],
            lambda ref: index.resolve("attendees", ref)[0] if index else None,
            lambda person: index.describe("attendees", person) if index else str(person),
        )
        if diags:
            raise PlanError(diags)
        return out

    def labels(self, scope: Scope) -> dict[str, dict[str, str]]:
        index = self._indexes.get(scope.target["guide"])
        return index.labels() if index else {}

    def warnings(
        self, scope: Scope, *, desired: dict[str, Record], changes: Sequence[Change] = ()
    ) -> list[str]:
        index = self._indexes.get(scope.target["guide"])
        said = overlap_warnings(scope.name, desired, index) if index else []
        return said + publish_notice(scope.name, publish_mode(scope), changes)

    # -- one schedule per attendee (moves.py)
    # --------------------------------------------------------------

    def moves(self, scope: Scope, *, changes: Sequence[Change]) -> list[dict[str, Any]]:
        return moves.moves(changes)

    def conflicts(
        self, scope: Scope, *, live: dict[str, Record], changes: Sequence[Change]
    ) -> tuple[list[str], list[str]]:
        """Attendees the changes would leave on two schedules at once, named from the guide's index
        when it was read (moves.conflicts)."""
        index = self._indexes.get(scope.target["guide"])

        def who(person: int) -> str:
            named = index.describe("attendees", person) if index else str(person)
            return f"{named} ({person})" if named != str(person) else str(person)

        return moves.conflicts(scope.name, live, changes, who)

    def first_writes(self, changes: Sequence[Change]) -> list[tuple[Change, Change | None]]:
        return moves.first_writes(changes)

    # -- writing
    # ------------------------------------------------------------------------------------------

    def apply(self, change: Change) -> Written | None:
        """A create (adopting after an ambiguous failure), a PATCH of the changed fields, or a
        DELETE."""
        if change.action == "create":
            return create_schedule(self.writer, self.client, change, self.read, self.name)
        if change.action == "update":
            body = {name: change.after[name] for name in change.fields} if change.after else {}
            self.writer.send(
                "PATCH", f"{SCHEDULES}{change.live_id}/", body, what=f"schedule {change.key!r}"
            )
            return None
        return delete_once(self.client, f"{SCHEDULES}{change.live_id}/")

    def doctor(self, scopes: Sequence[Scope]) -> list[Finding]:
        from provisioner.providers.guidebook.doctor import doctor

        return doctor(self, scopes)

    def explain_unconverged(self, change: Change, *, live: Record | None) -> str | None:
        """Removals that did not happen while the additions did: the server merged the PATCHed
        lists."""
        if change.action != "update" or live is None:
            return None
        kept = [
            name
            for name, diff in change.fields.items()
            if isinstance(diff, dict)
            and diff.get("remove")
            and set(diff["remove"]) & set(live.values.get(name, []))
            and set(diff.get("add", [])) <= set(live.values.get(name, []))
        ]
        if not kept:
            return None
        return (
            f"the {' and '.join(kept)} removed are still there while the additions took: this "
            "Guidebook server "
            "seems to merge PATCHed lists instead of replacing them (docs/api-notes.md); remove "
            "them in Builder, "
            "or delete and re-create the schedule"
        )

    def impact(
        self, scope: Scope, *, live: dict[str, Record], changes: Sequence[Change]
    ) -> list[dict[str, Any]] | None:
        """Exactly which sessions each attendee gains and loses, over the whole guide
        (impact.exact_rows)."""
        if not changes:
            return None
        from provisioner.providers.guidebook.impact import exact_rows

        return exact_rows(live, changes)

    def request_estimate(
        self, scope: Scope, *, live: dict[str, Record], changes: Sequence[Change]
    ) -> int:
        """The requests an apply of this guide sends (budget.request_estimate)."""
        index = self._indexes.get(scope.target["guide"])
        return request_estimate(scope, live, changes, index, self._pages)

    def request_budget(self) -> tuple[int, str] | None:
        return self.budget, "PROVISIONER_GUIDEBOOK_BUDGET" + (
            f"_{self.account.upper()}" if self.account else ""
        )

    def post_apply_step(self, scope: Scope) -> str | None:
        mode = publish_mode(scope)
        return None if mode == "none" else f"publish ({mode})"

    def after_apply(self, scope: Scope, *, applied: Sequence[Change]) -> list[str]:
        """Publish what this apply changed: the guide, or each attendee whose schedule changed."""
        return self._publish(scope, affected_attendees(applied)) if applied else []

    def publish_all(self, scope: Scope, *, desired: dict[str, Record]) -> list[str]:
        """Publish again as if everything had changed (after a publish that failed)."""
        return self._publish(
            scope, {a for rec in desired.values() for a in rec.values.get("attendees", [])}
        )

    def _publish(self, scope: Scope, attendees: set[int]) -> list[str]:
        return publish(
            self.client,
            scope.name,
            scope.target["guide"],
            publish_mode(scope),
            attendees,
            self.publish_interval,
        )


def _creatable(
    item: Loaded,
    loc: Sequence[str | int],
    name: str,
    values: dict[str, Any],
    live: dict[str, Record],
) -> list[Diagnostic]:
    """A schedule that does not exist yet needs both lists to be created: the one left out, in
    words."""
    missing = [f for f in ("attendees", "sessions") if f not in values]
    if not missing or name in live:
        return []
    return [
        item.diagnostic(
            loc,
            f"schedule {name!r} does not exist yet, and creating it "
            f"needs both attendees and sessions: add {' and '.join(missing)} "
            "(`[]` for none)",
        )
    ]


def _results(page: Any) -> list[dict[str, Any]]:
    """A DRF page's results; anything else (an HTML page from a proxy, a bare list) is an API
    error."""
    results = page.get("results") if isinstance(page, dict) else None
    if not isinstance(results, list):
        raise ApiError(
            f"Guidebook: expected a page with `results`, got {type(page).__name__}: "
            f"{str(page)[:120]!r} (is GUIDEBOOK_API_URL the Open API base URL?)"
        )
    return results
