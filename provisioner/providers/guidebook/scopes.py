"""Guidebook scope building: one scope per guide, several files of a guide merged (Scope.include),
the most thorough ``publish`` of its files kept on the scope."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from provisioner.core.records import Declared, Loaded, Scope
from provisioner.providers.guidebook.models import GuidebookFile, GuidebookSchedule


@dataclass
class GuideScope(Scope[GuidebookSchedule]):
    """A guide: the generic scope plus its publish mode (the most thorough of its files'
    ``publish``)."""

    publish: str = "none"


PUBLISH_RANK = {
    "none": 0,
    "attendees": 1,
    "guide": 2,
}  # several files of a guide: the most thorough wins


def publish_mode(scope: Scope) -> str:
    """The scope's publish mode; ``none`` for a scope built elsewhere (the importer, older
    tests)."""
    return scope.publish if isinstance(scope, GuideScope) else "none"


def guide_scopes(provider: str, files: Sequence[Loaded]) -> list[Scope]:
    """One scope per guide the Guidebook files in ``files`` name, in guide order; several files of
    one guide merge (Scope.include; the most thorough ``publish`` wins)."""
    by_guide: dict[int, GuideScope] = {}
    for item in files:
        doc = item.doc
        if not isinstance(doc, GuidebookFile):
            continue
        scope = by_guide.setdefault(
            doc.guide,
            GuideScope(
                provider,
                f"guide {doc.guide}",
                {"guide": doc.guide},
                note_renames=True,
                kind="guide",
            ),
        )
        scope.include(
            item,
            [Declared(item, ("schedules", i), s) for i, s in enumerate(doc.schedules)],
            at=("guide",),
            prune=doc.prune,
            ignore=doc.ignore,
            protect=doc.protect,
            safety=doc.safety,
        )
        scope.publish = max(scope.publish, doc.publish, key=PUBLISH_RANK.__getitem__)
    return [by_guide[g] for g in sorted(by_guide)]
