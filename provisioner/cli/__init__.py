"""Command line: the only place that prints and picks exit codes (README: Commands). Each command
lives in a module of this package; this one holds the top-level group and adds them."""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any

import click

from provisioner import __version__
from provisioner.cli.action_report import action_report
from provisioner.cli.apply import apply
from provisioner.cli.common import fail, github_annotation, usage_exits_1
from provisioner.cli.doctor import doctor
from provisioner.cli.drift import drift
from provisioner.cli.edges import (
    check_working_directory,
    flush_output,
    is_output_error,
    output_failed,
    sigterm_as_ctrl_c,
)
from provisioner.cli.imports import import_group
from provisioner.cli.plan import plan
from provisioner.cli.schema import schema
from provisioner.cli.show import show_command
from provisioner.cli.validate import validate
from provisioner.cli.verbosity import (
    COLOR_CHOICE,
    COLOR_HELP,
    QUIET_HELP,
    VERBOSE_HELP,
    configure_logging,
    set_color,
    set_verbosity,
    verbosity_options,
)
from provisioner.core.errors import ConfigError, ProvisionerError
from provisioner.providers import registry

__all__ = ["github_annotation", "main"]
# Loaded only when asked for: the emulator is a package of its own, imported by its command alone.
LAZY = {"sandbox": "provisioner.cli.sandbox"}


class Main(click.Group):
    """The top-level group; its help lists the environment variables every registered service
    reads."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as e:
            usage_exits_1(e)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a usage error, the project's own error or a closed output each end as
        one line and their exit code, never a traceback (SIGTERM is taken as Ctrl-C)."""
        check_working_directory()
        try:
            with sigterm_as_ctrl_c():
                try:
                    return super().invoke(ctx)
                finally:
                    # a full disk is found here, while an error line can still be said
                    flush_output()
        except click.UsageError as e:
            usage_exits_1(e)
        except (
            ProvisionerError
        ) as e:  # the registry refusing two services of one name, in any command;
            fail(e)  # a --record that could not be written, found as the command's context closes
        except OSError as e:
            if not is_output_error(e):
                raise
            output_failed(e)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in LAZY:
            command = getattr(import_module(LAZY[cmd_name]), cmd_name)
        return verbosity_options(command) if command is not None else None

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """``--help``'s closing part: the environment variables every registered service reads, and
        the common ones; a registry that refuses to load still shows help, with its error."""
        try:
            services = registry.services()
        except ConfigError as e:  # two plug-ins of one name: help still shows, and says why
            services = []
            formatter.write_paragraph()
            formatter.write_text(f"error: {e}")
        rows = [(name, meaning) for service in services for name, meaning in service.env_vars]
        rows += [
            (
                "..._NAME",
                "any variable above, for the files with `account: NAME` (never the plain one)",
            ),
            ("PROVISIONER_TIMEOUT", "read timeout of one request in seconds (default 30)"),
            ("NO_COLOR", "any non-empty value turns colour off (--color always still colours)"),
            (
                "FORCE_COLOR",
                "any non-empty value colours text output that is not a terminal (0 or false: no "
                "colour)",
            ),
            (
                "GITHUB_ACTIONS",
                "true: file errors also as ::error annotations for the pull request's diff",
            ),
        ]
        with formatter.section("Environment"):
            formatter.write_dl(rows)


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="provisioner")
@click.option(
    "-v", "--verbose", count=True, expose_value=False, callback=set_verbosity, help=VERBOSE_HELP
)
@click.option(
    "-q", "--quiet", is_flag=True, expose_value=False, callback=set_verbosity, help=QUIET_HELP
)
@click.option("--color", type=COLOR_CHOICE, expose_value=False, callback=set_color, help=COLOR_HELP)
def main() -> None:
    """Keep people's schedules in git; make the live services match."""
    _tolerant_streams()
    configure_logging(click.get_current_context().meta)


def _tolerant_streams() -> None:
    """A terminal or CI log in a non-UTF-8 encoding (LANG=C on old systems,
    PYTHONIOENCODING=latin-1) gets ``\u2192`` for what it cannot show, instead of a
    UnicodeEncodeError traceback half-way through a plan."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if (
            reconfigure is not None
            and (getattr(stream, "encoding", "") or "").lower().replace("-", "") != "utf8"
        ):
            reconfigure(errors="backslashreplace")


main.add_command(validate)
main.add_command(plan)
main.add_command(apply)
main.add_command(drift)
main.add_command(doctor)
main.add_command(schema)
main.add_command(show_command)
main.add_command(import_group)
main.add_command(action_report)
