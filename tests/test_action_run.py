"""The action's `run` steps executed as a runner executes them: bash, each step's `env:` block
filled from the inputs (their defaults from action.yml) and the earlier steps' outputs,
GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_PATH / RUNNER_TEMP as files, and the tool called by the
absolute path the install step gives (never through PATH), against the sandbox. What
test_workflows.py checks by reading the YAML, this checks by running it."""

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
STEPS = {s.get("id"): s for s in ACTION["runs"]["steps"]}
RUN = STEPS["run"]
INPUT = re.compile(r"^\$\{\{ inputs\.([a-z-]+) \}\}$")
STEP_OUTPUT = re.compile(r"^\$\{\{ steps\.([a-z]+)\.outputs\.([a-z-]+) \}\}$")

pytestmark = pytest.mark.skipif(
    shutil.which("bash") is None, reason="the action's steps run in bash"
)


def run_step(work: Path, env: dict[str, str], **inputs: str) -> tuple[dict[str, str], str, str]:
    """Run the step in ``work``; return its outputs (GITHUB_OUTPUT), its job summary and its
    stderr."""
    runner = work.parent / f"runner-{inputs['command']}-{len(list(work.parent.glob('runner-*')))}"
    runner.mkdir()
    shim = runner / "bin" / "provisioner"
    shim.parent.mkdir()
    shim.write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -c "from provisioner.cli import main; main()" "$@"\n'
    )
    shim.chmod(0o755)
    step_env = {
        "PATH": os.environ["PATH"],  # the tool is not on it: the step must call it by absolute path
        "RUNNER_TEMP": str(runner),
        "GITHUB_OUTPUT": str(runner / "output"),
        "GITHUB_STEP_SUMMARY": str(runner / "summary"),
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(work),
        "NO_COLOR": "1",
        "PYTHONPATH": str(ROOT),
        **env,
    }  # the tool under test, installed or not
    step_env.update(
        step_inputs(RUN, {"install": {"path": str(shim)}}, inputs),
    )
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


def step_inputs(
    step: dict[str, Any], outputs: dict[str, dict[str, str]], inputs: dict[str, str]
) -> dict[str, str]:
    """The step's `env:` as the runner fills it: inputs (or their defaults), earlier steps'
    outputs."""
    env = {}
    for name, value in step.get("env", {}).items():
        m, o = INPUT.match(str(value)), STEP_OUTPUT.match(str(value))
        if m:
            assert m[1] in ACTION["inputs"], f"the step reads an undeclared input {m[1]!r}"
            env[name] = inputs.get(
                m[1].replace("-", "_"), str(ACTION["inputs"][m[1]].get("default", ""))
            )
        elif o:
            env[name] = outputs.get(o[1], {}).get(o[2], "")
        else:
            env[name] = {
                "EVENT_NAME": inputs.get("event", "push"),
                "RUN_URL": "https://example.invalid/run/1",
                "LOCK": str(ROOT / "requirements" / "runtime.txt"),
                "SOURCE": str(ROOT),
            }[name]
    return env


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
    assert summary.startswith(
        "### ❌ provisioner validate failed (exit 1)\n\n**Why:**\n\n"
        "> schedules/bad.yaml:4:5: missing required key \\`name\\`\n"
    )
    assert summary.index("unknown key") < summary.index("<details>")


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
    # the job summary is the report with one line after its summary: what happens next, on a push
    then = (
        "**What happens next:** the apply job waits for a reviewer of the `production` environment "
        "to "
        "approve, then applies exactly this plan (refused whole if live changed since).\n\n"
    )
    report = (work / "plan.md").read_text()
    assert report.startswith(
        "<!-- provisioner-plan -->\n### provisioner plan\n\n**Plan: 2 to create,"
    )
    assert summary == report.replace(" to delete.**\n\n", " to delete.**\n\n" + then, 1)

    sb.clear_requests()
    outputs, summary, _ = run_step(work, env, command="apply", plan_file="plan.json")
    assert (outputs["exit-code"], outputs["ok"], outputs["has-changes"]) == ("0", "true", "false")
    assert (outputs["applied"], outputs["failed"], outputs["skipped"]) == ("8", "0", "0")
    assert outputs["plan-file"] == str(work / "plan.json")
    # 8 changes, 9 writes: Sales Team loses alice (to Workshop Track) and gains carol (from VIP
    # Speakers), so alice's removal is sent first, apart (one schedule per attendee)
    assert len([r for r in sb.requests() if r["method"] in ("POST", "PATCH", "DELETE")]) == 9
    assert summary.startswith("### ✅ provisioner apply\n\n**Applied 8, failed 0, skipped 0** (")
    assert summary.count("| ✅ applied |") == 8 and summary.index("| ✅") < summary.index(
        "<details>"
    )

    outputs, _, _ = run_step(
        work, env, command="drift", format="json", targets="guide:47 plan:5678"
    )
    assert (outputs["exit-code"], outputs["has-changes"], outputs["report-file"]) == (
        "0",
        "false",
        str(work / "drift.json"),
    )
    assert json.loads((work / "drift.json").read_text())["changes"] == []


def unsafe_guide_47(work: Path, sb: SandboxServer) -> None:
    """Guide 47 declared with 6 of its 12 live schedules: the plan deletes 50%, over the 30%
    allowed."""
    import requests

    from provisioner_sandbox import GUIDEBOOK_KEY

    rows = requests.get(
        sb.guidebook_url + "personalized-schedules/?guide=47",
        headers={"Authorization": f"JWT {GUIDEBOOK_KEY}"},
        timeout=5,
    ).json()["results"][:6]
    (work / "schedules" / "summit-2026.yaml").write_text(
        "provider: guidebook\nguide: 47\nschedules:\n"
        + "".join(
            f"  - {{name: {r['name']}, attendees: {r['attendees']}, sessions: {r['sessions']}}}\n"
            for r in rows
        )
    )


