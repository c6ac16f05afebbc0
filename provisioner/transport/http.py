"""The single HTTP choke point: URL policy, auth, pacing, timeouts, bounded retries, typed errors.

Each layer adds one concern (after pypco's pipeline): ``request`` checks the URL and retries;
``_attempt`` paces, sends once and turns the answer into a value or a typed error. The policies it
applies live beside it: endpoints.py (base URL, timeouts), pacing.py (RetryPolicy, RatePacer).
"""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests

from provisioner import __version__
from provisioner.core.clock import SYSTEM, Clock
from provisioner.core.errors import (
    AmbiguousWriteError,
    ApiError,
    AuthError,
    BadRequestError,
    ConfigError,
    HostDownError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from provisioner.transport.credentials import redact_text, redact_url

# Re-exported: the services' clients and tests import the whole transport from this one module.
from provisioner.transport.endpoints import check_base_url as check_base_url
from provisioner.transport.endpoints import timeout_from_env as timeout_from_env
from provisioner.transport.pacing import RatePacer, RetryPolicy

log = logging.getLogger(__name__)
# Connection failures in a row to one host (refused, reset, unreachable) after which nothing new is
# sent to it (contract §6): a server that went away ends the apply in about a minute, not after
# every change's own retries (issue 23: 548 retry warnings, 12 minutes).
BREAKER = 5
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Called with every answered request/response pair (``--record``); see
# provisioner/transport/recording.py.
EXCHANGE_HOOKS: list[Callable[[requests.Response], None]] = []


@dataclass
class Response:
    status: int
    data: Any
    headers: Any
    url: str


ErrorDetail = Callable[[Any], str]


@dataclass
class HttpClient:
    """One service's client. ``auth`` returns the Authorization header value; it is never logged.

    ``clock`` times and sleeps the retries (give the pacer the same one)."""

    base_url: str
    auth: Callable[[], str]
    service: str
    detail: ErrorDetail = lambda body: str(body)[:500]
    timeout: tuple[float, float] = (5.0, 30.0)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    pacer: RatePacer | None = None
    user_agent: str = f"provisioner/{__version__}"
    extra_headers: dict[str, str] = field(
        default_factory=dict
    )  # sent on every request (e.g. API version pins)
    auth_hint: str = (
        ""  # what to check after a 401/403, naming the variables (e.g. "check GUIDEBOOK_API_KEY")
    )
    stats: Counter[str] = field(default_factory=Counter)
    clock: Clock = SYSTEM

    def __post_init__(self) -> None:
        self._local = threading.local()
        self._stats_lock = threading.Lock()
        self._failures = 0  # connection failures in a row (the circuit breaker), under _stats_lock
        # Until when (clock.monotonic()) a write whose answer was lost may still be carried out by
        # the server (a PATCH resent after a timeout can land after a later write to the same object
        # and undo it): the check after apply waits for it before it looks (issue 23). Under
        # _stats_lock.
        self._unsettled_until = 0.0

    def url(self, path: str) -> str:
        return (
            path
            if path.startswith(("http://", "https://"))
            else urljoin(self.base_url, path.lstrip("/"))
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
        form: Any = None,
    ) -> Response:
        """Send with retries. Non-idempotent writes are never resent after an ambiguous failure.
        ``form`` sends a form-encoded body instead of ``json`` (lists become repeated keys:
        ``a=1&a=5``)."""
        url = self.url(path)
        safe = method in IDEMPOTENT if idempotent is None else idempotent
        started = self.clock.monotonic()
        for attempt in range(self.retry.attempts):
            try:
                return self._attempt(method, url, params, json, safe, form)
            except (RateLimitedError, ServerError, TransportError) as e:
                if method in ("PATCH", "PUT") and getattr(e, "reached", False):
                    self._unsettled()  # creates (POST) have their own window: the adoption's
                last = attempt + 1 >= self.retry.attempts
                if isinstance(e, AmbiguousWriteError | HostDownError) or last:
                    raise
                wait = self.retry.delay(attempt, e.retry_after)
                if self.clock.monotonic() - started + wait > self.retry.total:
                    raise
                log.warning("%s; retry %d in %.1fs", e, attempt + 1, wait)
                self.clock.sleep(wait)
        raise AssertionError("unreachable")

    def _unsettled(self) -> None:
        """A write's answer was lost: the server may carry it out within 3× the read timeout
        (contract §3)."""
        with self._stats_lock:
            self._unsettled_until = max(
                self._unsettled_until, self.clock.monotonic() + 3 * self.timeout[1]
            )

    @property
    def unsettled_until(self) -> float:
        """See ``_unsettled_until``; 0 once the host stopped answering (the circuit breaker is
        open): there is nothing to wait for that could be read back, and the run already ends with
        exit 1."""
        with self._stats_lock:
            return 0.0 if self._failures >= BREAKER else self._unsettled_until

    def iterate(
        self,
        path: str,
        params: dict[str, Any] | None,
        *,
        items: Callable[[Any], list[Any]],
        next_url: Callable[[Any], str | None],
    ) -> Iterator[Any]:
        """Follow ``next`` links until there is none; callers never see pages."""
        url: str | None = self.url(path)
        warned, seen = False, set()
        while url:
            if (url, repr(params)) in seen:  # a server whose `next` leads back would page forever
                raise ApiError(f"{self.service}: pagination loops back to {_path(url)}; giving up")
            seen.add((url, repr(params)))
            page = self.request("GET", url, params=params)
            yield from items(page.data)
            link = next_url(page.data)
            if link and not warned and not self._same_origin(link):
                log.warning(
                    "%s: a next link points at another host (%s); following it on %s",
                    self.service,
                    urlsplit(redact_url(str(link))).netloc,
                    urlsplit(self.base_url).netloc,
                )
                warned = True
            url, params = (self._follow(url, link) if link else None), None

    def _same_origin(self, link: str) -> bool:
        base, parts = urlsplit(self.base_url), urlsplit(urljoin(self.base_url, str(link)))
        return (parts.scheme, parts.netloc) == (base.scheme, base.netloc)

    def _follow(self, current: str, link: str) -> str:
        """Never send the credentials to a host a server-supplied link names (a proxy that builds
        http:// or internal-host `next` links is common). Both APIs page by query (`page`, `offset`)
        on the same path, so a link elsewhere keeps our own URL and takes only its query; that also
        survives a proxy path prefix."""
        if self._same_origin(link):
            return urljoin(self.base_url, str(link))
        ours = urlsplit(current)
        return urlunsplit((ours.scheme, ours.netloc, ours.path, urlsplit(str(link)).query, ""))

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = self.user_agent
            # Every request goes to base_url's host, so the environment's proxy settings (and a
            # custom CA bundle) are resolved once here; left to requests they are re-read from
            # os.environ per request, which cost more CPU than parsing a page of results. .netrc is
            # deliberately not consulted.
            session.trust_env = False
            # Never a proxy for http://: it is only allowed for loopback, and a proxy would see the
            # Authorization header in clear (HTTP_PROXY / ALL_PROXY apply to http:// URLs too).
            cleartext = urlsplit(self.base_url).scheme == "http"
            session.proxies = {} if cleartext else requests.utils.get_environ_proxies(self.base_url)
            session.verify = (
                os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
            )
            self._local.session = session
        return session

    def _attempt(
        self,
        method: str,
        url: str,
        params: dict[str, Any] | None,
        body: Any,
        safe: bool,
        form: Any = None,
    ) -> Response:
        with self._stats_lock:
            down = self._failures >= BREAKER
        if down:
            raise HostDownError(
                f"{self.service}: {_host_port(url)} failed {BREAKER} connections in a row "
                "(refused, "
                "reset or unreachable); nothing new is started against it",
                method=method,
                url=url,
            )
        if self.pacer:
            self.pacer.before()
        with self._stats_lock:
            self.stats[method] += 1
        headers = {**self.extra_headers, "Authorization": self.auth(), "Accept": "application/json"}
        try:
            raw = self._session().request(
                method,
                url,
                params=params,
                json=body,
                data=form,
                headers=headers,
                timeout=self.timeout,
            )
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema) as e:
            raise self._setup_error(method, url, e) from None
        except requests.RequestException as e:
            if isinstance(e, requests.ConnectionError) and not isinstance(e, requests.ReadTimeout):
                with self._stats_lock:
                    self._failures += 1
            raise self._transport_error(method, url, e, safe) from None
        except (
            OSError
        ) as e:  # e.g. REQUESTS_CA_BUNDLE naming no file: requests raises a bare OSError
            raise self._setup_error(method, url, e) from None
        with self._stats_lock:
            self._failures = 0  # an answer, whatever it says: the host is there
        if self.pacer:
            self.pacer.observe(raw.headers)
        log.debug("%s %s -> %d", method, _path(raw.url), raw.status_code)
        for hook in EXCHANGE_HOOKS:
            hook(raw)
        data = _body(raw)
        if raw.status_code < 400:
            return Response(raw.status_code, data, raw.headers, raw.url)
        raise self._status_error(method, url, raw, data, safe)

    def _setup_error(self, method: str, url: str, e: Exception) -> ConfigError:
        """Not the network but our own setup (a proxy URL, a CA bundle path): retrying cannot
        help."""
        said = redact_text(str(e))  # a proxy URL in the message may carry a password
        return ConfigError(
            f"{self.service}: cannot send {method} {_path(url)}: {type(e).__name__}: {said} "
            "(check HTTPS_PROXY / HTTP_PROXY and REQUESTS_CA_BUNDLE)"
        )

    def _transport_error(
        self, method: str, url: str, e: requests.RequestException, safe: bool
    ) -> ApiError:
        # Refused connections and connect timeouts never reached the server: safe to resend even a
        # POST.
        unsent = isinstance(e, requests.ConnectTimeout) or "NewConnectionError" in repr(e)
        kind = TransportError if safe or unsent else AmbiguousWriteError
        what = "timed out" if isinstance(e, requests.Timeout) else "connection failed"
        # Only the exception's class goes into the message: its text can carry the full URL and
        # query.
        said = f"{what} ({type(e).__name__}) talking to {_host_port(url)}"
        proxy = requests.utils.select_proxy(url, self._session().proxies)
        if isinstance(e, requests.exceptions.ProxyError) and proxy:
            # The proxy failed, not the API host (issue 23): name it, never its user info.
            said = (
                f"could not reach the proxy {_host_port(proxy)} (from {_proxy_var(url)}) on the "
                "way "
                f"to {_host_port(url)}"
            )
        error = kind(f"{self.service}: {method} {_path(url)} {said}", method=method, url=url)
        error.timed_out = isinstance(e, requests.ReadTimeout)
        error.reached = not unsent  # sent, perhaps carried out: its answer is what was lost
        return error

    def _status_error(
        self, method: str, url: str, raw: requests.Response, data: Any, safe: bool
    ) -> ApiError:
        status = raw.status_code
        retry_after = _retry_after(raw.headers.get("Retry-After"))
        if status == 431:  # the server's own page (HTML) says no more than this (issue 23)
            message = (
                f"{self.service}: {method} {_path(url)} answered 431: the request's headers are "
                "too "
                "large for the server"
            )
            if self.auth_hint:
                message += (
                    f" ({self.auth_hint.split(':')[0]}: only the key itself, of normal length?)"
                )
        elif data is None or data == "":  # say so, rather than "answered 502: None"
            reason = f" {raw.reason}" if raw.reason else ""
            message = (
                f"{self.service}: {method} {_path(url)} answered {status}{reason} with an "
                "empty body"
            )
        else:
            message = (
                f"{self.service}: {method} {_path(url)} answered {status}: {self.detail(data)}"
            )
        if status in (401, 403) and self.auth_hint:
            message += f" ({self.auth_hint})"
        kinds: dict[int, type[ApiError]] = {
            400: BadRequestError,
            401: AuthError,
            403: AuthError,
            404: NotFoundError,
            409: BadRequestError,
            422: BadRequestError,
            429: RateLimitedError,
        }
        kind = kinds.get(status) or (ServerError if status >= 500 else ApiError)
        if kind is ServerError and not safe:
            kind = AmbiguousWriteError
        return kind(
            message, status=status, body=data, method=method, url=url, retry_after=retry_after
        )


def _body(raw: requests.Response) -> Any:
    if raw.status_code == 204 or not raw.content:
        return None
    if "json" in raw.headers.get("Content-Type", ""):
        try:
            return raw.json()
        except ValueError:
            pass
    return raw.text[:2000]


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: rare; fall back to our own backoff


def _host_port(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    return f"{host}:{port}"


def _proxy_var(url: str) -> str:
    """The variable the proxy for ``url`` came from, in the order requests reads them."""
    scheme = urlsplit(url).scheme
    for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY", "all_proxy", "ALL_PROXY"):
        if os.environ.get(name):
            return name
    return "the proxy settings"


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path
