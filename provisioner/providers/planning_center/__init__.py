"""Planning Center Services: plan rosters (team members) and people's responses (the Schedule
resource). Everything that knows Planning Center lives in this package; this module is what the
registry imports, so it stays light (the models are imported when files are loaded)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from provisioner.providers.contract import Service

if TYPE_CHECKING:
    from provisioner.files.fields import Strict


class PlanningCenterService(Service):
    """Planning Center files: a service type's rosters, or one person's responses."""

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

    models_at = (
        "provisioner.providers.planning_center.models:RostersFile",
        "provisioner.providers.planning_center.models:ResponsesFile",
    )
    provider_at = "provisioner.providers.planning_center.provider:PlanningCenterProvider.from_env"
    checks_at = "provisioner.providers.planning_center.checks:checks"
    impact_lines_at = "provisioner.providers.planning_center.impact:impact_lines"
    import_command_at = "provisioner.providers.planning_center.cli:import_command"

    def model_for(self, data: Mapping[str, Any]) -> type[Strict]:
        rosters, responses = self.file_models()
        return responses if "responses" in data or "person" in data else rosters

    def schema_rule(self) -> dict[str, Any]:
        return {
            "if": {"anyOf": [{"required": ["person"]}, {"required": ["responses"]}]},
            "then": {"$ref": "#/$defs/ResponsesFile"},
            "else": {"$ref": "#/$defs/RostersFile"},
        }


SERVICE = PlanningCenterService()
