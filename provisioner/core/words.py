"""How values read for people, in every layer (renderers, and the services' impact wording): ``(none)`` for
no value, and a sort key that orders numbers inside text as numbers."""

from __future__ import annotations

import re
from typing import Any


def value_text(value: Any) -> str:
    """A field value for people: None and the empty string both read ``(none)``, in every renderer."""
    return "(none)" if value is None or value == "" else str(value)


def natural(text: str) -> tuple[str | int, ...]:
    """A sort key that orders ``attendee 2`` before ``attendee 10`` and ``Dec 6`` before ``Dec 13``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text.casefold()))
