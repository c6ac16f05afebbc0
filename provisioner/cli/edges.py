"""The edges of the process (contract §4, "Signals and output"; issue 23): an output that cannot be
written (a closed pipe, a full disk) or a working directory that was deleted ends the command with
one line and exit 1 (a closed pipe: silently), never a traceback; SIGTERM is taken as Ctrl-C is
(finish what is in flight, report), with exit 143 instead of 130."""

from __future__ import annotations

import errno
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import NoReturn

import click

SIGINT_EXIT, SIGTERM_EXIT = 130, 143
_received: list[int] = []  # the signals taken as Ctrl-C during this command (SIGTERM)


def signal_exit() -> tuple[int, str]:
    """The exit code and the word for the stop that is being reported: SIGTERM's or Ctrl-C's."""
    if signal.SIGTERM in _received:
        return SIGTERM_EXIT, "terminated (SIGTERM)"
    return SIGINT_EXIT, "interrupted"


@contextmanager
def sigterm_as_ctrl_c() -> Iterator[None]:
    """While the command runs, SIGTERM raises KeyboardInterrupt in the main thread, as Ctrl-C does,
    so that apply finishes what is in flight and reports; the handler before it comes back
    afterwards."""

    def handler(signum: int, frame: FrameType | None) -> None:
        _received.append(signum)
        raise KeyboardInterrupt

    try:
        before = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (an embedding program): leave its handling alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)
        _received.clear()


def check_working_directory() -> None:
    """Fail in one line when the directory the command runs in was deleted (every relative path, git
    and the schedules root depend on it)."""
    try:
        os.getcwd()
    except FileNotFoundError:
        _say(
            "error: the working directory no longer exists (deleted or moved away); cd into an "
            "existing directory and run the command again"
        )
        sys.exit(1)


def flush_output() -> None:
    """Write out what is buffered while the command can still say that it could not (OSError)."""
    sys.stdout.flush()
    sys.stderr.flush()


def output_failed(e: OSError) -> NoReturn:
    """An output that cannot be written: a closed pipe ends silently, anything else (a full disk) in
    one line; exit 1 either way. Standard output is pointed at /dev/null first, so the interpreter's
    own flush at exit has nothing left to fail on."""
    _discard_stdout()
    if e.errno != errno.EPIPE:
        _say(f"error: cannot write the output: {e.strerror or type(e).__name__}")
    sys.exit(1)


def is_output_error(e: OSError) -> bool:
    """An OSError that only writing output raises this far up: the files the tool reads and writes
    on purpose fail with their own message long before."""
    return e.errno in (errno.EPIPE, errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO)


def _discard_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (a test's stream)
        pass


def _say(line: str) -> None:
    try:
        click.echo(line, err=True)
        sys.stderr.flush()
    except OSError:  # stderr is gone too: the exit code is all that is left
        pass
