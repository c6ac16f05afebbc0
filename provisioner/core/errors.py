"""The exception hierarchy. The CLI maps each to a message and an exit code; nothing else prints."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem tied to a place in a file, rendered as ``FILE:LINE:COL: message``."""

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class ProvisionerError(Exception):
    """Base of every error the tool raises on purpose."""


class ConfigError(ProvisionerError):
    """Missing credentials, a refused URL, a bad option: fixed by the user's environment."""


class DiagnosticsError(ProvisionerError):
    """Carries every diagnostic found, so the user sees all of them in one run."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class ValidationError(DiagnosticsError):
    """The YAML is malformed or does not match the model (no network involved)."""


class PlanError(DiagnosticsError):
    """The YAML is valid but cannot be planned against live state (unresolvable references...)."""


class SafetyError(ProvisionerError):
    """Apply refused because the plan trips a safety guard; ``--force`` overrides."""


class StalePlanError(ProvisionerError):
    """A saved plan no longer matches live state or the YAML on disk."""


class ApiError(ProvisionerError):
    """An HTTP answer the tool could not use. ``body`` is the server's parsed body (or text)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: Any = None,
        method: str = "",
        url: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        self.method = method
        self.url = url
        self.retry_after = retry_after


class BadRequestError(ApiError):
    """400 / 422: the server rejected the payload."""


class AuthError(ApiError):
    """401 / 403: credentials rejected or not allowed."""


class NotFoundError(ApiError):
    """404."""


class RateLimitedError(ApiError):
    """429 after the retry budget ran out."""


class ServerError(ApiError):
    """5xx after the retry budget ran out."""


class TransportError(ApiError):
    """No usable answer at all: connection refused or dropped, timeout."""

    timed_out: bool = False  # the request may still be running on the server
    reached: bool = False  # it was sent (not refused): the server may have carried it out


class HostDownError(TransportError):
    """Not sent: the host failed several connections in a row (contract §6's circuit breaker)."""


class AmbiguousWriteError(TransportError):
    """A non-idempotent write (POST) failed in a way that may or may not have committed."""
