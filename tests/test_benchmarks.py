"""The benchmark script keeps running: a quick pass without the paced Planning Center part."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


@pytest.mark.slow
def test_quick_benchmark_prints_its_figures(capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), "--quick", "--skip-pco"])
    runpy.run_path(str(SCRIPT), run_name="__main__")
    out = capsys.readouterr().out
    assert "requests sent / lower bound                  5 / 5 (+0%)" in out
    assert "changes applied / failed                     2 / 0" in out
    assert "plan right after apply                       No changes." in out
    assert "CPU time of diff_scope" in out and "Planning Center" not in out
