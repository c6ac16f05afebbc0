"""Checks across Guidebook files: a schedule declared twice, a declared schedule that is also ignored."""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

from provisioner.core.errors import Diagnostic
from provisioner.core.records import Loaded
from provisioner.providers.base import Claim
from provisioner.providers.guidebook.models import GuidebookFile


def checks(files: Sequence[Loaded], claim: Claim) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    for item in files:
        doc = item.doc
        if not isinstance(doc, GuidebookFile):
            continue
        for i, schedule in enumerate(doc.schedules):
            claim(
                ("schedule", doc.guide, schedule.name),
                item,
                ("schedules", i, "name"),
                f"schedule {schedule.name!r} of guide {doc.guide}",
            )
            for pattern in doc.ignore:
                if fnmatchcase(schedule.name, pattern):
                    diags.append(
                        item.diagnostic(
                            ("schedules", i, "name"),
                            f"schedule {schedule.name!r} matches ignore pattern {pattern!r}: "
                            "an ignored schedule cannot be managed; remove one of them",
                        )
                    )
    return diags
