"""The HTTP side of the sandbox: a stdlib ThreadingHTTPServer around SandboxApp, `SandboxServer`, and `serve()`."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .app import RequestRecord, SandboxApp
from .control import control
from .credentials import GUIDEBOOK_KEY, PCO_APP_ID, PCO_SECRET, PCO_TOKEN
from .errors import SandboxError
from .faults import FaultRule, Hook
from .guidebook.api import GuidebookApi
from .planning_center.api import PcoApi
from .readings import Readings
from .seed import apply_seed, check_seed
from .services import READINGS
from .store import Store
from .web import Request, Response, json_response, parse_body

log = logging.getLogger(__name__)
_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a handler stuck in an injected sleep must not block stop()
    block_on_close = False

    def __init__(self, addr: tuple[str, int], app: SandboxApp) -> None:
        self.app = app
        self.conns: set[socket.socket] = set()
        self.conns_lock = threading.Lock()
        self.busy = 0  # requests being handled, so stop() can let them finish before closing the db
        super().__init__(addr, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.conns_lock:
            self.conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.conns_lock:
            self.conns.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Wake keep-alive handler threads blocked on idle client sockets so they exit now."""
        with self.conns_lock:
            conns = list(self.conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = (
        "HTTP/1.1"  # keep-alive, so clients' connection pools behave as in production
    )
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without NODELAY, Nagle plus delayed ACK adds ~40 ms each.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _dispatch(self) -> None:
        srv = self.server
        with srv.conns_lock:
            srv.busy += 1
        try:
            self._handle()
        except _GONE:
            self.close_connection = True  # the client went away (e.g. its timeout fired)
        finally:
            with srv.conns_lock:
                srv.busy -= 1

    def _handle(self) -> None:
        req = self._request()
        app = self.server.app
        if req.path.startswith("/_sandbox/"):
            self._send(control(app, req))
            return
        try:
            resp = app.api(req)
        except Exception:  # a sandbox bug must answer 500, never hang the client
            log.exception("sandbox error on %s %s", req.method, req.path)
            resp = json_response(500, {"detail": "sandbox internal error"})
        if resp is None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(resp)

    def _request(self) -> Request:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        body, error = parse_body(raw, headers.get("content-type", ""))
        host = headers.get("host") or "{}:{}".format(*self.server.server_address[:2])
        return Request(
            method=self.command,
            path=unquote(url.path),
            query=parse_qs(url.query, keep_blank_values=True),
            headers=headers,
            raw_body=raw,
            body=body,
            body_error=error,
            base_url=f"http://{host}/",
        )

    def _send(self, resp: Response) -> None:
        self.send_response(resp.status)
        if resp.content_type:
            self.send_header("Content-Type", resp.content_type)
        for name, value in resp.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch


class SandboxServer:
    """A local emulator of the Guidebook Open API and Planning Center Services, on one loopback port.

    `seed`: "demo", "empty", "bench:guides=G,schedules=S,sessions=N,attendees=A", or None to keep the data
    already in `data` (a database that was never seeded gets "demo"). `readings`: how to answer where the real
    APIs are undocumented, e.g. {"guidebook.body": "form-only"} (see `readings()` and README.md). `monotonic`
    times the Planning Center rate window: a test whose client sleeps on a fake clock passes that clock's here.
    `today`: the day Planning Center's `future`/`past` filters take as today (default: the real date).

    The port is bound here, before the seed touches `data`, so a port in use costs nothing. Every set-up problem
    (unknown seed or reading, a data file that is not SQLite, a port in use or out of range) is a SandboxError.
    """

    def __init__(
        self,
        data: str | None = None,
        seed: str | None = "demo",
        port: int = 0,
        host: str = "127.0.0.1",
        latency: float = 0.0,
        pco_rate_limit: int = 100,
        pco_rate_period: int = 20,
        guidebook_daily_limit: int = 10000,
        guidebook_page_size: int = 25,
        guidebook_max_page_size: int = 100,
        readings: Mapping[str, object] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        today: date | None = None,
    ) -> None:
        check_seed(seed)  # before anything is opened or wiped
        current = Readings(READINGS, readings)
        if not 0 <= port <= 65535:
            raise SandboxError(f"port {port} is out of range: use 1-65535, or 0 for a free one")
        self._tmpdir = tempfile.mkdtemp(prefix="provisioner-sandbox-") if data is None else None
        self.data = data or os.path.join(self._tmpdir or "", "sandbox.sqlite3")
        self.host = host
        self._thread: threading.Thread | None = None
        self._stopped = False
        try:
            self.store = Store(self.data)
            self.store.today = today
        except SandboxError:
            self._remove_tmpdir()
            raise
        gb = GuidebookApi(
            self.store, current, guidebook_page_size, guidebook_max_page_size, guidebook_daily_limit
        )
        pco = PcoApi(self.store, current, pco_rate_limit, pco_rate_period, monotonic)
        self.app = SandboxApp(self.store, gb, pco, current, latency)
        self._httpd: _HTTPServer | None = None
        try:
            self._httpd = _HTTPServer((host, port), self.app)
            apply_seed(self.store, seed)
        except BaseException as exc:
            self._close()
            if isinstance(exc, OSError):
                raise SandboxError(_bind_problem(host, port, exc)) from None
            raise
        self.port: int = self._httpd.server_address[1]

    # ---- lifecycle -----------------------------------------------------------------------------

    def start(self) -> SandboxServer:
        if self._thread is not None:
            return self
        if self._stopped or self._httpd is None:
            raise RuntimeError(
                "a stopped SandboxServer cannot restart; create a new one on the same data file"
            )
        self.app.stopping.clear()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, let in-flight requests finish (briefly), drop late commits not yet due, close the db."""
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            self.app.stopping.set()
            if self._thread is not None:
                httpd.shutdown()
            httpd.server_close()
            httpd.drop_connections()
            deadline = time.monotonic() + 2.0
            while httpd.busy and time.monotonic() < deadline:
                time.sleep(0.01)
            if self._thread is not None:
                self._thread.join(timeout=2.0)
            self.app.join_late(timeout=2.0)
        self._stopped = True
        self._close()

    def _close(self) -> None:
        if self._httpd is not None:
            self._httpd.server_close()
            self._httpd = None
        self.store.close()
        self._remove_tmpdir()

    def _remove_tmpdir(self) -> None:
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- addresses -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def guidebook_url(self) -> str:
        return self.url + "open-api/v1/"

    @property
    def pco_url(self) -> str:
        return self.url

    # ---- test controls -------------------------------------------------------------------------

    def requests(self, method: str | None = None, path: str | None = None) -> list[RequestRecord]:
        """API requests in arrival order: method, path, query, body, content_type, status (None while
        unanswered), fault. `method` keeps one method; `path` is a regex searched in the path."""
        return self.app.requests(method=method, path=path)

    def clear_requests(self) -> None:
        self.app.clear_requests()

    def add_fault(
        self,
        method: str = "*",
        path: str = ".*",
        mode: str = "status",
        status: int = 503,
        times: int = 1,
        retry_after: float | None = None,
        delay: float = 0.0,
    ) -> FaultRule:
        """Make matching requests fail; the modes are listed in faults.py (e.g. "ack_without_commit")."""
        return self.app.faults.add(
            method=method,
            path=path,
            mode=mode,
            status=status,
            times=times,
            retry_after=retry_after,
            delay=delay,
        )

    def add_hook(
        self, action: Callable[[Store], None], method: str = "*", path: str = ".*", times: int = 1
    ) -> Hook:
        """Run `action(store)` just before a matching request is handled: an out-of-band edit (another
        writer) at an exact point of a client's run. Cleared by clear_faults() and reset()."""
        return self.app.faults.add_hook(action, method=method, path=path, times=times)

    def clear_faults(self) -> None:
        self.app.faults.clear()

    def wait_for_late_commits(self, timeout: float = 5.0) -> None:
        """Wait until every commit_later request has been carried out (instead of sleeping in tests)."""
        deadline = time.monotonic() + timeout
        while self.app.pending_late() and time.monotonic() < deadline:
            time.sleep(0.01)

    def land_late_commits(self) -> None:
        """Carry out every pending commit_later request now (a test picks the moment, on its fake clock)."""
        self.app.land_late()

    def readings(self) -> dict[str, str]:
        """The current value of every reading."""
        return self.app.readings.as_dict()

    def set_readings(
        self, changes: Mapping[str, object] | None = None, **named: object
    ) -> dict[str, str]:
        """Change readings at runtime, e.g. `set_readings({"guidebook.body": "form-only"})`; reset() undoes it."""
        return self.app.readings.set({**(changes or {}), **named})

    def reset(self, seed: str | None = "demo") -> None:
        """Reseed, clear the log, faults and hooks, rate counters, and go back to the starting readings."""
        self.app.reset(seed)


def _bind_problem(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is already in use (another sandbox?): pick another with --port, or 0 for any"
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on port {port} (ports below 1024 need privileges): use a higher one"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"


def serve(
    port: int = 8765,
    data: str | None = None,
    seed: str | None = None,
    latency: float = 0.0,
    faults_file: str | None = None,
    pco_rate_limit: int = 100,
    pco_rate_period: int = 20,
    guidebook_daily_limit: int = 10000,
    readings: Mapping[str, object] | None = None,
    today: date | None = None,
) -> None:
    """Run the sandbox in the foreground until SIGINT/SIGTERM; print where it listens and what to use.

    Raises SandboxError, before anything is served or written, for every set-up problem."""
    sandbox = SandboxServer(
        data=data,
        seed=seed,
        port=port,
        latency=latency,
        pco_rate_limit=pco_rate_limit,
        pco_rate_period=pco_rate_period,
        guidebook_daily_limit=guidebook_daily_limit,
        readings=readings,
        today=today,
    )
    try:
        if faults_file:
            sandbox.app.faults.load_file(faults_file)
    except SandboxError:
        sandbox.stop()
        raise
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    sandbox.start()
    try:
        print(f"sandbox listening on {sandbox.url}")
        print(f"export GUIDEBOOK_API_URL={sandbox.guidebook_url} GUIDEBOOK_API_KEY={GUIDEBOOK_KEY}")
        print(
            f"export PCO_API_URL={sandbox.pco_url} PCO_APPLICATION_ID={PCO_APP_ID} PCO_SECRET={PCO_SECRET}"
        )
        print(f"# or instead of the PCO id/secret: export PCO_ACCESS_TOKEN={PCO_TOKEN}")
        changed = {k: v for k, v in sandbox.readings().items() if v != _default(k)}
        if changed:
            print("# readings: " + ", ".join(f"{k}={v}" for k, v in sorted(changed.items())))
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()


def _default(name: str) -> str:
    return next(r.default for r in READINGS if r.name == name)
