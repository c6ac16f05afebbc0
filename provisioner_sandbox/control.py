"""Control endpoints under /_sandbox/ (no auth, not logged, not rate limited): the HTTP face of the
test API.

GET    /_sandbox/requests[?method=POST&path=REGEX]  the request log (RequestRecord objects),
filtered DELETE /_sandbox/requests                            clear the log GET    /_sandbox/faults
active fault rules POST   /_sandbox/faults                              add rules: a list,
{"faults": [...]} or one rule DELETE /_sandbox/faults                              remove every rule
(and Python hooks) GET    /_sandbox/readings                            {"readings": {name: value},
"known": {name: {...}}} POST   /_sandbox/readings                            change some:
{"guidebook.body": "form-only", ...} DELETE /_sandbox/readings                            back to
the values the server started with POST   /_sandbox/reset                               {"seed":
"demo"}: reseed, clear log, faults, readings GET    /_sandbox/state
every table (for debugging and demos)
"""

from __future__ import annotations

import json
import re

from .app import SandboxApp
from .errors import SandboxError
from .web import Request, Response, empty_response, json_response


def control(app: SandboxApp, req: Request) -> Response:
    """Answer a ``/_sandbox/`` control request (requests log, faults, readings, reset, state); its
    body is read as JSON whatever its Content-Type."""
    route = (req.method, req.path.rstrip("/"))
    if req.raw_body and req.media_type != "application/json":
        try:  # control bodies are always JSON, whatever Content-Type curl sent
            req.body = json.loads(req.raw_body)
        except ValueError:
            return json_response(400, {"error": "control endpoints take a JSON body"})
    try:
        return _route(app, req, route) or json_response(
            404, {"error": f"no control endpoint {req.method} {req.path}"}
        )
    except (TypeError, ValueError, re.error) as exc:  # SandboxError is a ValueError
        return json_response(400, {"error": str(exc)})


def _route(app: SandboxApp, req: Request, route: tuple[str, str]) -> Response | None:
    body = req.body
    if route == ("GET", "/_sandbox/requests"):
        return json_response(200, app.requests(method=req.q("method"), path=req.q("path")))
    if route == ("DELETE", "/_sandbox/requests"):
        app.clear_requests()
        return empty_response(204)
    if route == ("GET", "/_sandbox/faults"):
        return json_response(200, {"faults": app.faults.active()})
    if route == ("POST", "/_sandbox/faults"):
        app.faults.add_many(body if body is not None else [])
        return json_response(201, {"faults": app.faults.active()})
    if route == ("DELETE", "/_sandbox/faults"):
        app.faults.clear()
        return empty_response(204)
    if route == ("GET", "/_sandbox/readings"):
        return json_response(
            200, {"readings": app.readings.as_dict(), "known": app.readings.describe()}
        )
    if route == ("POST", "/_sandbox/readings"):
        if not isinstance(body, dict):
            raise SandboxError('readings take a JSON object, e.g. {"guidebook.body": "form-only"}')
        return json_response(200, {"readings": app.readings.set(body)})
    if route == ("DELETE", "/_sandbox/readings"):
        app.readings.reset()
        return json_response(200, {"readings": app.readings.as_dict()})
    if route == ("POST", "/_sandbox/reset"):
        seed = body.get("seed", "demo") if isinstance(body, dict) else "demo"
        app.reset(seed)
        return json_response(200, {"seed": seed})
    if route == ("GET", "/_sandbox/state"):
        return json_response(200, app.store.snapshot())
    return None
