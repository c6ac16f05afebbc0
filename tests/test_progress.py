"""The progress reporter: plain lines off a terminal, a bar on one, silence for short runs."""

from __future__ import annotations

import io

from provisioner.cli.progress import MIN_ITEMS, ProgressReporter, bar_line
from provisioner.core.clock import FakeClock


def test_plain_lines_every_ten_percent_and_at_the_end() -> None:
    out = io.StringIO()
    report = ProgressReporter(out, tty=False, clock=FakeClock())
    for done in range(1, 301):
        report("apply", done, 300)
    lines = out.getvalue().splitlines()
    assert lines[0] == "applying changes: 30/300 changes (10%)"
    assert lines[-1] == "applying changes: 300/300 changes (100%)"
    assert len(lines) == 10


def test_plain_line_after_five_seconds_even_between_steps() -> None:
    out, clock = io.StringIO(), FakeClock()
    report = ProgressReporter(out, tty=False, clock=clock)
    report("read", 1, 200)
    clock.advance(5.0)
    report("read", 2, 200)
    report("read", 3, 200)  # no new step, no 5 s since the last line
    assert out.getvalue() == "reading live state: 2/200 scopes (1%)\n"


def test_silent_for_short_runs() -> None:
    out = io.StringIO()
    report = ProgressReporter(out, tty=False)
    for done in range(1, MIN_ITEMS):
        report("apply", done, MIN_ITEMS - 1)
    assert out.getvalue() == ""


def test_bar_on_a_terminal_is_redrawn_in_place_and_erased_at_the_end() -> None:
    out, clock = io.StringIO(), FakeClock()
    report = ProgressReporter(out, tty=True, clock=clock)
    report("read", 1, 100)
    clock.advance(2.0)
    report("read", 50, 100)
    report("read", 51, 100)  # drawn less than 0.1 s ago: skipped
    clock.advance(3.5)
    report("read", 100, 100)  # the end is always drawn, then erased
    report.close()  # idempotent after the phase completed
    first, half, done = (
        bar_line("read", 1, 100, 0),
        bar_line("read", 50, 100, 2),
        bar_line("read", 100, 100, 5.5),
    )
    assert out.getvalue() == f"\r{first}\r{half}\r{done}\r{' ' * len(done)}\r"
    assert half == "reading live state (scopes) [###############---------------] 50/100 0:00:02"


def test_a_new_phase_erases_the_bar_of_the_last_one() -> None:
    out, clock = io.StringIO(), FakeClock()
    report = ProgressReporter(out, tty=True, clock=clock)
    report("read", 10, 60)
    clock.advance(1.0)
    report("apply", 1, 80)
    report.close()
    read, apply = bar_line("read", 10, 60, 0), bar_line("apply", 1, 80, 0)
    assert out.getvalue() == f"\r{read}\r{' ' * len(read)}\r\r{apply}\r{' ' * len(apply)}\r"
    assert "reading live state: " not in out.getvalue()  # no plain lines on a terminal


def test_cli_wires_progress_and_stays_quiet_for_the_demo(cli, write, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[str, int, int]] = []

    class Recording(ProgressReporter):
        def __call__(self, what: str, done: int, total: int) -> None:
            seen.append((what, done, total))
            super().__call__(what, done, total)

    monkeypatch.setattr(
        "provisioner.cli.progress.ProgressReporter", Recording
    )  # imported when a command runs
    path = write("summit.yaml", "provider: guidebook\nguide: 47\nprune: false\nschedules: []\n")
    result = cli("plan", str(path))
    assert result.exit_code == 0 and ("pages", 1, 1) in seen  # Guidebook reads count pages
    assert result.stderr == ""
