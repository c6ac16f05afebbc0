"""`provisioner show PLANFILE`: a saved plan rendered offline, exactly as the `plan` (or `drift`) that wrote it
showed it. No credentials, no request, no YAML: everything the renderers read is in the file (names, impact,
warnings, causes, which scopes were planned, the title)."""

from __future__ import annotations

import json
from typing import Any

import click

from provisioner.cli.common import guard, show
from provisioner.cli.options import FORMAT
from provisioner.core.errors import StalePlanError

MAX_PLAN_BYTES = 64 * 1024 * 1024  # as apply --plan: a larger file is not one we wrote


@click.command("show")
@click.argument("planfile", type=click.Path(dir_okay=False, allow_dash=True))
@FORMAT
@guard
def show_command(planfile: str, fmt: str) -> None:
    """Render a saved plan (plan --out FILE) offline: text, markdown or json, as plan showed it."""
    data = _read(planfile)
    from provisioner.render.json import read_saved

    try:
        plan, title, note = read_saved(data)
    except (TypeError, AttributeError, KeyError, ValueError) as e:
        # what the shape check does not foresee: still words (issue 23), the detail in the debug log
        raise StalePlanError(
            f"{planfile} is not a provisioner plan file (its content is not in the form this "
            "provisioner writes)"
        ) from e
    show(plan, fmt, title=title, note=note)


def _read(path: str) -> dict[str, Any]:
    """The plan file's JSON object, or one line saying why it is not a readable plan file."""
    from provisioner.core.planshape import checked_plan_json
    from provisioner.files.io import FileProblem, read_bounded

    try:
        data = json.loads(read_bounded(path, MAX_PLAN_BYTES))
    except FileProblem as e:
        raise StalePlanError(f"cannot read plan file {path}: {' '.join(str(e).split())}") from e
    except (ValueError, RecursionError) as e:
        raise StalePlanError(f"{path} is not a provisioner plan file (not JSON)") from e
    return checked_plan_json(data, path)
