"""A size-limited markdown buffer: whole units only, open blocks always closed, a count of what was left out."""

from __future__ import annotations

from collections import Counter


class SizedBuffer:
    """Collects text up to ``limit`` characters.

    Contract: ``add`` takes one whole unit (a table row, a list item, a block) or nothing. ``open`` starts a
    block (a table, ``<details>``, a code fence) and records the text that closes it; ``close`` ends the latest
    block. The first unit that does not fit stops the buffer: every open block is closed there, and from then
    on units are only counted, by ``kind``, so the caller can say what was left out. ``reserve`` characters
    stay free for that note, so ``text()`` plus a note of at most ``reserve`` characters fits in ``limit``.
    """

    def __init__(self, limit: int, reserve: int = 600) -> None:
        self.limit, self.reserve = limit, reserve
        self.parts: list[str] = []
        self.size = 0
        self.closers: list[str] = []
        self.left_out: Counter[str] = Counter()
        self.stopped = False

    def add(self, text: str, kind: str = "") -> bool:
        if self.stopped or not self._fits(text):
            return self._drop(kind)
        self._put(text)
        return True

    def open(self, text: str, closer: str, kind: str = "") -> bool:
        if self.stopped or not self._fits(text + closer):
            self._drop(kind)
            self.closers.append("")
            return False
        self._put(text)
        self.closers.append(closer)
        return True

    def close(self) -> None:
        closer = self.closers.pop()
        if not self.stopped:
            self._put(closer)

    def text(self) -> str:
        return "".join(self.parts)

    def _fits(self, text: str) -> bool:
        return self.size + len(text) + sum(map(len, self.closers)) + self.reserve <= self.limit

    def _put(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def _drop(self, kind: str) -> bool:
        if not self.stopped:
            self.stopped = True
            for closer in reversed(self.closers):
                self._put(closer)
        if kind:
            self.left_out[kind] += 1
        return False
