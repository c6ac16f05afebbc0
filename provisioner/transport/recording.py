"""``--record DIR``: every request/response exchange as one JSON file, so a user can attach a real
run to a bug report. What could identify or authorise the user is removed before anything is
written: the URL's user info and credential-like query parameters, the ``Authorization`` /
``Proxy-Authorization`` / cookie headers (both ways). Response bodies are kept whole: they are the
point of a recording (they may hold names and emails; README says so).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from provisioner.core.errors import ConfigError
from provisioner.transport import http

SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
SECRET_PARAMS = re.compile(r"(key|token|secret|password|passwd|signature|auth)", re.IGNORECASE)
REMOVED = "(removed)"


def clean_url(url: str) -> str:
    """The URL without user info and without the values of credential-like query parameters."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    query = [
        (k, REMOVED if SECRET_PARAMS.search(k) else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="[],"), ""))


def clean_headers(headers: Any) -> dict[str, str]:
    return {
        str(k): str(v)
        for k, v in dict(headers or {}).items()
        if str(k).lower() not in SECRET_HEADERS
    }


def _body(raw: bytes | str | None, content_type: str) -> Any:
    if raw is None or raw == b"" or raw == "":
        return None
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    if "json" in content_type:
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text


def exchange(raw: requests.Response) -> dict[str, Any]:
    """One exchange as plain JSON-able values, with the secrets removed."""
    req = raw.request
    req_headers = dict(req.headers or {})
    return {
        "method": req.method,
        "url": clean_url(str(req.url)),
        "request": {
            "headers": clean_headers(req_headers),
            "body": _body(req.body, str(req_headers.get("Content-Type", ""))),
        },
        "status": raw.status_code,
        "headers": clean_headers(raw.headers),
        "body": _body(raw.content, raw.headers.get("Content-Type", "")),
    }


class Recorder:
    """Writes ``0001-GET-personalized-schedules.json``, ... in arrival order; safe across threads. A
    write that fails (a full disk) never fails the request it records: recording stops there, and
    the command ends with exit 1 saying so once it has run (:func:`recording`; contract §4)."""

    def __init__(self, directory: str | Path) -> None:
        self.dir = Path(directory)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except FileExistsError as e:
            raise ConfigError(f"--record {directory}: not a directory") from e
        except OSError as e:
            raise ConfigError(
                f"--record {directory}: cannot create the directory: {e.strerror or e}"
            ) from e
        self._lock = threading.Lock()
        self._n = len(
            list(self.dir.glob("*.json"))
        )  # a second run into the same folder continues the numbering
        self.written = 0
        self.failed: str | None = None  # why recording stopped

    def __call__(self, raw: requests.Response) -> None:
        if self.failed:
            return
        record = exchange(raw)
        with self._lock:
            self._n += 1
            n = self._n
        slug = (
            re.sub(r"[^A-Za-z0-9]+", "-", urlsplit(record["url"]).path).strip("-")[-60:] or "root"
        )
        path = self.dir / f"{n:04d}-{record['method']}-{slug}.json"
        text = json.dumps(record, indent=2, ensure_ascii=False) + "\n"
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as e:
            path.unlink(missing_ok=True)  # half a file is no record
            with self._lock:
                self.failed = self.failed or f"{path.name}: {e.strerror or type(e).__name__}"
            return
        with self._lock:
            self.written += 1

    def check(self) -> None:
        """ConfigError when an exchange could not be written."""
        if self.failed:
            raise ConfigError(
                f"--record {self.dir}: could not write {self.failed}; recording stopped there, "
                "after "
                f"{self.written} exchange{'s' if self.written != 1 else ''} (the command itself "
                "ran)"
            )


@contextmanager
def recording(directory: str | Path | None) -> Iterator[Recorder | None]:
    """Record every exchange of every client while the block runs (nothing when ``directory`` is
    None); ConfigError at the end when some exchange could not be written."""
    if directory is None:
        yield None
        return
    recorder = Recorder(directory)
    http.EXCHANGE_HOOKS.append(recorder)
    try:
        yield recorder
    except SystemExit:
        recorder.check()  # an exit code (2: changes) does not hide a record that failed
        raise
    finally:
        http.EXCHANGE_HOOKS.remove(recorder)
    recorder.check()


def load(directory: str | Path) -> list[dict[str, Any]]:
    """The exchanges of a recorded directory, in the order they happened."""
    return [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(directory).glob("*.json"))
    ]
