"""A size-limited markdown buffer: whole units only, open blocks always closed, a count of what was
left out."""

from __future__ import annotations

import re
from collections import Counter


class SizedBuffer:
    """Collects text up to ``limit`` characters.

    Contract: ``add`` takes one whole unit (a table row, a list item, a block) or nothing. ``open``
    starts a block (a table, ``<details>``, a code fence) and records the text that closes it;
    ``close`` ends the latest block. The first unit that does not fit stops the buffer: every open
    block is closed there, and from then on units are only counted, by ``kind``, so the caller can
    say what was left out. ``reserve`` characters stay free for that note, so ``text()`` plus a note
    of at most ``reserve`` characters fits in ``limit``.
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
        """Open a block (``text`` now, ``closer`` when it ends) if both still fit; otherwise count a
        left-out ``kind`` and return False."""
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


# -- cutting finished markdown
# -----------------------------------------------------------------------------------

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def fit(text: str, limit: int, note: str = "") -> str:
    """``text`` if it fits in ``limit`` characters, else its longest prefix of whole lines that fits
    together with the closers of every block open there (code fences, ``<details>``) and ``note``:
    whatever the cut point, what is returned is well formed. A caller that puts what matters first
    (a failure's reason, the result table) keeps it, as long as ``limit`` leaves room for it."""
    if len(text) <= limit:
        return text
    # Lines end at "\n" only, as markdown's do (splitlines would also break at \f or \u2028 inside a
    # row).
    lines = [line + "\n" for line in text.split("\n")]
    if text.endswith("\n"):
        lines.pop()
    budget = limit - len(note)
    size, best = 0, (0, "")
    open_blocks: list[str] = []  # the closers of the blocks open after the lines so far
    for i, line in enumerate(lines):
        closers = "".join(reversed(open_blocks))
        if size + len(closers) <= budget:
            best = (i, closers)
        size += len(line)
        _track(line, open_blocks)
    kept, closers = best
    return "".join(lines[:kept]) + closers + note


def _track(line: str, open_blocks: list[str]) -> None:
    """Update the stack of closers after ``line``: a fence opens or closes (inside a fence nothing
    else counts), ``<details>`` opens, ``</details>`` closes."""
    m = _FENCE.match(line)
    if (
        open_blocks and open_blocks[-1][0] in "`~"
    ):  # inside a fence: only its own closing line counts
        fence = open_blocks[-1].strip()
        if m and line.strip() == m[1] and m[1][0] == fence[0] and len(m[1]) >= len(fence):
            open_blocks.pop()
        return
    if m:
        open_blocks.append(f"{m[1]}\n")
        return
    opened, closed = line.count("<details>"), line.count("</details>")
    open_blocks.extend(["\n</details>\n"] * (opened - closed))
    for _ in range(closed - opened):
        if open_blocks:
            open_blocks.pop()
