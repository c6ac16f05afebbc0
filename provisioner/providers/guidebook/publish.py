"""Publishing personalized schedules after an apply (docs/api-notes.md, Guidebook): the whole guide
in one call, or one call per attendee whose schedule changed, paced, and stopped on a 429 saying who
is left."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

from provisioner.core.errors import ApiError, ConfigError, RateLimitedError
from provisioner.core.notice import Notice
from provisioner.core.records import Change
from provisioner.transport.credentials import var
from provisioner.transport.http import HttpClient, RetryPolicy

# The publish endpoints' limits are undocumented (the guide's own publish: 2 a minute [C]):
# per-attendee publish calls are spaced by this many seconds unless
# PROVISIONER_GUIDEBOOK_PUBLISH_INTERVAL says otherwise.
PUBLISH_INTERVAL = 2.0


def publish(
    client: HttpClient, name: str, guide: int, mode: str, attendees: Iterable[int], interval: float
) -> list[str]:
    """Publish for ``mode`` ("none", "guide" or "attendees"); notes for the user, or an ApiError
    saying what to do."""
    if mode == "none":
        return []
    # The key has just read and written this guide: a 403 here is about the guide (not Premium, not
    # published), and the key hint of a 401/403 would mislead (issue 23).
    client = dataclasses.replace(client, auth_hint="")
    if mode == "guide":
        client.request("POST", f"guides/{guide}/publish-personalized-schedules/", idempotent=True)
        return [f"{name}: published personalized schedules"]
    people = sorted(attendees)
    refused: list[str] = []
    # A 429 is not waited out: the limit is unknown and may be per minute or per day (see
    # PUBLISH_INTERVAL).
    once = dataclasses.replace(client, retry=RetryPolicy(attempts=1))
    for n, attendee in enumerate(
        people
    ):  # one refusal must not keep the others from seeing their schedule
        if n and interval:
            client.clock.sleep(interval)
        try:
            once.request(
                "POST", f"attendees/{attendee}/publish-personalized-schedules/", idempotent=True
            )
        except RateLimitedError as e:
            raise ApiError(_stopped(people, n, refused)) from e
        except ApiError as e:
            refused.append(f"attendee {attendee} ({e.status or e})")
    if refused:
        raise ApiError(
            f"publishing failed for {len(refused)} of {len(people)} attendees: "
            f"{', '.join(refused[:10])}"
            " — fix the cause, then `provisioner apply --republish` (or publish from Builder)"
        )
    return [f"{name}: published personalized schedules for {len(people)} attendees"]


def publish_interval_from_env(env: Mapping[str, str]) -> float:
    """PROVISIONER_GUIDEBOOK_PUBLISH_INTERVAL (suffixed for an account), else PUBLISH_INTERVAL;
    ConfigError in words outside 0..3600 seconds."""
    raw = (env.get("PROVISIONER_GUIDEBOOK_PUBLISH_INTERVAL") or "").strip()
    try:
        value = float(raw) if raw else PUBLISH_INTERVAL
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise ConfigError(
            f"{var(env, 'PROVISIONER_GUIDEBOOK_PUBLISH_INTERVAL')}={raw!r} must be a number of "
            "seconds between "
            "0 and 3600 (the pause between two per-attendee publish calls)"
        )
    return value


def _stopped(people: list[int], done: int, refused: list[str]) -> str:
    left = people[done:]
    shown = ", ".join(map(str, left[:20])) + (
        f" and {len(left) - 20} more" if len(left) > 20 else ""
    )
    failed = f"; {len(refused)} refused before that" if refused else ""
    return (
        "publishing stopped: Guidebook answered 429 (too many requests) after "
        f"{done - len(refused)} of "
        f"{len(people)} attendees were published{failed}; not published: {len(left)} attendee"
        f"{'s' if len(left) != 1 else ''} ({shown}). Wait, or raise "
        "PROVISIONER_GUIDEBOOK_PUBLISH_INTERVAL, "
        "then `provisioner apply --republish`"
    )


def affected_attendees(changes: Sequence[Change]) -> set[int]:
    """Who sees a different schedule: everyone on a schedule whose sessions changed, plus joiners
    and leavers."""
    people: set[int] = set()
    for c in changes:
        fields = c.fields
        if c.action != "update" or "sessions" in fields:
            before = (c.before or {}).get("attendees", [])
            people |= set((c.after or {}).get("attendees", before)) | set(before)
        if "attendees" in fields:
            people |= set(fields["attendees"]["add"]) | set(fields["attendees"]["remove"])
    return people


def publish_notice(scope: str, mode: str, changes: Sequence[Change]) -> list[str]:
    """What publishing after this apply does for people: Builder's help says the first publish
    e-mails the attendees an invitation (docs/api-notes.md), so a plan of a file with ``publish``
    says so."""
    if mode == "none" or not changes:
        return []
    if mode == "guide":
        what = "the guide's personalized schedules are published"
        count: int | None = None
    else:
        count = len(affected_attendees(changes))
        what = f"the schedules of {count} attendee{'s' if count != 1 else ''} are published"
    return [
        Notice(
            f"{scope}: publish: {mode} — after this apply {what}; Guidebook e-mails each attendee "
            "an "
            "invitation the first time their schedule is published",
            kind="publish_emails",
            provider="guidebook",
            scope=scope,
            publish=mode,
            **({} if count is None else {"attendees": count}),
        )
    ]
