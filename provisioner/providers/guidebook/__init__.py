"""Guidebook Open API: personalized schedules of a guide. Everything that knows Guidebook lives in this package;
this module is what the registry imports, so it stays light (the models are imported when files are loaded)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from provisioner.core.clock import SYSTEM, Clock
from provisioner.providers.base import Claim, Provider, Service

if TYPE_CHECKING:
    import click

    from provisioner.core.errors import Diagnostic
    from provisioner.core.records import Change, Loaded
    from provisioner.files.fields import Strict


class GuidebookService(Service):
    name = "guidebook"
    title = "Guidebook"
    describe = "personalized schedules of a Guidebook guide"
    target_kinds = ("guide",)
    env_vars = (
        ("GUIDEBOOK_API_KEY", "Guidebook Open API key (sent as `Authorization: JWT <key>`)"),
        (
            "GUIDEBOOK_API_URL",
            "Guidebook API base URL (default https://builder.guidebook.com/open-api/v1/)",
        ),
        (
            "PROVISIONER_GUIDEBOOK_BUDGET",
            "Guidebook requests one apply may use (default 10000 a day)",
        ),
        (
            "PROVISIONER_GUIDEBOOK_PUBLISH_INTERVAL",
            "seconds between two per-attendee publish calls (default 2)",
        ),
    )

    def file_models(self) -> Sequence[type[Strict]]:
        from provisioner.providers.guidebook.models import (
            GuidebookFile,
        )  # pydantic: only to load or describe

        return (GuidebookFile,)

    def provider(self, env: Mapping[str, str], *, clock: Clock = SYSTEM) -> Provider:
        from provisioner.providers.guidebook.provider import GuidebookProvider

        return GuidebookProvider.from_env(env, clock=clock)

    def checks(self, files: Sequence[Loaded], claim: Claim) -> list[Diagnostic]:
        from provisioner.providers.guidebook.checks import checks

        return checks(files, claim)

    def impact_lines(
        self, changes: Sequence[Change], exact: list[dict[str, Any]] | None
    ) -> list[str]:
        from provisioner.providers.guidebook.impact import impact_lines

        return impact_lines(changes, exact)

    def import_command(self) -> click.Command:
        from provisioner.providers.guidebook.cli import import_command

        return import_command


SERVICE = GuidebookService()
