"""Running writes concurrently so that Ctrl-C stops cleanly: nothing new starts, what is in flight
finishes, and the caller learns what happened to each item (docs/api-notes.md, contract §4: apply
says what was applied, failed and not started, and exits 130)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

from provisioner.core.outcomes import IN_FLIGHT, NOT_STARTED

T = TypeVar("T")
R = TypeVar("R")


class Stopped(Exception, Generic[R]):
    """Ctrl-C arrived. ``results[i]`` is item i's result, or a string: NOT_STARTED, IN_FLIGHT (a
    second Ctrl-C stopped the wait for it) or the error it raised."""

    def __init__(self, results: list[R | str]) -> None:
        super().__init__("interrupted")
        self.results = results


def run_all(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    workers: int,
    progress: Callable[[int, int], None] | None = None,
) -> list[R]:
    """``fn`` over ``items`` on up to ``workers`` threads, results in order; ``progress(done,
    total)`` after each (and ``(0, total)`` first). Raises Stopped on KeyboardInterrupt."""
    if not items:
        return []
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="apply")
    futures: list[Future[R]] = []
    results: list[R] = []
    try:
        if progress:
            progress(0, len(items))
        futures = [pool.submit(fn, item) for item in items]
        for future in futures:
            results.append(future.result())
            if progress:
                progress(len(results), len(items))
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        raise Stopped(_settle(futures, len(items))) from None
    finally:
        pool.shutdown(wait=False)
    return results


def _settle(futures: list[Future[R]], total: int) -> list[R | str]:
    """Each item's fate, waiting for those in flight; a second Ctrl-C stops waiting."""
    out: list[R | str] = []
    patient = True
    for future in futures:
        if future.cancelled():
            out.append(NOT_STARTED)
        elif not patient and not future.done():
            out.append(IN_FLIGHT)
        else:
            try:
                out.append(future.result())
            except KeyboardInterrupt:
                patient = False
                out.append(IN_FLIGHT)
            except Exception as e:
                out.append(f"{type(e).__name__}: {e}")
    return out + [NOT_STARTED] * (total - len(futures))  # interrupted while submitting
