"""`provisioner show PLANFILE`: a saved plan rendered offline, exactly as the `plan` (or `drift`)
that wrote it showed it. No credentials, no request, no YAML: everything the renderers read is in
the file (names, impact, warnings, causes, which scopes were planned, the title)."""

from __future__ import annotations

from typing import Any

import click

from provisioner.cli.common import guard, show
from provisioner.cli.options import FORMAT
from provisioner.files.planfile import plan_content


@click.command("show")
@click.argument("planfile", type=click.Path(dir_okay=False, allow_dash=True))
@FORMAT
@guard
def show_command(planfile: str, fmt: str) -> None:
    """Render a saved plan (plan --out FILE) offline: text, markdown or json, as plan showed it."""
    data = _read(planfile)
    from provisioner.render.json import read_saved

    with plan_content(planfile):  # what the shape check does not foresee: still words (issue 23)
        plan, title, note = read_saved(data)
    show(plan, fmt, title=title, note=note)


def _read(path: str) -> dict[str, Any]:
    """The plan file's JSON object, or one line saying why it is not a readable plan file."""
    from provisioner.core.planshape import checked_plan_json
    from provisioner.files.planfile import read_plan_json

    data = read_plan_json(
        path,
        unreadable=lambda e: f"cannot read plan file {path}: {' '.join(str(e).split())}",
        not_json=lambda e: f"{path} is not a provisioner plan file (not JSON)",
    )
    return checked_plan_json(data, path)
