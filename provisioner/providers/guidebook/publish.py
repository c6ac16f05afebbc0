"""Publishing personalized schedules after an apply (docs/api-notes.md, Guidebook): the whole guide in one call,
or one call per attendee whose schedule changed, paced, and stopped on a 429 saying who is left."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from provisioner.core.errors import ApiError, ConfigError, RateLimitedError
from provisioner.transport.credentials import var
from provisioner.transport.http import HttpClient, RetryPolicy

# The publish endpoints' limits are undocumented (the guide's own publish: 2 a minute [C]): per-attendee publish
# calls are spaced by this many seconds unless PROVISIONER_GUIDEBOOK_PUBLISH_INTERVAL says otherwise.
PUBLISH_INTERVAL = 2.0


def publish(
    client: HttpClient, name: str, guide: int, mode: str, attendees: Iterable[int], interval: float
) -> list[str]:
    """Publish for ``mode`` ("none", "guide" or "attendees"); notes for the user, or an ApiError saying what to do."""
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
    # A 429 is not waited out: the limit is unknown and may be per minute or per day (see PUBLISH_INTERVAL).
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
            f"publishing failed for {len(refused)} of {len(people)} attendees: {', '.join(refused[:10])}"
            " — fix the cause, then `provisioner apply --republish` (or publish from Builder)"
        )
    return [f"{name}: published personalized schedules for {len(people)} attendees"]


def publish_interval_from_env(env: Mapping[str, str]) -> float:
    raw = (env.get("PROVISIONER_GUIDEBOOK_PUBLISH_INTERVAL") or "").strip()
    try:
        value = float(raw) if raw else PUBLISH_INTERVAL
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise ConfigError(
            f"{var(env, 'PROVISIONER_GUIDEBOOK_PUBLISH_INTERVAL')}={raw!r} must be a number of seconds between "
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
        f"publishing stopped: Guidebook answered 429 (too many requests) after {done - len(refused)} of "
        f"{len(people)} attendees were published{failed}; not published: {len(left)} attendee"
        f"{'s' if len(left) != 1 else ''} ({shown}). Wait, or raise PROVISIONER_GUIDEBOOK_PUBLISH_INTERVAL, "
        "then `provisioner apply --republish`"
    )
