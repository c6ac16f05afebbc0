"""Which provider class serves which `provider:` value; built only when a file needs it."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module

from provisioner.loader import Workspace
from provisioner.model import GuidebookFile
from provisioner.providers.base import Provider

PROVIDERS = {
    "guidebook": "provisioner.providers.guidebook:GuidebookProvider",
    "planning_center": "provisioner.providers.planning_center:PlanningCenterProvider",
}


def needed(workspace: Workspace) -> list[str]:
    names = {"guidebook" if isinstance(f.doc, GuidebookFile) else "planning_center" for f in workspace.files}
    return sorted(names)


def build(workspace: Workspace, env: Mapping[str, str]) -> dict[str, Provider]:
    """One provider per service the files use; credentials are read here, from the environment only."""
    out: dict[str, Provider] = {}
    for name in needed(workspace):
        module, _, cls = PROVIDERS[name].partition(":")
        out[name] = getattr(import_module(module), cls).from_env(env)
    return out
