"""Changes and plans: plain values with a JSON form and no I/O (docs/api-notes.md, contract §5)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from itertools import groupby
from typing import Any, Literal

from provisioner import __version__
from provisioner.core.notice import Notice, details_json, with_details
from provisioner.core.words import GROUP_ABOVE

FORMAT_VERSION = 1  # stays 1 while the file only grows (docs/api-notes.md, contract §5)
FORMAT_MINOR = 4  # +1 for each release that adds fields; readers accept any minor of FORMAT_VERSION
Action = Literal["create", "update", "delete"]
ACTION_ORDER = {"delete": 0, "update": 1, "create": 2}
# With `--base`, each change is the pull request's own ("change") or drift already in live (contract
# §4).
CAUSES = ("change", "drift")
ScopeId = tuple[str, str]  # (provider, scope)


@dataclass(frozen=True)
class Change:
    """One write that brings one live object to its declared state.

    ``fields`` is the user-facing diff: list fields as ``{"add": [...], "remove": [...]}``, scalars
    as ``{"from": old, "to": new}``. ``before`` is the live state the change was computed from (its
    precondition; ``None`` for a create), ``after`` the declared values (``None`` for a delete).
    ``target`` holds the ids a provider needs to carry the change out; ``labels`` maps ids to human
    names for review output.
    """

    action: Action
    provider: str
    scope: str
    key: str
    fields: dict[str, Any]
    reason: str
    source: str | None = None
    target: dict[str, Any] = field(default_factory=dict)
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    # The object's identity as typed fields (``key`` is its display form): providers read these,
    # never the key.
    identity: dict[str, Any] = field(default_factory=dict)
    twin_of: str | None = None  # a delete of a live duplicate: the key of the object it repeats
    # With `--base REF`: "change" when the YAML's difference to REF makes it, "drift" when REF's
    # YAML would plan it too (live moved away from what REF declares); None without --base.
    cause: str | None = None
    account: str | None = (
        None  # the service account (``account:`` of its file); None for the default one
    )

    @property
    def ident(self) -> tuple[str, str, str]:
        return (self.provider, self.scope, self.key)

    @property
    def live_id(self) -> int | str | None:
        """The id of the live object an update or delete acts on (as the provider's ``read`` gave
        it); None for a create. The plan file keeps it as ``target["id"]``; code reads it here."""
        value = self.target.get("id")
        return value if isinstance(value, int | str) else None

    @property
    def provider_key(self) -> str:
        """Which built provider carries this change out: one per (service, account)."""
        return provider_key(self.provider, self.account)

    def sort_key(self) -> tuple[str, str, int, str]:
        return (self.provider, self.scope, ACTION_ORDER[self.action], self.key)

    def to_json(self) -> dict[str, Any]:
        """The change as the plan file holds it (fields added after format 1.0 left out at their
        default)."""
        # The values as they are, not deep copies (``asdict``): a plan of 10,000 creates spent most
        # of its JSON time copying lists only to serialise them. Callers serialise the result; none
        # changes it.
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        # Fields added after format 1.0 are left out at their default, so a plan file written before
        # them keeps its fingerprint.
        for name, default in _LATER_DEFAULTS.items():
            if out.get(name) == default:
                del out[name]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Change:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


_LATER_DEFAULTS: dict[str, Any] = {"identity": {}, "twin_of": None, "cause": None, "account": None}


def provider_key(service: str, account: str | None) -> str:
    return service if account is None else f"{service}/{account}"


@dataclass(frozen=True)
class ScopeReport:
    """What the safety step needs and reports per scope."""

    provider: str
    scope: str
    live_count: int
    deletes: int
    violations: tuple[str, ...] = ()
    # The scope's name for people (``Sunday Services · Dec 13 (plan 5678)``), shown by text and
    # markdown (and `show`); empty when not read (``--format json``), where ``scope`` keeps the ids.
    title: str = ""


@dataclass(frozen=True)
class Words:
    """A plan in its services' words, computed by the engine before rendering (the renderers call no
    provider): ``fields`` maps a service to its YAML field names by API name; ``impact`` maps (cause
    or None for the whole plan, provider, scope) to what the changes mean for people, one line each.
    """

    fields: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    impact: Mapping[tuple[str | None, str, str], tuple[str, ...]] = field(default_factory=dict)

    def field_name(self, change: Change, name: str) -> str:
        """``position``, not the API's ``team_position_name``; the API's name when the service is
        unknown."""
        return self.fields.get(change.provider, {}).get(name, name)


@dataclass(frozen=True)
class Plan:
    """The ordered changes plus what review needs: warnings, safety verdicts, the inputs' digest."""

    changes: tuple[Change, ...] = ()
    scopes: tuple[ScopeReport, ...] = ()
    warnings: tuple[str, ...] = ()
    inputs_digest: str = ""
    # Per scope, what the changes mean for each person as a whole ({"provider", "scope", "people":
    # [{"person", "gain", "lose"}]}), when a provider computes it exactly from the whole live scope;
    # for other scopes renderers fall back to the changes alone.
    impact: tuple[dict[str, Any], ...] = ()
    # Live duplicates this plan leaves in place (prune off): a difference for drift, though not a
    # change.
    duplicates: tuple[str, ...] = ()
    # How review output words it (not part of the plan file: the engine computes it again for a
    # saved plan)
    words: Words = field(default_factory=Words, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "changes", tuple(sorted(self.changes, key=Change.sort_key)))

    @property
    def summary(self) -> dict[str, int]:
        counts = Counter(c.action for c in self.changes)
        return {"create": counts["create"], "update": counts["update"], "delete": counts["delete"]}

    @property
    def empty(self) -> bool:
        return not self.changes

    @property
    def differs(self) -> bool:
        """Live differs from the YAML: changes to make, or duplicates left in place (drift exits
        2)."""
        return bool(self.changes or self.duplicates)

    @property
    def violations(self) -> list[str]:
        return [v for s in self.scopes for v in s.violations]

    @property
    def left_in_place(self) -> str:
        """What ``duplicates`` holds, counted: ``1 duplicate``, or, when a service's rule is broken
        too (a warning with a kind, such as an attendee on two Guidebook schedules), ``2 problems``.
        """
        n = len(self.duplicates)
        noun = "problem" if any(isinstance(d, Notice) for d in self.duplicates) else "duplicate"
        return f"{n} {noun}{'s' if n != 1 else ''}"

    def summary_line(self) -> str:
        s = self.summary
        if self.empty and self.duplicates:
            return f"No changes, but {self.left_in_place} in live (see the warnings)."
        if self.empty:
            return "No changes. Live state matches the YAML."
        return f"Plan: {s['create']} to create, {s['update']} to update, {s['delete']} to delete."

    @cached_property
    def encoded_changes(self) -> tuple[Encoded, ...]:
        """Each change as canonical JSON text, encoded once: the fingerprint and the JSON plan are
        both made of these (a plan of 10,000 creates encoded each change three times)."""
        return tuple(Encoded(_canonical(c.to_json())) for c in self.changes)

    @property
    def fingerprint(self) -> str:
        """The sha256 of the changes, format version and inputs digest, as a saved plan is
        checked."""
        # Exactly the text `fingerprint()` hashes (keys sorted: changes, format_version,
        # inputs_digest).
        text = (
            f'{{"changes":[{",".join(self.encoded_changes)}],"format_version":{_canonical(FORMAT_VERSION)},'
            f'"inputs_digest":{_canonical(self.inputs_digest)}}}'
        )
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()

    def to_json(self, *, encoded: bool = False) -> dict[str, Any]:
        """The JSON form; with ``encoded`` each change is already JSON text (an
        :class:`Encoded`)."""
        return {
            "format_version": FORMAT_VERSION,
            "format_minor": FORMAT_MINOR,
            "tool_version": __version__,
            "summary": self.summary,
            "changes": list(self.encoded_changes)
            if encoded
            else [c.to_json() for c in self.changes],
            "scopes": [_scope_json(s) for s in self.scopes],
            "warnings": [str(w) for w in self.warnings],
            # format_minor 3: the warnings that have a kind (DESIGN §6), with what they are about
            "warning_details": details_json(self.warnings),
            "duplicates": list(self.duplicates),
            "inputs_digest": self.inputs_digest,
            "impact": [e for e in self.impact if not _shared(e)],
            # format_minor 4: the scopes where people share a gain and loss, one group each (the
            # file said every person's full lists: attendees x sessions); a reader of an older minor
            # finds no exact rows for those scopes and words their impact from the changes alone, as
            # for any such scope
            "impact_groups": [grouped(e) for e in self.impact if _shared(e)],
            "fingerprint": self.fingerprint,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        """The plan a plan file's JSON describes (``to_json``'s inverse; older files' grouped impact
        and separate warning details read too)."""
        scopes = tuple(
            ScopeReport(**{**s, "violations": tuple(s.get("violations", ()))})
            for s in data.get("scopes", [])
        )
        return cls(
            changes=tuple(Change.from_json(c) for c in data.get("changes", [])),
            scopes=scopes,
            warnings=with_details(data.get("warnings", []), data.get("warning_details", [])),
            inputs_digest=data.get("inputs_digest", ""),
            impact=tuple(data.get("impact", []))
            + tuple(ungrouped(e) for e in data.get("impact_groups", [])),
            duplicates=with_details(data.get("duplicates", []), data.get("warning_details", [])),
        )

    def with_changes(self, changes: tuple[Change, ...]) -> Plan:
        return replace(self, changes=changes)


def by_scope(plan: Plan) -> list[tuple[ScopeId, list[Change]]]:
    """The plan's changes grouped by (provider, scope), in plan order (the plan is already
    sorted)."""
    return [
        (scope, list(changes))
        for scope, changes in groupby(plan.changes, key=lambda c: (c.provider, c.scope))
    ]


def by_cause(plan: Plan) -> list[tuple[str | None, Plan]]:
    """The plan as one part (None) without causes, else one part per cause, each with its own impact
    rows."""
    if not any(c.cause for c in plan.changes):
        return [(None, plan)]
    return [
        (
            cause,
            replace(
                plan,
                changes=tuple(c for c in plan.changes if (c.cause or "change") == cause),
                impact=tuple(e for e in plan.impact if e.get("cause") == cause),
            ),
        )
        for cause in CAUSES
    ]


def _same(row: dict[str, Any]) -> tuple[tuple[str, int], ...]:
    """What a row holds besides its person, by identity: the rows of one delta share their lists."""
    return tuple(sorted((k, id(v)) for k, v in row.items() if k != "person"))


def _shared(entry: dict[str, Any]) -> bool:
    """Whether an impact entry is written grouped: more rows than review output lists one by one,
    and two people sharing their gain and loss. Small entries stay per person, as every minor wrote
    them."""
    rows = entry.get("people", [])
    if len(rows) <= GROUP_ABOVE:
        return False
    seen: set[tuple[tuple[str, int], ...]] = set()
    canonical: set[str] = set()
    for row in rows:
        same = _same(row)
        if same in seen:
            return True
        seen.add(same)
    for row in rows:  # lists equal in value though not shared (a plan read back from a file)
        text = _canonical({k: v for k, v in row.items() if k != "person"})
        if text in canonical:
            return True
        canonical.add(text)
    return False


def grouped(entry: dict[str, Any]) -> dict[str, Any]:
    """An impact entry with its people rows as groups: ``{"people": [...], "gain": [...], "lose":
    [...]}`` for everyone who gains and loses the same (first appearance order, people in row
    order)."""
    by_same: dict[tuple[tuple[str, int], ...], dict[str, Any]] = {}
    by_value: dict[str, dict[str, Any]] = {}
    for row in entry.get("people", []):
        same = _same(row)
        group = by_same.get(same)
        if group is None:  # a delta not met by identity: compared by value, once per distinct delta
            rest = {k: v for k, v in row.items() if k != "person"}
            group = by_value.setdefault(_canonical(rest), {"people": [], **rest})
            by_same[same] = group
        group["people"].append(row["person"])
    return {
        **{k: v for k, v in entry.items() if k != "people"},
        "groups": list(by_value.values()),
    }


def ungrouped(entry: dict[str, Any]) -> dict[str, Any]:
    """An ``impact_groups`` entry back as per-person rows (sharing each group's lists), ordered by
    person."""
    rows = [
        {"person": person, **{k: v for k, v in group.items() if k != "people"}}
        for group in entry.get("groups", [])
        for person in group.get("people", [])
    ]
    rows.sort(
        key=lambda r: (
            (0, r["person"], "") if isinstance(r["person"], int) else (1, 0, str(r["person"]))
        )
    )
    return {**{k: v for k, v in entry.items() if k != "groups"}, "people": rows}


def _scope_json(report: ScopeReport) -> dict[str, Any]:
    """A scope report; ``title`` is left out when not read (``--format json`` reads no names)."""
    out = asdict(report)
    if not out["title"]:
        del out["title"]
    return out


def fingerprint(inputs_digest: str, changes: list[Any]) -> str:
    """The digest of what a plan does, over its changes as stored. A reader checks a saved plan
    against the changes it read, not against its own re-serialisation, so the fields a later minor
    adds are covered too."""
    body = {"format_version": FORMAT_VERSION, "inputs_digest": inputs_digest, "changes": changes}
    return "sha256:" + hashlib.sha256(_canonical(body).encode()).hexdigest()


class Encoded(str):
    """A value already encoded as JSON text (written as it is)."""


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
