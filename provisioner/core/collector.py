"""Pausing the cyclic garbage collector around work that makes many objects and no garbage cycles.

With the collector running, a run that builds hundreds of thousands of containers (a load, or the
survey of 10,000 creates) spends much of its time in full collections walking the objects it has
already made and will keep. Objects that are garbage are still freed at once by reference counting;
only cycles wait for the next collection after the pause.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused(*, keep: bool = False) -> Iterator[None]:
    """The collector off for the block. With ``keep``, what exists when the block ends without an
    error is frozen out of later collections (``gc.freeze``): for objects made to live as long as
    the run (a survey's records and changes), which the first full collection after the pause would
    otherwise walk once more."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        if keep:
            gc.freeze()
    finally:
        if enabled:
            gc.enable()
