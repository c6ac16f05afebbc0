"""The request pipeline shared by both emulated APIs: log, latency, faults, auth/limits, handling.

Kept free of socket code so the order of those steps is readable in one place (`api`).
"""

from __future__ import annotations

import copy
import json
import threading
from typing import Any, Protocol

from .faults import Faults
from .guidebook import GuidebookApi
from .pco import PcoApi
from .seed import apply_seed
from .store import Store
from .web import Request, Response, empty_response, json_response


class Api(Protocol):
    def preflight(self, req: Request) -> Response | None: ...
    def handle(self, req: Request) -> Response: ...
    def fault_response(self, status: int) -> Response: ...
    def decorate(self, req: Request, resp: Response) -> None: ...


class SandboxApp:
    def __init__(self, store: Store, gb: GuidebookApi, pco: PcoApi, latency: float = 0.0) -> None:
        self.store, self.gb, self.pco, self.latency = store, gb, pco, latency
        self.faults = Faults()
        self.stopping = threading.Event()  # wakes injected sleeps when the server stops
        self._log_lock = threading.Lock()
        self._log: list[dict[str, Any]] = []

    # ---- request log ---------------------------------------------------------------------------

    def requests(self) -> list[dict[str, Any]]:
        with self._log_lock:
            return copy.deepcopy(self._log)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log.clear()

    # ---- API pipeline --------------------------------------------------------------------------

    def api(self, req: Request) -> Response | None:
        """Answer one API request; None means "close the connection without answering"."""
        entry: dict[str, Any] = {
            "method": req.method,
            "path": req.path,
            "query": req.log_query(),
            "body": copy.deepcopy(req.body),
            "status": None,
        }
        with self._log_lock:  # logged on arrival, so the log keeps arrival order under concurrency
            self._log.append(entry)
        if self.latency > 0:
            self.stopping.wait(self.latency)  # outside every lock: concurrent requests overlap
        api: Api = self.gb if req.path.startswith("/open-api/") else self.pco
        rule = self.faults.take(req.method, req.path)
        mode = rule.mode if rule else None
        if rule and mode in ("delay", "timeout"):
            self.stopping.wait(rule.delay)
        if mode == "drop_before":
            return None
        if rule and mode == "status":
            resp = api.fault_response(rule.status)
            if rule.retry_after is not None:
                ra = rule.retry_after
                resp.headers["Retry-After"] = str(int(ra)) if float(ra).is_integer() else str(ra)
        else:
            resp = api.preflight(req) or api.handle(req)
        api.decorate(req, resp)
        entry["status"] = resp.status
        return None if mode == "drop_after_commit" else resp

    # ---- control endpoints (no auth, not logged, not limited) ----------------------------------

    def control(self, req: Request) -> Response:
        route = (req.method, req.path.rstrip("/"))
        if req.raw_body and "json" not in req.headers.get("content-type", ""):
            try:  # control bodies are always JSON, whatever Content-Type curl sent
                req.body = json.loads(req.raw_body)
            except ValueError:
                return json_response(400, {"error": "control endpoints take a JSON body"})
        try:
            if route == ("GET", "/_sandbox/requests"):
                return json_response(200, self.requests())
            if route == ("DELETE", "/_sandbox/requests"):
                self.clear_requests()
                return empty_response(204)
            if route == ("GET", "/_sandbox/faults"):
                return json_response(200, {"faults": self.faults.active()})
            if route == ("POST", "/_sandbox/faults"):
                self.faults.add_many(req.body if req.body is not None else [])
                return json_response(201, {"faults": self.faults.active()})
            if route == ("DELETE", "/_sandbox/faults"):
                self.faults.clear()
                return empty_response(204)
            if route == ("POST", "/_sandbox/reset"):
                body = req.body if isinstance(req.body, dict) else {}
                self.reset(body.get("seed", "demo"))
                return json_response(200, {"seed": body.get("seed", "demo")})
            if route == ("GET", "/_sandbox/state"):
                return json_response(200, self.store.snapshot())
        except (TypeError, ValueError) as exc:
            return json_response(400, {"error": str(exc)})
        return json_response(404, {"error": f"no control endpoint {req.method} {req.path}"})

    def reset(self, seed: str | None = "demo") -> None:
        """Back to a fresh sandbox: reseeded state, empty log, no faults, fresh rate-limit counters."""
        with self.store.lock:
            apply_seed(self.store, seed)
        self.faults.clear()
        self.clear_requests()
        self.gb.reset_budget()
        self.pco.reset_rate()
