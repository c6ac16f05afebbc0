"""A sampling profiler for every thread of this process (cProfile sees only the thread it runs in,
and an apply does its writes on a pool): every few milliseconds each thread's stack is read, and the
functions on it are counted. What RESULTS.md shows as "the profile" of a figure: where the samples
fell."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from types import FrameType, TracebackType


class Sampler:
    """``with Sampler() as s: ...`` then ``s.top(n)``: where the threads running our code were."""

    def __init__(self, every: float = 0.005) -> None:
        self.every, self.samples = every, 0
        self.innermost: Counter[str] = Counter()  # function -> samples with it innermost of ours
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(self.every):
            for tid, frame in sys._current_frames().items():
                if tid != me:
                    self._count(frame)

    def _count(self, frame: FrameType | None) -> None:
        """The innermost function of ours on the stack: where our code runs, or waits on a
        library."""
        while frame is not None:
            path = frame.f_code.co_filename
            if "/provisioner/" in path and "site-packages" not in path:
                where = f"{path.rsplit('/provisioner/', 1)[1]}:{frame.f_code.co_name}"
                self.samples += 1
                self.innermost[where] += 1
                return
            frame = frame.f_back

    def top(self, n: int = 6) -> list[tuple[str, float]]:
        """The ``n`` functions of provisioner most often innermost on a busy thread, with their
        share."""
        total = max(1, self.samples)
        return [(name, count / total) for name, count in self.innermost.most_common(n)]

    def lines(self, n: int = 6) -> str:
        return "; ".join(f"{name} {share:.0%}" for name, share in self.top(n))
