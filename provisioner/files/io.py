"""Reading and writing the user's files safely: bounded reads, no hang on a FIFO or a device, `-`
for the standard streams, symlinks written through rather than replaced.

``st_size`` cannot be trusted (``/dev/zero`` and ``/proc`` files say 0), so reads stop at the limit
plus one byte whatever it says; a file that is not a regular file is refused before it is opened for
reading, because opening a FIFO blocks until someone writes to it.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TextIO

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
    """Why a file cannot be read or written; the message names no path (the caller adds it where it
    belongs)."""


def kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    return next((word for test, word in _KINDS if test(mode)), "not a regular file")


def read_bounded(path: str | Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file (``-``: standard input); FileProblem when it is
    larger, not a regular file, or unreadable."""
    if str(path) == STDIO:
        return _bounded(sys.stdin.buffer, limit)
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise FileProblem(f"{kind(mode)}, not a regular file")
        # O_NONBLOCK: if the path was swapped for a FIFO since the stat, opening it must not wait
        # for a writer.
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
    """True when ``path`` is missing or a regular file (after symlinks): a file an atomic write may
    replace."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except FileNotFoundError:
        return True


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, making its directory when missing (see :func:`write_with`).
    Raises OSError."""
    write_with(path, lambda fh: fh.write(text), parents=True)


def write_with(path: Path, fill: Callable[[TextIO], object], *, parents: bool = False) -> None:
    """Let ``fill`` write ``path``. A regular file is replaced atomically: written to a temporary
    file in the same directory, flushed to disk (fsync), then renamed over it, so a full disk or an
    interrupted write leaves the old file as it was (issue 23). A symlink is written through (its
    target changes, the link stays). A device or FIFO (``/dev/stdout``, ``/dev/null``) is written to
    directly, but a FIFO that no one reads is refused at once instead of blocking for ever.
    ``parents``: make the directory when missing. Raises OSError."""
    if not regular_or_absent(
        path
    ):  # /dev/stdout may be a symlink to a pipe: open it, never replace it
        with _open_special(path) as fh:
            fill(fh)
        return
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    if parents:
        target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fill(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_directory(target.parent)


def _open_special(path: Path) -> TextIO:
    """A device or FIFO opened for writing without waiting: O_NONBLOCK makes a FIFO with no reader
    fail (ENXIO) instead of hanging; once open, writes block again as usual."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as e:
        if e.errno == errno.ENXIO:
            raise OSError(e.errno, "a FIFO (named pipe) that no process is reading") from e
        raise
    os.set_blocking(fd, True)
    return os.fdopen(fd, "w", encoding="utf-8")


def _sync_directory(directory: Path) -> None:
    """The rename itself on disk too; best effort (some file systems cannot open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
