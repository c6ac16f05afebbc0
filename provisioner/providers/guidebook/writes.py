"""How Guidebook write bodies are sent, and what a refusal of one means (docs/api-notes.md,
Guidebook).

Writes go out as JSON; every official example posts form data instead [C], and whether the API takes
JSON is not documented [G]. A 415, or a 400 naming the media type, switches this client to form
encoding for the rest of the run (lists as repeated keys: ``attendees=1&attendees=5``). A form
cannot carry an empty list, so such a write fails for its schedule with a message saying so. An
empty list refused by the server (DRF's ``allow_empty=False`` on a required list) is also a clear
per-schedule error.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from provisioner.core.errors import ApiError, BadRequestError
from provisioner.transport.http import HttpClient, Response

log = logging.getLogger(__name__)
LIST_FIELDS = ("attendees", "sessions")


def names_media_type(error: ApiError) -> bool:
    """A 415, or a 400 whose body speaks of the media type / content type (DRF: 'Unsupported media
    type')."""
    if error.status == 415:
        return True
    text = str(error.body).lower()
    return error.status == 400 and (
        "media type" in text or "content-type" in text or "content type" in text
    )


def empty_refused(error: ApiError, body: dict[str, Any]) -> list[str]:
    """The list fields a 400 refuses while this write sends them empty."""
    if error.status != 400 or not isinstance(error.body, dict):
        return []
    return [f for f in LIST_FIELDS if f in error.body and body.get(f) == []]


class Writer:
    """Sends one client's write bodies; remembers the encoding the server takes (shared across
    threads)."""

    def __init__(self, client: HttpClient) -> None:
        self.client = client
        self.form = False
        self._lock = threading.Lock()

    def send(self, method: str, path: str, body: dict[str, Any], *, what: str) -> Response:
        """PATCH or POST ``body``; ``what`` names the schedule in errors ("schedule 'Sales
        Team'")."""
        return self.sender(method, path, body, what=what)()

    def sender(
        self, method: str, path: str, body: dict[str, Any], *, what: str
    ) -> Callable[[], Response]:
        """The write as a callable, for ``create_adopting``."""

        def go() -> Response:
            form = (
                self.form
            )  # what this attempt sends: another thread may switch while it is in flight
            try:
                return self._send_once(method, path, body, what, form=form)
            except ApiError as e:
                if form or not names_media_type(e):
                    raise self._explain(e, body, what) from e
                self._switch(e)
            try:
                return self._send_once(method, path, body, what, form=True)
            except ApiError as e:
                raise self._explain(e, body, what) from e

        return go

    def _switch(self, error: ApiError) -> None:
        with self._lock:
            if not self.form:
                log.warning(
                    "Guidebook refused a JSON body (%s); sending form-encoded bodies for the rest "
                    "of the "
                    "run",
                    error.status,
                )
                self.form = True

    def _send_once(
        self, method: str, path: str, body: dict[str, Any], what: str, *, form: bool
    ) -> Response:
        if not form:
            return self.client.request(method, path, json=body, idempotent=method != "POST")
        empty = [f for f in LIST_FIELDS if body.get(f) == []]
        if empty:
            raise BadRequestError(
                f"Guidebook: {what}: {' and '.join(empty)} would be empty, and this Guidebook "
                "server takes only "
                "form-encoded bodies, which cannot carry an empty list; give it at least one "
                "entry, or change it "
                "in Builder"
            )
        return self.client.request(method, path, form=body, idempotent=method != "POST")

    def _explain(self, error: ApiError, body: dict[str, Any], what: str) -> ApiError:
        empty = empty_refused(error, body)
        if not empty:
            return error
        fields = " and ".join(empty)
        said = error.body.get(empty[0])
        said = " ".join(map(str, said)) if isinstance(said, list) else str(said)
        return BadRequestError(
            f"Guidebook: {what}: the server refuses an empty {fields} list ({said}); give it at "
            "least one entry, or leave the schedule out of the file (and out of Builder) until it "
            "has some",
            status=error.status,
            body=error.body,
            method=error.method,
            url=error.url,
        )


def drf_detail(body: Any) -> str:
    """DRF bodies are {"detail": ...} or {field: [messages]} [G]; something else answering on the
    URL (a proxy, another API under a path prefix) is flattened to its words, never shown as a raw
    dict."""
    if isinstance(body, dict):
        body = {
            k: v for k, v in body.items() if v not in (None, "", [], {})
        }  # {"detail": null} says nothing
        if isinstance(body.get("detail"), str):
            return body["detail"]
        return "; ".join(f"{k}: {_words(v)}" for k, v in body.items())[:500] or "(empty body)"
    return " ".join(str(body).split())[:500] if body not in (None, "") else "(empty body)"


def _words(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(_words(v) for v in value)
    if isinstance(value, dict):  # e.g. a JSON:API error object: its title and detail say it all
        said = [str(value[k]) for k in ("title", "detail", "message") if value.get(k)]
        return ": ".join(said) if said else "; ".join(f"{k} {_words(v)}" for k, v in value.items())
    return str(value)
