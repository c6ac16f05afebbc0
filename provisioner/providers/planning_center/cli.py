"""`provisioner import planning-center`: the command returns an ImportResult; the generic CLI prints
it."""

from __future__ import annotations

import os

import click

from provisioner.core.errors import ConfigError
from provisioner.importing.importer import (
    ImportResult,
    Source,
    account_option,
    out_option,
    run_import,
)


@click.command("planning-center")
@click.option(
    "--service-type", type=click.IntRange(min=1), help="Import the rosters of this service type."
)
@click.option(
    "--plan",
    "plans",
    type=click.IntRange(min=1),
    multiple=True,
    help="Only these plans (repeatable).",
)
@click.option("--future", is_flag=True, help="Only the service type's plans still to come.")
@click.option(
    "--person", type=click.IntRange(min=1), help="Import this person's accept/decline responses."
)
@out_option()
@account_option()
def import_command(
    service_type: int | None,
    plans: tuple[int, ...],
    future: bool,
    person: int | None,
    out: str | None,
    account: str | None,
) -> ImportResult:
    """Import Planning Center rosters (--service-type) or a person's responses (--person)."""
    from provisioner.providers import registry
    from provisioner.providers.planning_center.import_responses import ResponsesSource
    from provisioner.providers.planning_center.importer import RostersSource
    from provisioner.providers.planning_center.provider import PlanningCenterProvider

    if service_type is None and person is None:
        raise ConfigError(
            "--plan and --future choose plans of --service-type ID; give it too"
            if plans or future
            else "give --service-type ID (optionally with --plan ID ... or --future) to import "
            "rosters, or --person ID to import a person's responses"
        )
    if person is not None and (service_type is not None or plans or future):
        raise ConfigError(
            "give --service-type ID (optionally with --plan ID ... or --future) or --person ID, "
            "not both"
        )
    env = registry.account_env(
        os.environ, registry.get("planning_center"), registry.account_name(account)
    )
    provider = PlanningCenterProvider.from_env(env)
    source: Source = (
        ResponsesSource(provider, person)
        if person is not None
        else RostersSource(provider, service_type or 0, plans, future)
    )
    return run_import(source, out, account)
