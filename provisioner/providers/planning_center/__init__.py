"""Planning Center Services: plan rosters (team members) and people's responses (the Schedule resource).
Everything that knows Planning Center lives in this package; this module is what the registry imports, so it
stays light (the models are imported when files are loaded)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from provisioner.core.clock import SYSTEM, Clock
from provisioner.providers.base import Claim, Provider, Service

if TYPE_CHECKING:
    import click

    from provisioner.core.errors import Diagnostic
    from provisioner.core.records import Change, Loaded
    from provisioner.files.fields import Strict


class PlanningCenterService(Service):
    name = "planning_center"
    title = "Planning Center"
    describe = (
        "a service type's rosters (service_type + rosters) or one person's responses "
        "(person + responses) in Planning Center Services"
    )
    target_kinds = ("plan", "person")
    env_vars = (
        (
            "PCO_APPLICATION_ID",
            "Planning Center personal access token: application id (HTTP Basic user)",
        ),
        ("PCO_SECRET", "Planning Center personal access token: secret"),
        (
            "PCO_ACCESS_TOKEN",
            "Planning Center OAuth bearer token, used instead of the two above when set",
        ),
        (
            "PCO_API_URL",
            "Planning Center API base URL (default https://api.planningcenteronline.com/)",
        ),
    )
    field_names = MappingProxyType({"team_position_name": "position", "decline_reason": "reason"})

    def file_models(self) -> Sequence[type[Strict]]:
        from provisioner.providers.planning_center.models import (
            ResponsesFile,
            RostersFile,
        )  # pydantic: lazily

        return (RostersFile, ResponsesFile)

    def model_for(self, data: Mapping[str, Any]) -> type[Strict]:
        rosters, responses = self.file_models()
        return responses if "responses" in data or "person" in data else rosters

    def schema_rule(self) -> dict[str, Any]:
        return {
            "if": {"anyOf": [{"required": ["person"]}, {"required": ["responses"]}]},
            "then": {"$ref": "#/$defs/ResponsesFile"},
            "else": {"$ref": "#/$defs/RostersFile"},
        }

    def provider(self, env: Mapping[str, str], *, clock: Clock = SYSTEM) -> Provider:
        from provisioner.providers.planning_center.provider import PlanningCenterProvider

        return PlanningCenterProvider.from_env(env, clock=clock)

    def checks(self, files: Sequence[Loaded], claim: Claim) -> list[Diagnostic]:
        from provisioner.providers.planning_center.checks import checks

        return checks(files, claim)

    def impact_lines(
        self, changes: Sequence[Change], exact: list[dict[str, Any]] | None
    ) -> list[str]:
        from provisioner.providers.planning_center.impact import impact_lines

        return impact_lines(changes, exact)

    def import_command(self) -> click.Command:
        from provisioner.providers.planning_center.cli import import_command

        return import_command


SERVICE = PlanningCenterService()
