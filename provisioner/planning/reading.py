"""The providers of one run and how they are driven: a thread pool with progress, one scope's read
(its failure as a value), every scope's read. Planning reads through it; applying re-reads through
it (fresh preconditions, the check after apply).

This is the boundary of provider code for reads: a provider that raises anything other than the
project's own errors (a bug in it, or in a plug-in) gets one clear error naming the scope, not a
traceback."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from provisioner.core.clock import SYSTEM, Clock
from provisioner.core.errors import Diagnostic, PlanError, ProvisionerError
from provisioner.core.outcomes import Live
from provisioner.core.records import Loaded, Record, Scope
from provisioner.providers.base import Provider, scopes_of

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]
MAX_READ_THREADS = 64  # scopes whose reads wait at once for their provider's request slots
T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Workers:
    """Holds the providers for one run. ``providers`` maps a provider name to a built provider."""

    providers: Mapping[str, Provider]
    parallelism: int = 8
    progress: Progress | None = None
    # what reads are timed and the wait for late commits sleeps on (tests: a FakeClock)
    clock: Clock = SYSTEM
    fresh_for: float | None = None  # seconds a read confirms preconditions for (None: MAX_AGE)

    def __post_init__(self) -> None:
        for provider in self.providers.values():
            provider.set_parallelism(max(1, self.parallelism))

    def scopes(self, files: Sequence[Loaded]) -> list[Scope]:
        """The scopes ``files`` declare (no I/O). With ``account:`` (docs/api-notes.md, contract
        §2.1) there is one provider per (service, account): each gets only its account's files, its
        scopes named after the account."""
        return [s for key, p in self.providers.items() for s in scopes_of(key, p, files)]

    def scopes_and_problems(self, files: Sequence[Loaded]) -> tuple[list[Scope], list[Diagnostic]]:
        """Like :meth:`scopes`, but a service whose references do not resolve (names, dates:
        contract §2.2) gives its diagnostics instead of its scopes, and the others go on: a plan
        then reports every unresolved reference of every service in one run (it reads the others'
        scopes to find theirs), and still writes nothing."""
        scopes: list[Scope] = []
        diags: list[Diagnostic] = []
        for key, provider in self.providers.items():
            try:
                scopes += scopes_of(key, provider, files)
            except PlanError as e:
                diags += e.diagnostics
        return scopes, diags

    def read(self, scope: Scope) -> dict[str, Record] | ProvisionerError:
        """The error instead of the records, so one scope's failure does not hide the others' (plan
        collects the YAML's mistakes such as an unknown plan; verify reports a failed re-read
        without undoing the apply)."""
        try:
            return self.providers[scope.provider_key].read(scope)
        except ProvisionerError as e:
            return e
        except Exception as e:  # the boundary: a provider's bug is one message, not a traceback
            return unexpected(f"reading {scope.name}", e)

    def read_all(self, scopes: list[Scope]) -> tuple[Live, list[Diagnostic]]:
        """Each scope's live records; the YAML's mistakes a read reveals (an unknown plan) are
        collected, any other failure is raised."""
        with _PageCount(self, scopes) as pages:
            read = self.map(
                "read", self.read, scopes, threads=self._read_threads(scopes), quiet=pages.shown
            )
        fatal = next(
            (r for r in read if isinstance(r, ProvisionerError) and not isinstance(r, PlanError)),
            None,
        )
        if fatal is not None:
            raise fatal
        diags = [d for r in read if isinstance(r, PlanError) for d in r.diagnostics]
        return {
            s.ident: r for s, r in zip(scopes, read, strict=True) if not isinstance(r, Exception)
        }, diags

    def _read_threads(self, scopes: list[Scope]) -> int:
        """Every scope's read at once when their providers bound their own requests (the first pages
        of all guides then wait together for a free slot, so a slot never idles while a guide waits
        for its first page; issue 24), else ``parallelism`` reads at a time."""
        if all(self.providers[s.provider_key].reads_bounded for s in scopes):
            return min(max(len(scopes), self.parallelism), MAX_READ_THREADS)
        return self.parallelism

    def map(
        self,
        what: str,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        threads: int | None = None,
        quiet: bool = False,
    ) -> list[R]:
        """``fn`` over ``items`` on ``threads`` (default ``parallelism``) threads, in order,
        reporting progress as phase ``what`` (unless ``quiet``: the caller reports it otherwise)."""
        todo = list(items)
        if not todo:
            return []
        done: list[R] = []
        progress: Progress | None = None if quiet else self.progress
        if progress:  # the start of the phase: progress can then be shown by how long it takes
            progress(what, 0, len(todo))
        with ThreadPoolExecutor(
            max_workers=max(1, threads or self.parallelism), thread_name_prefix=what
        ) as pool:
            for result in pool.map(fn, todo):
                done.append(result)
                if progress:
                    progress(what, len(done), len(todo))
        return done


class _PageCount:
    """A read's progress in pages (phase "pages") when every provider of its scopes reports its
    pages: the total starts at one page a scope and grows as first pages say how many follow. Called
    from the threads that read pages, so counted under a lock."""

    def __init__(self, workers: Workers, scopes: list[Scope]) -> None:
        self.progress = workers.progress
        self.providers = {s.provider_key: workers.providers[s.provider_key] for s in scopes}
        self.done, self.total = 0, len(scopes)
        self.lock = threading.Lock()
        self.shown = False

    def __enter__(self) -> _PageCount:
        if self.progress is None or not self.providers:
            return self
        reporting = [p.set_page_progress(self.page) for p in self.providers.values()]
        self.shown = all(reporting)
        if self.shown:
            self.progress("pages", 0, self.total)
        else:
            self.__exit__()
        return self

    def __exit__(self, *exc: object) -> None:
        for provider in self.providers.values():
            provider.set_page_progress(None)

    def page(self, read: int, ahead: int) -> None:
        if not self.shown or self.progress is None:
            return
        with self.lock:
            self.done += read
            self.total = max(self.total + ahead, self.done)
            self.progress("pages", self.done, self.total)


def unexpected(doing: str, e: BaseException) -> ProvisionerError:
    """A provider's exception other than the project's own, as one error line (the traceback in the
    debug log, ``-vv``): a plug-in's bug must not look like the tool crashing."""
    log.debug("%s raised %s", doing, type(e).__name__, exc_info=e)
    error = ProvisionerError(f"{doing} failed unexpectedly: {type(e).__name__}: {e}")
    error.__cause__ = e
    return error
