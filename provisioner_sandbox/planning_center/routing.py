"""Routing variants of the Planning Center sandbox that follow the readings: which member item path
exists (pco.member_path), whether another person's lists may be read (pco.read_others), and Rails'
HTML 404 for whatever is not routed."""

from __future__ import annotations

from collections.abc import Callable

from ..credentials import PCO_PERSON
from ..readings import Readings
from ..web import Request, Response
from .common import PcoError
from .readings import MEMBER_PATH, READ_OTHERS

# Rails answers unrouted paths (and any PUT) with its HTML error page, not JSON. [R] test_put.yaml
HTML_404 = (
    b"<!DOCTYPE html>\n<html>\n<head>\n  <title>The page you were looking for doesn't exist "
    b"(404)</title>\n"
    b"</head>\n<body>\n  <h1>The page you were looking for doesn't exist.</h1>\n</body>\n</html>\n"
)
Handler = Callable[[Request, tuple[int, ...]], Response]


def html_404() -> Response:
    """Rails' HTML 404 page, as Planning Center answers an unrouted path."""
    return Response(404, HTML_404, "text/html; charset=utf-8")


def own_only(readings: Readings, handler: Handler) -> Handler:
    """pco.read_others=forbidden: another person's lists answer 403 [ISSUE#336]."""

    def wrapped(req: Request, ids: tuple[int, ...]) -> Response:
        if readings.get(READ_OTHERS.name) == "forbidden" and ids[0] != PCO_PERSON:
            raise PcoError(
                403,
                [{"status": "403", "title": "Forbidden", "detail": "Forbidden"}],
            )
        return handler(req, ids)

    return wrapped


def documented(readings: Readings, handler: Handler) -> Handler:
    """The documented item path; under pco.member_path=team-members-only it is a Rails HTML 404
    instead."""

    def routed(req: Request, ids: tuple[int, ...]) -> Response:
        if readings.get(MEMBER_PATH.name) == "team-members-only":
            return html_404()
        return handler(req, ids)

    return routed


def undocumented(readings: Readings, handler: Handler) -> Handler:
    """A route the docs do not list: under pco.member_path=documented-only it does not exist (Rails
    HTML 404)."""

    def routed(req: Request, ids: tuple[int, ...]) -> Response:
        if readings.get(MEMBER_PATH.name) == "documented-only":
            return html_404()
        return handler(req, ids)

    return routed
