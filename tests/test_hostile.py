"""Hostile input and environments, as a new user meets them: every row is one command with one bad
input or setting, and must end with the expected exit code and message, no traceback and no secret
in the output.

Rows run in-process (CliRunner) against the module's sandbox; the few that could hang the test
process if the tool regressed (FIFOs, a terminal-like device, Ctrl-C) run as a subprocess under a
timeout, which guards against a hang and asserts nothing about time. The random-input counterpart is
tests/test_fuzz.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.core.clock import FakeClock
from provisioner_sandbox import GUIDEBOOK_KEY, PCO_SECRET, PCO_TOKEN
from tests.conftest import sandbox_env

SECRETS = (GUIDEBOOK_KEY, PCO_SECRET, PCO_TOKEN, "s3cr3t-pw")
HANG_GUARD = 60  # seconds; only a hung process ever gets near it

GUIDE = (
    "provider: guidebook\nguide: 47\nprune: false\nschedules:\n"
    "  - {name: Sales Team, attendees: [6, 7, 10, 11, 12], sessions: [13, 14, 40]}\n"
)
ROSTER = (
    "provider: planning_center\nservice_type: 1234\nrosters:\n  - plan: 5678\n    prune: false\n"
    "    team_members:\n      - {person: 119, team: 22, position: Vocals}\n"
)
BAD_TYPE_AND_DUPLICATE = (
    "provider: planning_center\nservice_type: 1234\nrosters:\n  - plan: 5678\n"
    "    team_members:\n      - {person: [abc], team: 22}\n      - {person: 111, team: 22}\n"
    "      - {person: 111, team: 22}\n"
)
BAD_SESSION_AND_DUPLICATE = (
    "provider: guidebook\nguide: 47\nschedules:\n"
    "  - {name: Y, attendees: [6], sessions: [13, oops]}\n"
    "  - {name: X, attendees: [6], sessions: [13]}\n"
    "  - {name: Z, attendees: [7], sessions: [14]}\n"
    "  - {name: X, attendees: [6], sessions: [13]}\n"
)
UNKNOWN_PEOPLE = tuple(
    range(901, 921)
)  # with the 12 known ones, more people than one GET each would check
MANY_PEOPLE = (
    "provider: planning_center\nservice_type: 1234\nrosters:\n  - plan: 5678\n    prune: false\n"
    "    team_members:\n"
    + "".join(
        f"      - {{person: {p}, team: {t}}}\n"
        for p in (*range(119, 131), *UNKNOWN_PEOPLE)
        for t in (22, 23)
    )
)


@dataclass
class Row:
    """One hostile case. ``{tmp}``, ``{gb}``, ``{pco}``, ``{url}``, ``{dead}`` and ``{bad}`` in
    ``args`` and ``env`` become the test's directory, the sandbox URLs, a closed port and a server
    answering 502 with no body. ``files`` are written under ``{tmp}`` first; ``setup`` and ``check``
    see the Ctx."""

    id: str
    args: tuple[str, ...]
    exit: int
    fragment: str
    files: dict[str, str] = field(default_factory=dict)
    env: dict[str, str | None] = field(default_factory=dict)
    stdin: str | None = None
    absent: tuple[str, ...] = ()
    setup: Callable[[Ctx], object] | None = None
    check: Callable[[Ctx, str], None] | None = None
    subprocess: bool = False
    charset: str = "utf-8"  # the encoding of the terminal the command writes to


@dataclass
class Ctx:
    tmp: Path
    sb: Any
    bad: BadGateway

    def fill(self, text: str) -> str:
        return text.format(
            tmp=self.tmp,
            gb=self.sb.guidebook_url,
            pco=self.sb.pco_url,
            url=self.sb.url,
            dead=f"http://127.0.0.1:{_closed_port()}/",
            bad=self.bad.url,
        )


class BadGateway:
    """A server that answers every request with 502 and no body (a load balancer whose backend is
    down); as HTTP_PROXY it shows whether a request went through the proxy."""

    def __init__(self) -> None:
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                outer.hits += 1
                self.send_response(502)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PATCH = do_DELETE = do_CONNECT = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- setups and checks
# ---------------------------------------------------------------------------------------


def _fifo(name: str) -> Callable[[Ctx], None]:
    def make(ctx: Ctx) -> None:
        (ctx.tmp / name).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(ctx.tmp / name)

    return make


def _link(ctx: Ctx, name: str, to: str) -> None:
    (ctx.tmp / name).parent.mkdir(parents=True, exist_ok=True)
    (ctx.tmp / name).symlink_to(to)


def _symlink(ctx: Ctx) -> None:
    (ctx.tmp / "real").mkdir()
    (ctx.tmp / "link.yaml").symlink_to(ctx.tmp / "real" / "summit.yaml")


def _still_a_link(ctx: Ctx, out: str) -> None:
    assert (ctx.tmp / "link.yaml").is_symlink()
    assert "provider: guidebook" in (ctx.tmp / "real" / "summit.yaml").read_text()


def _no_dash_file(ctx: Ctx, out: str) -> None:
    assert not (ctx.tmp / "-").exists()


def _huge(ctx: Ctx) -> None:
    (ctx.tmp / "huge.yaml").write_text("provider: guidebook\nguide: 47\n" + "# padding\n" * 700_000)


def _saved_plan(ctx: Ctx) -> None:
    runner, env = CliRunner(), _env(ctx, {})
    runner.invoke(
        main,
        ["plan", str(ctx.tmp / "s"), "--out", str(ctx.tmp / "p.json")],
        env=env,
        obj=FakeClock(),
    )
    runner.invoke(
        main,
        ["apply", str(ctx.tmp / "s"), "--plan", str(ctx.tmp / "p.json"), "--auto-approve"],
        env=env,
        obj=FakeClock(),
    )


def _nfc_live(ctx: Ctx) -> None:
    import requests

    requests.post(
        f"{ctx.sb.guidebook_url}personalized-schedules/",
        timeout=10,
        headers={"Authorization": f"JWT {GUIDEBOOK_KEY}"},
        json={"guide": 47, "name": "Caf\u00e9 Crew", "attendees": [5], "sessions": [13]},
    ).raise_for_status()


def _no_proxy_hit(ctx: Ctx, out: str) -> None:
    assert ctx.bad.hits == 0, "a request went through the proxy"


def _all_unknown_people(ctx: Ctx, out: str) -> None:
    for person in UNKNOWN_PEOPLE:
        assert f"person {person} does not exist" in out


def _no_raw_dict(ctx: Ctx, out: str) -> None:
    assert "{'" not in out and "None" not in out


# -- the table
# -----------------------------------------------------------------------------------------------

ROWS = [
    # Usage errors exit 1 on every command: 2 means "changes" or "drift" (README: Commands and exit
    # codes).
    Row("drift-mistyped-option", ("drift", "--formt", "markdown"), 1, "No such option '--formt'"),
    Row("drift-bad-format", ("drift", "--format", "yaml"), 1, "Invalid value for '--format'"),
    Row(
        "plan-parallelism-0", ("plan", "--parallelism", "0"), 1, "Invalid value for '--parallelism'"
    ),
    Row(
        "plan-detailed-unknown-option",
        ("plan", "--detailed-exitcode", "--bogus"),
        1,
        "No such option",
    ),
    Row("apply-plan-missing", ("apply", "--plan", "missing.json"), 1, "does not exist"),
    Row("apply-plan-directory", ("apply", "--plan", "{tmp}"), 1, "is a directory"),
    Row(
        "import-out-directory",
        ("import", "guidebook", "--guide", "47", "-o", "{tmp}"),
        1,
        "is a directory",
    ),
    Row(
        "plan-out-directory",
        ("plan", "{tmp}/s", "--out", "{tmp}"),
        1,
        "is a directory",
        files={"s/a.yaml": GUIDE},
    ),
    Row("unknown-command", ("bogus",), 1, "No such command 'bogus'"),
    Row("import-unknown-service", ("import", "nothing"), 1, "No such command 'nothing'"),
    Row(
        "import-guide-not-a-number",
        ("import", "guidebook", "--guide", "x"),
        1,
        "is not a valid integer",
    ),
    Row("import-pco-no-selection", ("import", "planning-center"), 1, "give --service-type ID"),
    # -v and -q work after the subcommand too.
    Row(
        "verbose-after-subcommand",
        ("plan", "{tmp}/s", "-v"),
        0,
        "\nplanned 1 scope(s): No changes. Live state matches the YAML.\n",  # a log line, in words
        files={"s/a.yaml": GUIDE},
        absent=("INFO ",),
    ),
    Row(
        "verbose-after-import-subcommand",
        ("import", "guidebook", "--guide", "47", "-vv"),
        0,
        "\ndebug: GET /open-api/v1/",
        absent=("DEBUG ", "urllib3"),
    ),
    Row(
        "quiet",
        ("plan", "{tmp}/s", "-q", "--out", "{tmp}/p.json"),
        0,
        "No changes.",
        files={"s/a.yaml": GUIDE},
        absent=("Plan written",),
    ),
    # Files that are not regular files, too large whatever st_size says, `-` for the standard
    # streams.
    Row(
        "validate-dev-zero",
        ("validate", "/dev/zero"),
        1,
        "/dev/zero:1:1: a device, not a regular file",
    ),
    Row(
        "validate-dev-null-named-as-given",
        ("validate", "/dev/null"),
        1,
        "/dev/null:1:1: a device",
        absent=("../",),
    ),
    Row(
        "validate-fifo-in-directory",
        ("validate", "{tmp}/s"),
        1,
        "b.yaml:1:1: a FIFO (named pipe), not a regular",
        files={"s/a.yaml": GUIDE},
        setup=_fifo("s/b.yaml"),
        subprocess=True,
    ),
    Row(
        "validate-symlink-loop-in-directory",
        ("validate", "{tmp}/s"),
        1,
        "a.yaml:1:1: a symlink that leads to itself (a loop)",
        setup=lambda ctx: _link(ctx, "s/a.yaml", "a.yaml"),
    ),
    Row(
        "validate-dangling-symlink",
        ("validate", "{tmp}/gone.yaml"),
        1,
        "gone.yaml:1:1: a symlink that leads nowhere",
        setup=lambda ctx: _link(ctx, "gone.yaml", "/nonexistent/x.yaml"),
    ),
    Row(
        "validate-utf16",
        ("validate", "{tmp}/a.yaml"),
        1,
        "a.yaml:1:1: UTF-16 text; save the file as UTF-8",
        setup=lambda ctx: (ctx.tmp / "a.yaml").write_bytes(GUIDE.encode("utf-16")),
    ),
    Row("validate-stdin", ("validate", "-"), 0, "1 file valid.", stdin=GUIDE),
    Row(
        "validate-stdin-invalid",
        ("validate", "-"),
        1,
        "<stdin>:1:1: missing required key `guide`",
        stdin="provider: guidebook\n",
    ),
    Row(
        "validate-same-file-twice",
        ("validate", "{tmp}/s/a.yaml", "{tmp}/s/a.yaml", "{tmp}/s"),
        0,
        "1 file valid.",
        files={"s/a.yaml": GUIDE},
    ),
    Row(
        "validate-too-large",
        ("validate", "{tmp}/huge.yaml"),
        1,
        "larger than the limit of 5,242,880 bytes",
        setup=_huge,
    ),
    Row(
        "apply-plan-dev-zero",
        ("apply", "{tmp}/s", "--plan", "/dev/zero"),
        1,
        "a device, not a regular file",
        files={"s/a.yaml": GUIDE},
    ),
    Row(
        "apply-plan-fifo",
        ("apply", "{tmp}/s", "--plan", "{tmp}/p.json"),
        1,
        "a FIFO (named pipe)",
        files={"s/a.yaml": GUIDE},
        setup=_fifo("p.json"),
        subprocess=True,
    ),
    Row(
        "apply-plan-not-json",
        ("apply", "{tmp}/s", "--plan", "{tmp}/p.json"),
        1,
        "not JSON",
        files={"s/a.yaml": GUIDE, "p.json": "[" * 100_000},
    ),
    Row(
        "apply-plan-already-applied",
        ("apply", "{tmp}/s", "--plan", "{tmp}/p.json"),
        0,
        "already applied: live state holds its 1 change",
        files={"s/a.yaml": GUIDE.replace("[6, 7, 10, 11, 12]", "[6]")},
        setup=_saved_plan,
    ),
    Row(
        "import-out-symlink-written-through",
        ("import", "guidebook", "--guide", "47", "-o", "{tmp}/link.yaml"),
        0,
        "wrote {tmp}/link.yaml",
        setup=_symlink,
        check=_still_a_link,
    ),
    Row(
        "import-out-dash-is-stdout",
        ("import", "guidebook", "--guide", "47", "-o", "-"),
        0,
        "provider: guidebook",
        check=_no_dash_file,
    ),
    Row(
        "plan-out-dash-is-stdout",
        ("plan", "{tmp}/s", "--out", "-"),
        0,
        '"format_version": 1',
        files={"s/a.yaml": GUIDE},
        check=_no_dash_file,
    ),
    Row(
        "import-out-dev-full",
        ("import", "guidebook", "--guide", "47", "-o", "/dev/full"),
        1,
        "/dev/full: cannot write: No space left on device",
    ),
    Row(
        "plan-out-dev-full",
        ("plan", "{tmp}/s", "--out", "/dev/full"),
        1,
        "cannot write the plan file /dev/full: No space left on device",
        files={"s/a.yaml": GUIDE},
    ),
    Row(
        "import-out-dev-stdout",
        ("import", "guidebook", "--guide", "47", "-o", "/dev/stdout"),
        0,
        "provider: guidebook",
        subprocess=True,
    ),
    Row(
        "import-merge-into-huge-file",
        ("import", "guidebook", "--guide", "47", "-o", "{tmp}/huge.yaml"),
        1,
        "cannot merge into this file: larger than the limit",
        setup=_huge,
    ),
    Row(
        "non-utf8-terminal",
        ("plan", "{tmp}/s"),
        0,
        "position: (none) \\u2192 Vocals",
        files={"s/a.yaml": ROSTER},
        charset="ascii",
    ),
    # Credentials are checked before any request and named; user info never shown.
    Row(
        "key-zero-width-space",
        ("plan", "{tmp}/s"),
        1,
        "GUIDEBOOK_API_KEY contains U+200B (ZERO WIDTH SPACE)",
        files={"s/a.yaml": GUIDE},
        env={"GUIDEBOOK_API_KEY": GUIDEBOOK_KEY[:4] + "\u200b" + GUIDEBOOK_KEY[4:]},
    ),
    Row(
        "key-newline",
        ("plan", "{tmp}/s"),
        1,
        "GUIDEBOOK_API_KEY contains U+000A (LINE FEED)",
        files={"s/a.yaml": GUIDE},
        env={"GUIDEBOOK_API_KEY": GUIDEBOOK_KEY + "\nx"},
    ),
    Row(
        "pco-secret-non-latin1",
        ("plan", "{tmp}/s"),
        1,
        "PCO_SECRET contains U+20AC (EURO SIGN)",
        files={"s/a.yaml": ROSTER},
        env={"PCO_SECRET": PCO_SECRET + "\u20ac"},
    ),
    Row(
        "pco-token-nbsp",
        ("plan", "{tmp}/s"),
        1,
        "PCO_ACCESS_TOKEN contains U+00A0 (NO-BREAK SPACE)",
        files={"s/a.yaml": ROSTER},
        env={"PCO_ACCESS_TOKEN": "tok\u00a0en"},
    ),
    Row(
        "url-user-info-http",
        ("plan", "{tmp}/s"),
        1,
        "GUIDEBOOK_API_URL='http://***@example.com/open-api/v1/'",
        files={"s/a.yaml": GUIDE},
        env={"GUIDEBOOK_API_URL": "http://admin:s3cr3t-pw@example.com/open-api/v1/"},
    ),
    Row(
        "url-user-info-https",
        ("plan", "{tmp}/s"),
        1,
        "holds a user name or password",
        files={"s/a.yaml": ROSTER},
        env={"PCO_API_URL": "https://admin:s3cr3t-pw@api.example.com/"},
    ),
    Row(
        "url-bad-port",
        ("plan", "{tmp}/s"),
        1,
        "GUIDEBOOK_API_URL='https://example.com:99999/' is not a usable URL",
        files={"s/a.yaml": GUIDE},
        env={"GUIDEBOOK_API_URL": "https://example.com:99999/"},
    ),
    Row(
        "proxy-password-never-shown",
        ("plan", "{tmp}/s"),
        1,
        "InvalidURL",
        files={"s/a.yaml": ROSTER},
        env={
            "PCO_API_URL": "https://api.example.invalid/",
            "HTTPS_PROXY": "http://admin:s3cr3t-pw@127.0.0.1:notaport",
        },
    ),
    # The network: no proxy for http://, host:port named, the variable to check named, no "None", no
    # raw dict.
    Row(
        "http-proxy-ignored-for-loopback",
        ("plan", "{tmp}/s"),
        0,
        "No changes.",
        files={"s/a.yaml": GUIDE},
        env={"HTTP_PROXY": "{bad}", "http_proxy": "{bad}"},
        check=_no_proxy_hit,
    ),
    Row(
        "all-proxy-ignored-for-loopback",
        ("plan", "{tmp}/s"),
        0,
        "Plan: 1 to create",
        files={"s/a.yaml": ROSTER},
        env={"ALL_PROXY": "{bad}", "all_proxy": "{bad}"},
        check=_no_proxy_hit,
    ),
    Row(
        "connection-refused-names-host-port",
        ("plan", "{tmp}/s"),
        1,
        "talking to 127.0.0.1:",
        files={"s/a.yaml": GUIDE},
        env={"GUIDEBOOK_API_URL": "{dead}"},
    ),
    Row(
        "guidebook-401-names-variable",
        ("plan", "{tmp}/s"),
        1,
        "answered 401: Invalid signature. (check GUIDEBOOK_API_KEY",
        files={"s/a.yaml": GUIDE},
        env={"GUIDEBOOK_API_KEY": "wrong-key"},
    ),
    Row(
        "pco-401-names-variables",
        ("plan", "{tmp}/s"),
        1,
        "(check PCO_APPLICATION_ID and PCO_SECRET",
        files={"s/a.yaml": ROSTER},
        env={"PCO_SECRET": "wrong"},
    ),
    Row(
        "guidebook-502-empty-body",
        ("plan", "{tmp}/s"),
        1,
        "answered 502 Bad Gateway with an empty body",
        files={"s/a.yaml": GUIDE},
        env={"GUIDEBOOK_API_URL": "{bad}open-api/v1/"},
        absent=("None",),
    ),
    Row(
        "guidebook-url-with-path-prefix",
        ("plan", "{tmp}/s"),
        1,
        "answered 401: errors: Unauthorized: Please provide valid credentials",
        files={"s/a.yaml": GUIDE},
        env={"GUIDEBOOK_API_URL": "{url}prefix/open-api/v1/"},
        check=_no_raw_dict,
    ),
    Row(
        "pco-url-with-path-prefix",
        ("plan", "{tmp}/s"),
        1,
        "answered 404",
        files={"s/a.yaml": ROSTER},
        env={"PCO_API_URL": "{url}prefix/"},
        check=_no_raw_dict,
    ),
    # Every error in one run, each where it is.
    Row(
        "type-error-and-duplicate",
        ("validate", "{tmp}/s"),
        1,
        "a.yaml:8:9: person 111 on team 22 of plan 5678 is declared twice",
        files={"s/a.yaml": BAD_TYPE_AND_DUPLICATE},
        check=lambda ctx, out: _has(
            out, "a.yaml:6:18: rosters.0.team_members.0.person: person must be an id, a name or"
        ),
    ),
    Row(
        "type-error-in-optional-list-and-duplicate",
        ("validate", "{tmp}/s"),
        1,
        "a.yaml:7:12: schedule 'X' of guide 47 is declared twice",
        files={"s/a.yaml": BAD_SESSION_AND_DUPLICATE},
        check=lambda ctx, out: _has(
            out, "a.yaml:4:46: schedules.0.sessions.1: session reference must be"
        ),
    ),
    Row(
        "every-unknown-person",
        ("plan", "{tmp}/s"),
        1,
        "40 errors found.",
        files={"s/a.yaml": MANY_PEOPLE},
        check=_all_unknown_people,
    ),
    Row(
        "yaml-unclosed-quote",
        ("validate", "{tmp}/a.yaml"),
        1,
        "a.yaml:4:11: this quoted value is never closed",
        files={
            "a.yaml": 'provider: guidebook\nguide: 47\nschedules:\n  - name: "Sales\n    '
            "attendees: []\n"
        },
    ),
    Row(
        "yaml-unclosed-bracket-before-more-lines",
        ("validate", "{tmp}/a.yaml"),
        1,
        "a.yaml:5:16: this `[` is not closed: at 6:13 the parser did not find expected ',' or ']'",
        files={
            "a.yaml": "provider: guidebook\nguide: 47\nschedules:\n  - name: A\n    attendees: [1, "
            "2\n"
            "    sessions: [2]\n"
        },
    ),
    Row(
        "yaml-second-document",
        ("validate", "{tmp}/a.yaml"),
        1,
        "a.yaml:4:1: a second YAML document starts here",
        files={"a.yaml": "provider: guidebook\nguide: 47\n---\nprovider: guidebook\nguide: 48\n"},
    ),
    Row(
        "yaml-null-key",
        ("validate", "{tmp}/a.yaml"),
        1,
        "a.yaml:3:1: a key is empty (null)",
        files={"a.yaml": "provider: guidebook\nguide: 47\n~: 3\nschedules: []\n"},
        absent=("None",),
    ),
    Row(
        "yaml-duplicate-through-alias",
        ("validate", "{tmp}/a.yaml"),
        1,
        "a.yaml:6:5: schedule 'A' of guide 47 is declared twice",
        files={
            "a.yaml": "provider: guidebook\nguide: 47\nschedules:\n"
            "  - &s {name: A, attendees: [], sessions: []}\n  - {name: B}\n  - *s\n"
        },
    ),
    # Look-alike names and the words of review output.
    Row(
        "nfd-name-matches-nfc-live",
        ("plan", "{tmp}/s"),
        0,
        "No changes.",
        files={
            "s/a.yaml": "provider: guidebook\nguide: 47\nprune: false\nschedules:\n"
            '  - {name: "Cafe\u0301 Crew", attendees: [5], sessions: [13]}\n'
        },
        setup=_nfc_live,
    ),
    Row(
        "case-only-twin-warned",
        ("plan", "{tmp}/s"),
        0,
        "'sales team' and 'Sales Team' differ only in case",
        files={"s/a.yaml": GUIDE.replace("Sales Team", "sales team")},
    ),
    Row(
        "did-you-mean-ignores-case",
        ("plan", "{tmp}/s"),
        1,
        "did you mean 'Workshop A', 'Workshop B'",
        files={"s/a.yaml": GUIDE.replace("[13, 14, 40]", "[{name: workshop a}]")},
    ),
    Row(
        "plan-uses-yaml-field-names",
        ("plan", "{tmp}/s"),
        0,
        "      position: (none) → Vocals",
        files={"s/a.yaml": ROSTER},
        absent=("team_position_name",),
    ),
    Row(
        "apply-result-lines-use-names",
        ("apply", "{tmp}/s", "--auto-approve"),
        0,
        "ok     create Sunday Services · Dec 6 (plan 5678) "
        "'Grace Wilson (person 119) / Band (team 22) / Vocals'",
        files={"s/a.yaml": ROSTER},
    ),
]


def _has(out: str, fragment: str) -> None:
    assert fragment in out, out


def _env(ctx: Ctx, extra: dict[str, str | None]) -> dict[str, str | None]:
    env: dict[str, str | None] = {**sandbox_env(ctx.sb), "NO_COLOR": "1", "GITHUB_ACTIONS": None}
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "NO_PROXY",
    ):
        env[name] = None
    env.update({k: None if v is None else ctx.fill(v) for k, v in extra.items()})
    return env


@pytest.fixture(scope="module")
def bad_gateway() -> Iterator[BadGateway]:
    server = BadGateway()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_hostile(
    row: Row, sb: Any, bad_gateway: BadGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = Ctx(tmp_path, sb, bad_gateway)
    bad_gateway.hits = 0
    monkeypatch.chdir(tmp_path)
    for name, text in row.files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    if row.setup:
        row.setup(ctx)
    args = [ctx.fill(a) for a in row.args]
    env = _env(ctx, row.env)
    code, out = (
        _run_subprocess(args, env, row.stdin)
        if row.subprocess
        else _run_in_process(args, env, row.stdin, row.charset)
    )
    assert code == row.exit, out
    assert ctx.fill(row.fragment) in out, out
    assert "Traceback" not in out, out
    for secret in (*SECRETS, *(v for v in row.env.values() if v and "\u200b" in v)):
        assert secret not in out
    for text in row.absent:
        assert text not in out, out
    if row.check:
        row.check(ctx, out)


def _run_in_process(
    args: list[str], env: dict[str, str | None], stdin: str | None, charset: str = "utf-8"
) -> tuple[int, str]:
    # on a fake clock: retries happen (their count is part of the behaviour) without waiting between
    # them
    result = CliRunner(charset=charset).invoke(main, args, env=env, input=stdin, obj=FakeClock())
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout + result.stderr


def _run_subprocess(
    args: list[str], env: dict[str, str | None], stdin: str | None
) -> tuple[int, str]:
    full = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    proc = subprocess.run(
        [sys.executable, "-c", "from provisioner.cli import main; main()", *args],
        env=full,
        input=stdin or "",
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_table_is_large_enough() -> None:
    assert len(ROWS) >= 40


# -- Ctrl-C during apply
# -------------------------------------------------------------------------------------

SLOW_ROSTER = [(p, t) for p in range(119, 131) for t in (22, 23)]  # 24 roster changes


def apply_slowly_then_signal(sb: Any, tmp_path: Path, signum: int) -> tuple[int, str, str]:
    """`apply` of SLOW_ROSTER in a subprocess, each write held up a little (a fault); after three
    creates are done, ``signum``. Its exit code, stdout and stderr."""
    (tmp_path / "roster.yaml").write_text(
        "provider: planning_center\nservice_type: 1234\nrosters:\n  - plan: 5678\n    prune: "
        "false\n"
        "    team_members:\n"
        + "".join(f"      - {{person: {p}, team: {t}}}\n" for p, t in SLOW_ROSTER)
    )
    sb.add_fault(method="POST", path="plan_people", mode="delay", delay=0.2, times=-1)
    env = {**os.environ, **sandbox_env(sb), "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from provisioner.cli import main; main()",
            "apply",
            "-v",
            "--auto-approve",
            "--parallelism",
            "2",
            str(tmp_path),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        done = 0
        for line in proc.stderr:  # blocks until the tool writes: no sleeping here
            done += " done" in line and "create plan 5678" in line
            if done == 3:
                break
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=HANG_GUARD)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, out, err


def test_ctrl_c_during_apply_says_what_happened_and_exits_130(sb: Any, tmp_path: Path) -> None:
    """Each write takes a while (a fault delays it); after three are done, SIGINT. In-flight writes
    finish, the rest never start, and the report says so: applied + failed + not started = all 24.
    """
    people = SLOW_ROSTER
    returncode, out, err = apply_slowly_then_signal(sb, tmp_path, signal.SIGINT)
    assert returncode == 130, err
    assert "Traceback" not in out + err and "Aborted!" not in err
    summary = [line for line in err.splitlines() if line.startswith("interrupted: ")]
    assert len(summary) == 1, err
    numbers = [int(w) for w in summary[0].replace(",", "").split() if w.isdigit()]
    applied, failed, not_started = numbers
    assert applied >= 3 and not_started >= 1 and applied + failed + not_started == len(people)
    assert "Re-running apply converges" in summary[0]
    creates = [r for r in sb.requests() if r["method"] == "POST"]
    assert (
        len(creates) == applied + failed
    )  # nothing was sent for the changes reported as not started


# -- progress for anything slow, however few the items
# -----------------------------------------------------


def test_progress_shows_for_a_slow_phase_of_few_items() -> None:
    import io

    from provisioner.cli.progress import ProgressReporter

    clock = FakeClock()
    out = io.StringIO()
    progress = ProgressReporter(out, tty=False, clock=clock)
    progress("apply", 0, 30)
    for done in range(1, 31):
        clock.advance(0.3)  # 0.3 s a change: silent for the first seconds, then lines
        progress("apply", done, 30)
    lines = out.getvalue().splitlines()
    assert (
        lines[0] == "applying changes: 11/30 changes (36%)"
        and lines[-1] == "applying changes: 30/30 changes (100%)"
    )
    quick = io.StringIO()
    fast = ProgressReporter(quick, tty=False, clock=FakeClock())
    for done in range(31):
        fast("apply", done, 30)
    assert quick.getvalue() == ""


def test_truncation_note_counts_in_the_singular() -> None:
    from provisioner.render.markdown import _unit

    assert (_unit("person", 1), _unit("person", 2), _unit("warning", 1)) == (
        "per-person impact line",
        "per-person impact lines",
        "warning",
    )


def test_saved_plan_round_trip_keeps_api_field_names(sb: Any, tmp_path: Path) -> None:
    """Review output speaks the YAML's words; the plan file (the fixed interface) keeps the
    API's."""
    (tmp_path / "a.yaml").write_text(ROSTER)
    result = CliRunner().invoke(
        main, ["plan", str(tmp_path), "--format", "json"], env=_env(Ctx(tmp_path, sb, None), {})
    )  # type: ignore[arg-type]
    assert "team_position_name" in json.dumps(json.loads(result.stdout)["changes"])


