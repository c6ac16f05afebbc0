"""Small request/response values shared by the two API emulations (no HTTP server code here)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

JSON_TYPE = "application/json"


@dataclass
class Request:
    """One HTTP request as the emulated APIs see it: parsed query, lower-cased headers, the body raw
    and parsed, and ``extras`` for notes between the pipeline's steps."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    raw_body: bytes
    body: Any  # parsed JSON, a form dict (repeated keys -> list), or None
    body_error: str | None  # set when a JSON body could not be parsed
    base_url: str  # "http://host:port/" as the client addressed us, for absolute links
    extras: dict[str, Any] = field(default_factory=dict)  # per-request notes between pipeline steps

    def q(self, key: str) -> str | None:
        values = self.query.get(key)
        return values[-1] if values else None

    @property
    def media_type(self) -> str | None:
        """The Content-Type without parameters, lower-cased ("application/json"); None when
        absent."""
        value = self.headers.get("content-type", "").split(";")[0].strip().lower()
        return value or None

    def log_query(self) -> dict[str, str | list[str]]:
        return {k: v[0] if len(v) == 1 else list(v) for k, v in self.query.items()}

    def url_with(self, **changes: Any) -> str:
        """This request's absolute URL with some query params replaced (None removes one)."""
        query = {k: list(v) for k, v in self.query.items()}
        for key, value in changes.items():
            if value is None:
                query.pop(key, None)
            else:
                query[key] = [str(value)]
        qs = urlencode(sorted((k, v) for k, vs in query.items() for v in vs), safe="[],")
        return self.base_url.rstrip("/") + self.path + ("?" + qs if qs else "")


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, obj: Any, content_type: str = JSON_TYPE) -> Response:
    return Response(status, json.dumps(obj).encode(), content_type)


def empty_response(status: int) -> Response:
    return Response(status, b"", None)


def parse_body(raw: bytes, content_type: str) -> tuple[Any, str | None]:
    """Parse a request body by its Content-Type: JSON, form encoding, or nothing."""
    if not raw.strip():
        return None, None
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == "application/x-www-form-urlencoded":
        form = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] if len(v) == 1 else v for k, v in form.items()}, None
    try:
        return json.loads(raw), None
    except ValueError as exc:
        return None, str(exc)
