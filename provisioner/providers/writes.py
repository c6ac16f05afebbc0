"""Write helpers every provider may use: a create that never duplicates after an ambiguous failure,
and a delete that tells "already gone" from "no such route". Re-exported by
``providers/contract.py``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from provisioner.core.clock import SYSTEM, Clock
from provisioner.core.errors import AmbiguousWriteError, ApiError, HostDownError, NotFoundError
from provisioner.core.outcomes import Written

if TYPE_CHECKING:
    from provisioner.core.records import Change, Record
    from provisioner.transport.http import HttpClient, RetryPolicy

log = logging.getLogger(__name__)


def create_adopting(
    post: Callable[[], Any],
    adopt: Callable[[], Any],
    *,
    retry: RetryPolicy,
    timeout: float,
    tries: int = 3,
    clock: Clock = SYSTEM,
) -> Written:
    """POST a create (``post`` returns the new id); after an ambiguous failure re-read (``adopt``
    returns the id of the object when it is there and finished, else None) and only then send it
    again. Never a blind retry.

    A request that timed out may still be running on the server, so it gets up to three times the
    request ``timeout`` to show up before it is sent again; a dropped connection is looked for once,
    shortly after. An unanswered POST may still commit after that: the result says how many there
    were and until when to wait for them (one more ``timeout`` after the last: the server gives up
    on a request about when a client would), so the check after apply can find and remove a late
    copy. The waits are slept, and ``settle_until`` is read, on ``clock`` (the engine's, which waits
    for it)."""
    unanswered, settle = 0, None
    for attempt in range(tries):
        try:
            return Written(id=post(), unanswered=unanswered, settle_until=settle)
        except AmbiguousWriteError as e:
            if e.status is None:  # no answer at all (a 5xx is an answer: that request is over)
                unanswered += 1
                settle = clock.monotonic() + timeout
            waits = [timeout] * 3 if e.timed_out else [retry.delay(attempt, None)]
            for wait in waits:
                clock.sleep(wait)
                try:
                    found = adopt()
                except HostDownError as down:  # our POST may have landed: not "not started"
                    raise AmbiguousWriteError(
                        f"{e}; whether it was created is unknown: {down}"
                    ) from down
                if found is not None:
                    # The copy found (the lowest id) may be another writer's, made just before ours,
                    # with our own POST still to land: each unanswered POST still counts as possibly
                    # this run's copy, and is waited for before the check after apply. A POST that
                    # timed out was already waited for longer than that while adopting, so only a
                    # dropped connection can cost an extra wait.
                    return Written(id=found, unanswered=unanswered, settle_until=settle)
            if attempt + 1 == tries:
                raise
    raise AssertionError("unreachable: the last attempt returns or raises")


def delete_once(client: HttpClient, path: str) -> Written | None:
    """DELETE one object. A 404 in the service's own (JSON) error format from the object's own URL
    means it is already gone: a note, not a failure. A 404 without one (an HTML page: no such route,
    so the delete may never have happened) stays an error."""
    try:
        client.request("DELETE", path)
    except NotFoundError as e:
        return already_gone(e, route=not isinstance(e.body, dict))
    return None


def already_gone(e: NotFoundError, *, route: bool) -> Written:
    """What a DELETE answered 404 means: the object is already gone (a note), unless the 404 says
    there is no such route (``route``), when the delete may never have happened (an ApiError)."""
    if route:
        raise ApiError(
            f"{e} — a 404 that is not the API's own answer (no such route?); the delete may not "
            "have happened",
            status=e.status,
            body=e.body,
        ) from e
    return Written(note="already gone (404 from its own URL)")


def adopted(change: Change, live: Record | None) -> Record | None:
    """What the re-read after an ambiguous create found, logged: nothing (the create is sent again)
    or the object, which the provider finishes and adopts instead of creating a duplicate."""
    if live is None:
        log.warning("%s: create of %r did not commit; retrying", change.scope, change.key)
        return None
    log.warning(
        "%s: create of %r committed despite the error; adopting id %s",
        change.scope,
        change.key,
        live.id,
    )
    return live
