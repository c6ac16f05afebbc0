"""`provisioner sandbox`: the emulator's own command (provisioner_sandbox), the one module of the
product that imports it; the top-level group loads this module only when the command is asked for.
"""

from __future__ import annotations

from provisioner_sandbox.cli import sandbox

__all__ = ["sandbox"]
