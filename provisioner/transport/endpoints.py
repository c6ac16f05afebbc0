"""A service endpoint's settings from the environment: the base URL (https, or http to loopback
only; no user info) and the timeouts. Each mistake is one ConfigError naming the variable."""

from __future__ import annotations

import ipaddress
import math
from typing import Any
from urllib.parse import urlsplit

from provisioner.core.errors import ConfigError
from provisioner.transport.credentials import redact_url


def check_base_url(url: str, variable: str) -> str:
    """Refuse cleartext to anything but loopback: the key would travel in clear. User info in the
    URL is refused (requests would send it as Basic auth in place of the key) and never echoed."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number or out of range
    except ValueError as e:
        raise ConfigError(f"{variable}={redact_url(url)!r} is not a usable URL ({e})") from None
    if "@" in parts.netloc:
        raise ConfigError(
            f"{variable}={redact_url(url)!r} refused: it holds a user name or password; "
            "credentials go in their own variables, never in the URL"
        )
    if parts.scheme == "https" and parts.hostname:
        return url if url.endswith("/") else url + "/"
    if parts.scheme == "http" and _is_loopback(parts.hostname or ""):
        return url if url.endswith("/") else url + "/"
    raise ConfigError(
        f"{variable}={redact_url(url)!r} refused: use https://, or http:// only for a loopback "
        "host "
        "(127.0.0.0/8, localhost, ::1), because the API key would travel in clear"
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def timeout_from_env(env: Any) -> tuple[float, float]:
    """(connect, read) seconds; PROVISIONER_TIMEOUT sets the read timeout (default 30)."""
    raw = (env.get("PROVISIONER_TIMEOUT") or "").strip()
    try:
        read = float(raw) if raw else 30.0
    except ValueError:
        read = math.nan
    if not 0 < read <= 3600:  # also refuses nan and inf, which requests cannot use
        raise ConfigError(
            f"PROVISIONER_TIMEOUT={raw!r} must be a number of seconds between 0 and 3600"
        )
    return (min(5.0, read), read)
