"""`provisioner import <service>`: one subcommand per registered service that has an importer."""

from __future__ import annotations

from typing import Any

import click

from provisioner.cli.common import fail, interrupted
from provisioner.cli.verbosity import quiet, verbosity_options
from provisioner.core.errors import ProvisionerError
from provisioner.providers import registry


class ImportGroup(click.Group):
    """`provisioner import <service>`: one subcommand per registered service that has an importer.
    Each returns an ImportResult; this group prints it and turns expected errors into one message.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(c.name for c in self._commands().values() if c.name)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._commands().get(cmd_name)

    def _commands(self) -> dict[str, click.Command]:
        out = {}
        for service in registry.services():
            command = service.import_command()
            if command is not None and command.name:
                out[command.name] = verbosity_options(command)
        return out

    def invoke(self, ctx: click.Context) -> Any:
        """Run an import subcommand: the project's errors and Ctrl-C end as one line each; what the
        subcommand returns is reported as imported."""
        try:
            result = super().invoke(ctx)
        except ProvisionerError as e:
            fail(e)
        except KeyboardInterrupt:  # the file is written in one atomic step at the end: nothing yet
            interrupted()
        if result is not None:
            _imported(result)
        return result


@click.group("import", cls=ImportGroup)
def import_group() -> None:
    """Write YAML for live state; with -o FILE, merge into it when it exists (keeping its
    comments)."""


def _imported(result: Any) -> None:
    if result.path is None:
        click.echo(result.text, nl=False)
    if quiet():  # -q: only errors and the output itself (the YAML, or the file written)
        return
    for line in result.messages():
        click.echo(line, err=True)
