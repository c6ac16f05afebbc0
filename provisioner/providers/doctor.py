"""``provisioner doctor``: every service (and account) the files use, checked read-only by its own
provider.

Generic: the checks come from each provider's ``doctor`` hook; this module only collects them, adds
a row for a service whose credentials are missing (``render.doctor`` prints the rows).
"""

from __future__ import annotations

from collections.abc import Mapping

from provisioner.core.clock import SYSTEM, Clock
from provisioner.core.errors import ConfigError, DiagnosticsError, ProvisionerError
from provisioner.core.outcomes import DoctorRow as Row
from provisioner.core.records import Workspace
from provisioner.providers import registry
from provisioner.providers.base import Finding, scopes_of


def run(workspace: Workspace, env: Mapping[str, str], *, clock: Clock = SYSTEM) -> list[Row]:
    """``doctor``'s rows: for every service and account the files use, its credentials problem or
    the findings of its provider's doctor (an unexpected error there is a finding too, not a
    traceback)."""
    rows: list[Row] = []
    for key, built in registry.build_each(workspace, env, clock=clock).items():
        name, _, account = key.partition("/")
        label = (registry.get(name).title or name) + (f" ({account})" if account else "")
        if isinstance(built, ConfigError):
            rows.append(
                Row(
                    label,
                    Finding("credentials", "problem", str(built), "export the variables named"),
                )
            )
            continue
        try:
            findings = built.doctor(scopes_of(key, built, workspace.files))
        except (
            DiagnosticsError
        ) as e:  # references the files make that do not resolve (names): a row each
            findings = [
                Finding("references", "problem", str(d), "fix the reference, or write the id")
                for d in e.diagnostics
            ]
        except (
            Exception
        ) as e:  # a check that failed unexpectedly (a bug too): one row, no traceback
            said = str(e) if isinstance(e, ProvisionerError) else f"{type(e).__name__}: {e}"
            findings = [Finding("checks", "problem", said, "see the message")]
        rows += [Row(label, f) for f in findings]
    return rows
