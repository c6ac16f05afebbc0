"""`provisioner schema`: the JSON Schema of the YAML files."""

from __future__ import annotations

import click


@click.command()
def schema() -> None:
    """Print the JSON Schema of the YAML files."""
    from provisioner import engine

    click.echo(engine.schema(), nl=False)
