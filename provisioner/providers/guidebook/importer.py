"""Import a guide's personalized schedules (docs/api-notes.md, contract §2.1) through
:class:`GuidebookProvider`.

References are written in the most readable form that is unambiguous within the guide: attendees by
``email``, else ``import_id``; sessions by ``import_id``, else ``name``; else the bare id with the
human name as an end-of-line comment.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from fnmatch import fnmatchcase
from typing import Any

from pydantic import TypeAdapter
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from provisioner.core.errors import ConfigError, NotFoundError
from provisioner.core.records import Record, Scope
from provisioner.files.fields import Ref, text
from provisioner.importing.merge import eol_comment, merge_list
from provisioner.providers.guidebook.models import AttendeeRef, SessionRef
from provisioner.providers.guidebook.moves import memberships
from provisioner.providers.guidebook.provider import GuidebookProvider
from provisioner.providers.guidebook.refs import GuideIndex, norm

log = logging.getLogger(__name__)
PREFERRED = {"attendees": ("email", "import_id"), "sessions": ("import_id", "name")}
FIELDS = ("attendees", "sessions")
_PARSERS: dict[str, TypeAdapter[Any]] = {
    "attendees": TypeAdapter(AttendeeRef),
    "sessions": TypeAdapter(SessionRef),
}


class GuideRefs:
    """Writes ids as readable references and reads the user's references back as ids."""

    def __init__(self, index: GuideIndex) -> None:
        self.index = index

    def ref(self, field: str, rid: int) -> tuple[Any, str | None]:
        """The YAML node for one id, and the comment to put next to it (for bare ids only)."""
        row = self.index.rows[field].get(rid)
        if row is None:
            return rid, f"not found in guide {self.index.guide}"
        for kind in PREFERRED[field]:
            value = row.get(kind)
            if (
                _usable(value)
                and len(self.index.by[(field, kind)].get(norm(kind, str(value)), [])) == 1
            ):
                return CommentedMap([(kind, str(value))]), None
        return rid, self.label(field, rid)

    def label(self, field: str, rid: int) -> str:
        row = self.index.rows[field].get(rid, {})
        if field == "sessions":
            return str(row.get("name") or f"session {rid}")
        name = " ".join(str(p) for p in (row.get("first_name"), row.get("last_name")) if p)
        email = row.get("email")
        return " ".join(filter(None, [name, f"<{email}>" if email else ""])) or f"attendee {rid}"

    def seq(self, field: str, ids: list[int]) -> CommentedSeq:
        out = CommentedSeq()
        for rid in ids:
            self.append(out, field, rid)
        return out

    def append(self, seq: CommentedSeq, field: str, rid: int) -> None:
        node, comment = self.ref(field, rid)
        seq.append(node)
        if comment:
            eol_comment(seq, len(seq) - 1, comment)

    def resolve(self, field: str, entry: Any) -> int | None:
        """The id the user's entry names, or None when it names nothing (or several things)."""
        try:
            ref: int | Ref = _PARSERS[field].validate_python(
                dict(entry) if isinstance(entry, dict) else entry
            )
        except ValueError:
            return None
        found, problem = self.index.resolve(field, ref)
        return None if problem else found


