"""One personalized schedule per attendee: what a write that adds an attendee already on another
schedule of the guide does, under the reading guidebook.attendee_schedules (docs/api-notes.md, part
3 #18)."""

from __future__ import annotations

from collections.abc import Iterable

from ..readings import Readings
from .readings import ATTENDEE_SCHEDULES
from .resources import GbError
from .store import GuidebookStore


def one_schedule_each(
    store: GuidebookStore,
    readings: Readings,
    guide: int,
    schedule: int | None,
    added: Iterable[int],
) -> None:
    """``added``: the attendees this write puts on ``schedule`` (None: the one being created) who
    were not on it. many: nothing happens; move: they leave their other schedules, as Builder's help
    says ("the most recently assigned schedule will overwrite"); reject: a DRF 400 and nothing is
    written."""
    mode = readings.get(ATTENDEE_SCHEDULES.name)
    held = [] if mode == "many" else store.elsewhere(guide, schedule, added)
    if held and mode == "reject":
        raise GbError(
            400,
            {
                "attendees": [
                    f"Attendee {a} already has a personalized schedule ({name})."
                    for a, _, name in held
                ]
            },
        )
    if held:
        store.take_off(held)
