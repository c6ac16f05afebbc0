"""A loopback server answering from a ``--record`` directory: each request gets the recorded answer
of the same method and URL path + query (in recorded order when one was asked several times)."""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from provisioner.transport.recording import load

SKIP_HEADERS = {
    "content-length",
    "transfer-encoding",
    "connection",
    "content-encoding",
    "date",
    "server",
}


def _key(method: str, url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    return method, parts.path, urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))


class ReplayServer:
    """Answers from a ``--record`` directory, or from ``exchanges`` given as values (same shape).
    With ``by_path`` the query is ignored (recordings made with other page sizes), answers still in
    order."""

    def __init__(
        self,
        directory: str | Path | None = None,
        *,
        exchanges: list[dict[str, Any]] | None = None,
        by_path: bool = False,
    ) -> None:
        self.answers: dict[tuple[str, str, str], deque[dict[str, Any]]] = defaultdict(deque)
        self.by_path = by_path
        self.seen: list[str] = []
        for exchange in exchanges if exchanges is not None else load(directory or ""):
            self.answers[self._key(exchange["method"], exchange["url"])].append(exchange)
        self.unmatched: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                server.seen.append(f"{self.command} {self.path}")
                queue = server.answers.get(server._key(self.command, self.path))
                if not queue:
                    server.unmatched.append(f"{self.command} {self.path}")
                    self.send_response(599)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                exchange = queue.popleft() if len(queue) > 1 else queue[0]
                body = exchange["body"]
                raw = (
                    body
                    if isinstance(body, bytes)
                    else b""
                    if body is None
                    else (json.dumps(body) if not isinstance(body, str) else body).encode()
                )
                self.send_response(exchange["status"])
                for name, value in exchange["headers"].items():
                    if name.lower() not in SKIP_HEADERS:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def _key(self, method: str, url: str) -> tuple[str, str, str]:
        key = _key(method, url)
        return (key[0], key[1], "") if self.by_path else key

    def __enter__(self) -> ReplayServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
