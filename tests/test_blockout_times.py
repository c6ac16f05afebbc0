"""A blockout's ``starts_at``/``ends_at``: UTC instants or wall-clock times in its ``time_zone``
with a ``Z``? Undocumented (docs/api-notes.md, open point 22), so the sandbox serves either
(``pco.blockout_times=utc|local``) and every blockout warning is checked under both readings.

The demo organization is in America/New_York; plan 9001 "Compline" is Dec 18 23:30 there (Dec 19
04:30 UTC): the place where a UTC day and a New York day differ.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from provisioner.providers.planning_center.blockouts import Span, parse_blockout, readings
from provisioner_sandbox import SandboxServer
from tests.conftest import Cli, sandbox_env
from tests.helpers import on_team, roster_yaml

Write = Callable[[str, str], Path]
BOTH = pytest.mark.parametrize("reading", ["utc", "local"])
GRACE = (
    "plan 5680: Grace Wilson (person 119) is blocked out Dec 19, 2026 – Dec 20, 2026 (Visiting "
    "family), which overlaps Carols in the park, 10am and Noon; Planning Center schedules them "
    "anyway"
)


def served_blockouts(sb: SandboxServer, person: int) -> list[dict[str, str]]:
    env = sandbox_env(sb)
    request = urllib.request.Request(f"{sb.pco_url}services/v2/people/{person}/blockouts")
    token = base64.b64encode(f"{env['PCO_APPLICATION_ID']}:{env['PCO_SECRET']}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request) as response:
        return [row["attributes"] for row in json.load(response)["data"]]


def compline(sb: SandboxServer, write: Write, people: list[int]) -> Path:
    """Plan 9001 (Evening Prayer) with its one time, Compline Dec 18 23:30-23:55 New York, adding
    ``people``."""
    sb.store.add_plan_time(
        9001, "service", "2026-12-19T04:30:00Z", "Compline", "2026-12-19T04:55:00Z"
    )
    members = [on_team(p, 41, position="Cantor") for p in people]
    return write("roster.yaml", roster_yaml(9001, members, prune=False, service_type=2345))


def warnings(cli: Cli, path: Path) -> list[str]:
    result = cli("plan", "--format", "json", str(path))
    assert result.exit_code == 0, result.stderr
    return list(json.loads(result.stdout)["warnings"])


def test_the_sandbox_serves_blockout_times_as_utc_or_as_new_york_wall_clock(
    sb: SandboxServer,
) -> None:
    sb.set_readings({"pco.blockout_times": "utc"})
    (utc,) = served_blockouts(sb, 119)
    sb.set_readings({"pco.blockout_times": "local"})
    (local,) = served_blockouts(sb, 119)
    assert (utc["starts_at"], utc["ends_at"]) == ("2026-12-19T05:00:00Z", "2026-12-21T04:59:00Z")
    assert (local["starts_at"], local["ends_at"]) == (
        "2026-12-19T00:00:00Z",
        "2026-12-20T23:59:00Z",
    )
    assert local["time_zone"] == utc["time_zone"] == "America/New_York"


@BOTH
def test_an_all_day_blockout_warns_the_same_under_either_reading(
    sb: SandboxServer, cli: Cli, write: Write, tmp_path: Path, reading: str
) -> None:
    sb.set_readings({"pco.blockout_times": reading})
    path = write(
        "roster.yaml", roster_yaml(5680, [on_team(119, 22, position="Vocals")], prune=False)
    )
    result = cli("plan", "--format", "json", str(path))
    data = json.loads(result.stdout)
    assert data["warnings"] == [GRACE]
    # the details give the instants the warning was judged by: New York's midnight, either way
    (detail,) = data["warning_details"]
    assert (detail["blockout"]["starts_at"], detail["blockout"]["ends_at"]) == (
        "2026-12-19T05:00:00Z",
        "2026-12-21T04:59:00Z",
    )


@BOTH
def test_an_all_day_blockout_near_midnight_in_new_york_warns_on_its_own_day_only(
    sb: SandboxServer, cli: Cli, write: Write, reading: str
) -> None:
    sb.set_readings({"pco.blockout_times": reading})
    # Jane: all day Dec 18 in New York (Compline is Dec 18 23:30 there): under `local` it is served
    # 2026-12-18T00:00Z-23:59Z, which read as UTC ends before Compline (Dec 19 04:30 UTC) and was
    # missed.
    sb.store.add_blockout(111, "2026-12-18T05:00:00Z", "2026-12-19T04:59:00Z", "Retreat")
    # John: all day Dec 19 in New York: Compline is the evening before. Under `local` it is served
    # 2026-12-19T00:00Z-23:59Z, which read as UTC would cover Compline (04:30 UTC): a false warning.
    sb.store.add_blockout(112, "2026-12-19T05:00:00Z", "2026-12-20T04:59:00Z", "Wedding")
    assert warnings(cli, compline(sb, write, [111, 112])) == [
        "plan 9001: Jane Doe (person 111) is blocked out Dec 18, 2026 (Retreat), which overlaps "
        "Compline; Planning Center schedules them anyway"
    ]


@BOTH
def test_a_blockout_of_some_hours_warns_when_either_reading_overlaps(
    sb: SandboxServer, cli: Cli, write: Write, reading: str
) -> None:
    sb.set_readings({"pco.blockout_times": reading})
    # Jane: Dec 18 22:00-23:59 in New York, no midnight to tell the reading by: judged both ways (a
    # warning is advisory, so the union). Under `local` it is served 22:00Z-23:59Z; only the
    # wall-clock reading overlaps.
    sb.store.add_blockout(111, "2026-12-19T03:00:00Z", "2026-12-19T04:59:00Z", "Late shift")
    # John: Dec 18 14:00-16:00 in New York: neither reading reaches Compline.
    sb.store.add_blockout(112, "2026-12-18T19:00:00Z", "2026-12-18T21:00:00Z", "Dentist")
    assert warnings(cli, compline(sb, write, [111, 112])) == [
        "plan 9001: Jane Doe (person 111) is blocked out Dec 18, 2026 (Late shift), which overlaps "
        "Compline; Planning Center schedules them anyway"
    ]


def test_the_readings_a_blockouts_times_leave_open() -> None:
    def open_(start: str, end: str, zone: str = "America/New_York") -> list[tuple[str, str]]:
        spans = readings(start, end, ZoneInfo(zone))
        return [(s.name, s.start.astimezone(UTC).strftime("%m-%dT%H:%M")) for s in spans]

    # Z and a start at New York midnight under exactly one reading: that one
    assert open_("2026-12-19T05:00:00Z", "2026-12-21T04:59:00Z") == [("utc", "12-19T05:00")]
    assert open_("2026-12-19T00:00:00Z", "2026-12-20T23:59:00Z") == [("local", "12-19T05:00")]
    # Z and no midnight: both, UTC first
    assert open_("2026-12-19T03:00:00Z", "2026-12-19T04:59:00Z") == [
        ("utc", "12-19T03:00"),
        ("local", "12-19T08:00"),
    ]
    # an offset is an instant; no offset is the zone's wall clock; in a UTC zone the two are one
    assert open_("2026-12-18T22:00:00-05:00", "2026-12-18T23:59:00-05:00") == [
        ("utc", "12-19T03:00")
    ]
    assert open_("2026-12-18T22:00:00", "2026-12-18T23:59:00") == [("local", "12-19T03:00")]
    assert open_("2026-12-19T03:00:00Z", "2026-12-19T04:59:00Z", "UTC") == [("utc", "12-19T03:00")]
    assert open_("not a time", "2026-12-19T04:59:00Z") == []


def test_a_repeating_blockout_repeats_each_reading_still_open() -> None:
    # every week on Fridays 21:00-23:00 (no midnight): Dec 18 is a Friday
    row = {
        "id": "5",
        "attributes": {
            "starts_at": "2026-12-04T21:00:00Z",
            "ends_at": "2026-12-04T23:00:00Z",
            "repeat_frequency": "every_1",
            "repeat_period": "weekly",
            "time_zone": "America/New_York",
        },
    }
    blockout = parse_blockout(row)
    assert blockout is not None and blockout.others
    at = datetime(
        2026, 12, 19, 3, 30, tzinfo=UTC
    )  # Fri Dec 18 22:30 New York: the wall-clock reading
    assert blockout.hits([Span(at, at.replace(minute=45))]) != []
    at = datetime(2026, 12, 18, 21, 30, tzinfo=UTC)  # Fri Dec 18 16:30 New York: the UTC reading
    assert blockout.hits([Span(at, at.replace(minute=45))]) != []
    at = datetime(2026, 12, 18, 12, 0, tzinfo=UTC)  # Friday morning: neither
    assert blockout.hits([Span(at, at.replace(minute=45))]) == []


def test_the_blockouts_of_the_people_a_plan_adds_are_read_at_once(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    # Each blockouts GET waits (in the sandbox) for the other: read one after the other, the first
    # would wait out the barrier's timeout and the hook would record a broken barrier.
    meet, met = threading.Barrier(2, timeout=5), []

    def wait_for_the_other(_: object) -> None:
        try:
            met.append(meet.wait())
        except threading.BrokenBarrierError:
            met.append(-1)

    sb.add_hook(wait_for_the_other, method="GET", path=r"/people/\d+/blockouts$", times=2)
    sb.store.add_blockout(111, "2026-12-18T05:00:00Z", "2026-12-19T04:59:00Z", "Retreat")
    assert len(warnings(cli, compline(sb, write, [111, 112]))) == 1
    assert sorted(met) == [0, 1]  # both were in flight together
    gets = [r["path"] for r in sb.requests() if r["path"].endswith("/blockouts")]
    assert sorted(gets) == [
        "/services/v2/people/111/blockouts",
        "/services/v2/people/112/blockouts",
    ]  # once each, in no fixed order
