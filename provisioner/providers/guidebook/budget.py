"""Guidebook's request budget: the daily allowance per account and how many requests an apply of one
guide will send (checked before the first write)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from provisioner.core.errors import ConfigError
from provisioner.core.records import Change, Record, Scope
from provisioner.providers.guidebook import moves
from provisioner.providers.guidebook.publish import affected_attendees
from provisioner.providers.guidebook.refs import GuideIndex
from provisioner.providers.guidebook.scopes import publish_mode
from provisioner.transport.credentials import var

DAILY_BUDGET = 10_000  # requests per account per day [C]; PROVISIONER_GUIDEBOOK_BUDGET overrides


def budget_from_env(env: Mapping[str, str]) -> int:
    """PROVISIONER_GUIDEBOOK_BUDGET (suffixed for an account), else DAILY_BUDGET; ConfigError in
    words for anything but a whole number."""
    raw = (env.get("PROVISIONER_GUIDEBOOK_BUDGET") or "").strip()
    if raw and not raw.isdigit():
        raise ConfigError(  # the variable as this account reads it: ..._EAST for `account: east`
            f"{var(env, 'PROVISIONER_GUIDEBOOK_BUDGET')}={raw!r} is not a whole number of requests "
            "per day"
        )
    return int(raw) if raw else DAILY_BUDGET


def request_estimate(
    scope: Scope,
    live: dict[str, Record],
    changes: Sequence[Change],
    index: GuideIndex | None,
    pages: Callable[[int], int],
) -> int:
    """Apply re-reads the schedules and, for names, the sessions and attendees (one page each when
    this run did not read them: no ``index``) and the guide (its name titles the changed scope),
    then writes once per change (twice for a schedule that both loses and gains movers), publishes
    and re-reads the schedules to verify. ``pages`` turns a number of items into a number of list
    pages."""
    names = pages(len(index.rows["sessions"])) + pages(len(index.rows["attendees"])) if index else 2
    reads = pages(len(live)) + names
    if not changes:
        return reads
    mode = publish_mode(scope)
    publish = 0 if mode == "none" else 1 if mode == "guide" else len(affected_attendees(changes))
    after = (
        len(live)
        + sum(c.action == "create" for c in changes)
        - sum(c.action == "delete" for c in changes)
    )
    # a schedule that both loses and gains movers is written twice (moves.py)
    split = sum(part is not None for _, part in moves.first_writes(changes))
    return reads + 1 + len(changes) + split + publish + pages(after)
