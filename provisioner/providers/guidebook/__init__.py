"""Guidebook Open API: personalized schedules of a guide. Everything that knows Guidebook lives in
this package; this module is what the registry imports, so it stays light (the models are imported
when files are loaded)."""

from __future__ import annotations

from provisioner.providers.contract import Service


class GuidebookService(Service):
    """Guidebook files: one guide's personalized schedules (the parts named below, imported
    lazily)."""

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

    models_at = ("provisioner.providers.guidebook.models:GuidebookFile",)
    provider_at = "provisioner.providers.guidebook.provider:GuidebookProvider.from_env"
    checks_at = "provisioner.providers.guidebook.checks:checks"
    impact_lines_at = "provisioner.providers.guidebook.impact:impact_lines"
    import_command_at = "provisioner.providers.guidebook.cli:import_command"


SERVICE = GuidebookService()
