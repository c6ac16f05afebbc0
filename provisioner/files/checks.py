"""Checks that span files: one identity declared twice (across every service), then each service's own."""

from __future__ import annotations

from collections import defaultdict

from provisioner.core.errors import Diagnostic
from provisioner.core.records import Loaded
from provisioner.providers import registry


def cross_file_checks(files: list[Loaded]) -> list[Diagnostic]:
    """Every identity must be declared once across all files; each service adds its own checks."""
    seen: dict[tuple[object, ...], tuple[Loaded, tuple[str | int, ...]]] = {}
    diags: list[Diagnostic] = []

    def claim(
        identity: tuple[object, ...], item: Loaded, loc: tuple[str | int, ...], what: str
    ) -> None:
        # Declarations are told apart by where they sit in the document, not by the line of their text: a `<<`
        # merge copies a name whose text stands on another item's line.
        # Scopes of different accounts are different scopes, even with the same ids (docs/api-notes.md, contract §2.1).
        first, first_loc = seen.setdefault((item.account, *identity), (item, loc))
        if (first.path, first_loc) != (item.path, loc):
            diags.append(
                item.diagnostic(
                    loc, f"{what} is declared twice (first at {first.where(*first_loc)})"
                )
            )

    by_service: dict[str, list[Loaded]] = defaultdict(list)
    for item in files:
        by_service[item.provider].append(item)
    for name, items in by_service.items():
        diags += registry.get(name).checks(items, claim)
    return diags
