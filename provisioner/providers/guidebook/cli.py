"""`provisioner import guidebook`: the command returns an ImportResult; the generic CLI prints
it."""

from __future__ import annotations

import os

import click

from provisioner.importing.importer import ImportResult, account_option, out_option, run_import


@click.command("guidebook")
@click.option("--guide", type=click.IntRange(min=1), required=True, help="Guide id.")
@out_option()
@account_option()
def import_command(guide: int, out: str | None, account: str | None) -> ImportResult:
    """Import a guide's personalized schedules."""
    from provisioner.providers import registry
    from provisioner.providers.guidebook.importer import GuidebookSource
    from provisioner.providers.guidebook.provider import GuidebookProvider

    env = registry.account_env(
        os.environ, registry.get("guidebook"), registry.account_name(account)
    )
    return run_import(GuidebookSource(GuidebookProvider.from_env(env), guide), out, account)
