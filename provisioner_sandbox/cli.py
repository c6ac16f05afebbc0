"""`provisioner sandbox` (and `python -m provisioner_sandbox`): the one command line of the
emulator.

Every mistake in its options or set-up (a port in use or out of range, an unknown seed or reading, a
faults file that is not valid, a --data file that is not SQLite) is one line on stderr and exit 1,
never a traceback: exit 2 means "changes" elsewhere in provisioner (README: Commands), so click's
usage errors are turned into exit 1 here too. The server is imported only when the command runs, to
keep `provisioner --help` fast.
"""

from __future__ import annotations

import textwrap
from typing import Any

import click

from .readings import Reading
from .services import READINGS

READING_HELP = (
    "How to answer where the real API is undocumented (repeatable): one of the readings listed "
    "below "
    "under Readings, the first value being the default."
)


def _reading_rows(readings: tuple[Reading, ...]) -> list[tuple[str, str]]:
    """One row per reading for the help's "Readings" section: its values separated by " | ", so that
    the help wraps between values, never inside a name (the one long option text broke "pco.member_c
    / reate")."""
    return [
        (r.name, " | ".join(r.values) + (" | N (a number)" if r.numeric else "")) for r in readings
    ]


class _Exit1Command(click.Command):
    """A click command whose usage errors exit 1 (a bad option is an error, not "changes")."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = _reading_rows(READINGS)
        with formatter.section("Readings (--reading NAME=VALUE; first value: default)"):
            indent = " " * formatter.current_indent
            first = max(len(name) for name, _ in rows) + 2
            room = max((formatter.width or 80) - formatter.current_indent - first, 20)
            for name, values in rows:
                # Wrapped between values only: a value such as refused-on-create is typed as it is
                # shown.
                lines = textwrap.wrap(values, room, break_long_words=False, break_on_hyphens=False)
                formatter.write(f"{indent}{name:<{first}}{lines[0]}\n")
                for line in lines[1:]:
                    formatter.write(f"{indent}{'':<{first}}{line}\n")
        super().format_epilog(ctx, formatter)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise click.ClickException(exc.format_message()) from None


@click.command("sandbox", cls=_Exit1Command)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="0 picks a free port.",
)
@click.option(
    "--data",
    type=click.Path(dir_okay=False),
    help="SQLite file holding the state (default: temporary).",
)
@click.option(
    "--seed",
    help="Load data first: demo, empty, or bench:guides=N,schedules=N,... (default: keep data).",
)
@click.option(
    "--latency",
    type=click.FloatRange(min=0),
    default=0.0,
    help="Seconds added to every API request.",
)
@click.option(
    "--faults",
    "faults_file",
    type=click.Path(dir_okay=False),
    help='JSON list of fault rules such as {"method": "POST", "path": "schedules", "status": 503, '
    '"times": 2} (all fields: provisioner_sandbox/README.md).',
)
@click.option("--reading", "readings", multiple=True, metavar="NAME=VALUE", help=READING_HELP)
@click.option(
    "--pco-rate-limit",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Planning Center requests allowed per period.",
)
@click.option(
    "--pco-rate-period",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Planning Center rate-limit period in seconds.",
)
@click.option(
    "--guidebook-daily-limit",
    type=click.IntRange(min=1),
    default=10000,
    show_default=True,
    help="Guidebook requests allowed per UTC day.",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The date Planning Center's future/past filters take as today, YYYY-MM-DD (default: the "
    "real date).",
)
def sandbox(readings: tuple[str, ...], today: Any, **options: Any) -> None:
    """Run the local emulator of both APIs (Guidebook and Planning Center) until Ctrl-C."""
    from .errors import SandboxError
    from .readings import parse_assignments
    from .server import serve

    try:
        serve(
            readings=parse_assignments(readings),
            today=None if today is None else today.date(),
            **options,
        )
    except SandboxError as exc:
        raise click.ClickException(str(exc)) from None


def main() -> None:
    """`python -m provisioner_sandbox`: the same command, standalone."""
    sandbox(prog_name="python -m provisioner_sandbox")
