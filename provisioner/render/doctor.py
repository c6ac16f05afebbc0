"""``provisioner doctor``'s table: service, check, status, detail, and what to do."""

from __future__ import annotations

from provisioner.core.outcomes import DoctorRow


def table(rows: list[DoctorRow]) -> str:
    """A plain-text table: service, check, status, detail, and what to do on the next line when
    there is any."""
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
