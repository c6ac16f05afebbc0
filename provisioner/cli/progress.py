"""Progress of long reads and applies, for the CLI to show on stderr (the engine only calls back).

On a terminal: a transient bar per phase, redrawn in place. Elsewhere (CI logs): a plain line every
10% or every 5 s. Short runs show nothing, so small plans, and the tests' output, stay exactly as
they were: a phase shows progress once it has ``min_items`` items or has run ``min_seconds`` (the
engine reports each phase's start as ``done == 0``), so a slow apply of 30 changes is not silent.
"""

from __future__ import annotations

import shutil
import threading
from typing import TextIO

import click

from provisioner.core.clock import SYSTEM, Clock

# Below this many items a phase is quick enough to need no progress, unless it has taken MIN_SECONDS
# already.
MIN_ITEMS = 50
MIN_SECONDS = 3.0
PHASES = {
    "read": ("reading live state", "scopes"),
    "pages": ("reading live state", "pages"),
    "resolve": ("resolving references", "scopes"),
    "apply": ("applying changes", "changes"),
    "verify": ("verifying", "scopes"),
    "name": ("naming scopes", "scopes"),
}
BAR_WIDTH = 30
REDRAW_SECONDS = 0.1  # a bar is redrawn at most this often (and always at its start and end)


def _phase(what: str) -> tuple[str, str]:
    return PHASES.get(what, (what, "items"))


class ProgressReporter:
    """An ``Engine.progress`` callback ``(what, done, total)``, called from the engine's threads (a
    lock keeps one report at a time).

    ``tty`` defaults to ``stream.isatty()``; call :meth:`close` when the command ends (it erases a
    live bar).
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        tty: bool | None = None,
        min_items: int = MIN_ITEMS,
        every_percent: int = 10,
        every_seconds: float = 5.0,
        clock: Clock = SYSTEM,
        min_seconds: float = MIN_SECONDS,
    ) -> None:
        self.stream, self.min_items, self.clock = stream, min_items, clock
        self.min_seconds = min_seconds
        self._started: dict[str, float] = {}  # phase -> when the engine said it began
        self.every_percent, self.every_seconds = every_percent, every_seconds
        self.tty = stream.isatty() if tty is None else tty
        self._last: dict[str, tuple[int, float]] = {}  # phase -> (last step printed, when)
        self._bar: tuple[str, float, float] | None = (
            None  # (phase, started, last drawn) while a bar is shown
        )
        self._drawn = 0  # length of the bar line on screen, to erase it
        self._lock = threading.RLock()

    def __call__(self, what: str, done: int, total: int) -> None:
        with self._lock:  # pages are reported from the threads that read them
            self._report(what, done, total)

    def _report(self, what: str, done: int, total: int) -> None:
        now = self.clock.monotonic()
        if done == 0:
            self._started[what] = now
        if total < self.min_items and now - self._started.get(what, now) < self.min_seconds:
            return
        if self.tty:
            self._draw(what, done, total)
        else:
            self._line(what, done, total)

    def _line(self, what: str, done: int, total: int) -> None:
        now, step = self.clock.monotonic(), done * 100 // total // self.every_percent
        last_step, last_time = self._last.setdefault(what, (0, now))
        if done == total or step > last_step or now - last_time >= self.every_seconds:
            label, unit = _phase(what)
            click.echo(f"{label}: {done}/{total} {unit} ({done * 100 // total}%)", file=self.stream)
            self._last[what] = (step, now)
        if done == total:
            del self._last[what]

    def _draw(self, what: str, done: int, total: int) -> None:
        if self._bar is not None and self._bar[0] != what:
            self._erase()
        now = self.clock.monotonic()
        if self._bar is not None and done < total and now - self._bar[2] < REDRAW_SECONDS:
            return
        started = now if self._bar is None else self._bar[1]
        self._bar = (what, started, now)
        line = bar_line(what, done, total, now - started)[
            : max(10, shutil.get_terminal_size().columns - 1)
        ]
        click.echo(
            "\r" + line.ljust(self._drawn), file=self.stream, nl=False
        )  # the padding hides a longer line
        self._drawn = len(line)
        if done >= total:
            self._erase()

    def close(self) -> None:
        """Erase the bar, if one is shown (so the output reads as if there had been none)."""
        with self._lock:
            self._erase()

    def _erase(self) -> None:
        if self._bar is not None:
            click.echo("\r" + " " * self._drawn + "\r", file=self.stream, nl=False)
            self._bar, self._drawn = None, 0


def bar_line(what: str, done: int, total: int, elapsed: float) -> str:
    """``applying changes (changes) [#######-------] 120/300 0:00:07``"""
    label, unit = _phase(what)
    filled = BAR_WIDTH * min(done, total) // total
    seconds = int(elapsed)
    return (
        f"{label} ({unit}) [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {done}/{total} "
        f"{seconds // 3600}:{seconds % 3600 // 60:02}:{seconds % 60:02}"
    )
