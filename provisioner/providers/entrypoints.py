"""Entry points of one group, read straight from the installed distributions' ``entry_points.txt``.

``importlib.metadata`` costs about as much to import as the whole of ``provisioner --help``
otherwise does (it pulls in the email parser, zipfile, csv...), and the registry only needs ``name =
module:attr`` lines of one group. Same lookup as ``importlib.metadata.entry_points(group=...)``:
every ``*.dist-info`` and ``*.egg-info`` directory along ``sys.path``, the first distribution of a
name wins, and a later entry point of the same name replaces an earlier one.
"""

from __future__ import annotations

import os
import re
import sys

_SUFFIXES = (".dist-info", ".egg-info")


def entry_point_specs(group: str) -> dict[str, str]:
    """``{name: "module:attr"}`` of every installed entry point of ``group``."""
    return {name: owners[-1][1] for name, owners in entry_point_owners(group).items()}


def entry_point_owners(group: str) -> dict[str, list[tuple[str, str]]]:
    """``{name: [(distribution, "module:attr"), ...]}``: every distribution that declares an entry
    point of ``group`` under that name, in path order, so the registry can refuse two of them
    instead of taking one."""
    found: dict[str, list[tuple[str, str]]] = {}
    seen: set[str] = set()
    for base in sys.path:
        try:
            names = os.listdir(base or ".")
        except OSError:  # a zip, a missing directory: no metadata we can read cheaply
            continue
        for entry in names:
            if not entry.endswith(_SUFFIXES):
                continue
            dist = _normalize(entry.rsplit(".", 1)[0].split("-", 1)[0])
            if dist in seen:
                continue
            seen.add(dist)
            section = _section(os.path.join(base or ".", entry, "entry_points.txt"), group)
            for name, spec in section.items():
                found.setdefault(name, []).append((dist, spec))
    return found


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _section(path: str, group: str) -> dict[str, str]:
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return {}
    out: dict[str, str] = {}
    current = None
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
        elif current == group and "=" in line:
            name, _, value = line.partition("=")
            out[name.strip()] = value.strip()
    return out