@pytest.mark.parametrize(
    "body",
    [
        None,
        "",
        {"detail": None},
        {"errors": [{"title": "Unauthorized", "detail": "x"}]},
        {"error": {"code": 7, "message": "no"}},
        {"detail": "Not found."},
        [1, 2],
    ],
)
def test_error_bodies_read_as_words_never_none_or_a_raw_dict(body: Any) -> None:
    """Whatever answers on the API's URL (a proxy, another API under a path prefix), the message has
    words."""
    from provisioner.providers.guidebook.provider import drf_detail
    from provisioner.providers.planning_center.client import jsonapi_detail

    for detail in (drf_detail(body), jsonapi_detail(body)):
        assert detail and "None" not in detail and "{'" not in detail, detail


def test_ctrl_c_during_import_exits_130_and_writes_nothing(sb: Any, tmp_path: Path) -> None:
    """Measured: "Aborted!" and exit 1. The attendees read is held up (a fault), SIGINT arrives
    while it waits."""
    sb.add_fault(method="GET", path="attendees", mode="delay", delay=5, times=1)
    env = {**os.environ, **sandbox_env(sb), "NO_COLOR": "1"}
    out_file = tmp_path / "guide.yaml"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from provisioner.cli import main; main()",
            "import",
            "guidebook",
            "--guide",
            "47",
            "-o",
            str(out_file),
            "-vv",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # blocks until the tool writes: no sleeping here
            if "GET /open-api/v1/guides/47/ -> 200" in line:
                break
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=HANG_GUARD)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert (
        "interrupted; nothing was written." in err
        and "Aborted!" not in err
        and "Traceback" not in err
    )
    assert not out_file.exists()
