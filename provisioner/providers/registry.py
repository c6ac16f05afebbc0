"""Which services exist: the built-in ones, those other packages register through the ``provisioner.services``
entry-point group, and any registered at run time (tests). The only generic module that names a service."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from importlib import import_module
from importlib.metadata import entry_points

from provisioner.clock import SYSTEM, Clock
from provisioner.core import Workspace
from provisioner.errors import ConfigError
from provisioner.providers.base import Provider, Service

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "provisioner.services"
BUILTIN = {
    "guidebook": "provisioner.providers.guidebook:SERVICE",
    "planning_center": "provisioner.providers.planning_center:SERVICE",
}
_registered: dict[str, Service] = {}
_loaded: dict[str, Service] = {}


def register(service: Service) -> None:
    """Add (or replace) a service for this process."""
    _registered[service.name] = service
    _loaded.pop(service.name, None)


def unregister(name: str) -> None:
    _registered.pop(name, None)
    _loaded.pop(name, None)


def _plugins() -> dict[str, str]:
    found = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found[ep.name] = ep.value
    return found


def names() -> list[str]:
    """Every known service name, sorted."""
    return sorted({*BUILTIN, *_plugins(), *_registered})


def get(name: str) -> Service:
    """The service of a `provider:` value; ConfigError for an unknown one."""
    if name in _registered:
        return _registered[name]
    if name not in _loaded:
        spec = BUILTIN.get(name) or _plugins().get(name)
        if spec is None:
            raise ConfigError(f"unknown provider {name!r}; known: {', '.join(names())}")
        module, _, attr = spec.partition(":")
        service = getattr(import_module(module), attr)
        if not isinstance(service, Service):
            raise ConfigError(f"{spec} (provider {name!r}) is not a provisioner Service")
        _loaded[name] = service
    return _loaded[name]


def services() -> list[Service]:
    return [get(n) for n in names()]


def needed(workspace: Workspace) -> list[str]:
    return sorted({f.provider for f in workspace.files})


def build(workspace: Workspace, env: Mapping[str, str], only: Collection[str] | None = None, *,
          clock: Clock = SYSTEM) -> dict[str, Provider]:
    """One provider per service the files use (of those in ``only``, when given); credentials are read here,
    from the environment only. Providers wait (retries, rate pacing, adoption of ambiguous creates) on
    ``clock``."""
    return {name: get(name).provider(env, clock=clock) for name in needed(workspace) if only is None or name in only}
