"""`provisioner sandbox` and `python -m provisioner_sandbox`: every set-up mistake is one clear line
and exit 1, never a traceback, and nothing is written before the set-up is known to be good."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner_sandbox import SandboxServer, Store
from tests.conftest import TODAY


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["sandbox", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def faults_file(tmp_path: Path, content: object) -> str:
    path = tmp_path / "faults.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "Invalid value for '--port': 70000 is not in the range 0<=x<=65535."),
        (["--port", "abc"], "'abc' is not a valid integer"),
        (["--seed", "bogus"], "unknown seed 'bogus': use demo, empty or bench:"),
        (["--seed", "bench:guides=x"], "bench option guides needs a whole number, got 'x'"),
        (["--seed", "bench:colour=2"], "unknown bench option 'colour' in seed 'bench:colour=2'"),
        (
            ["--reading", "guidebook.body=xml"],
            "reading guidebook.body cannot be 'xml'; use json | form-only",
        ),
        (
            ["--reading", "nope=1"],
            "unknown reading 'nope'; known: guidebook.attendee_schedules, guidebook.body,",
        ),
        (["--reading", "guidebook.body"], "--reading takes NAME=VALUE"),
        (["--latency", "-1"], "Invalid value for '--latency'"),
        (["--bogus"], "No such option '--bogus'"),
    ],
)
def test_bad_options_exit_1_with_one_message(args: list[str], message: str) -> None:
    code, output = run("--port", "0", *args) if args[0] != "--port" else run(*args)
    assert code == 1 and message in output and "Traceback" not in output, output


def test_port_in_use(busy_port: int) -> None:
    code, output = run("--port", str(busy_port), "--seed", "empty")
    assert (
        code == 1
        and f"port {busy_port} on 127.0.0.1 is already in use" in output
        and "Traceback" not in output
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ([{"mode": "explode"}], "unknown fault mode 'explode'"),
        ([{"path": "[unclosed"}], "fault path '[unclosed' is not a valid regular expression"),
        ([{"method": 1}], "fault method must be an HTTP method such as POST, or * (got 1)"),
        ("{not json", "is not valid JSON"),
        ([{"status": 503, "when": "always"}], "unknown fault field 'when'"),
        ("42", "must hold a JSON list of fault objects"),
        (
            "{}",
            "must hold a JSON list of fault objects",
        ),  # issue 23: it became "503 the next request"
    ],
)
def test_bad_faults_file(tmp_path: Path, content: object, message: str) -> None:
    code, output = run("--port", "0", "--seed", "empty", "--faults", faults_file(tmp_path, content))
    assert code == 1 and message in output and "Traceback" not in output, output
    assert "faults.json" in output  # names the file


def test_missing_faults_file(tmp_path: Path) -> None:
    code, output = run("--port", "0", "--faults", str(tmp_path / "none.json"))
    assert code == 1 and "cannot read the faults file" in output and "none.json" in output


def test_data_file_that_is_not_sqlite_is_left_alone(tmp_path: Path) -> None:
    data = tmp_path / "notes.txt"
    data.write_text("my notes, not a database\n" * 200, encoding="utf-8")
    code, output = run("--port", "0", "--data", str(data), "--seed", "demo")
    assert code == 1 and f"the data file {data} is not a sandbox SQLite database" in output
    assert "Traceback" not in output and data.read_text(encoding="utf-8").startswith("my notes")
    code, output = run("--port", "0", "--data", str(tmp_path / "no" / "dir.sqlite3"))
    assert code == 1 and "cannot open the data file" in output


def test_a_refused_start_does_not_touch_existing_data(tmp_path: Path, busy_port: int) -> None:
    data = str(tmp_path / "db.sqlite3")
    with SandboxServer(today=TODAY, data=data, seed="demo") as sb:
        sb.store.add_guidebook_schedule(47, "Keep me", [6], [13])
    assert run("--port", "0", "--data", data, "--seed", "bogus")[0] == 1
    assert (
        run("--port", str(busy_port), "--data", data, "--seed", "empty")[0] == 1
    )  # the port first, then the seed
    store = Store(data)
    try:
        assert "Keep me" in [s["name"] for s in store.guidebook_schedules(47)]
    finally:
        store.close()


def test_module_entry_is_the_same_command() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "provisioner_sandbox", "--port", "70000"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (
        proc.returncode == 1
        and "70000 is not in the range" in proc.stderr
        and "Traceback" not in proc.stderr
    )
    assert "Usage: python -m provisioner_sandbox" not in proc.stderr  # one line, not a usage dump


@pytest.mark.parametrize("width", [60, 80, 120])
def test_help_lists_the_readings_one_a_line_and_breaks_no_word(width: int) -> None:
    """Issue 22: the readings were one long option text, wrapped inside names ("pco.member_c",
    "reate")."""
    from provisioner_sandbox.services import READINGS

    result = CliRunner().invoke(main, ["sandbox", "--help"], terminal_width=width)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    section = lines[lines.index("Readings (--reading NAME=VALUE; first value: default):") + 1 :]
    words = set(" ".join(section).split())
    for reading in READINGS:
        assert reading.name in words and set(reading.values) <= words, reading.name
    assert any(re.fullmatch(r"  guidebook.body +json \| form-only", line) for line in section)
    assert max(map(len, lines)) <= width


def test_a_faults_file_that_is_a_device_is_refused_not_read_for_ever() -> None:
    """Measured: `--faults /dev/zero` read without end (a device says its size is 0)."""
    code, output = run("--port", "0", "--faults", "/dev/zero")
    assert code == 1 and "the faults file /dev/zero is not a regular file" in output, output
