"""``provisioner doctor``: every service (and account) the files use, checked read-only by its own provider.

Generic: the checks come from each provider's ``doctor`` hook; this module only collects them, adds a row for a
service whose credentials are missing, and decides whether anything would stop a plan or apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from provisioner.core.clock import SYSTEM, Clock
from provisioner.core.errors import ConfigError, ProvisionerError
from provisioner.core.records import Workspace
from provisioner.providers import registry
from provisioner.providers.base import Finding, scopes_of


@dataclass(frozen=True)
class Row:
    service: str
    finding: Finding

    def to_json(self) -> dict[str, Any]:
        return {"service": self.service, **asdict(self.finding)}


def run(workspace: Workspace, env: Mapping[str, str], *, clock: Clock = SYSTEM) -> list[Row]:
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
            ProvisionerError
        ) as e:  # a check the provider did not expect to fail: still one row, no traceback
            findings = [Finding("checks", "problem", str(e), "see the message")]
        rows += [Row(label, f) for f in findings]
    return rows


def failed(rows: list[Row]) -> bool:
    """Only a problem stops a plan or apply; notes are what is merely unknown or worth knowing."""
    return any(r.finding.status == "problem" for r in rows)


def table(rows: list[Row]) -> str:
    """A plain-text table: service, check, status, detail, and what to do on the next line when there is any."""
    if not rows:
        return "Nothing to check: no files name a service.\n"
    width = max(len(r.service) for r in rows), max(len(r.finding.check) for r in rows)
    lines = []
    for r in rows:
        f = r.finding
        lines.append(f"{r.service:<{width[0]}}  {f.check:<{width[1]}}  {f.status:<7}  {f.detail}")
        if f.todo and f.status != "ok":
            lines.append(f"{'':<{width[0] + width[1] + 13}}→ {f.todo}")
    problems = sum(r.finding.status == "problem" for r in rows)
    notes = sum(r.finding.status == "note" for r in rows)
    lines.append(
        f"\n{len(rows)} checks: {problems} problem{'s' if problems != 1 else ''}, "
        f"{notes} note{'s' if notes != 1 else ''}."
    )
    return "\n".join(lines) + "\n"
