"""The JSON plan (docs/api-notes.md, contract §5): also the saved-plan file format."""

from __future__ import annotations

import json
from typing import TextIO

from provisioner.plan import Plan


def render_json(plan: Plan, out: TextIO) -> None:
    json.dump(plan.to_json(), out, indent=2, sort_keys=False, ensure_ascii=False)
    out.write("\n")
