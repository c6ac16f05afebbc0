"""Creating a personalized schedule: one POST, retried and, after an ambiguous failure (the answer
was lost), adopting the schedule the server did create instead of making a second one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from provisioner.core.records import Change, Record, Scope
from provisioner.providers.base import Written, create_adopting
from provisioner.providers.guidebook.models import GuidebookSchedule
from provisioner.providers.guidebook.writes import Writer
from provisioner.providers.writes import adopted
from provisioner.transport.http import HttpClient

SCHEDULES = "personalized-schedules/"
CREATE_TRIES = 3

Read = Callable[[Scope], dict[str, Record]]


def create_schedule(
    writer: Writer, client: HttpClient, change: Change, read: Read, provider: str
) -> Written:
    """POST the schedule ``change`` creates; ``read`` (the provider's) finds it again for
    adoption."""
    assert change.after is not None
    body = {"guide": change.target["guide"], "name": change.key, **change.after}

    send = writer.sender("POST", SCHEDULES, body, what=f"schedule {change.key!r}")

    def post() -> Any:
        data = send().data
        return data.get("id") if isinstance(data, dict) else None

    return create_adopting(
        post,
        lambda: _adopt(writer, change, read, provider),
        retry=client.retry,
        timeout=client.timeout[1],
        tries=CREATE_TRIES,
        clock=client.clock,
    )


def _adopt(writer: Writer, change: Change, read: Read, provider: str) -> Any:
    """After an ambiguous POST: if the server did create the schedule, finish it instead of
    duplicating."""
    scope: Scope[GuidebookSchedule] = Scope(
        provider, change.scope, {"guide": change.target["guide"]}
    )
    live = adopted(change, read(scope).get(change.key))
    if live is None:
        return None
    stale = {
        k: v for k, v in (change.after or {}).items() if sorted(live.values.get(k, [])) != sorted(v)
    }
    if stale:
        writer.send("PATCH", f"{SCHEDULES}{live.id}/", stale, what=f"schedule {change.key!r}")
    return live.id
