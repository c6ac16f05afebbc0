"""How values read for people, in every layer (the diff, renderers, the services' impact wording): ``(none)``
for no value, a sort key that orders numbers inside text as numbers, an update's reason."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any


def value_text(value: Any) -> str:
    """A field value for people: None and the empty string both read ``(none)``, in every renderer."""
    return "(none)" if value is None or value == "" else str(value)


def natural(text: str) -> tuple[str | int, ...]:
    """A sort key that orders ``attendee 2`` before ``attendee 10`` and ``Dec 6`` before ``Dec 13``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text.casefold()))


def differ_reason(names: Iterable[str]) -> str:
    """``response differs``, ``notes, status differ``: an update's reason, from the names of its fields."""
    ordered = sorted(names)
    return f"{', '.join(ordered)} differ" if len(ordered) > 1 else f"{ordered[0]} differs"
