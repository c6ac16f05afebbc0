"""Checks that span files: one identity declared twice (across every service), then each service's
own."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from provisioner.core.errors import Diagnostic
from provisioner.core.lookalike import folded, how_alike
from provisioner.core.records import Loaded
from provisioner.providers import registry


def cross_file_checks(
    files: list[Loaded], warnings: list[Diagnostic] | None = None
) -> list[Diagnostic]:
    """Every identity must be declared once across all files; each service adds its own checks.
    Names that differ only in case or look alike go to ``warnings`` (issue 23)."""
    seen: dict[tuple[object, ...], tuple[Loaded, tuple[str | int, ...]]] = {}
    diags: list[Diagnostic] = []
    alike = _LookAlikes(warnings if warnings is not None else [])

    def claim(
        identity: tuple[object, ...], item: Loaded, loc: tuple[str | int, ...], what: str
    ) -> None:
        # Declarations are told apart by where they sit in the document, not by the line of their
        # text: a `<<` merge copies a name whose text stands on another item's line. Scopes of
        # different accounts are different scopes, even with the same ids (docs/api-notes.md,
        # contract §2.1).
        first, first_loc = seen.setdefault((item.account, *identity), (item, loc))
        alike.claim((item.account, *identity), item, loc, what)
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


Place = tuple[tuple[object, ...], Loaded, tuple[str | int, ...]]


@dataclass
class _LookAlikes:
    """Declared identities whose names differ only in case or look alike (a warning, not an
    error)."""

    warnings: list[Diagnostic]
    seen: dict[tuple[object, ...], Place] = field(default_factory=dict)

    def claim(
        self, identity: tuple[object, ...], item: Loaded, loc: tuple[str | int, ...], what: str
    ) -> None:
        key = tuple(folded(v) if isinstance(v, str) else v for v in identity)
        first, first_item, first_loc = self.seen.setdefault(key, (identity, item, loc))
        pairs = [
            (a, b)
            for a, b in zip(identity, first, strict=True)
            if isinstance(a, str) and isinstance(b, str) and a != b
        ]
        if not pairs:
            return
        said = how_alike(*pairs[0])
        if said:
            self.warnings.append(
                item.diagnostic(
                    loc,
                    f"warning: {what} and {pairs[0][1]!r} ({first_item.where(*first_loc)}) {said}; "
                    "the service takes them as two names. Use one spelling.",
                )
            )
