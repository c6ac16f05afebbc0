"""Reading a saved plan file (``apply --plan`` in applying/saved.py, ``show`` in cli/show.py): its
JSON, bounded in size, and the plan built from it, each failure one StalePlanError in words (issue
23)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from provisioner.core.errors import StalePlanError
from provisioner.files.io import FileProblem, read_bounded

MAX_PLAN_BYTES = 64 * 1024 * 1024  # a plan file larger than this is not one we wrote


def read_plan_json(
    path: str,
    *,
    unreadable: Callable[[FileProblem], str],
    not_json: Callable[[Exception], str],
) -> Any:
    """The JSON value in ``path``; a file that cannot be read, or is not JSON, is a StalePlanError
    with the message ``unreadable`` or ``not_json`` makes of the cause."""
    try:
        return json.loads(read_bounded(path, MAX_PLAN_BYTES))
    except FileProblem as e:
        raise StalePlanError(unreadable(e)) from e
    except (ValueError, RecursionError) as e:
        raise StalePlanError(not_json(e)) from e


@contextmanager
def plan_content(path: str) -> Iterator[None]:
    """Turn what the shape check does not foresee (TypeError, AttributeError, KeyError, ValueError
    while building the plan) into one StalePlanError in words (issue 23), the detail kept as its
    cause for the debug log."""
    try:
        yield
    except (TypeError, AttributeError, KeyError, ValueError) as e:
        raise StalePlanError(
            f"{path} is not a provisioner plan file (its content is not in the form this "
            "provisioner writes)"
        ) from e
