"""The action's `run` step executed as a runner executes it: bash, the step's `env:` block filled from the inputs
(their defaults from action.yml), GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / RUNNER_TEMP as files, and `provisioner` on
PATH, against the sandbox. What test_workflows.py checks by reading the YAML, this checks by running it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from provisioner_sandbox import SandboxServer
from tests.conftest import sandbox_env

ROOT = Path(__file__).resolve().parent.parent
ACTION: dict[str, Any] = YAML(typ="safe", pure=True).load(
    (ROOT / "action.yml").read_text(encoding="utf-8")
)
RUN = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "run")
INPUT = re.compile(r"^\$\{\{ inputs\.([a-z-]+) \}\}$")

pytestmark = pytest.mark.skipif(
    shutil.which("bash") is None, reason="the action's steps run in bash"
)


def run_step(work: Path, env: dict[str, str], **inputs: str) -> tuple[dict[str, str], str, str]:
    """Run the step in ``work``; return its outputs (GITHUB_OUTPUT), its job summary and its stderr."""
    runner = work.parent / f"runner-{inputs['command']}"
    runner.mkdir()
    shim = runner / "bin" / "provisioner"
    shim.parent.mkdir()
    shim.write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -c "from provisioner.cli import main; main()" "$@"\n'
    )
    shim.chmod(0o755)
    step_env = {
        "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}",
        "RUNNER_TEMP": str(runner),
        "GITHUB_OUTPUT": str(runner / "output"),
        "GITHUB_STEP_SUMMARY": str(runner / "summary"),
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(work),
        "NO_COLOR": "1",
        "PYTHONPATH": str(ROOT),
        **env,
    }  # the tool under test, installed or not
    for name, value in RUN["env"].items():
        m = INPUT.match(str(value))
        if m:
            assert m[1] in ACTION["inputs"], f"the run step reads an undeclared input {m[1]!r}"
            step_env[name] = inputs.get(
                m[1].replace("-", "_"), str(ACTION["inputs"][m[1]].get("default", ""))
            )
        else:
            step_env[name] = {"EVENT_NAME": "push", "RUN_URL": "https://example.invalid/run/1"}[
                name
            ]
    done = subprocess.run(
        ["bash", "-c", RUN["run"]],
        cwd=work,
        env=step_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, (
        done.stderr
    )  # outcomes are outputs; the later "Fail on error" step fails the job
    outputs = dict(line.split("=", 1) for line in (runner / "output").read_text().splitlines())
    return outputs, (runner / "summary").read_text(), done.stderr


@pytest.fixture
def work(tmp_path: Path) -> Path:
    work = tmp_path / "repo"
    shutil.copytree(ROOT / "schedules", work / "schedules")
    return work


def test_validate_reports_exit_1_and_annotates_the_file(work: Path) -> None:
    (work / "schedules" / "bad.yaml").write_text(
        "provider: guidebook\nguide: 47\nschedules:\n  - nam: X\n"
    )
    outputs, summary, stderr = run_step(work, {}, command="validate")
    assert (outputs["exit-code"], outputs["ok"], outputs["has-changes"]) == ("1", "false", "false")
    assert outputs["report-file"] == str(work / "validate.txt")
    assert "::error file=schedules/bad.yaml,line=4,col=5::unknown key `nam`" in stderr
    assert summary.startswith("### :x: provisioner validate failed (exit 1)")


def test_plan_then_apply_exactly_that_plan_then_drift(work: Path, sb: SandboxServer) -> None:
    env = sandbox_env(
        sb
    )  # PCO_ACCESS_TOKEN is "": a secret that is not configured, unset by the step
    outputs, summary, _ = run_step(
        work, env, command="plan", targets="guide:47\n plan:5678", extra_args="--parallelism 2"
    )
    assert (outputs["exit-code"], outputs["ok"], outputs["has-changes"]) == ("2", "true", "true")
    assert (outputs["plan-file"], outputs["report-file"]) == (
        str(work / "plan.json"),
        str(work / "plan.md"),
    )
    plan = json.loads((work / "plan.json").read_text())
    assert (plan["format_version"], plan["summary"]) == (1, {"create": 2, "update": 4, "delete": 2})
    assert {c["scope"] for c in plan["changes"]} == {"guide 47", "plan 5678"}
    assert (
        summary == (work / "plan.md").read_text()
        and "Plan: 2 to create, 4 to update, 2 to delete." in summary
    )

    sb.clear_requests()
    outputs, summary, _ = run_step(work, env, command="apply", plan_file="plan.json")
    assert (outputs["exit-code"], outputs["ok"], outputs["has-changes"]) == ("0", "true", "false")
    assert (outputs["applied"], outputs["failed"], outputs["skipped"]) == ("8", "0", "0")
    assert outputs["plan-file"] == str(work / "plan.json")
    assert len([r for r in sb.requests() if r["method"] in ("POST", "PATCH", "DELETE")]) == 8
    assert "Applied **8**, failed **0**, skipped **0**" in summary

    outputs, _, _ = run_step(
        work, env, command="drift", format="json", targets="guide:47 plan:5678"
    )
    assert (outputs["exit-code"], outputs["has-changes"], outputs["report-file"]) == (
        "0",
        "false",
        str(work / "drift.json"),
    )
    assert json.loads((work / "drift.json").read_text())["changes"] == []
