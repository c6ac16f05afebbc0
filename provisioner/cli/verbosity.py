"""-v, -vv and -q: accepted before the subcommand (on the group) and after it (on every subcommand,
the import ones included), counted together in the root context's ``meta``."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

VERBOSE_HELP = "-v for progress, -vv for every request (never secrets)."
QUIET_HELP = "Only errors and the output itself: no warnings or progress on stderr."
COLOR_HELP = (
    "Colour the text output: auto (on a terminal, unless NO_COLOR is set; FORCE_COLOR turns it on "
    "elsewhere), always or never."
)
COLOR_CHOICE = click.Choice(["auto", "always", "never"])


def set_color(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """--color before or after the subcommand; the last one given wins."""
    if value is not None:
        ctx.find_root().meta["color"] = value


def verbose() -> int:
    return int(click.get_current_context().find_root().meta.get("verbose", 0))


def set_verbosity(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """-v/-vv/-q, before or after the subcommand: -v counts add up; -q wins over any -v."""
    if not value:
        return
    meta = ctx.find_root().meta
    if param.name == "quiet":
        meta["quiet"] = True
    else:
        meta["verbose"] = meta.get("verbose", 0) + value
    configure_logging(meta)


def configure_logging(meta: dict[str, Any]) -> None:
    """Send log records to stderr in the CLI's words, at the level -q / -v / -vv in ``meta`` ask
    for."""
    level = (
        logging.ERROR
        if meta.get("quiet")
        else logging.WARNING - 10 * min(meta.get("verbose", 0), 2)
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(Readable())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # urllib3 logs each request again, as raw HTTP lines; the client's own line says it in our
    # words.
    logging.getLogger("urllib3").setLevel(max(level, logging.WARNING))


_PREFIX = {logging.DEBUG: "debug: ", logging.INFO: "", logging.WARNING: "warning: "}


class Readable(logging.Formatter):
    """Log lines as the rest of the CLI writes to stderr: ``warning: …``, ``error: …``, progress as
    it is (``-v``), ``debug: …`` (``-vv``); never Python's ``INFO provisioner.transport.http: …``.
    """

    def format(self, record: logging.LogRecord) -> str:
        return _PREFIX.get(record.levelno, "error: ") + super().format(record)


def quiet() -> bool:
    return bool(click.get_current_context().find_root().meta.get("quiet"))


def verbosity_options(command: click.Command) -> click.Command:
    """Give a command -v, -q and --color of its own, so they work after the subcommand too."""
    if not any(p.name == "quiet" for p in command.params):
        command.params += [
            _setting(["-v", "--verbose"], set_verbosity, VERBOSE_HELP, count=True),
            _setting(["-q", "--quiet"], set_verbosity, QUIET_HELP, is_flag=True),
            _setting(["--color"], set_color, COLOR_HELP, type=COLOR_CHOICE),
        ]
    return command


def _setting(decls: list[str], callback: Any, help_text: str, **kind: Any) -> click.Option:
    """An option that sets state through its callback and is not passed to the command."""
    return click.Option(decls, expose_value=False, callback=callback, help=help_text, **kind)
