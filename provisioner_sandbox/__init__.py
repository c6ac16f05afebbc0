"""Local emulator of the Guidebook Open API and Planning Center Services v2 (stdlib HTTP + SQLite).

    from provisioner_sandbox import SandboxServer
    with SandboxServer(seed="demo", readings={"guidebook.body": "form-only"}) as sb:
        sb.guidebook_url, sb.pco_url, sb.store, sb.requests(), sb.add_fault(...), sb.set_readings(...)

Layout: one package per service (`guidebook/`, `planning_center/`: API, resources, store tables,
seed, readings); shared pieces at the top (`server`, `app`, `control`, `faults`, `readings`,
`store`, `seed`, `cli`). Names are imported lazily, so `provisioner --help` does not pay for the
HTTP server and SQLite.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for type checkers only; at run time __getattr__ below imports on first use
    from .app import RequestRecord
    from .credentials import GUIDEBOOK_KEY, PCO_APP_ID, PCO_PERSON, PCO_SECRET, PCO_TOKEN
    from .errors import SandboxError
    from .faults import FaultRule
    from .planning_center.store import SCHEDULE_ID_OFFSET
    from .server import SandboxServer, serve
    from .store import Store

_WHERE = {
    "GUIDEBOOK_KEY": "credentials",
    "PCO_APP_ID": "credentials",
    "PCO_PERSON": "credentials",
    "PCO_SECRET": "credentials",
    "PCO_TOKEN": "credentials",
    "SCHEDULE_ID_OFFSET": "planning_center.store",
    "FaultRule": "faults",
    "RequestRecord": "app",
    "SandboxError": "errors",
    "SandboxServer": "server",
    "Store": "store",
    "serve": "server",
}
__all__ = [
    "GUIDEBOOK_KEY",
    "PCO_APP_ID",
    "PCO_PERSON",
    "PCO_SECRET",
    "PCO_TOKEN",
    "SCHEDULE_ID_OFFSET",
    "FaultRule",
    "RequestRecord",
    "SandboxError",
    "SandboxServer",
    "Store",
    "serve",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
