"""Issue 23 #7, the edges of the process (contract §4, "Signals and output"): a full disk, a closed
pipe, a deleted working directory, a FIFO no one reads, Ctrl-C at the prompt and SIGTERM mid-apply.
Each runs the command as a real process (its stdout a real /dev/full, a real signal, a real
file-size limit standing in for a full disk) against the module's sandbox, under a timeout that only
guards against a hang and asserts nothing about time. Each failed on main before the fix (a
traceback, `^CAborted!` exit 1, a plan file overwritten by a partial one, a FIFO waited on for ever,
SIGTERM's default death with no report)."""

from __future__ import annotations

import json
import os
import pty
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pytest

from tests.conftest import Cli, sandbox_env
from tests.test_hostile import SLOW_ROSTER, apply_slowly_then_signal

HANG_GUARD = 60  # seconds; only a hung process ever gets near it
RUN = [sys.executable, "-c", "from provisioner.cli import main; main()"]
GUIDE = (
    "provider: guidebook\nguide: 47\nprune: false\nschedules:\n"
    "  - {name: Sales Team, attendees: [6, 7, 10, 11, 12], sessions: [13, 14, 40]}\n"
)
CHANGED = GUIDE.replace("[6, 7, 10, 11, 12]", "[6, 7, 8, 10, 11, 12]")


def _env(sb: Any) -> dict[str, str]:
    return {**os.environ, **sandbox_env(sb), "NO_COLOR": "1"}


def run(
    sb: Any, *args: str, stdout: int | IO[Any] = subprocess.PIPE, **kw: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*RUN, *args],
        env=_env(sb),
        stdout=stdout,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        timeout=HANG_GUARD,
        **kw,
    )


def small_disk(limit: int) -> Callable[[], None]:
    """In the child: no file may grow past ``limit`` bytes, as on a disk with that much room left (a
    write past it fails with EFBIG instead of killing the process with SIGXFSZ)."""

    def limit_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_files


@pytest.fixture
def schedules(tmp_path: Path) -> Path:
    d = tmp_path / "schedules"
    d.mkdir()
    (d / "s.yaml").write_text(CHANGED, encoding="utf-8")
    return d


def test_stdout_to_a_full_disk_is_one_line_and_exit_1(sb: Any, schedules: Path) -> None:
    """Main: a traceback ending in `OSError: [Errno 28] No space left on device`."""
    for args in (("plan", str(schedules), "--detailed-exitcode"), ("validate", str(schedules))):
        with open("/dev/full", "w") as full:
            done = run(sb, *args, stdout=full)
        assert done.returncode == 1, done.stderr  # not 2: the plan was not shown
        assert done.stderr.endswith("error: cannot write the output: No space left on device\n")
        assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_a_closed_pipe_ends_silently_with_exit_1(sb: Any, schedules: Path) -> None:
    read, write = os.pipe()
    os.close(read)  # `provisioner plan | head -0`: no one reads
    try:
        done = run(sb, "plan", str(schedules), stdout=write)
    finally:
        os.close(write)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "error" not in done.stderr


def test_record_on_a_full_disk_is_one_line_and_exit_1(
    sb: Any, schedules: Path, tmp_path: Path
) -> None:
    """Main: "reading guide 47 failed unexpectedly: OSError: [Errno 27] File too large" (the
    record's failure became the read's). Now the requests are not failed by their record: the
    command runs, then says what was not recorded."""
    record = tmp_path / "rec"
    done = run(sb, "plan", str(schedules), "--record", str(record), preexec_fn=small_disk(4096))
    assert done.returncode == 1, done.stderr
    assert "Plan: 0 to create, 1 to update, 0 to delete." in done.stdout
    assert done.stderr.endswith(
        f"error: --record {record}: could not write 0001-GET-open-api-v1-personalized-schedules"
        ".json: File too large; recording stopped there, after 0 exchanges (the command itself "
        "ran)\n"
    ), done.stderr
    assert list(record.iterdir()) == []  # no half-written record left behind


def test_a_deleted_working_directory_is_one_line_and_exit_1(
    sb: Any, schedules: Path, tmp_path: Path
) -> None:
    """Main: a traceback from os.getcwd() (FileNotFoundError)."""
    gone = tmp_path / "gone"
    gone.mkdir()
    # the child has entered it (cwd) before preexec_fn runs: removed under its feet
    done = run(sb, "validate", str(schedules), cwd=gone, preexec_fn=lambda: os.rmdir(gone))
    assert done.returncode == 1
    assert done.stderr == (
        "error: the working directory no longer exists (deleted or moved away); cd into an "
        "existing directory and run the command again\n"
    )