def test_an_unsafe_plan_sets_unsafe_and_its_reason_and_apply_refuses_it_reason_first(
    work: Path, sb: SandboxServer
) -> None:
    unsafe_guide_47(work, sb)
    env = sandbox_env(sb)
    outputs, summary, _ = run_step(work, env, command="plan", targets="guide:47")
    assert (outputs["exit-code"], outputs["ok"], outputs["unsafe"]) == ("2", "true", "true")
    assert outputs["unsafe-reason"].startswith(
        "guide 47: would delete 6 of 12 live objects (50%), more than the 30% allowed. "
        "apply refuses it without --force."
    )
    assert "production-force" in outputs["unsafe-reason"]
    assert outputs["labels"] == "provisioner:changes provisioner:unsafe"
    assert (
        "**What happens next:** this plan is not sent for approval: `apply` refuses it" in summary
    )
    outputs, summary, _ = run_step(
        work, env, command="plan", targets="guide:47", event="pull_request"
    )
    assert outputs["unsafe"] == "true"
    assert (
        "**What happens next:** this plan is not sent for approval: `apply` refuses it without "
        "`--force`. "
        "Change the YAML (or the scope's `safety:`) and push a change to this pull request; or, "
        "deliberately, run the apply workflow by hand with `force` ticked, which waits for the "
        "approval "
        "of the `production-force` environment.\n\n"
    ) in summary

    sb.clear_requests()
    outputs, summary, _ = run_step(work, env, command="apply", plan_file="plan.json")
    assert (outputs["exit-code"], outputs["ok"], outputs["applied"]) == ("1", "false", "0")
    assert [r for r in sb.requests() if r["method"] != "GET"] == []
    head = summary[: summary.index("<details>")]
    assert head.startswith(
        "### ❌ provisioner apply failed (exit 1)\n\n**Why:**\n\n> error: refusing"
    )
    assert "would delete 6 of 12 live objects (50%)" in head and "--force" in head
    assert "**Applied 0, failed 0, skipped 0**" in head


def test_the_action_leaves_the_callers_path_and_python_as_they_were(tmp_path: Path) -> None:
    """The install step with a restored cache (a venv whose bin/ holds its own python3), then a
    later step of the caller's job, as the runner runs it: GITHUB_PATH entries go in front of PATH.
    """
    venv = tmp_path / "temp" / "provisioner-venv"
    (venv / "bin").mkdir(parents=True)
    for name in ("python", "python3", "pip", "provisioner"):  # stand-ins: they only succeed
        (venv / "bin" / name).write_text("#!/bin/sh\nexit 0\n")
        (venv / "bin" / name).chmod(0o755)
    files = {n: tmp_path / n for n in ("output", "path", "env")}
    for f in files.values():
        f.write_text("")
    outputs = {"key": {"venv": str(venv)}, "cache": {"cache-hit": "true"}}
    env = {
        "PATH": os.environ["PATH"],
        "RUNNER_TEMP": str(tmp_path / "temp"),
        "GITHUB_OUTPUT": str(files["output"]),
        "GITHUB_PATH": str(files["path"]),
        "GITHUB_ENV": str(files["env"]),
        **step_inputs(STEPS["install"], outputs, {}),
        "PYTHON": sys.executable,
    }
    done = subprocess.run(["bash", "-c", STEPS["install"]["run"]], env=env, check=False)
    assert done.returncode == 0
    assert files["output"].read_text() == f"path={venv}/bin/provisioner\n"
    assert files["path"].read_text() == files["env"].read_text() == ""
    later_path = os.pathsep.join([*files["path"].read_text().split(), os.environ["PATH"]])
    assert shutil.which("python3", path=later_path) == shutil.which("python3")
    assert shutil.which("provisioner", path=later_path) != str(venv / "bin" / "provisioner")
    assert ACTION["outputs"]["provisioner-path"]["value"] == "${{ steps.install.outputs.path }}"


def test_a_drift_issue_says_what_re_applying_would_do_and_what_happens_next(
    work: Path, sb: SandboxServer
) -> None:
    """drift.yml: the detect job keeps the plan file, the report job renders the issue from it with
    show, offline (no credentials in its environment), the "what happens next" line after the
    summary."""
    outputs, _, _ = run_step(
        work, sandbox_env(sb), command="drift", report_file="drift.md", plan_file="drift.json"
    )
    assert (outputs["exit-code"], outputs["has-changes"]) == ("2", "true")
    sb.clear_requests()
    outputs, summary, _ = run_step(
        work, {}, command="show", plan_file="drift.json", report_file="shown.md", event="schedule"
    )
    assert sb.requests() == [] and outputs["exit-code"] == "0"
    assert (work / "shown.md").read_text() == (work / "drift.md").read_text()
    assert summary.startswith(
        "<!-- provisioner-drift -->\n### provisioner drift\n\n"
        "**Drift: re-applying the YAML would create 2, update 7 and delete 2.**\n\n"
        "**What happens next:** to make live match the YAML again, run the apply workflow by hand; "
        "to keep "
        "what live has, change the YAML in a pull request.\n\n"
        "_Live differs from the YAML. Each row says what re-applying the YAML would do to live: "
    )
    assert outputs["summary-file"] if "summary-file" in outputs else outputs["comment-body"]
