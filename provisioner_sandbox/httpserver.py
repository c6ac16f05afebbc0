"""The sandbox on the wire: a stdlib ThreadingHTTPServer that hands each request to SandboxApp (or
to the /_sandbox/ control API) and writes its Response back, keeping HTTP/1.1 keep-alive as
production does."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .app import SandboxApp
from .control import control
from .web import Request, Response, json_response, parse_body

log = logging.getLogger("provisioner_sandbox.server")  # the name these log lines always had
_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError)


class AppHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that serves one SandboxApp and keeps track of its open connections
    and busy handlers, so SandboxServer.stop() can finish them."""

    daemon_threads = True  # a handler stuck in an injected sleep must not block stop()
    block_on_close = False

    def __init__(self, addr: tuple[str, int], app: SandboxApp) -> None:
        self.app = app
        self.conns: set[socket.socket] = set()
        self.conns_lock = threading.Lock()
        self.busy = 0  # requests being handled, so stop() can let them finish before closing the db
        super().__init__(addr, AppHandler)

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


class AppHandler(BaseHTTPRequestHandler):
    """One connection: each request becomes a web.Request for the app (or the /_sandbox/ control
    API), its Response is written back; a client that went away is not an error."""

    protocol_version = (
        "HTTP/1.1"  # keep-alive, so clients' connection pools behave as in production
    )
    server: AppHTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without NODELAY, Nagle plus delayed ACK adds ~40 ms
        # each.
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