def test_plan_out_on_a_full_disk_keeps_the_previous_plan(
    cli: Cli, sb: Any, schedules: Path, tmp_path: Path
) -> None:
    """Main truncated the old plan file and left the 4,096 bytes it managed to write."""
    out = tmp_path / "plan.json"
    assert cli("plan", str(schedules), "--out", str(out)).exit_code == 0
    good = out.read_bytes()
    (schedules / "s.yaml").write_text(GUIDE.replace("[13, 14, 40]", "[13, 14, 15, 40]"))
    done = run(sb, "plan", str(schedules), "--out", str(out), preexec_fn=small_disk(512))
    assert done.returncode == 1
    assert done.stderr.endswith(f"error: cannot write the plan file {out}: File too large\n")
    assert out.read_bytes() == good and json.loads(good)["format_version"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json", "schedules"]  # no temp file


def test_import_out_on_a_full_disk_keeps_the_previous_file(
    cli: Cli, sb: Any, tmp_path: Path
) -> None:
    out = tmp_path / "guide.yaml"
    assert cli("import", "guidebook", "--guide", "47", "-o", str(out)).exit_code == 0
    good = out.read_bytes()
    sb.store.add_guidebook_schedule(47, "Crew", [6], [13])  # the merge has something to add
    done = run(
        sb, "import", "guidebook", "--guide", "47", "-o", str(out), preexec_fn=small_disk(1024)
    )
    assert done.returncode == 1
    assert done.stderr.endswith(f"error: {out}: cannot write: File too large\n")
    assert out.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["guide.yaml"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("plan", "{d}", "--out", "{fifo}"),
            "error: cannot write the plan file {fifo}: a FIFO (named pipe) that no process is "
            "reading\n",
        ),
        (
            ("import", "guidebook", "--guide", "47", "-o", "{fifo}"),
            "error: {fifo}: cannot write: a FIFO (named pipe) that no process is reading\n",
        ),
    ],
)
def test_a_fifo_no_one_reads_is_refused_not_waited_on(
    sb: Any, schedules: Path, tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    """Main opened it for writing and waited for a reader for ever."""
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    done = run(sb, *(a.format(d=schedules, fifo=fifo) for a in args))
    assert done.returncode == 1
    assert done.stderr.endswith(said.format(fifo=fifo)), done.stderr


def test_a_fifo_someone_reads_gets_the_plan(sb: Any, schedules: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader is there before the command
    try:
        done = run(sb, "plan", str(schedules), "--out", str(fifo))
        os.set_blocking(reader, True)
        got = b""
        while chunk := os.read(reader, 65536):
            got += chunk
    finally:
        os.close(reader)
    assert done.returncode == 0, done.stderr
    assert json.loads(got)["summary"] == {"create": 0, "update": 1, "delete": 0}


def blocked_on_the_terminal(proc: subprocess.Popen[bytes]) -> None:
    """Wait until the process's main thread sleeps reading its terminal (Linux: ``wait_woken`` in
    /proc/PID/wchan). A SIGINT sent between the prompt's write and that read is taken by Python's
    handler but raises only once the read returns, as it does for a person, who never types that
    fast."""
    wchan = Path(f"/proc/{proc.pid}/wchan")
    while wchan.read_text() != "wait_woken":
        with pytest.raises(subprocess.TimeoutExpired):  # a short wait between looks, not a timing
            proc.wait(timeout=0.01)


def test_ctrl_c_at_the_confirmation_prompt_exits_130_with_nothing_written(
    sb: Any, schedules: Path
) -> None:
    """Main: `^CAborted!`, exit 1. The prompt needs a terminal: stdin is a pseudo-terminal."""
    main_end, child_end = pty.openpty()
    with subprocess.Popen(
        [*RUN, "apply", str(schedules)],
        env=_env(sb),
        stdin=child_end,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        os.close(child_end)
        try:
            assert proc.stdout is not None
            shown = b""
            while b"Apply these changes? [y/N]: " not in shown:  # blocks until the tool writes
                chunk = os.read(proc.stdout.fileno(), 65536)
                assert chunk, shown
                shown += chunk
            blocked_on_the_terminal(proc)
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=HANG_GUARD)
        finally:
            if proc.poll() is None:
                proc.kill()
            os.close(main_end)
    assert proc.returncode == 130
    assert err.decode().endswith("\ninterrupted; nothing was written.\n")
    assert "Aborted" not in err.decode()
    assert [r["method"] for r in sb.requests() if r["method"] != "GET"] == []


def test_sigterm_mid_apply_finishes_in_flight_reports_and_exits_143(
    sb: Any, tmp_path: Path
) -> None:
    """Main died at once (SIGTERM's default), with no outcome table: what had been applied was never
    said. Each write is held up a little (a fault); after three are done, SIGTERM. As with Ctrl-C,
    in-flight writes finish, the rest never start, and the report adds up."""
    people = SLOW_ROSTER
    returncode, out, err = apply_slowly_then_signal(sb, tmp_path, signal.SIGTERM)
    assert returncode == 143, err
    assert "Traceback" not in out + err
    summary = [line for line in err.splitlines() if line.startswith("terminated (SIGTERM): ")]
    assert len(summary) == 1, err
    applied, failed, not_started = (
        int(w) for w in summary[0].replace(",", "").split() if w.isdigit()
    )
    assert applied >= 3 and not_started >= 1 and applied + failed + not_started == len(people)
    assert "Re-running apply converges" in summary[0]
    assert (
        out.count("  ok     create Sunday Services · Dec 6 (plan 5678)") == applied
    )  # the outcome table, one line each
    creates = [r for r in sb.requests() if r["method"] == "POST"]
    assert len(creates) == applied + failed  # nothing was sent for what is reported as not started
