"""A partial accept's ``declined_times`` (docs/api-notes.md, Planning Center): the plan time ids a
declaration's entries name (by id, kind, name or start), how a time is named in review output and
messages, and the problems with such a declaration (a hidden schedule, an entry matching no time,
every time declined)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from provisioner.core.errors import Diagnostic
from provisioner.core.records import Loaded, Record
from provisioner.files.fields import Ref
from provisioner.providers.planning_center.models import ResponseDecl
from provisioner.providers.planning_center.names import shown
from provisioner.providers.planning_center.schedule_rows import VIA_MEMBER


def declined_ids(
    item: Loaded,
    loc: tuple[str | int, ...],
    decl: ResponseDecl,
    live: Record,
    table: Mapping[str, dict[str, Any]],
    diags: list[Diagnostic],
) -> list[int] | None:
    """The plan time ids a declaration declines (None: it does not manage them); a problem goes to
    ``diags``."""
    if decl.declined_times is None:
        return None
    if not decl.declined_times:
        return []
    if str(live.id).startswith(VIA_MEMBER):
        diags.append(
            item.diagnostic(
                (*loc, "declined_times"),
                f"plan {shown(decl.plan)}: this schedule is hidden from "
                "the person's schedules list, so it cannot be accepted partially; accept "
                "it first (without declined_times), then add them",
            )
        )
        return None
    ids: set[int] = set()
    for i, ref in enumerate(decl.declined_times):
        matched = match_times(ref, table)
        if not matched:
            known = "; ".join(describe_time(t, table) for t in sorted(table, key=int)) or "none"
            diags.append(
                item.diagnostic(
                    (*loc, "declined_times", i),
                    f"no time of plan {shown(decl.plan)} matches {ref}; its times: {known}",
                )
            )
        ids |= matched
    if table and ids and ids >= {int(t) for t in table}:
        diags.append(
            item.diagnostic(
                (*loc, "declined_times"),
                f"declines every time of plan {shown(decl.plan)}: write `response: declined` "
                "instead",
            )
        )
    return sorted(ids)


def match_times(ref: Ref, table: Mapping[str, dict[str, Any]]) -> set[int]:
    """The plan time ids a ``declined_times`` entry names: by id, kind (time_type), name or
    start."""
    if ref.kind == "id":
        return {int(ref.value)} if str(ref.value) in table else set()
    if ref.kind == "starts_at":
        want = _instant(str(ref.value))
        return {
            int(t)
            for t, a in table.items()
            if want is not None and _instant(str(a.get("starts_at"))) == want
        }
    field = "time_type" if ref.kind == "type" else "name"
    return {
        int(t)
        for t, a in table.items()
        if str(a.get(field) or "").lower() == str(ref.value).lower()
    }


def describe_times(table: Mapping[str, dict[str, Any]]) -> dict[str, str]:
    return {t: describe_time(t, table) for t in table}


def describe_time(tid: str, table: Mapping[str, dict[str, Any]]) -> str:
    """'the rehearsal' when it is the plan's only one of its kind, else 'the 10am service'. A time
    of type "other" is called by its name ('Carols in the park'): 'the other' would tell a reviewer
    nothing."""
    attrs = table[tid]
    kind = str(attrs.get("time_type") or "time")
    label = attrs.get("name") or attrs.get("starts_at") or tid
    if kind == "other":
        return f"the {label} time" if label == tid else str(label)
    if sum(str(a.get("time_type")) == kind for a in table.values()) == 1:
        return f"the {kind}"
    return f"the {label} {kind}"


def _instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
