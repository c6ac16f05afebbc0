"""Which services exist: the built-in ones, those other packages register through the
``provisioner.services`` entry-point group, and any registered at run time (tests). The only generic
module that names a service."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

from provisioner.core.clock import SYSTEM, Clock
from provisioner.core.errors import ConfigError
from provisioner.providers.base import Provider, Service
from provisioner.providers.entrypoints import entry_point_owners
from provisioner.transport.credentials import ACCOUNT_KEY

if TYPE_CHECKING:
    from provisioner.core.records import Workspace

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "provisioner.services"
BUILTIN = {
    "guidebook": "provisioner.providers.guidebook:SERVICE",
    "planning_center": "provisioner.providers.planning_center:SERVICE",
}
_registered: dict[str, Service] = {}
_loaded: dict[str, Service] = {}


def register(service: Service) -> None:
    """Add a service for this process (tests, or an application embedding provisioner). A name
    another service already has is refused (ConfigError naming both): one `provider:` value, one
    service."""
    if service.undeclared():
        raise ConfigError(
            f"{type(service).__name__} names no {' and no '.join(service.undeclared())}"
        )
    held = _registered.get(service.name)
    spec = BUILTIN.get(service.name) or _plugins().get(service.name)
    if (held is not None and held is not service) or spec is not None:
        other = (
            f"the registered {type(held).__name__}" if held is not None else _origin(service.name)
        )
        raise ConfigError(
            f"cannot register {type(service).__module__}.{type(service).__name__} as service "
            f"{service.name!r}: {other} already has that name; give one of them another `name`"
        )
    _registered[service.name] = service
    _loaded.pop(service.name, None)


def unregister(name: str) -> None:
    _registered.pop(name, None)
    _loaded.pop(name, None)


# read once per process: the loader asks for every file, and each scan of the installed packages is
# slow
@cache
def _owners() -> dict[str, list[tuple[str, str]]]:
    return entry_point_owners(ENTRY_POINT_GROUP)


def _plugins() -> dict[str, str]:
    """The plug-ins' ``{name: "module:attr"}``; ConfigError when two of them, or a plug-in and a
    built-in service, share a name (taking one silently would run the other's files through the
    wrong code)."""
    out = {}
    for name, owners in _owners().items():
        if name in BUILTIN:
            dist, spec = owners[0]
            raise ConfigError(
                f"plug-in {spec} (distribution {dist}) registers service {name!r}, the name of the "
                f"built-in service {BUILTIN[name]}; rename the plug-in's entry point (and its "
                "`provider:` value) or uninstall it"
            )
        if len(owners) > 1:
            both = " and ".join(f"{spec} (distribution {dist})" for dist, spec in owners)
            raise ConfigError(
                f"plug-ins {both} both register service {name!r}; uninstall one of them"
            )
        out[name] = owners[0][1]
    return out


def _origin(name: str) -> str:
    if name in BUILTIN:
        return f"the built-in service {BUILTIN[name]}"
    dist, spec = _owners()[name][0]
    return f"plug-in {spec} (distribution {dist})"


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
        if service.undeclared():
            raise ConfigError(
                f"{spec} (service {name!r}) names no {' and no '.join(service.undeclared())}: a "
                "Service "
                "says where its file models and its provider are (docs/plugins.md)"
            )
        if service.name != name:
            raise ConfigError(
                f"{spec} is registered as service {name!r} but its Service says name = "
                f"{service.name!r}; the two must be the same (the `provider:` value of its files)"
            )
        _loaded[name] = service
    return _loaded[name]


def services() -> list[Service]:
    return [get(n) for n in names()]


def needed(workspace: Workspace) -> list[tuple[str, str | None]]:
    """The (service, account) pairs the files use, sorted (the default account first)."""
    return sorted(
        {(f.provider, f.account) for f in workspace.files}, key=lambda p: (p[0], p[1] or "")
    )


def account_name(account: str | None) -> str | None:
    """``--account`` checked as ``account:`` is (a ConfigError for a name that cannot suffix a
    variable)."""
    if account is None:
        return None
    from provisioner.files.fields import (
        account_name as account_name_check,
    )  # pydantic: only with an account

    try:
        return account_name_check(account)
    except ValueError as e:
        raise ConfigError(f"--account: {e}") from e


def account_env(env: Mapping[str, str], service: Service, account: str | None) -> Mapping[str, str]:
    """The environment a service's provider reads for one account (docs/api-notes.md, contract
    §2.1): each of its variables taken from the same name with ``_ACCOUNT`` appended; never from the
    plain one, so one account's key is never sent to another account's scopes. Variables the service
    does not declare (PROVISIONER_TIMEOUT) pass through."""
    if account is None:
        return env
    suffix = "_" + account.upper()
    own = {name for name, _ in service.env_vars}
    out = {k: v for k, v in env.items() if k not in own}
    out.update({name: env[name + suffix] for name in own if name + suffix in env})
    out[ACCOUNT_KEY] = account
    return out


def _build(name: str, account: str | None, env: Mapping[str, str], clock: Clock) -> Provider:
    service = get(name)
    try:
        provider = service.provider(account_env(env, service, account), clock=clock)
    except ConfigError as e:
        if account is None:
            raise
        raise ConfigError(
            f"account {account!r} ({service.title or name}): {e} — with `account: {account}` every "
            f"variable takes the suffix _{account.upper()}"
        ) from e
    provider.account = account
    return provider


def build(
    workspace: Workspace,
    env: Mapping[str, str],
    only: Collection[str] | None = None,
    *,
    clock: Clock = SYSTEM,
) -> dict[str, Provider]:
    """One provider per (service, account) the files use (of the services in ``only``, when given),
    keyed "service" or "service/account"; credentials are read here, from the environment only.
    Providers wait (retries, rate pacing, adoption of ambiguous creates) on ``clock``."""
    from provisioner.core.plan import provider_key  # hashlib and json: not for --help

    return {
        provider_key(name, account): _build(name, account, env, clock)
        for name, account in needed(workspace)
        if only is None or name in only
    }


def build_each(
    workspace: Workspace, env: Mapping[str, str], *, clock: Clock = SYSTEM
) -> dict[str, Provider | ConfigError]:
    """Like :func:`build`, but a service whose set-up fails (missing credentials) gets its error
    instead, so a report can cover every service (``provisioner doctor``)."""
    from provisioner.core.plan import provider_key

    out: dict[str, Provider | ConfigError] = {}
    for name, account in needed(workspace):
        try:
            out[provider_key(name, account)] = _build(name, account, env, clock)
        except ConfigError as e:
            out[provider_key(name, account)] = e
    return out
