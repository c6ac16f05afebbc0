"""What to say when Planning Center refuses (403) to answer a schedule, fitted to the credentials in
use (docs/api-notes.md, point 21).

Who the credentials act as is read from ``people/v2/me`` once, and only after a refusal. A schedule
hidden from the person's own list (a declined one, ISSUE#1121) is answered by PATCHing its
PlanPerson's ``status``: a scheduler's write, which the person's own credentials are likely refused
as well. So telling someone who uses that person's own credentials to "use that person's own
credentials" would send them in a circle.
"""

from __future__ import annotations

import threading

from provisioner.core.errors import ApiError, AuthError
from provisioner.providers.planning_center.client import attributes, jsonapi_detail
from provisioner.transport.http import HttpClient


def reworded(e: AuthError, why: str) -> AuthError:
    """The refusal ``e`` in our words (``why``, fitted to the credentials), then the server's own;
    status, body and request kept. Raise it ``from e``."""
    return AuthError(
        f"{why} Server said: {jsonapi_detail(e.body)}",
        status=e.status,
        body=e.body,
        method=e.method,
        url=e.url,
    )


NO_HINT = "check the credentials"  # when the client has no hint of its own (auth_hint None)
SCHEDULER = "a scheduler's access (Administrator, or Editor on that team, in Services)"


class Me:
    """The person the credentials act as (id, name), read once on first use; None when it cannot be
    read."""

    def __init__(self, client: HttpClient) -> None:
        self.client = client
        self._read = False
        self._me: tuple[str, str] | None = None
        self._lock = threading.Lock()

    def get(self) -> tuple[str, str] | None:
        with self._lock:
            if not self._read:
                self._me, self._read = whoami(self.client), True
            return self._me


def whoami(client: HttpClient) -> tuple[str, str] | None:
    """``GET people/v2/me``: (person id, name); None when the People API does not answer."""
    try:
        data = client.request("GET", "people/v2/me").data
    except ApiError:
        return None
    body = data.get("data") if isinstance(data, dict) else None
    if not isinstance(body, dict) or body.get("id") is None:
        return None
    attrs = attributes(body)
    name = attrs.get("name") or " ".join(
        filter(None, [attrs.get("first_name"), attrs.get("last_name")])
    )
    return str(body["id"]), str(name or f"person {body['id']}")


def answer_refused(
    person: object, me: tuple[str, str] | None, *, hidden: bool, auth_hint: str | None
) -> str:
    """Why answering ``person``'s schedule was refused and what to do, for these credentials."""
    own = me is not None and me[0] == str(person)
    acting = f" These credentials act as {me[1]} (person {me[0]})." if me and not own else ""
    if hidden and own:
        return (
            f"Planning Center refused (403) to change person {person}'s schedule. It is hidden "
            "from their "
            "schedules list (a declined schedule), so it can only be answered by changing their "
            "team "
            f"member's status, which needs {SCHEDULER}; these credentials are "
            f"{me[1] if me else ''}'s "
            "own. Answer it in Planning Center (Church Center or the Services app), or have a "
            "scheduler "
            "apply this file."
        )
    if hidden:
        return (
            f"Planning Center refused (403) to change person {person}'s schedule. It is hidden "
            "from their "
            "schedules list (a declined schedule), so it can only be answered by changing their "
            "team "
            f"member's status, which needs {SCHEDULER}: that person's own credentials would be "
            "refused "
            f"too.{acting}"
        )
    if own:
        return (
            f"Planning Center refused (403) to let person {person}'s own credentials answer their "
            f"schedule: {auth_hint or NO_HINT} (an OAuth token needs the `services` scope)."
        )
    return (
        f"Planning Center refused (403) to let these credentials answer person {person}'s "
        "schedule. "
        "Answering for another person needs an account with Administrator (or Editor on that "
        "team) "
        f"permission in Services — or that person's own credentials (then use `account:`).{acting}"
    )


def read_refused(person: object, me: tuple[str, str] | None, *, auth_hint: str | None) -> str:
    """Why reading ``person``'s schedules was refused (ISSUE#336) and what to do, for these
    credentials."""
    if me is not None and me[0] == str(person):
        return (
            f"Planning Center refused (403) to let person {person}'s own credentials read their "
            f"schedules: {auth_hint or NO_HINT} (an OAuth token needs the `services` scope)."
        )
    acting = f" These credentials act as {me[1]} (person {me[0]})." if me else ""
    return (
        f"Planning Center refused (403) to let these credentials read person {person}'s schedules: "
        "reading another person's schedules needs Administrator permission in Services (an Editor "
        "was "
        "refused it, ISSUE#336). Use an administrator's token, or that person's own credentials "
        "with "
        f"`account:`.{acting}"
    )


def roster_refused(plan: object, me: tuple[str, str] | None) -> str:
    """Why a team-member write on ``plan`` was refused (403). Its roster was read with these
    credentials, so they are valid: what they lack is a scheduler's access (not "check the
    credentials")."""
    acting = f"; these credentials act as {me[1]} (person {me[0]})" if me else ""
    return (
        f"Planning Center refused (403) to let these credentials change plan {plan}'s roster: "
        "adding, "
        f"changing or removing team members needs {SCHEDULER}{acting}. Use a scheduler's "
        "credentials "
        "for roster files."
    )
