"""The bounded soak of issue 23's edges (benchmarks/soak_edges.py): each scenario once and a few at
random, on one seed, against the module's sandbox, every wait on a fake clock. The long run: `python
benchmarks/soak.py --edges-rounds 300`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from soak_edges import SCENARIOS, run_rounds


def test_the_edges_soak_finds_nothing(sb: Any, tmp_path: Path) -> None:
    said: list[str] = []
    counts = run_rounds(sb, tmp_path, seed=1, rounds=5, say=said.append)
    problems = {k: v for k, v in counts.items() if k != "rounds" and not k.startswith("scenario:")}
    assert problems == {}, "\n".join(said)
    assert counts["rounds"] == 5 and all(counts[f"scenario:{s}"] >= 1 for s in SCENARIOS)
