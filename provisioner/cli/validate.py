"""`provisioner validate`: the YAML checked offline."""

from __future__ import annotations

import click

from provisioner.cli.common import guard
from provisioner.cli.options import PATHS


@click.command()
@PATHS
@guard
def validate(paths: tuple[str, ...]) -> None:
    """Check the YAML offline: exit 0 valid, 1 invalid."""
    from provisioner import engine

    workspace = engine.load(paths)
    for warning in workspace.warnings:
        click.echo(str(warning), err=True)
    n = len(workspace.files)
    click.echo(f"{n} file{'s' if n != 1 else ''} valid.")
