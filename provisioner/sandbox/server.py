"""The HTTP side of the sandbox: a stdlib ThreadingHTTPServer around SandboxApp, and `serve()`."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .app import SandboxApp
from .credentials import GUIDEBOOK_KEY, PCO_APP_ID, PCO_SECRET, PCO_TOKEN
from .faults import FaultRule
from .guidebook import GuidebookApi
from .pco import PcoApi
from .seed import apply_seed
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
    protocol_version = "HTTP/1.1"  # keep-alive, so clients' connection pools behave as in production
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
            self._send(app.control(req))
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
    """A local emulator of the Guidebook Open API and Planning Center Services, on one port.

    `seed`: "demo", "empty", "bench:guides=G,schedules=S,sessions=N,attendees=A", or None to keep the data
    already in `data` (a database that was never seeded gets "demo").
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
    ) -> None:
        self._tmpdir = tempfile.mkdtemp(prefix="provisioner-sandbox-") if data is None else None
        self.data = data or os.path.join(self._tmpdir or "", "sandbox.sqlite3")
        self.host, self.port = host, port
        self.store = Store(self.data)
        apply_seed(self.store, seed)
        gb = GuidebookApi(self.store, guidebook_page_size, guidebook_max_page_size, guidebook_daily_limit)
        self.app = SandboxApp(self.store, gb, PcoApi(self.store, pco_rate_limit, pco_rate_period), latency)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    # ---- lifecycle -----------------------------------------------------------------------------

    def start(self) -> SandboxServer:
        if self._httpd is not None:
            return self
        if self._stopped:
            raise RuntimeError("a stopped SandboxServer cannot restart; create a new one on the same data file")
        self.app.stopping.clear()
        self._httpd = _HTTPServer((self.host, self.port), self.app)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"sandbox:{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, let in-flight requests finish (briefly), close the database."""
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            self.app.stopping.set()
            httpd.shutdown()
            httpd.server_close()
            httpd.drop_connections()
            deadline = time.monotonic() + 2.0
            while httpd.busy and time.monotonic() < deadline:
                time.sleep(0.01)
            if self._thread is not None:
                self._thread.join(timeout=2.0)
        self._stopped = True
        self.store.close()
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
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

    def requests(self) -> list[dict[str, Any]]:
        """API requests in arrival order: method, path, query, body, status (None if dropped unanswered)."""
        return self.app.requests()

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
        return self.app.faults.add(
            method=method, path=path, mode=mode, status=status, times=times, retry_after=retry_after, delay=delay
        )

    def clear_faults(self) -> None:
        self.app.faults.clear()

    def reset(self, seed: str | None = "demo") -> None:
        self.app.reset(seed)


def serve(
    port: int = 8765,
    data: str | None = None,
    seed: str | None = None,
    latency: float = 0.0,
    faults_file: str | None = None,
    pco_rate_limit: int = 100,
    pco_rate_period: int = 20,
) -> None:
    """Run the sandbox in the foreground until SIGINT/SIGTERM; print where it listens and what to use."""
    sandbox = SandboxServer(
        data=data, seed=seed, port=port, latency=latency, pco_rate_limit=pco_rate_limit, pco_rate_period=pco_rate_period
    )
    if faults_file:
        sandbox.app.faults.load_file(faults_file)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    sandbox.start()
    try:
        print(f"sandbox listening on {sandbox.url}")
        print(f"export GUIDEBOOK_API_URL={sandbox.guidebook_url} GUIDEBOOK_API_KEY={GUIDEBOOK_KEY}")
        print(f"export PCO_API_URL={sandbox.pco_url} PCO_APPLICATION_ID={PCO_APP_ID} PCO_SECRET={PCO_SECRET}")
        print(f"# or instead of the PCO id/secret: export PCO_ACCESS_TOKEN={PCO_TOKEN}")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
