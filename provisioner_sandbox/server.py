"""The HTTP side of the sandbox: `SandboxServer` (one loopback port, started and stopped by tests
and the CLI) and `serve()`; the server and request handler themselves are in httpserver.py."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from datetime import date
from types import TracebackType

from .app import RequestRecord, SandboxApp
from .credentials import GUIDEBOOK_KEY, PCO_APP_ID, PCO_SECRET, PCO_TOKEN, client_env
from .errors import SandboxError
from .faults import FaultRule, Hook
from .guidebook.api import GuidebookApi
from .httpserver import AppHTTPServer
from .planning_center.api import PcoApi
from .readings import Readings
from .seed import apply_seed, check_seed
from .services import READINGS
from .store import Store

log = logging.getLogger(__name__)


class SandboxServer:
    """A local emulator of the Guidebook Open API and Planning Center Services, on one loopback
    port.

    `seed`: "demo", "empty", "bench:guides=G,schedules=S,sessions=N,attendees=A", or None to keep
    the data already in `data` (a database that was never seeded gets "demo"). `readings`: how to
    answer where the real APIs are undocumented, e.g. {"guidebook.body": "form-only"} (see
    `readings()` and README.md). `monotonic` times the Planning Center rate window: a test whose
    client sleeps on a fake clock passes that clock's here. `today`: the day Planning Center's
    `future`/`past` filters take as today (default: the real date).

    The port is bound here, before the seed touches `data`, so a port in use costs nothing. Every
    set-up problem (unknown seed or reading, a data file that is not SQLite, a port in use or out of
    range) is a SandboxError.
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
        self._httpd: AppHTTPServer | None = None
        try:
            self._httpd = AppHTTPServer((host, port), self.app)
            apply_seed(self.store, seed)
        except BaseException as exc:
            self._close()
            if isinstance(exc, OSError):
                raise SandboxError(_bind_problem(host, port, exc)) from None
            raise
        self.port: int = self._httpd.server_address[1]

    # ---- lifecycle -----------------------------------------------------------------------------

    def start(self) -> SandboxServer:
        """Serve on a background thread (again: nothing); a stopped server cannot restart."""
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
        """Stop serving, let in-flight requests finish (briefly), drop late commits not yet due,
        close the db."""
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

    def client_env(self) -> dict[str, str]:
        """The environment variables that point provisioner at this sandbox: GUIDEBOOK_API_KEY and
        _URL, PCO_APPLICATION_ID, PCO_SECRET, PCO_API_URL, and PCO_ACCESS_TOKEN empty."""
        return client_env(self.guidebook_url, self.pco_url)

    # ---- test controls -------------------------------------------------------------------------

    def requests(self, method: str | None = None, path: str | None = None) -> list[RequestRecord]:
        """API requests in arrival order: method, path, query, body, content_type, status (None
        while unanswered), fault. `method` keeps one method; `path` is a regex searched in the path.
        """
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
        """Make matching requests fail; the modes are listed in faults.py (e.g.
        "ack_without_commit")."""
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
        """Run `action(store)` just before a matching request is handled: an out-of-band edit
        (another writer) at an exact point of a client's run. Cleared by clear_faults() and reset().
        """
        return self.app.faults.add_hook(action, method=method, path=path, times=times)

    def clear_faults(self) -> None:
        self.app.faults.clear()

    def wait_for_late_commits(self, timeout: float = 5.0) -> None:
        """Wait until every commit_later request has been carried out (instead of sleeping in
        tests)."""
        deadline = time.monotonic() + timeout
        while self.app.pending_late() and time.monotonic() < deadline:
            time.sleep(0.01)

    def land_late_commits(self) -> None:
        """Carry out every pending commit_later request now (a test picks the moment, on its fake
        clock)."""
        self.app.land_late()

    def readings(self) -> dict[str, str]:
        """The current value of every reading."""
        return self.app.readings.as_dict()

    def set_readings(
        self, changes: Mapping[str, object] | None = None, **named: object
    ) -> dict[str, str]:
        """Change readings at runtime, e.g. `set_readings({"guidebook.body": "form-only"})`; reset()
        undoes it."""
        return self.app.readings.set({**(changes or {}), **named})

    def reset(self, seed: str | None = "demo") -> None:
        """Reseed, clear the log, faults and hooks, rate counters, and go back to the starting
        readings."""
        self.app.reset(seed)


def _bind_problem(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is already in use (another sandbox?): pick another with "
            "--port, or 0 for any"
        )
    if exc.errno == errno.EACCES:
        return (
            f"not allowed to listen on port {port} (ports below 1024 need privileges): use a "
            "higher one"
        )
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
    """Run the sandbox in the foreground until SIGINT/SIGTERM; print where it listens and what to
    use.

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
        _announce(sandbox)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()


def _announce(sandbox: SandboxServer) -> None:
    """Where the sandbox listens, the variables to export, and the readings that differ from the
    defaults."""
    print(f"sandbox listening on {sandbox.url}")
    print(f"export GUIDEBOOK_API_URL={sandbox.guidebook_url} GUIDEBOOK_API_KEY={GUIDEBOOK_KEY}")
    print(
        f"export PCO_API_URL={sandbox.pco_url} PCO_APPLICATION_ID={PCO_APP_ID} "
        f"PCO_SECRET={PCO_SECRET}"
    )
    print(f"# or instead of the PCO id/secret: export PCO_ACCESS_TOKEN={PCO_TOKEN}")
    changed = {k: v for k, v in sandbox.readings().items() if v != _default(k)}
    if changed:
        print("# readings: " + ", ".join(f"{k}={v}" for k, v in sorted(changed.items())))
    sys.stdout.flush()


def _default(name: str) -> str:
    return next(r.default for r in READINGS if r.name == name)
