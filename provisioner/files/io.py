"""Reading and writing the user's files safely: bounded reads, no hang on a FIFO or a device, `-` for the standard
streams, symlinks written through rather than replaced.

``st_size`` cannot be trusted (``/dev/zero`` and ``/proc`` files say 0), so reads stop at the limit plus one byte
whatever it says; a file that is not a regular file is refused before it is opened for reading, because opening a
FIFO blocks until someone writes to it.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO

STDIO = "-"
MAX_YAML_BYTES = (
    5 * 1024 * 1024
)  # one schedules file; the loader and an import's merge both stop here
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class FileProblem(Exception):
    """Why a file cannot be read or written; the message names no path (the caller adds it where it belongs)."""


def kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    return next((word for test, word in _KINDS if test(mode)), "not a regular file")


def read_bounded(path: str | Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file (``-``: standard input); FileProblem when it is larger, not a
    regular file, or unreadable."""
    if str(path) == STDIO:
        return _bounded(sys.stdin.buffer, limit)
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise FileProblem(f"{kind(mode)}, not a regular file")
        # O_NONBLOCK: if the path was swapped for a FIFO since the stat, opening it must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise FileProblem("a symlink that leads to itself (a loop)") from e
        raise FileProblem(f"cannot read: {e.strerror or type(e).__name__}") from e
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FileProblem("not a regular file")
        try:
            return _bounded(fh, limit)
        except OSError as e:
            raise FileProblem(f"cannot read: {e.strerror or type(e).__name__}") from e


def _bounded(fh: BinaryIO, limit: int) -> bytes:
    data = fh.read(limit + 1)
    if len(data) > limit:
        raise FileProblem(f"larger than the limit of {limit:,} bytes")
    return data


def regular_or_absent(path: Path) -> bool:
    """True when ``path`` is missing or a regular file (after symlinks): a file an atomic write may replace."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except FileNotFoundError:
        return True


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path``. A symlink is written through (its target changes, the link stays); a regular
    file is replaced atomically, so an interrupted write never leaves half a file; a device or FIFO
    (``/dev/stdout``, ``/dev/null``) is written to directly. Raises OSError."""
    if not regular_or_absent(
        path
    ):  # /dev/stdout is a symlink to a pipe or terminal: open it, never replace it
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        return
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