def _usable(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        text(value)
    except ValueError:
        return False
    return True


class GuidebookSource:
    """The :class:`~provisioner.importing.importer.Source` of one guide."""

    list_key = "schedules"
    noun = "schedule"

    def __init__(self, provider: GuidebookProvider, guide: int) -> None:
        self.guide = guide
        self.notes: list[str] = []
        self.title = _guide_title(provider, guide)
        live = provider.read(Scope(provider.name, f"guide {guide}", {"guide": guide}))
        self.live = self._unique(live)
        self.refs = GuideRefs(provider.index(guide))
        self.several = self._on_several()

    def _on_several(self) -> dict[int, list[str]]:
        """Attendees on more than one schedule: Guidebook keeps one per attendee, so the file
        written will not validate until the user keeps one (they are marked with a comment, and
        noted)."""
        on = memberships((k, r.values) for k, r in self.live.items())
        several = {p: sorted(keys) for p, keys in on.items() if len(keys) > 1}
        for person, keys in sorted(several.items()):
            self.notes.append(
                f"attendee {self.refs.label('attendees', person)} ({person}) is on {len(keys)} "
                "schedules of "
                f"guide {self.guide} ({', '.join(map(repr, keys))}); Guidebook keeps one per "
                "attendee: the "
                "file is marked there and will not validate until you keep one"
            )
        return several

    def _unique(self, live: dict[str, Record]) -> dict[str, Record]:
        """Guidebook allows two schedules with one name; a file cannot say that, so import the first
        only."""
        out: dict[str, Record] = {}
        for key, rec in live.items():
            name = rec.twin_of
            if name is not None:
                first = live.get(name)
                self.notes.append(
                    f"guide {self.guide} has several schedules named {name!r}: imported id "
                    f"{first.id if first else '?'}, skipped id {rec.id} (rename or delete it)"
                )
                continue
            out[key] = rec
        return out

    def fresh(self) -> CommentedMap:
        """A new file for the guide: provider, guide (its name as a comment) and every live
        schedule."""
        doc = CommentedMap()
        doc["provider"] = "guidebook"
        doc["guide"] = self.guide
        if self.title:
            eol_comment(doc, "guide", self.title)
        doc["schedules"] = CommentedSeq(self._schedule(name) for name in self.live)
        return doc

    def _schedule(self, name: str) -> CommentedMap:
        item = CommentedMap([("name", name)])
        for field in FIELDS:
            item[field] = self.refs.seq(field, self.live[name].values[field])
        for j, person in enumerate(self.live[name].values["attendees"]):
            others = [k for k in self.several.get(person, ()) if k != name]
            if others:
                self._warn(item["attendees"], j, others)
        return item

    @staticmethod
    def _warn(seq: CommentedSeq, j: int, others: list[str]) -> None:
        """``# WARNING: also on 'B' ...`` after the j-th attendee (a reference's mapping takes it on
        its key; a bare id keeps its name in front)."""
        warning = (
            f"WARNING: also on {', '.join(map(repr, others))} "
            "(one personalized schedule per attendee: keep one)"
        )
        node = seq[j]
        if isinstance(node, CommentedMap):
            eol_comment(node, next(iter(node)), warning)
            return
        said = seq.ca.items.get(j)
        label = said[0].value.strip()[2:] + "; " if said and said[0] else ""
        eol_comment(seq, j, label + warning)

    def header_problem(self, existing: CommentedMap) -> str | None:
        if existing.get("provider") != "guidebook":
            return f"it is a {existing.get('provider')!r} file, not a guidebook one"
        if str(existing.get("guide", "")).strip() != str(self.guide):
            return f"it declares guide {existing.get('guide')!r}, not {self.guide}"
        return None

    def identity(self, item: Any) -> Hashable | None:
        name = item.get("name") if isinstance(item, dict) else None
        return str(name) if isinstance(name, str) else None

    def label(self, item: Any) -> str:
        return repr(str(item.get("name")))

    def wanted(self, existing: CommentedMap, live_item: CommentedMap) -> bool:
        patterns = existing.get("ignore") or []
        if any(fnmatchcase(live_item["name"], str(p)) for p in patterns):
            self.notes.append(f"skipped schedule {live_item['name']!r}: the file ignores it")
            return False
        return True

    def selected(self, item: Any) -> bool:
        return True  # an import reads the whole guide

    def update(
        self, existing_item: CommentedMap, live_item: CommentedMap, *, shared: set[int]
    ) -> bool:
        """Merge the live schedule into a file's item (its attendee and session lists); whether it
        changed."""
        live = self.live[live_item["name"]]
        changed = False
        for field in FIELDS:
            changed |= self._merge_list(existing_item, field, live.values[field], shared)
        return changed

    def _merge_list(
        self, item: CommentedMap, field: str, want: list[int], shared: set[int]
    ) -> bool:
        return merge_list(
            item,
            field,
            self.refs.seq(field, want),
            list(want),
            shared=shared,
            key=lambda entry: self.refs.resolve(field, entry),
        )


def _guide_title(provider: GuidebookProvider, guide: int) -> str | None:
    """The guide's name for a comment; also a clear error when the guide does not exist."""
    try:
        data = provider.guide(guide)
    except NotFoundError as e:
        raise ConfigError(f"guide {guide} was not found (or this API key cannot see it)") from e
    return str(data.get("name")) if isinstance(data, dict) and data.get("name") else None
