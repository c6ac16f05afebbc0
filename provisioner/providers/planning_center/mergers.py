"""A person id that no longer resolves may belong to a profile merged into another
(docs/api-notes.md).

People keeps the history of merges (``GET /people/v2/person_mergers``: ``person_to_keep_id``,
``person_to_remove_id`` [C]); after a merge only the kept id resolves. Asked only once a person id
has failed to resolve, one request per such id, so that the error can name the id to write instead.
"""

from __future__ import annotations

from provisioner.core.errors import ApiError
from provisioner.providers.planning_center.client import attributes
from provisioner.transport.http import HttpClient

MERGERS = "people/v2/person_mergers"


def merged_into(client: HttpClient, person: object) -> str | None:
    """The id ``person`` was merged into, or None (not merged, or the history cannot be read)."""
    try:
        body = client.request(
            "GET",
            MERGERS,
            params={"where[person_to_remove_id]": str(person), "per_page": 100, "offset": 0},
        ).data
    except ApiError:
        return None
    rows = body.get("data") if isinstance(body, dict) else None
    for row in rows if isinstance(rows, list) else []:
        attrs = attributes(row) if isinstance(row, dict) else {}
        # the filter may be ignored (unknown where[] is, ISSUE#1439): the rows are checked here
        if str(attrs.get("person_to_remove_id")) == str(person) and attrs.get("person_to_keep_id"):
            return str(attrs["person_to_keep_id"])
    return None


def merged_hint(client: HttpClient, person: object) -> str:
    """What to write instead of a person id that does not resolve."""
    kept = merged_into(client, person)
    if kept is not None:
        return (
            f"; Planning Center merged person {person} into person {kept}, and only the kept id "
            f"resolves: write `person: {kept}`"
        )
    return (
        "; if this profile was merged into another in Planning Center, its old id no longer "
        "resolves: write the kept profile's id, or the person's name"
    )
