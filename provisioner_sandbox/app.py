"""The request pipeline shared by both emulated APIs: log, latency, hooks, faults, auth/limits,
handling.

Kept free of socket code so the order of those steps is readable in one place (`api`).
"""

from __future__ import annotations

import copy
import math
import re
import threading
import time
from typing import Any, Protocol, TypedDict

from .faults import FaultRule, Faults
from .readings import Readings
from .seed import apply_seed
from .store import Store
from .web import Request, Response


class Api(Protocol):
    """What each emulated service provides to the pipeline."""

    def preflight(self, req: Request) -> Response | None: ...  # auth and rate limits; None = go on
    def handle(self, req: Request) -> Response: ...  # route and run, in one transaction
    def fault_response(
        self, status: int
    ) -> Response: ...  # the service's error body for an injected status
    def decorate(self, req: Request, resp: Response) -> None: ...  # headers every answer carries
    def reset(self) -> None: ...  # forget rate-limit and budget counters


class RequestRecord(TypedDict):
    """One API request as the sandbox received it (control endpoints are not logged)."""

    method: str
    path: str
    query: dict[str, str | list[str]]  # one value, or a list when the parameter was repeated
    body: Any  # parsed JSON, a form dict (repeated keys -> list), or None
    content_type: str | None  # media type without parameters ("application/x-www-form-urlencoded")
    status: int | None  # None while unanswered: dropped, or a commit_later not yet carried out
    fault: str | None  # the injected fault mode that applied, if any


class SandboxApp:
    """Both emulated services behind one entry point: latency, faults and hooks, the request log,
    then the service the path names (its preflight, handle and decorate); the HTTP server calls
    ``api``."""

    def __init__(
        self, store: Store, gb: Api, pco: Api, readings: Readings, latency: float = 0.0
    ) -> None:
        self.store, self.gb, self.pco, self.readings, self.latency = (
            store,
            gb,
            pco,
            readings,
            latency,
        )
        self.faults = Faults()
        self.stopping = threading.Event()  # wakes injected sleeps when the server stops
        self._log_lock = threading.Lock()
        self._log: list[RequestRecord] = []
        # commit_later requests still to be carried out, each with the event that makes it land at
        # once
        self._late: dict[threading.Thread, threading.Event] = {}

    # ---- request log ---------------------------------------------------------------------------

    def requests(self, method: str | None = None, path: str | None = None) -> list[RequestRecord]:
        """The log in arrival order; `method` keeps one HTTP method, `path` is a regex searched in
        the path."""
        pattern = re.compile(path) if path else None
        with self._log_lock:
            found = [
                r
                for r in self._log
                if (method is None or r["method"] == method.upper())
                and (pattern is None or pattern.search(r["path"]))
            ]
            return copy.deepcopy(found)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log.clear()

    def _record(self, req: Request) -> RequestRecord:
        entry: RequestRecord = {
            "method": req.method,
            "path": req.path,
            "query": req.log_query(),
            "body": copy.deepcopy(req.body),
            "content_type": req.media_type,
            "status": None,
            "fault": None,
        }
        with self._log_lock:  # logged on arrival, so the log keeps arrival order under concurrency
            self._log.append(entry)
        return entry

    def _set_status(self, entry: RequestRecord, status: int) -> None:
        with self._log_lock:
            entry["status"] = status

    # ---- API pipeline --------------------------------------------------------------------------

    def api(self, req: Request) -> Response | None:
        """Answer one API request; None means "close the connection without answering"."""
        entry = self._record(req)
        if self.latency > 0:
            self.stopping.wait(self.latency)  # outside every lock: concurrent requests overlap
        api = self.gb if req.path.startswith("/open-api/") else self.pco
        hook = self.faults.take_hook(req.method, req.path)
        if hook is not None:
            hook.action(self.store)
        rule = self.faults.take(req.method, req.path)
        mode = rule.mode if rule else None
        with self._log_lock:
            entry["fault"] = mode
        if rule and mode in ("delay", "timeout"):
            self.stopping.wait(rule.delay)
        elif rule and mode == "barrier":
            rule.wait_for_others(self.stopping)
        if mode == "drop_before":
            return None
        if rule and mode == "commit_later":
            self._later(rule.delay, api, req, entry)
            return None
        resp = self._answer(api, req, rule)
        self._set_status(entry, resp.status)
        return None if mode == "drop_after_commit" else resp

    def _answer(self, api: Api, req: Request, rule: FaultRule | None) -> Response:
        if rule and rule.mode == "status":
            resp = api.fault_response(rule.status)
            if rule.retry_after is not None:  # whole seconds, rounded up, as real servers send
                # (pypco's int() of the header crashes on "0.5"; tests wait on a fake clock anyway)
                resp.headers["Retry-After"] = str(math.ceil(rule.retry_after))
        else:
            req.extras["keep"] = not (rule and rule.mode == "ack_without_commit")
            resp = api.preflight(req) or api.handle(req)
        api.decorate(req, resp)
        return resp

    def _later(self, delay: float, api: Api, req: Request, entry: RequestRecord) -> None:
        """Carry the request out `delay` seconds from now, on its own thread (the client is already
        gone)."""

        hurry = threading.Event()  # set by land_late(): carry it out now, not `delay` from now

        def run() -> None:
            try:
                deadline = time.monotonic() + delay
                while not (hurry.is_set() or self.stopping.is_set()):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    hurry.wait(min(left, 0.05))  # a stopping server wakes it within 50 ms
                if not self.stopping.is_set():  # a stopping server drops it: the store is closing
                    self._set_status(entry, self._answer(api, req, None).status)
            finally:
                with self._log_lock:
                    self._late.pop(thread, None)

        thread = threading.Thread(target=run, name="sandbox-commit-later", daemon=True)
        with self._log_lock:
            self._late[thread] = hurry
        thread.start()

    def land_late(self) -> None:
        """Carry out every pending commit_later request now, and wait until they are done (a test
        decides exactly when a late commit lands, on its fake clock)."""
        with self._log_lock:
            pending = dict(self._late)
        for thread, hurry in pending.items():
            hurry.set()
            thread.join()

    def pending_late(self) -> int:
        """commit_later requests not carried out yet (tests wait for 0 instead of sleeping)."""
        with self._log_lock:
            return len(self._late)

    def join_late(self, timeout: float) -> None:
        with self._log_lock:
            threads = list(self._late)
        for thread in threads:
            thread.join(timeout)

    # ---- state ---------------------------------------------------------------------------------

    def reset(self, seed: str | None = "demo") -> None:
        """Back to a fresh sandbox: reseeded state, empty log, no faults or hooks, fresh rate-limit
        counters, and the readings the server started with."""
        with self.store.lock:
            apply_seed(self.store, seed)
        self.faults.clear()
        self.clear_requests()
        self.readings.reset()
        self.gb.reset()
        self.pco.reset()
