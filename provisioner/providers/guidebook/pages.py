"""Reading one Guidebook list (a guide's schedules, sessions or attendees) with its pages in
parallel.

Guidebook pages by number (DRF ``PageNumberPagination`` [C]): the first page's ``count`` says how
many pages there are, so the others can be asked for at once instead of one ``next`` link after
another (60 pages at 20 ms: 1.2 s one after another). We ask for a stable order (``ordering=id``) so
that the pages cut the list at the same places whichever is read first.

A schedule that a page read misses would be planned as a create (a duplicate), so the parallel read
is kept only when it is provably whole: every page reports the first page's ``count``, the last page
has no ``next``, and together the pages hold exactly ``count`` distinct ids. Otherwise (the list
changed while it was read, the server ignored ``ordering``, a page vanished) or when the first page
has no ``count``, the list is read again from the start by following ``next`` links, as before.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from provisioner.core.errors import ApiError, NotFoundError
from provisioner.transport.http import HttpClient

log = logging.getLogger(__name__)
WALKS = 3  # page-by-page reads of one list before it is given up as not holding still
# the most a page holds (the API's cap); page_size is documented for one v1.1 endpoint only [G]
PAGE_SIZE = 100

Rows = list[dict[str, Any]]


class PageReader:
    """Lists of one client, read with at most ``parallelism`` requests in flight across every
    list."""

    def __init__(
        self,
        client: HttpClient,
        results: Callable[[Any], Rows],
        parallelism: int = 8,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.client = client
        self.results = results
        self.progress = (
            progress  # (pages read, pages now known to follow): Provider.set_page_progress
        )
        self.parallelism = max(1, parallelism)
        self._slots = Slots(self.parallelism)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def read(self, path: str, params: dict[str, Any]) -> Rows:
        """Every row of a list: the first page, then the rest at once by page number, checked (an id
        twice or a count that does not add up is read again, then fails)."""
        query = {**params, "page_size": PAGE_SIZE, "ordering": "id"}
        first = self._get(path, query, later=False)
        rows = self.results(first)
        link = first.get("next")
        if not link:
            self._read(1, 0)
            return rows
        count = first.get("count")
        if not isinstance(count, int) or isinstance(count, bool) or not rows or count <= len(rows):
            self._read(1, 0)
            log.info(
                "%s: no usable count on the first page of %s; following next links",
                self.client.service,
                path,
            )
            if _whole(rows + (more := list(self._follow(link))), count):
                return rows + more
            return self._walk(path, query, tries=WALKS - 1)
        pages = math.ceil(count / len(rows))
        self._read(1, pages - 1)
        whole = self._rest(path, query, rows, count, pages)
        if whole is not None:
            return whole
        log.warning(
            "%s: the pages of %s did not add up to its %d items (the list changed while it was "
            "read, or "
            "the server ignores ordering=id); reading it again page by page",
            self.client.service,
            path,
            count,
        )
        return self._walk(path, query, tries=WALKS)

    def _walk(self, path: str, query: dict[str, Any], *, tries: int) -> Rows:
        """The list one ``next`` link after another, again while it repeats an id or misses its
        count."""
        for _ in range(tries):
            counts: set[Any] = set()
            rows = list(self._iterate(path, query, counts))
            if _whole(rows, counts.pop() if len(counts) == 1 else (None if not counts else -1)):
                return rows
            log.warning(
                "%s: %s moved while it was read page by page; reading it again",
                self.client.service,
                path,
            )
        raise ApiError(
            f"{self.client.service}: the pages of {path} did not hold still while they were read "
            "(an id "
            f"came twice, or the pages did not add up to their count) in {WALKS} reads one page "
            "after "
            "another; try again when the guide is not being written to"
        )

    def _rest(
        self, path: str, query: dict[str, Any], first: Rows, count: int, pages: int
    ) -> Rows | None:
        """Pages 2..``pages`` read concurrently; None unless together with ``first`` they are the
        whole list."""
        try:
            later = list(
                self._pool_for().map(
                    lambda n: self._page(path, {**query, "page": n}), range(2, pages + 1)
                )
            )
        except NotFoundError:  # "Invalid page.": the list shrank under us
            return None
        rows = list(first)
        for page in later:
            if page.get("count") != count:
                return None
            rows += self.results(page)
        if later and later[-1].get("next"):
            return None
        if len(rows) != count or len({row.get("id") for row in rows}) != count:
            return None
        return rows

    def _iterate(
        self, path: str, query: dict[str, Any], counts: set[Any]
    ) -> Iterator[dict[str, Any]]:
        """The rows of every page; each page's ``count`` (None when absent) is added to
        ``counts``."""

        def items(page: Any) -> Rows:
            counts.add(page.get("count") if isinstance(page, dict) else None)
            self._read(1, 0)
            return self.results(page)

        with self._slots():
            yield from self.client.iterate(path, query, items=items, next_url=_next)

    def _follow(self, link: str) -> Iterator[dict[str, Any]]:
        """The rest of a list from the first page's ``next`` link (the client keeps it on our
        host)."""

        def items(page: Any) -> Rows:
            self._read(1, 0)
            return self.results(page)

        with self._slots():
            yield from self.client.iterate(link, None, items=items, next_url=_next)

    def _page(self, path: str, params: dict[str, Any]) -> Any:
        """A later page of a list whose first page said how many follow: one more read."""
        page = self._get(path, params)
        self._read(1, 0)
        return page

    def _read(self, pages: int, ahead: int) -> None:
        if self.progress is not None:
            self.progress(pages, ahead)

    def _get(self, path: str, params: dict[str, Any], *, later: bool = True) -> Any:
        with self._slots(later):
            data = self.client.request("GET", path, params=params).data
        if not isinstance(data, dict):
            self.results(data)  # raises the API error naming what came back instead of a page
            raise ApiError(f"{self.client.service}: expected a page, got {type(data).__name__}")
        return data

    def _pool_for(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self.parallelism, thread_name_prefix="page"
                )
            return self._pool

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False)
                self._pool = None


class Slots:
    """At most ``n`` requests in flight across every list. A later page of a list already begun
    takes a free slot before a first page waiting for one: the lists begun finish first, and the
    first pages of the others (all requested together: Provider.reads_bounded) fill every slot they
    leave."""

    def __init__(self, n: int) -> None:
        self._free, self._later = n, 0  # free slots; later pages waiting for one
        self._cond = threading.Condition()

    @contextmanager
    def __call__(self, later: bool = True) -> Iterator[None]:
        with self._cond:
            self._later += later
            try:
                self._cond.wait_for(lambda: self._free > 0 and (later or not self._later))
            finally:
                self._later -= later
            self._free -= 1
            self._cond.notify_all()  # a first page may go now that no later page waits
        try:
            yield
        finally:
            with self._cond:
                self._free += 1
                self._cond.notify_all()


def _whole(rows: Rows, count: Any) -> bool:
    """No id twice, and exactly ``count`` rows when the pages gave one count (-1: they
    disagreed)."""
    ids = [row.get("id") for row in rows]
    if len(set(ids)) != len(ids) or count == -1:
        return False
    return not isinstance(count, int) or isinstance(count, bool) or count == len(rows)


def _next(page: Any) -> str | None:
    link = page.get("next") if isinstance(page, dict) else None
    return str(link) if link else None
