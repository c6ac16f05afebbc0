"""Local emulator of the Guidebook Open API and Planning Center Services v2 (stdlib HTTP + SQLite).

    from provisioner.sandbox import SandboxServer
    with SandboxServer(seed="demo") as sb:
        sb.guidebook_url, sb.pco_url, sb.store, sb.requests(), sb.add_fault(...)

Seed data is documented in `provisioner.sandbox.seed`; API behaviour follows shared/api/*.md.
"""

from .credentials import GUIDEBOOK_KEY, PCO_APP_ID, PCO_SECRET, PCO_TOKEN
from .faults import FaultRule
from .server import SandboxServer, serve
from .store import SCHEDULE_ID_OFFSET, Store

__all__ = [
    "GUIDEBOOK_KEY",
    "PCO_APP_ID",
    "PCO_SECRET",
    "PCO_TOKEN",
    "SCHEDULE_ID_OFFSET",
    "FaultRule",
    "SandboxServer",
    "Store",
    "serve",
]
