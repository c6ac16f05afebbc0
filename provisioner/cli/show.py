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
        raise StalePlanError(_bad(planfile, f"{type(e).__name__}: {e}")) from e
    show(plan, fmt, title=title, note=note)


def _read(path: str) -> dict[str, Any]:
    """The plan file's JSON object, or one line saying why it is not a readable plan file."""
    from provisioner.core.plan import FORMAT_VERSION
    from provisioner.files.io import FileProblem, read_bounded

    try:
        data = json.loads(read_bounded(path, MAX_PLAN_BYTES))
    except FileProblem as e:
        raise StalePlanError(f"cannot read plan file {path}: {_one_line(str(e))}") from e
    except (ValueError, RecursionError) as e:
        raise StalePlanError(_bad(path, "not JSON")) from e
    if not isinstance(data, dict) or "changes" not in data:
        raise StalePlanError(_bad(path, "no `changes`"))
    if data.get("format_version") != FORMAT_VERSION:
        raise StalePlanError(
            f"plan file {path} has format_version {data.get('format_version')!r}; "
            f"this provisioner reads {FORMAT_VERSION}"
        )
    return data


def _bad(path: str, why: str) -> str:
    return f"{path} is not a provisioner plan file ({_one_line(why)})"


def _one_line(text: str) -> str:
    return " ".join(text.split())
