"""The order of an apply's writes, in phases that each run concurrently, the next starting when one
is done:

1. what a provider says must be answered before its other changes start (``Provider.first_writes``):
   Guidebook takes an attendee off their old schedule before putting them on the new one, because
   the server may refuse (or undo) an attendee on two schedules. A change may be split: its first
   part goes here, the whole later;
2. updates and deletes (an object's old copy is changed or gone before a new one appears);
3. creates.

A change whose first part failed or was skipped is not written: it takes its first part's outcome.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from provisioner.core.outcomes import Outcome
from provisioner.core.records import Change
from provisioner.providers.base import Provider

log = logging.getLogger(__name__)


@dataclass
class Stages:
    """The apply's phases, and the bookkeeping of changes written in two parts (moves.py): which
    first part belongs to which whole change, which wholes have begun, and the outcome a failed part
    gave its whole."""

    phases: list[list[Change]]
    parts: dict[int, Change] = field(default_factory=dict)  # id(first part) -> the whole change
    begun: set[int] = field(default_factory=set)  # id(whole change) whose first part was written
    ended: dict[int, Outcome] = field(
        default_factory=dict
    )  # id(whole change) -> its failed part's fate

    def settle(self, outcomes: list[Outcome]) -> list[Outcome]:
        """The outcomes of a phase as the report shows them: a first part's outcome is its whole
        change's business (written: the whole follows; failed or skipped: the whole takes that
        outcome now)."""
        shown: list[Outcome] = []
        for outcome in outcomes:
            whole = self.parts.get(id(outcome.change))
            if whole is None:
                shown.append(outcome)
            elif outcome.status == "applied":
                self.begun.add(id(whole))
            else:
                ended = Outcome(whole, outcome.status, outcome.error)
                self.ended[id(whole)] = ended
                shown.append(ended)
        return shown

    def pending(self, phase: list[Change]) -> list[Change]:
        """The phase's changes still to write (not those whose first part already failed)."""
        return [c for c in phase if id(c) not in self.ended]


def stages(todo: list[Change], providers: Mapping[str, Provider]) -> Stages:
    """The phases of ``todo``; each provider is asked once about its own changes."""
    mine: dict[str, list[Change]] = defaultdict(list)
    for change in todo:
        mine[change.provider_key].append(change)
    first: list[Change] = []
    parts: list[Change] = []
    st = Stages([])
    for key, changes in mine.items():
        for change, part in _first_writes(providers[key], key, changes):
            if part is None:
                first.append(change)
            else:
                parts.append(part)
                st.parts[id(part)] = change
    early = {id(c) for c in first}
    rest = [c for c in todo if id(c) not in early]
    st.phases = [
        first + parts,
        [c for c in rest if c.action != "create"],
        [c for c in rest if c.action == "create"],
    ]
    return st


def _first_writes(
    provider: Provider, key: str, changes: list[Change]
) -> list[tuple[Change, Change | None]]:
    """The boundary: a provider's bug here costs only the order (the default phases), never the
    apply."""
    try:
        return list(provider.first_writes(changes))
    except Exception:
        log.warning("%s: first_writes failed; its changes are written in the default order", key)
        log.debug("first_writes of %s raised", key, exc_info=True)
        return []
