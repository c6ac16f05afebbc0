"""DRF page-number pagination as the Guidebook sandbox answers lists:
``count``/``next``/``previous``/ ``results``, ``page=last``, 404 "Invalid page.", and the readings
that change it (a fixed page size, no ``count``, no stable order)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

from ..readings import Readings
from ..web import Request, Response, json_response
from .readings import COUNT, ORDERING, PAGE_SIZE
from .resources import detail
from .store import GuidebookStore

Serialize = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


class Query(NamedTuple):
    """What a list reads: `SELECT * FROM table WHERE where... ORDER BY order`, ``params`` for the
    ``?``s."""

    table: str
    where: list[str]
    params: list[Any]
    order: str


def page_size(req: Request, readings: Readings, default: int, most: int) -> int:
    """The page size: the server's own under guidebook.page_size=N, else ``page_size`` capped at
    ``most`` (silently, as DRF does), else ``default``."""
    fixed = readings.get(PAGE_SIZE.name)
    if fixed.isdigit():  # the server decides, whatever page_size asks for
        return int(fixed)
    raw_size = req.q("page_size")
    if raw_size and raw_size.isdigit() and int(raw_size) > 0:
        return min(int(raw_size), most)  # silently capped, as DRF does
    return default


def drf_page(
    store: GuidebookStore,
    readings: Readings,
    req: Request,
    query: Query,
    serialize: Serialize,
    size: int,
    writes: int,
) -> Response:
    """The page ``req`` asks for of ``query``'s rows, ``size`` a page; ``writes`` (successful writes
    so far) reshuffles the order under guidebook.ordering=ignored."""
    order = query.order
    if readings.get(ORDERING.name) == "ignored":
        # No stable order: a scramble of the id that changes with every write, as an unordered
        # queryset may come back differently once rows have moved. Pages read between two writes
        # still agree.
        order = f"((id + {writes}) * 2654435761) % 4294967291, id"
    clause = " WHERE " + " AND ".join(query.where) if query.where else ""
    total = store.rows(f"SELECT COUNT(*) AS n FROM {query.table}{clause}", query.params)[0]["n"]
    pages = max(1, math.ceil(total / size))
    raw_page = req.q("page") or "1"
    number = pages if raw_page == "last" else int(raw_page) if raw_page.isdigit() else 0
    if not 1 <= number <= pages:
        raise detail(404, "Invalid page.")
    rows = store.rows(
        f"SELECT * FROM {query.table}{clause} ORDER BY {order} LIMIT ? OFFSET ?",
        [*query.params, size, (number - 1) * size],
    )
    previous = None
    if number > 1:  # DRF drops the page param when linking back to page 1
        previous = req.url_with(page=None if number == 2 else number - 1)
    body: dict[str, Any] = {
        "count": total,
        "next": req.url_with(page=number + 1) if number < pages else None,
        "previous": previous,
        "results": serialize(rows),
    }
    if readings.get(COUNT.name) == "absent":
        del body["count"]
    return json_response(200, body)
