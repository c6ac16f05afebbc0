"""The progress reporter: plain lines off a terminal, a bar on one, silence for short runs."""

from __future__ import annotations

import io

from provisioner.progress import MIN_ITEMS, ProgressReporter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_plain_lines_every_ten_percent_and_at_the_end() -> None:
    out = io.StringIO()
    report = ProgressReporter(out, tty=False, clock=Clock())
    for done in range(1, 301):
        report("apply", done, 300)
    lines = out.getvalue().splitlines()
    assert lines[0] == "applying changes: 30/300 changes (10%)"
    assert lines[-1] == "applying changes: 300/300 changes (100%)"
    assert len(lines) == 10


def test_plain_line_after_five_seconds_even_between_steps() -> None:
    out, clock = io.StringIO(), Clock()
    report = ProgressReporter(out, tty=False, clock=clock)
    report("read", 1, 200)
    clock.now = 5.0
    report("read", 2, 200)
    report("read", 3, 200)  # no new step, no 5 s since the last line
    assert out.getvalue() == "reading live state: 2/200 scopes (1%)\n"


def test_silent_for_short_runs() -> None:
    out = io.StringIO()
    report = ProgressReporter(out, tty=False)
    for done in range(1, MIN_ITEMS):
        report("apply", done, MIN_ITEMS - 1)
    assert out.getvalue() == ""


def test_bar_on_a_terminal_is_transient() -> None:
    out = io.StringIO()
    report = ProgressReporter(out, tty=True)
    for done in range(1, 101):
        report("read", done, 100)
    report.close()  # idempotent after the phase completed
    assert "reading live state: " not in out.getvalue()  # no plain lines on a terminal


def test_cli_wires_progress_and_stays_quiet_for_the_demo(cli, write, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[str, int, int]] = []

    class Recording(ProgressReporter):
        def __call__(self, what: str, done: int, total: int) -> None:
            seen.append((what, done, total))
            super().__call__(what, done, total)

    monkeypatch.setattr("provisioner.cli.ProgressReporter", Recording)
    path = write("summit.yaml", "provider: guidebook\nguide: 47\nprune: false\nschedules: []\n")
    result = cli("plan", str(path))
    assert result.exit_code == 0 and ("read", 1, 1) in seen
    assert result.stderr == ""
