"""Progress of long reads and applies, for the CLI to show on stderr (the engine only calls back).

On a terminal: a transient rich bar per phase. Elsewhere (CI logs): a plain line every 10% or every 5 s.
Short runs show nothing, so small plans, and the tests' output, stay exactly as they were: a phase shows
progress once it has ``min_items`` items or has run ``min_seconds`` (the engine reports each phase's start as
``done == 0``), so a slow apply of 30 changes is not silent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TextIO

# Below this many items a phase is quick enough to need no progress, unless it has taken MIN_SECONDS already.
MIN_ITEMS = 50
MIN_SECONDS = 3.0
PHASES = {"read": ("reading live state", "scopes"), "resolve": ("resolving references", "scopes"),
          "apply": ("applying changes", "changes"), "verify": ("verifying", "scopes")}


def _phase(what: str) -> tuple[str, str]:
    return PHASES.get(what, (what, "items"))


class ProgressReporter:
    """An ``Engine.progress`` callback ``(what, done, total)``, called from the engine's calling thread.

    ``tty`` defaults to ``stream.isatty()``; call :meth:`close` when the command ends (it stops a live bar).
    """

    def __init__(self, stream: TextIO, *, tty: bool | None = None, min_items: int = MIN_ITEMS,
                 every_percent: int = 10, every_seconds: float = 5.0,
                 clock: Callable[[], float] = time.monotonic, min_seconds: float = MIN_SECONDS) -> None:
        self.stream, self.min_items, self.clock = stream, min_items, clock
        self.min_seconds = min_seconds
        self._started: dict[str, float] = {}  # phase -> when the engine said it began
        self.every_percent, self.every_seconds = every_percent, every_seconds
        self.tty = stream.isatty() if tty is None else tty
        self._last: dict[str, tuple[int, float]] = {}  # phase -> (last step printed, when)
        self._bar: Any = None  # (rich Progress, task id, phase) while a bar is live

    def __call__(self, what: str, done: int, total: int) -> None:
        if done == 0:
            self._started[what] = self.clock()
        if total < self.min_items and self.clock() - self._started.get(what, self.clock()) < self.min_seconds:
            return
        if self.tty:
            self._draw(what, done, total)
        else:
            self._line(what, done, total)

    def _line(self, what: str, done: int, total: int) -> None:
        now, step = self.clock(), done * 100 // total // self.every_percent
        last_step, last_time = self._last.setdefault(what, (0, now))
        if done == total or step > last_step or now - last_time >= self.every_seconds:
            label, unit = _phase(what)
            self.stream.write(f"{label}: {done}/{total} {unit} ({done * 100 // total}%)\n")
            self.stream.flush()
            self._last[what] = (step, now)
        if done == total:
            del self._last[what]

    def _draw(self, what: str, done: int, total: int) -> None:
        if self._bar is not None and self._bar[2] != what:
            self.close()
        if self._bar is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                           console=Console(file=self.stream), transient=True)
            label, unit = _phase(what)
            self._bar = (bar, bar.add_task(f"{label} ({unit})", total=total), what)
            bar.start()
        self._bar[0].update(self._bar[1], completed=done)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar[0].stop()
            self._bar = None
