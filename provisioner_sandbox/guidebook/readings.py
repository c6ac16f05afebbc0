"""Readings of the Guidebook Open API: undocumented points ([G] in docs/api-notes.md) the sandbox
can take either way. The first value is the default (the reading the notes call most likely)."""

from __future__ import annotations

from ..readings import Reading

BODY = Reading(
    "guidebook.body",
    ("json", "form-only"),
    "json: JSON and form-encoded writes both accepted (DRF's default parsers); "
    "form-only: a JSON write body is answered 415, as every official example posts form data [G, "
    "part 3 #4]",
)
PATCH_LISTS = Reading(
    "guidebook.patch_lists",
    ("replace", "merge"),
    "replace: a PATCHed attendees/sessions list replaces the old one (DRF's M2M default); "
    "merge: it is unioned with the old one, so removals silently do nothing [G, part 3 #6]",
)
EMPTY_LIST = Reading(
    "guidebook.empty_list",
    ("accepted", "refused", "refused-on-create"),
    "accepted: attendees/sessions may be []; refused: [] is a 400 'This list may not be empty.' on "
    "create and "
    "PATCH (DRF allow_empty=False); refused-on-create: only on create [G, part 3 #14]",
)
PAGE_SIZE = Reading(
    "guidebook.page_size",
    ("honoured",),
    "honoured: ?page_size= is honoured up to 100 (else the server's default page size); "
    "a number N: every page holds N whatever page_size says (the server decides) [G, part 3 #3]",
    numeric=True,
)
ORDERING = Reading(
    "guidebook.ordering",
    ("honoured", "ignored"),
    "honoured: ?ordering= (e.g. id) orders every list, id breaks ties; ignored: lists come in a "
    "storage order "
    "that is not by id and reshuffles after every write (an unordered queryset) [G]",
)
COUNT = Reading(
    "guidebook.count",
    ("present", "absent"),
    "present: DRF pages carry count [C]; absent: no count in pages (as with cursor pagination)",
)
ATTENDEE_SCHEDULES = Reading(
    "guidebook.attendee_schedules",
    ("many", "move", "reject"),
    "what a write that adds an attendee already on another schedule of the guide does (Builder "
    "keeps one "
    "preset schedule per user; re-sending someone already on this schedule adds nobody): many: "
    "accepted, the "
    "attendee is on both; move: the attendee is taken off the other schedule; reject: 400 "
    "{'attendees': [...]}, nothing written [G, part 3 #18]",
)
READINGS = (BODY, PATCH_LISTS, EMPTY_LIST, PAGE_SIZE, ORDERING, COUNT, ATTENDEE_SCHEDULES)
