"""The benchmark script keeps running: a quick pass without the paced Planning Center part, at 1 ms a request
(the figures are not checked, only that each step runs; 20 ms made the naive baseline alone take a second)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


@pytest.mark.slow
def test_quick_benchmark_prints_its_figures(capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), "--quick", "--skip-pco", "--latency", "0.001"])
    runpy.run_path(str(SCRIPT), run_name="__main__")
    out = capsys.readouterr().out
    assert "requests sent / lower bound                  5 / 5 (+0%)" in out
    assert "changes applied / failed                     2 / 0" in out
    assert "plan right after apply                       No changes." in out
    assert "CPU time of diff_scope" in out and "Planning Center" not in out


def test_ci_budget_model_measures_each_step_and_adds_up_a_day(capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    script = SCRIPT.parent / "ci_budget.py"
    monkeypatch.setattr(sys, "argv", [str(script), "--quick"])
    runpy.run_path(str(script), run_name="__main__")
    out = capsys.readouterr().out
    # 4 guides: schedules 2 pages, sessions 1, attendees 2 -> 5 requests a guide with names, 2 without
    assert "PR plan, every guide (before)                            20" in out
    assert "PR plan, the PR's guides (after)                         10" in out  # the 2 guides the PR edits
    assert "merge: apply --plan, saved plan's scopes (after)         12" in out  # 2x2 reads, 4 writes, 2x2 verify
    assert "drift --format json, every guide (after: detect)          8" in out
    assert "before      256 requests" in out and "after       121 requests" in out


def test_ci_budget_with_email_references_apply_plan_reads_no_names(capsys: pytest.CaptureFixture[str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    script = SCRIPT.parent / "ci_budget.py"
    monkeypatch.setattr(sys, "argv", [str(script), "--quick", "--readable"])
    runpy.run_path(str(script), run_name="__main__")
    out = capsys.readouterr().out.split("# sensitivity: attendees as `email:` references")[1]
    # every plan and drift resolves the emails (5 requests a guide), but apply --plan reads no name again: still
    # 2x2 reads, 4 writes, 2x2 verify (it read both guides' sessions and attendees too, 18, before)
    assert "merge: apply --plan, saved plan's scopes (after)         12" in out
    assert "drift --format json, every guide (after: detect)         20" in out
    assert "after       169 requests" in out
