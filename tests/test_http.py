"""The HTTP choke point against the sandbox: retries, backoff bounds, typed errors, no blind POST
retries.

Clients wait on a fake clock and draw no jitter (``jitter=min``), so every wait is asserted exactly.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from provisioner.core.clock import FakeClock
from provisioner.core.errors import (
    AmbiguousWriteError,
    ApiError,
    AuthError,
    BadRequestError,
    ConfigError,
    NotFoundError,
    ServerError,
    TransportError,
)
from provisioner.providers.guidebook.provider import drf_detail
from provisioner.transport.http import HttpClient, RatePacer, RetryPolicy, check_base_url
from provisioner_sandbox import GUIDEBOOK_KEY, SandboxServer

RETRY = RetryPolicy(
    attempts=3, jitter=min
)  # backoff 0.5 s x 2**attempt, times 0.5 (the least jitter)
LIST = "personalized-schedules/"


def client(
    sb: SandboxServer,
    clock: FakeClock,
    key: str = GUIDEBOOK_KEY,
    retry: RetryPolicy = RETRY,
    timeout: float = 5.0,
) -> HttpClient:
    return HttpClient(
        sb.guidebook_url,
        auth=lambda: f"JWT {key}",
        service="Guidebook",
        detail=drf_detail,
        retry=retry,
        timeout=(1.0, timeout),
        clock=clock,
    )


def statuses(sb: SandboxServer) -> list[tuple[str, int | None]]:
    return [(r["method"], r["status"]) for r in sb.requests()]


def test_get_retries_5xx_and_429_honouring_retry_after(sb: SandboxServer, clock: FakeClock) -> None:
    sb.add_fault(method="GET", path=LIST, status=503, times=1)
    sb.add_fault(method="GET", path=LIST, status=429, times=1, retry_after=7)
    assert client(sb, clock).request("GET", LIST, params={"guide": 47}).status == 200
    assert clock.sleeps == [
        0.25,
        7.0,
    ]  # our backoff after the 503, the server's Retry-After after the 429
    assert statuses(sb) == [("GET", 503), ("GET", 429), ("GET", 200)]


def test_retry_after_gets_up_to_a_tenth_of_a_second_of_jitter(
    sb: SandboxServer, clock: FakeClock
) -> None:
    sb.add_fault(method="GET", path=LIST, status=429, times=1, retry_after=7)
    client(sb, clock, retry=RetryPolicy(jitter=max)).request("GET", LIST)
    assert clock.sleeps == [7.1]


def test_backoff_doubles_up_to_the_cap(clock: FakeClock) -> None:
    retry = RetryPolicy(base=0.5, cap=3, jitter=max)
    assert [retry.delay(attempt, None) for attempt in range(5)] == [0.5, 1, 2, 3, 3]
    assert RetryPolicy(jitter=min).delay(3, None) == 2  # the random factor is at least 0.5


def test_attempts_are_capped(sb: SandboxServer, clock: FakeClock) -> None:
    sb.add_fault(method="GET", path=LIST, status=500, times=-1)
    with pytest.raises(ServerError, match="answered 500"):
        client(sb, clock).request("GET", LIST)
    assert len(statuses(sb)) == 3
    assert clock.sleeps == [0.25, 0.5]  # none after the last attempt


@pytest.mark.parametrize(("retry_after", "sent", "sleeps"), [(10, 1, []), (1, 3, [1.0, 1.0])])
def test_total_time_is_capped(
    sb: SandboxServer, clock: FakeClock, retry_after: float, sent: int, sleeps: list[float]
) -> None:
    """A retry whose wait would end past ``total`` seconds after the first attempt is not made."""
    sb.add_fault(method="GET", path=LIST, status=429, times=-1, retry_after=retry_after)
    with pytest.raises(Exception, match="answered 429"):
        client(sb, clock, retry=RetryPolicy(attempts=5, total=2.5, jitter=min)).request("GET", LIST)
    assert len(statuses(sb)) == sent and clock.sleeps == sleeps


@pytest.mark.parametrize(
    ("status", "kind"), [(400, BadRequestError), (401, AuthError), (404, NotFoundError)]
)
def test_client_errors_are_typed_and_not_retried(
    sb: SandboxServer, clock: FakeClock, status: int, kind: type
) -> None:
    sb.add_fault(method="PATCH", path=LIST, status=status, times=-1)
    with pytest.raises(kind):
        client(sb, clock).request("PATCH", LIST + "1/", json={"sessions": [13]})
    assert statuses(sb) == [("PATCH", status)] and clock.sleeps == []


def test_wrong_key_is_an_auth_error_with_the_server_detail(
    sb: SandboxServer, clock: FakeClock
) -> None:
    with pytest.raises(AuthError, match=r"answered 401: Invalid signature\."):
        client(sb, clock, key="wrong").request("GET", LIST)


def test_post_is_never_resent_after_an_ambiguous_failure(
    sb: SandboxServer, clock: FakeClock
) -> None:
    sb.add_fault(method="POST", path=LIST, mode="drop_after_commit")
    body = {"guide": 47, "name": "X", "attendees": [6], "sessions": [13]}
    with pytest.raises(AmbiguousWriteError):
        client(sb, clock).request("POST", LIST, json=body)
    assert statuses(sb) == [("POST", 201)]  # committed, but the client never saw the answer
    sb.add_fault(method="POST", path=LIST, status=503)
    with pytest.raises(AmbiguousWriteError):
        client(sb, clock).request("POST", LIST, json=body)
    assert clock.sleeps == []


def test_post_is_retried_on_429_because_nothing_was_done(
    sb: SandboxServer, clock: FakeClock
) -> None:
    sb.add_fault(method="POST", path=LIST, status=429, retry_after=1)
    body = {"guide": 47, "name": "X", "attendees": [5], "sessions": [13]}
    assert client(sb, clock).request("POST", LIST, json=body).status == 201
    assert statuses(sb) == [("POST", 429), ("POST", 201)]
    assert clock.sleeps == [1.0]


def test_timeouts_and_dropped_connections_are_retried_for_reads(
    sb: SandboxServer, clock: FakeClock
) -> None:
    sb.add_fault(method="GET", path=LIST, mode="timeout", delay=0.5)
    sb.add_fault(method="GET", path=LIST, mode="drop_before")
    assert client(sb, clock, timeout=0.3).request("GET", LIST).status == 200
    assert len(statuses(sb)) == 3 and clock.sleeps == [0.25, 0.5]


def test_204_delete_is_success_with_no_body(sb: SandboxServer, clock: FakeClock) -> None:
    response = client(sb, clock).request("DELETE", LIST + "6/")
    assert (response.status, response.data) == (204, None)


def test_connection_refused_is_a_transport_error(clock: FakeClock) -> None:
    c = HttpClient(
        "http://127.0.0.1:9/", auth=lambda: "JWT x", service="Guidebook", retry=RETRY, clock=clock
    )
    with pytest.raises(TransportError, match=r"GET /x connection failed \(ConnectionError\)"):
        c.request("GET", "x")
    assert clock.sleeps == [0.25, 0.5]  # retried: nothing reached a server


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:1/", "http://localhost/", "http://[::1]:80/", "https://x.org"]
)
def test_base_url_policy_accepts(url: str) -> None:
    assert check_base_url(url, "X").endswith("/")


@pytest.mark.parametrize(
    "url", ["http://example.com/", "http://169.254.1.1/", "file:///etc/passwd", "https://"]
)
def test_base_url_policy_refuses(url: str) -> None:
    with pytest.raises(ConfigError, match="refused"):
        check_base_url(url, "X")


def test_pacer_reads_both_period_forms_and_waits_when_the_window_is_full(clock: FakeClock) -> None:
    pacer = RatePacer("L", "C", "P", margin=0, clock=clock)
    pacer.observe({"L": "3", "C": "1", "P": "1 seconds"})
    assert (pacer.limit, pacer.period) == (3, 1.0)
    pacer.observe({"L": "3", "C": "1", "P": "20"})
    assert pacer.period == 20.0
    pacer = RatePacer("L", "C", "P", limit=2, period=20, margin=0, clock=clock)
    for _ in range(5):
        pacer.before()
    # two sends a window: the 3rd waits for the window to pass (plus 0.05 s), the 5th as well
    assert clock.sleeps == [20.05, 20.05]


def test_pacer_keeps_a_margin_and_counts_what_the_server_says_others_sent(clock: FakeClock) -> None:
    pacer = RatePacer("L", "C", "P", clock=clock)
    pacer.observe({"L": "10", "C": "5", "P": "20"})  # other clients sent 5 in this window
    for _ in range(3):  # 10 - margin 2 - 5 = 3 free
        pacer.before()
    assert clock.sleeps == []
    pacer.before()
    assert clock.sleeps == [20.05]
    clock.advance(5)
    for _ in range(
        8
    ):  # 7 fit beside the one sent at 20.05; the 8th waits until that one is 20 s old
        pacer.before()
    assert clock.sleeps == [20.05, 15.05]


def test_pacer_paces_concurrent_callers_together(clock: FakeClock) -> None:
    pacer = RatePacer("L", "C", "P", limit=4, period=10, margin=0, clock=clock)
    sent: list[float] = []

    def send() -> None:
        for _ in range(5):
            sent.append(pacer.before())

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent.sort()
    assert len(sent) == 20
    assert all(
        later - earlier >= 10 for earlier, later in zip(sent, sent[4:], strict=False)
    )  # never 5 in 10 s


class _Pages(BaseHTTPRequestHandler):
    """Page 1 names a foreign host in `next`; page 2 exists only on this server."""

    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).seen.append(f"{self.headers.get('Host')} {self.path}")
        page2 = "page=2" in self.path
        body = {
            "count": 2,
            "next": None if page2 else "http://127.0.0.2:9/steal/?page=2",
            "results": [{"id": 2 if page2 else 1}],
        }
        raw = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[ThreadingHTTPServer]:
    """A throwaway local server; it polls for shutdown every 10 ms (the default 0.5 s made each test
    wait)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    ).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_next_links_to_another_host_are_followed_on_our_own_host() -> None:
    with serving(_Pages) as server:
        base = f"http://127.0.0.1:{server.server_port}/"
        c = HttpClient(base, auth=lambda: "JWT secret", service="Guidebook", retry=RETRY)
        rows = list(
            c.iterate("x/", None, items=lambda p: p["results"], next_url=lambda p: p["next"])
        )
    assert rows == [{"id": 1}, {"id": 2}]
    # the foreign link's query is followed on our own host and path (its path is the other host's
    # business)
    assert _Pages.seen == [
        f"127.0.0.1:{server.server_port} /x/",
        f"127.0.0.1:{server.server_port} /x/?page=2",
    ]


def test_a_next_link_that_loops_back_is_an_error_not_a_hang() -> None:
    class Loop(_Pages):
        def do_GET(self) -> None:
            raw = json.dumps({"next": "/x/?page=2", "results": [1]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    with serving(Loop) as server:
        c = HttpClient(
            f"http://127.0.0.1:{server.server_port}/",
            auth=lambda: "JWT k",
            service="Guidebook",
            retry=RETRY,
        )
        with pytest.raises(ApiError, match="pagination loops back"):
            list(c.iterate("x/", None, items=lambda p: p["results"], next_url=lambda p: p["next"]))
