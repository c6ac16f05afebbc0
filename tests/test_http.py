"""The HTTP choke point against the sandbox: retries, backoff bounds, typed errors, no blind POST retries."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from provisioner.errors import (
    AmbiguousWriteError,
    ApiError,
    AuthError,
    BadRequestError,
    ConfigError,
    NotFoundError,
    ServerError,
    TransportError,
)
from provisioner.http import HttpClient, RatePacer, RetryPolicy, check_base_url
from provisioner.providers.guidebook.provider import drf_detail
from provisioner.sandbox import GUIDEBOOK_KEY

FAST = RetryPolicy(attempts=3, base=0.01, cap=0.05, total=5)
LIST = "personalized-schedules/"


def client(sb: object, key: str = GUIDEBOOK_KEY, retry: RetryPolicy = FAST, timeout: float = 5.0) -> HttpClient:
    return HttpClient(sb.guidebook_url, auth=lambda: f"JWT {key}", service="Guidebook",  # type: ignore[attr-defined]
                      detail=drf_detail, retry=retry, timeout=(1.0, timeout))


def statuses(sb: object) -> list[tuple[str, int | None]]:
    return [(r["method"], r["status"]) for r in sb.requests()]  # type: ignore[attr-defined]


def test_get_retries_5xx_and_429_honouring_retry_after(sb: object) -> None:
    sb.add_fault(method="GET", path=LIST, status=503, times=1)  # type: ignore[attr-defined]
    sb.add_fault(method="GET", path=LIST, status=429, times=1, retry_after=0.3)  # type: ignore[attr-defined]
    started = time.monotonic()
    assert client(sb).request("GET", LIST, params={"guide": 47}).status == 200
    assert time.monotonic() - started >= 0.3
    assert statuses(sb) == [("GET", 503), ("GET", 429), ("GET", 200)]


def test_attempts_are_capped(sb: object) -> None:
    sb.add_fault(method="GET", path=LIST, status=500, times=-1)  # type: ignore[attr-defined]
    with pytest.raises(ServerError, match="answered 500"):
        client(sb).request("GET", LIST)
    assert len(statuses(sb)) == 3


def test_total_time_is_capped(sb: object) -> None:
    sb.add_fault(method="GET", path=LIST, status=429, times=-1, retry_after=10)  # type: ignore[attr-defined]
    started = time.monotonic()
    with pytest.raises(Exception, match="answered 429"):
        client(sb, retry=RetryPolicy(attempts=5, total=2)).request("GET", LIST)
    assert time.monotonic() - started < 1 and len(statuses(sb)) == 1


@pytest.mark.parametrize(("status", "kind"), [(400, BadRequestError), (401, AuthError), (404, NotFoundError)])
def test_client_errors_are_typed_and_not_retried(sb: object, status: int, kind: type) -> None:
    sb.add_fault(method="PATCH", path=LIST, status=status, times=-1)  # type: ignore[attr-defined]
    with pytest.raises(kind):
        client(sb).request("PATCH", LIST + "1/", json={"sessions": [13]})
    assert statuses(sb) == [("PATCH", status)]


def test_wrong_key_is_an_auth_error_with_the_server_detail(sb: object) -> None:
    with pytest.raises(AuthError, match=r"answered 401: Invalid signature\."):
        client(sb, key="wrong").request("GET", LIST)


def test_post_is_never_resent_after_an_ambiguous_failure(sb: object) -> None:
    sb.add_fault(method="POST", path=LIST, mode="drop_after_commit")  # type: ignore[attr-defined]
    body = {"guide": 47, "name": "X", "attendees": [6], "sessions": [13]}
    with pytest.raises(AmbiguousWriteError):
        client(sb).request("POST", LIST, json=body)
    assert statuses(sb) == [("POST", 201)]  # committed, but the client never saw the answer
    sb.add_fault(method="POST", path=LIST, status=503)  # type: ignore[attr-defined]
    with pytest.raises(AmbiguousWriteError):
        client(sb).request("POST", LIST, json=body)


def test_post_is_retried_on_429_because_nothing_was_done(sb: object) -> None:
    sb.add_fault(method="POST", path=LIST, status=429, retry_after=0.01)  # type: ignore[attr-defined]
    body = {"guide": 47, "name": "X", "attendees": [6], "sessions": [13]}
    assert client(sb).request("POST", LIST, json=body).status == 201
    assert statuses(sb) == [("POST", 429), ("POST", 201)]


def test_timeouts_and_dropped_connections_are_retried_for_reads(sb: object) -> None:
    sb.add_fault(method="GET", path=LIST, mode="timeout", delay=0.6)  # type: ignore[attr-defined]
    sb.add_fault(method="GET", path=LIST, mode="drop_before")  # type: ignore[attr-defined]
    assert client(sb, timeout=0.3).request("GET", LIST).status == 200


def test_204_delete_is_success_with_no_body(sb: object) -> None:
    response = client(sb).request("DELETE", LIST + "6/")
    assert (response.status, response.data) == (204, None)


def test_connection_refused_is_a_transport_error() -> None:
    c = HttpClient("http://127.0.0.1:9/", auth=lambda: "JWT x", service="Guidebook", retry=FAST)
    with pytest.raises(TransportError, match=r"GET /x connection failed \(ConnectionError\)"):
        c.request("GET", "x")


@pytest.mark.parametrize("url", ["http://127.0.0.1:1/", "http://localhost/", "http://[::1]:80/", "https://x.org"])
def test_base_url_policy_accepts(url: str) -> None:
    assert check_base_url(url, "X").endswith("/")


@pytest.mark.parametrize("url", ["http://example.com/", "http://169.254.1.1/", "file:///etc/passwd", "https://"])
def test_base_url_policy_refuses(url: str) -> None:
    with pytest.raises(ConfigError, match="refused"):
        check_base_url(url, "X")


def test_pacer_reads_both_period_forms_and_waits_when_the_window_is_full() -> None:
    pacer = RatePacer("L", "C", "P", margin=0)
    pacer.observe({"L": "3", "C": "1", "P": "1 seconds"})
    assert (pacer.limit, pacer.period) == (3, 1.0)
    pacer.observe({"L": "3", "C": "1", "P": "20"})
    assert pacer.period == 20.0
    pacer = RatePacer("L", "C", "P", limit=2, period=0.3, margin=0)
    started = time.monotonic()
    for _ in range(4):
        pacer.before()
    assert 0.3 <= time.monotonic() - started < 1.0


class _Pages(BaseHTTPRequestHandler):
    """Page 1 names a foreign host in `next`; page 2 exists only on this server."""

    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).seen.append(f"{self.headers.get('Host')} {self.path}")
        page2 = "page=2" in self.path
        body = {"count": 2, "next": None if page2 else "http://127.0.0.2:9/steal/?page=2",
                "results": [{"id": 2 if page2 else 1}]}
        raw = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: object) -> None:
        pass


def test_next_links_to_another_host_are_followed_on_our_own_host() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}/"
        c = HttpClient(base, auth=lambda: "JWT secret", service="Guidebook", retry=FAST)
        rows = list(c.iterate("x/", None, items=lambda p: p["results"], next_url=lambda p: p["next"]))
    finally:
        server.shutdown()
        server.server_close()
    assert rows == [{"id": 1}, {"id": 2}]
    # the foreign link's query is followed on our own host and path (its path is the other host's business)
    assert _Pages.seen == [f"127.0.0.1:{server.server_port} /x/", f"127.0.0.1:{server.server_port} /x/?page=2"]


def test_a_next_link_that_loops_back_is_an_error_not_a_hang() -> None:
    class Loop(_Pages):
        def do_GET(self) -> None:
            raw = json.dumps({"next": "/x/?page=2", "results": [1]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Loop)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        c = HttpClient(f"http://127.0.0.1:{server.server_port}/", auth=lambda: "JWT k", service="Guidebook", retry=FAST)
        with pytest.raises(ApiError, match="pagination loops back"):
            list(c.iterate("x/", None, items=lambda p: p["results"], next_url=lambda p: p["next"]))
    finally:
        server.shutdown()
        server.server_close()
