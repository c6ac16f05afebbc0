"""Issue 23 at the unit level: an object is never its own duplicate, checked reads, ownership of
copies."""

from __future__ import annotations

from typing import Any

import pytest

from provisioner.core.errors import ApiError
from provisioner.core.records import Record, add_live
from provisioner.providers.planning_center import client as pco


def test_an_object_read_twice_is_kept_once_never_as_its_own_twin() -> None:
    records: dict[str, Record] = {}
    add_live(records, Record("Product", {}, id=7))
    add_live(records, Record("Product", {}, id=7))
    add_live(records, Record("Product", {}, id=9))
    add_live(records, Record("Product", {}, id=9))
    assert sorted(records) == ["Product", "Product (#9)"]
    assert records["Product (#9)"].twin_of == "Product"


class Pages:
    """A client whose reads of one collection come back as ``reads`` (lists of pages of ids)."""

    service = "Planning Center"

    def __init__(self, reads: list[list[list[int]]]) -> None:
        self.reads = reads
        self.done = 0

    def iterate(self, path: str, params: Any, *, items: Any, next_url: Any) -> Any:
        pages = self.reads[min(self.done, len(self.reads) - 1)]
        self.done += 1
        total = sum(len(p) for p in pages)
        for page in pages:
            yield from items(
                {"data": [{"id": str(i)} for i in page], "meta": {"total_count": total}}
            )


def test_a_planning_center_read_that_repeats_an_id_is_read_again() -> None:
    client = Pages([[[1, 2], [2, 3]], [[1, 2], [3, 4]]])
    rows = pco.read_whole(client, "x")  # type: ignore[arg-type]
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"] and client.done == 2


def test_a_planning_center_read_that_never_holds_still_fails() -> None:
    client = Pages([[[1, 2], [2, 3]], [[1, 3], [3, 4]], [[1, 4], [4, 5]]])
    with pytest.raises(ApiError, match="did not hold still while they were read") as e:
        pco.read_whole(client, "x")  # type: ignore[arg-type]
    assert client.done == 3 and "in 3 reads" in str(e.value)


def test_a_planning_center_list_that_steadily_holds_one_id_twice_says_so() -> None:
    """Found by the edges soak (a buried member's id given to a new one): the same list on every
    read is not a list that moved; "try again when the plan is not being written to" misled."""
    client = Pages([[[1, 2], [2, 3]]])
    with pytest.raises(ApiError) as e:
        pco.read_whole(client, "x")  # type: ignore[arg-type]
    assert client.done == 3 and str(e.value) == (
        "Planning Center: every read of x lists id 2 twice (3 reads alike): the server's list is "
        "not "
        "one object per id, and a plan made from it could delete the only copy; nothing was "
        "planned (if "
        "it stays so, report it to Planning Center support)"
    )


def test_the_circuit_breaker_opens_after_five_refused_connections_and_waits_no_more() -> None:
    import socket

    from provisioner.core.clock import FakeClock
    from provisioner.core.errors import HostDownError, TransportError
    from provisioner.transport.http import HttpClient

    with socket.socket() as s:  # a port nothing listens on: every connection is refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clock = FakeClock()
    client = HttpClient(f"http://127.0.0.1:{port}/", lambda: "x", "Svc", clock=clock)
    with pytest.raises(TransportError) as first:
        client.request("GET", "a")
    assert not isinstance(first.value, HostDownError) and client.stats["GET"] == 5
    slept = clock.slept
    with pytest.raises(HostDownError, match=f"Svc: 127.0.0.1:{port} failed 5 connections in a row"):
        client.request("GET", "b")
    assert client.stats["GET"] == 5 and clock.slept == slept  # nothing sent, nothing waited
