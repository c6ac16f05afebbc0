"""Properties of the GitHub workflows and the pre-commit hook (offline: no network, no GitHub).

Workflows are loaded with ruamel.yaml's YAML 1.2 safe loader, so the `on:` key stays the string "on"
(YAML 1.1 loaders such as PyYAML turn it into the boolean True).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
WORKFLOW_NAMES = ("ci.yml", "plan.yml", "apply.yml", "drift.yml")

SECRET_NAMES = {"GUIDEBOOK_API_KEY", "PCO_APPLICATION_ID", "PCO_SECRET", "PCO_ACCESS_TOKEN"}
# The only jobs that may see secrets: workflow file -> job id.
SECRET_JOBS = {"plan.yml": {"plan"}, "apply.yml": {"plan", "apply"}, "drift.yml": {"detect"}}
# The only write scopes granted anywhere: (file, job id or None for top level) -> scopes.
ALLOWED_WRITES: dict[tuple[str, str | None], set[str]] = {
    ("plan.yml", "plan"): {"pull-requests"},
    ("apply.yml", "apply"): {"pull-requests"},
    ("drift.yml", "report"): {"issues"},
}
# Every action outside this repository is pinned by the full commit SHA of a release tag, with the
# tag in a comment (read from the actions' own repositories: `git show-ref --tags`); dependabot
# proposes the next ones.
PINNED = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "actions/github-script": ("ed597411d8f924073f98dfc5c65a23a2325f34cd", "v8.0.0"),
    "actions/upload-artifact": ("bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
    "actions/download-artifact": ("3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"),
    "actions/cache": ("27d5ce7f107fe9357f9df03efb73ab90386fccae", "v5.0.5"),
}
ALLOWED_ACTIONS = {"./", *(f"{name}@{sha}" for name, (sha, _) in PINNED.items())}
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", re.M)
SAME_REPO = "github.event.pull_request.head.repo.full_name == github.repository"
SECRET_REF = re.compile(r"\bsecrets\.")
LIVE_GROUP = "provisioner-live"


# --------------------------------------------------------------------------- helpers


def load_yaml(path: Path) -> Any:
    """Load one YAML file as YAML 1.2 (so `on` is a string key, not True)."""
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def workflow(name: str) -> dict[str, Any]:
    path = WORKFLOWS / name
    assert path.is_file(), f"{path} is missing"
    data = load_yaml(path)
    assert isinstance(data, dict), f"{name}: top level must be a mapping"
    return data


def triggers(wf: dict[str, Any]) -> dict[str, Any]:
    """The `on:` block as a mapping of event -> config (None when bare)."""
    assert True not in wf, "`on` was parsed as boolean True: load with a YAML 1.2 loader"
    on = wf.get("on")
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    assert isinstance(on, dict), f"`on` must be a string, list or mapping, got {on!r}"
    return on


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps") or [])


def run_text(job: dict[str, Any]) -> str:
    return "\n".join(str(s.get("run", "")) for s in steps(job))


def strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string scalar (keys included) under node, with a dotted path to it."""
    if isinstance(node, dict):
        for key, value in node.items():
            sub = f"{path}.{key}" if path else str(key)
            if isinstance(key, str):
                yield sub, key
            yield from strings(value, sub)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from strings(value, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


def step_running(job: dict[str, Any], command: str) -> dict[str, Any]:
    found = [s for s in steps(job) if command in str(s.get("run", ""))]
    assert found, f"no step runs {command!r}"
    return found[0]


def permission_blocks(name: str, wf: dict[str, Any]) -> Iterator[tuple[str | None, Any]]:
    yield None, wf.get("permissions")
    for job_id, job in wf["jobs"].items():
        if "permissions" in job:
            yield job_id, job["permissions"]


# --------------------------------------------------------------------------- schema


@pytest.fixture(scope="module")
def workflow_schema() -> dict[str, Any]:
    pytest.importorskip(
        "check_jsonschema", reason="check-jsonschema (dev dependency) vendors the schema"
    )
    schema_file = (
        resources.files("check_jsonschema.builtin_schemas.vendor") / "github-workflows.json"
    )
    return json.loads(schema_file.read_text(encoding="utf-8"))


def test_all_four_workflows_exist():
    present = sorted(p.name for p in WORKFLOWS.glob("*.y*ml"))
    for name in WORKFLOW_NAMES:
        assert name in present, f".github/workflows/{name} is missing (have {present})"


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_workflow_matches_github_schema(name, workflow_schema):
    jsonschema = pytest.importorskip("jsonschema")
    validator_cls = jsonschema.validators.validator_for(workflow_schema)
    validator = validator_cls(workflow_schema)
    errors = sorted(validator.iter_errors(workflow(name)), key=lambda e: list(e.absolute_path))
    assert not errors, f"{name} violates the GitHub workflow schema:\n" + "\n".join(
        f"  {'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors[:10]
    )


def test_schema_check_rejects_a_broken_workflow(workflow_schema):
    """Guard against a vacuous schema test: an invalid workflow must be reported."""
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.validators.validator_for(workflow_schema)(workflow_schema)
    broken = {"on": "push", "jobs": {"x": {"runs-on": "ubuntu-latest", "stepz": []}}}
    assert list(validator.iter_errors(broken)), (
        "schema accepted a job with no steps and an unknown key"
    )


# --------------------------------------------------------------------------- triggers


def test_ci_triggers_on_push_and_pull_request():
    on = triggers(workflow("ci.yml"))
    assert "push" in on, "ci.yml must run on push"
    assert "pull_request" in on, "ci.yml must run on pull_request"


def test_plan_triggers_on_pull_request_touching_schedules_only():
    on = triggers(workflow("plan.yml"))
    assert set(on) == {"pull_request"}, (
        f"plan.yml must trigger on pull_request only, got {sorted(on)}"
    )
    paths = (on["pull_request"] or {}).get("paths") or []
    assert "schedules/**" in paths, f"plan.yml must be limited to paths schedules/**, got {paths}"


def test_apply_triggers_on_push_to_main_touching_schedules_and_dispatch():
    on = triggers(workflow("apply.yml"))
    assert set(on) == {"push", "workflow_dispatch"}, f"apply.yml triggers: {sorted(on)}"
    push = on["push"] or {}
    assert push.get("branches") == ["main"], f"apply.yml must apply pushes to main only, got {push}"
    assert "schedules/**" in (push.get("paths") or []), (
        "apply.yml push must be limited to schedules/**"
    )


def test_drift_triggers_on_schedule_and_dispatch():
    on = triggers(workflow("drift.yml"))
    assert set(on) == {"schedule", "workflow_dispatch"}, f"drift.yml triggers: {sorted(on)}"
    crons = [entry.get("cron") for entry in on["schedule"] or []]
    assert crons and all(isinstance(c, str) and len(c.split()) == 5 for c in crons), (
        f"drift.yml needs a 5-field cron schedule, got {crons}"
    )


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_no_pull_request_target(name):
    wf = workflow(name)
    assert "pull_request_target" not in triggers(wf), f"{name} triggers on pull_request_target"
    for path, value in strings(wf):
        assert "pull_request_target" not in value, f"{name}: pull_request_target at {path}"


# --------------------------------------------------------------------------- permissions


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_top_level_permissions_are_explicit_and_read_contents(name):
    perms = workflow(name).get("permissions")
    assert isinstance(perms, dict), (
        f"{name}: top-level `permissions` must be an explicit mapping, got {perms!r}"
    )
    assert perms.get("contents") == "read", (
        f"{name}: top-level permissions must have contents: read"
    )


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_no_write_all_or_unlisted_write_scope(name):
    wf = workflow(name)
    for job_id, perms in permission_blocks(name, wf):
        where = f"{name} {'top level' if job_id is None else 'job ' + job_id}"
        assert perms not in ("write-all", "read-all"), (
            f"{where}: grants {perms!r}; list scopes instead"
        )
        if perms is None or perms == {}:
            continue
        assert isinstance(perms, dict), f"{where}: permissions must be a mapping, got {perms!r}"
        if "contents" in perms:
            assert perms["contents"] == "read", (
                f"{where}: contents must be read, got {perms['contents']!r}"
            )
        writes = {scope for scope, level in perms.items() if level == "write"}
        allowed = ALLOWED_WRITES.get((name, job_id), set())
        assert writes <= allowed, (
            f"{where}: write scopes {sorted(writes - allowed)} are not allowed"
        )


def test_plan_job_alone_may_write_pull_requests():
    wf = workflow("plan.yml")
    assert wf["permissions"].get("pull-requests") != "write", (
        "plan.yml grants pull-requests: write at top level"
    )
    assert wf["jobs"]["plan"].get("permissions", {}).get("pull-requests") == "write", (
        "plan.yml's plan job needs pull-requests: write to comment"
    )
    validate_perms = wf["jobs"]["validate"].get("permissions") or {}
    assert "write" not in validate_perms.values(), (
        "plan.yml's validate job must not get write scopes"
    )


def test_drift_writes_issues_only_in_the_job_without_secrets():
    wf = workflow("drift.yml")
    assert wf["permissions"] == {"contents": "read"}, "no workflow-wide write scope"
    report = wf["jobs"]["report"]
    assert report["permissions"] == {"contents": "read", "issues": "write"}
    assert not any(SECRET_REF.search(v) for _, v in strings(report)), (
        "the writing job has no secrets"
    )
    assert wf["jobs"]["detect"]["permissions"] == {"contents": "read"}


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_jobs_with_secrets_run_behind_an_environment(name):
    for job_id, job in workflow(name)["jobs"].items():
        if any(SECRET_REF.search(v) for _, v in strings(job)):
            assert job.get("environment"), (
                f"{name} job {job_id} uses secrets outside an environment"
            )


# --------------------------------------------------------------------------- secrets


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_secrets_only_in_step_env_of_jobs_that_need_them(name):
    wf = workflow(name)
    allowed_jobs = SECRET_JOBS.get(name, set())
    for path, value in strings(wf):
        if not SECRET_REF.search(value):
            continue
        match = re.fullmatch(r"jobs\.([^.]+)\.steps\[\d+\]\.env\.[A-Za-z_][A-Za-z0-9_]*", path)
        assert match, f"{name}: secret referenced at {path}; pass secrets via a step's `env:` only"
        assert match.group(1) in allowed_jobs, (
            f"{name}: job {match.group(1)!r} must not use secrets ({path})"
        )


def test_ci_uses_no_secrets():
    text = (WORKFLOWS / "ci.yml").read_text(encoding="utf-8")
    assert not SECRET_REF.search(text), "ci.yml must not reference secrets"


def action_steps(job: dict[str, Any], command: str | None = None) -> list[dict[str, Any]]:
    """The job's steps that use this repository's action (`uses: ./`), optionally for one
    command."""
    found = [s for s in steps(job) if s.get("uses") == "./"]
    return [s for s in found if command is None or (s.get("with") or {}).get("command") == command]


def one_action_step(job: dict[str, Any], command: str) -> dict[str, Any]:
    found = action_steps(job, command)
    assert len(found) == 1, (
        f"expected one `uses: ./` step with command {command!r}, found {len(found)}"
    )
    return found[0]


def test_plan_validate_job_uses_no_secrets_and_always_runs():
    job = workflow("plan.yml")["jobs"]["validate"]
    assert not any(SECRET_REF.search(v) for _, v in strings(job)), (
        "plan.yml's validate job uses secrets"
    )
    assert "if" not in job, "plan.yml's validate job must run for every PR, forks included"
    one_action_step(job, "validate")


@pytest.mark.parametrize("name", sorted(SECRET_JOBS))
def test_secret_steps_run_provisioner_and_use_known_names(name):
    wf = workflow(name)
    for job_id, job in wf["jobs"].items():
        for step in steps(job):
            env = step.get("env") or {}
            secret_vars = {k for k, v in env.items() if SECRET_REF.search(str(v))}
            if not secret_vars:
                continue
            assert step.get("uses") == "./" or "provisioner " in str(step.get("run", "")), (
                f"{name} job {job_id}: step {step.get('name')!r} gets secrets but does not run "
                "provisioner"
            )
            assert (step.get("with") or {}).get("command") != "validate", (
                "validate needs no secrets"
            )
            assert secret_vars <= SECRET_NAMES, (
                f"{name}: unexpected secret env {sorted(secret_vars - SECRET_NAMES)}"
            )


def test_plan_job_with_secrets_is_guarded_by_same_repo_check():
    wf = workflow("plan.yml")
    for job_id, job in wf["jobs"].items():
        if any(SECRET_REF.search(v) for _, v in strings(job)):
            condition = " ".join(str(job.get("if", "")).split())
            assert SAME_REPO in condition, (
                f"plan.yml job {job_id} uses secrets without the same-repo `if:`"
            )
    assert wf["jobs"]["plan"].get("needs") in ("validate", ["validate"]), (
        "plan job must need validate"
    )


# --------------------------------------------------------------------------- behaviour


def test_ci_runs_make_test_on_every_supported_python():
    job = workflow("ci.yml")["jobs"]["test"]
    assert re.search(r"^\s*make test\s*$", run_text(job), re.M), "ci.yml must run `make test`"
    assert job["strategy"]["matrix"]["python-version"] == ["3.11", "3.12", "3.13", "3.14"]
    setup = [s for s in steps(job) if str(s.get("uses", "")).startswith("actions/setup-python@")]
    assert [s["with"]["python-version"] for s in setup] == ["${{ matrix.python-version }}"]
    assert setup[0]["with"].get("cache-dependency-path") == "requirements/*.txt", (
        "the pip cache follows the locks"
    )


def test_ci_exercises_the_action_offline():
    job = workflow("ci.yml")["jobs"]["action"]
    step = one_action_step(job, "validate")
    assert step.get("id") and f"steps.{step['id']}.outputs.exit-code" in str(job)


def test_plan_job_plans_only_what_the_pull_request_touches_and_keeps_one_sticky_comment():
    job = workflow("plan.yml")["jobs"]["plan"]
    checkout = next(s for s in steps(job) if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert checkout["with"].get("fetch-depth") == 2, (
        "HEAD^1 (the base of GitHub's merge commit) must be fetched"
    )
    inputs = one_action_step(job, "plan")["with"]
    assert inputs["changed-since"] == "HEAD^1" and inputs["base"] == "HEAD^1"
    assert inputs["format"] == "markdown" and inputs["comment"] is True
    assert (inputs["plan-file"], inputs["report-file"]) == ("plan.json", "plan.md")
    assert not [
        s for s in steps(job) if str(s.get("uses", "")).startswith("actions/github-script@")
    ], "the sticky comment is the action's job (comment: true)"


def test_plan_concurrency_per_pull_request_cancels_in_progress():
    conc = workflow("plan.yml").get("concurrency") or {}
    assert "github.event.pull_request.number" in str(conc.get("group", "")), (
        "plan group must be per PR"
    )
    assert conc.get("cancel-in-progress") is True, "plan.yml must cancel superseded runs"


@pytest.mark.parametrize("name", ["apply.yml", "drift.yml"])
def test_apply_and_drift_share_one_group_and_never_cancel(name):
    conc = workflow(name).get("concurrency")
    assert isinstance(conc, dict), f"{name} needs a concurrency mapping"
    assert conc.get("group") == LIVE_GROUP, f"{name} concurrency group: {conc.get('group')!r}"
    assert conc.get("cancel-in-progress") is False, f"{name} must set cancel-in-progress: false"


def test_apply_plan_job_then_approval_then_apply_job():
    jobs = workflow("apply.yml")["jobs"]
    assert set(jobs) == {"plan", "refused", "apply"}
    plan, apply = jobs["plan"], jobs["apply"]
    assert plan.get("environment") not in (None, "production"), (
        "the plan job has an environment of its own"
    )
    assert "needs" not in plan and apply.get("needs") in ("plan", ["plan"]), (
        "apply must need the plan job"
    )
    assert apply.get("environment") == (
        "${{ needs.plan.outputs.unsafe == 'true' && 'production-force' || 'production' }}"
    ), (
        "apply waits for production's reviewers; an override of an unsafe plan for "
        "production-force's"
    )
    assert plan["outputs"]["has-changes"] == "${{ steps.plan.outputs.has-changes }}"
    assert plan["outputs"]["unsafe"] == "${{ steps.plan.outputs.unsafe }}"
    assert one_action_step(plan, "plan")["with"]["fail-on-unsafe"] is False, (
        "the jobs after the plan decide"
    )


def test_apply_plan_job_publishes_the_plan_for_the_approvers():
    job = workflow("apply.yml")["jobs"]["plan"]
    step = one_action_step(job, "plan")
    assert (
        step["id"] == "plan" and step["with"]["format"] == "markdown"
    )  # the action adds it to the job summary
    assert (step["with"]["plan-file"], step["with"]["report-file"]) == ("plan.json", "plan.md")
    # A push plans what changed since the last successful apply run (a cancelled pending run's push
    # included).
    assert step["with"]["changed-since"] == "${{ steps.since.outputs.ref }}"
    since = next(s for s in steps(job) if s.get("id") == "since")
    assert (
        "gh run list" in since["run"]
        and "--status success" in since["run"]
        and "apply.yml" in since["run"]
    )
    assert job["permissions"] == {"contents": "read", "actions": "read"}
    upload = next(
        s for s in steps(job) if str(s.get("uses", "")).startswith("actions/upload-artifact@")
    )
    assert "always()" in str(upload.get("if", "")), "the plan is kept even when planning fails"
    assert set(str(upload["with"]["path"]).split()) == {"plan.json", "plan.md"}
    assert upload["with"]["name"] == "provisioner-plan-${{ github.run_id }}"


def test_apply_job_applies_exactly_the_downloaded_artifact_without_planning_again():
    jobs = workflow("apply.yml")["jobs"]
    job = jobs["apply"]
    download = [
        s for s in steps(job) if str(s.get("uses", "")).startswith("actions/download-artifact@")
    ]
    upload = next(
        s
        for s in steps(jobs["plan"])
        if str(s.get("uses", "")).startswith("actions/upload-artifact@")
    )
    assert len(download) == 1 and download[0]["with"]["name"] == upload["with"]["name"]
    apply = one_action_step(job, "apply")
    assert apply["with"]["plan-file"] == "plan.json" and apply["with"]["comment"] is True
    assert steps(job).index(download[0]) < steps(job).index(apply)
    assert not action_steps(job, "plan") and "provisioner plan" not in run_text(job), (
        "apply must not plan again"
    )
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}, (
        "it comments the merged PR"
    )


def when(job: dict[str, Any], **context: Any) -> bool:
    """Evaluate a job's `if:` of the forms apply.yml uses (==, !=, &&, ||, !, parentheses) over
    ``context`` (dotted names as keys), the way GitHub would."""
    expr = " ".join(str(job["if"]).split())
    py = expr.replace("&&", " and ").replace("||", " or ").replace("!=", " <> ")
    py = re.sub(r"!(?!=)", " not ", py).replace(" <> ", " != ")
    names = sorted(set(re.findall(r"[a-z_]+(?:\.[a-z_-]+)+", py)), key=len, reverse=True)
    for i, name in enumerate(names):
        py = py.replace(name, f"v{i}")
    return bool(eval(py, {}, {f"v{i}": context.get(n) for i, n in enumerate(names)}))


@pytest.mark.parametrize(
    ("event", "force", "unsafe", "runs"),
    [
        ("push", None, "false", "apply"),
        ("push", None, "true", "refused"),  # never sent for approval
        ("workflow_dispatch", False, "true", "refused"),
        ("workflow_dispatch", True, "true", "apply"),  # the deliberate override
        ("workflow_dispatch", True, "false", "apply"),
    ],
)
def test_an_unsafe_plan_is_refused_before_approval_unless_forced_by_hand(
    event, force, unsafe, runs
):
    jobs = workflow("apply.yml")["jobs"]
    context = {
        "needs.plan.outputs.has-changes": "true",
        "needs.plan.outputs.unsafe": unsafe,
        "github.event_name": event,
        "inputs.force": force,
    }
    assert {j for j in ("apply", "refused") if when(jobs[j], **context)} == {runs}
    nothing = {**context, "needs.plan.outputs.has-changes": "false"}
    assert not when(jobs["apply"], **nothing) and not when(jobs["refused"], **nothing)
    refused = jobs["refused"]
    assert refused["permissions"] == {} and "environment" not in refused, "no approval is asked"
    assert "UNSAFE_REASON" in refused["steps"][0]["run"] and "exit 1" in refused["steps"][0]["run"]


def test_apply_force_only_from_a_manual_run_and_never_interpolated_into_a_script() -> None:
    wf = workflow("apply.yml")
    force = wf["on"]["workflow_dispatch"]["inputs"]["force"]
    assert (force["type"], force["default"]) == ("boolean", False), (
        "force must be an opt-in boolean input"
    )
    extra = one_action_step(wf["jobs"]["apply"], "apply")["with"]["extra-args"]
    assert extra == "${{ needs.plan.outputs.unsafe == 'true' && '--force' || '' }}", (
        "--force only for an unsafe plan, which reaches the apply job only by the override"
    )
    for name in WORKFLOW_NAMES:
        for job in workflow(name)["jobs"].values():
            assert "${{ inputs." not in run_text(job), (
                f"{name}: inputs reach scripts through env only"
            )


def test_drift_reads_live_once_and_renders_the_issue_offline_with_show():
    jobs = workflow("drift.yml")["jobs"]
    (detect,) = action_steps(jobs["detect"], "drift")
    assert detect["id"] == "detect" and "if" not in detect
    assert (detect["with"]["format"], detect["with"]["plan-file"]) == ("markdown", "drift.json")
    assert jobs["detect"]["environment"] == "production-plan"
    assert jobs["report"]["needs"] == "detect"
    (show,) = action_steps(jobs["report"], "show")
    assert (show["with"]["plan-file"], show["with"]["format"]) == ("drift.json", "markdown")
    assert show["with"]["report-file"] == "drift.md" and "env" not in show
    assert show["if"] == "needs.detect.outputs.has-changes == 'true'"
    assert not action_steps(jobs["report"], "drift"), "live is read once, by the detect job"


def test_drift_opens_or_updates_one_labelled_issue_and_closes_when_in_sync():
    job = workflow("drift.yml")["jobs"]["report"]
    script_steps = [
        s for s in steps(job) if str(s.get("uses", "")).startswith("actions/github-script@")
    ]
    on_drift = [s for s in script_steps if "has-changes == 'true'" in str(s.get("if", ""))]
    on_sync = [s for s in script_steps if "exit-code == '0'" in str(s.get("if", ""))]
    assert len(on_drift) == 1, "drift.yml needs one github-script step for drift"
    script = on_drift[0]["with"]["script"]
    assert "'drift'" in script and "listForRepo" in script, "must search open issues labelled drift"
    assert "issues.update" in script and "issues.create(" in script, (
        "must update the issue, else create it"
    )
    assert "drift.md" in script
    assert on_sync, "drift.yml should close the drift issue when back in sync (exit code 0)"
    assert "closed" in on_sync[0]["with"]["script"], "the in-sync step must close the issue"


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_actions_pinned_to_current_node24_majors(name):
    for job_id, job in workflow(name)["jobs"].items():
        for step in steps(job):
            if "uses" in step:
                assert step["uses"] in ALLOWED_ACTIONS, (
                    f"{name} job {job_id}: unexpected action {step['uses']!r}"
                )


@pytest.mark.parametrize(
    "path", [*(f".github/workflows/{n}" for n in WORKFLOW_NAMES), "action.yml"]
)
def test_every_uses_is_a_full_commit_sha_with_its_version_in_a_comment(path):
    found = USES_LINE.findall((ROOT / path).read_text(encoding="utf-8"))
    assert found, path
    for ref, rest in found:
        if ref == "./":
            continue
        name, _, sha = ref.partition("@")
        assert re.fullmatch(r"[0-9a-f]{40}", sha), f"{path}: {ref} is not pinned by a full SHA"
        assert (sha, rest.strip()) == (PINNED[name][0], f"# {PINNED[name][1]}"), (path, ref, rest)


def test_zizmor_reports_nothing() -> None:
    zizmor = Path(sys.executable).parent / "zizmor"
    if not zizmor.exists():
        pytest.skip("zizmor (requirements/actionlint.txt) is not installed here")
    args = ["--offline", "--no-progress", "--config", ".github/zizmor.yml", ".github/workflows"]
    done = subprocess.run(
        [str(zizmor), *args, "action.yml", ".github/dependabot.yml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_dependabot_keeps_the_pinned_actions_and_the_locks_current():
    config = load_yaml(ROOT / ".github" / "dependabot.yml")
    ecosystems = {u["package-ecosystem"]: u for u in config["updates"]}
    assert ecosystems["github-actions"]["directory"] == "/", (
        "covers .github/workflows and action.yml"
    )
    assert "pip" in ecosystems


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_run_steps_use_bash(name):
    wf = workflow(name)
    default = ((wf.get("defaults") or {}).get("run") or {}).get("shell")
    for job_id, job in wf["jobs"].items():
        job_default = ((job.get("defaults") or {}).get("run") or {}).get("shell") or default
        for step in steps(job):
            if "run" in step:
                shell = step.get("shell") or job_default
                assert shell == "bash", (
                    f"{name} job {job_id}: step {step.get('name')!r} must use shell: bash"
                )


@pytest.mark.parametrize("name", ["plan.yml", "apply.yml", "drift.yml"])
def test_provisioner_runs_only_through_the_action(name):
    for job_id, job in workflow(name)["jobs"].items():
        if job_id == "refused":  # it only reports the plan job's verdict
            continue
        assert action_steps(job), f"{name} job {job_id} must use the repository's action (uses: ./)"
        assert "pip install" not in run_text(job), (
            f"{name} job {job_id}: installs belong to the action (pinned)"
        )


# --------------------------------------------------------------------------- the action


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    data = load_yaml(ROOT / "action.yml")
    assert isinstance(data, dict)
    return data


def test_action_inputs_and_outputs(action):
    assert action["runs"]["using"] == "composite"
    inputs = set(action["inputs"])
    for name in (
        "command",
        "paths",
        "format",
        "targets",
        "base",
        "changed-since",
        "working-directory",
        "python-version",
        "comment",
        "extra-args",
        "plan-file",
    ):
        assert name in inputs, f"action.yml lacks input {name!r}"
        assert action["inputs"][name].get("description"), f"input {name!r} needs a description"
    assert action["inputs"]["command"].get("required") is True
    outputs = action["outputs"]
    for name in ("exit-code", "has-changes", "plan-file"):
        assert outputs[name]["value"] == f"${{{{ steps.run.outputs.{name} }}}}", f"output {name!r}"
    ids = {s.get("id") for s in action["runs"]["steps"]}
    assert "run" in ids


def test_action_matches_github_schema(action):
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("check_jsonschema")
    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor") / "github-actions.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(action))
    assert not errors, [e.message for e in errors[:5]]


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_workflows_pass_only_inputs_the_action_declares(name, action):
    for job in workflow(name)["jobs"].values():
        for step in action_steps(job):
            unknown = set(step.get("with") or {}) - set(action["inputs"])
            assert not unknown, f"{name}: unknown action inputs {sorted(unknown)}"
            assert step["with"]["command"] in ("validate", "plan", "apply", "drift", "show")


def test_action_installs_hash_pinned_with_a_cache_and_never_interpolates_inputs(action):
    run_steps = [s for s in action["runs"]["steps"] if "run" in s]
    assert all(s.get("shell") == "bash" for s in run_steps)
    for step in run_steps:
        assert "${{" not in step["run"], (
            f"step {step.get('name')!r}: values reach the script through env only"
        )
    install = next(s for s in run_steps if "pip install" in s["run"])
    assert "--require-hashes" in install["run"] and "requirements/runtime.txt" in install["run"]
    assert "--no-deps" in install["run"] and "--no-build-isolation" in install["run"]
    uses = [s["uses"] for s in action["runs"]["steps"] if "uses" in s]
    assert set(uses) <= ALLOWED_ACTIONS and f"actions/cache@{PINNED['actions/cache'][0]}" in uses
    key = next(s for s in run_steps if s.get("id") == "key")["env"]["LOCK"]
    assert key.endswith("requirements/runtime.txt"), "the cache key follows the lock"


def test_action_keeps_one_sticky_comment_and_skips_an_unchanged_plan_never_posted(action):
    comment = next(
        s
        for s in action["runs"]["steps"]
        if str(s.get("uses", "")).startswith("actions/github-script@")
    )
    script = comment["with"]["script"]
    for call in (
        "listComments",
        "updateComment",
        "createComment",
        "listPullRequestsAssociatedWithCommit",
    ):
        assert call in script, f"comment script must call {call}"
    assert "<!-- provisioner-${process.env.COMMENT_ID} -->" in script
    existing, skip = script.index("if (existing)"), script.index("HAS_CHANGES !== 'true'")
    assert existing < skip, (
        "an existing comment is always updated; only a never-posted unchanged plan is skipped"
    )
    assert comment["if"].startswith("inputs.comment == 'true'")


# --------------------------------------------------------------------------- pre-commit hook and
# docs


def test_pre_commit_hooks_run_provisioner_validate():
    hooks = load_yaml(ROOT / ".pre-commit-hooks.yaml")
    assert isinstance(hooks, list), ".pre-commit-hooks.yaml must be a list of hooks"
    by_id = {h.get("id"): h for h in hooks}
    assert set(by_id) == {"provisioner-validate", "provisioner-validate-all"}
    for hook in hooks:
        assert (
            hook["language"] == "python"
            and hook["types"] == ["yaml"]
            and hook["require_serial"] is True
        )
        files = re.compile(hook.get("files", ""))
        for path in ("schedules/a.yaml", "schedules/sub/b.yml"):
            assert files.search(path), f"files pattern must match {path}"
        for path in ("README.md", "other/a.yaml", "schedules/notes.txt"):
            assert not files.search(path), f"files pattern must not match {path}"
    assert by_id["provisioner-validate"]["entry"] == "provisioner validate"
    assert by_id["provisioner-validate"]["pass_filenames"] is True
    # The directory comes from the tool's default or the user's `args: [DIR]`, never from the entry:
    # with pass_filenames false, pre-commit runs `entry + args`, so a hardcoded `schedules` would be
    # validated too.
    assert by_id["provisioner-validate-all"]["entry"] == "provisioner validate"
    assert by_id["provisioner-validate-all"]["pass_filenames"] is False


def test_docs_describe_workflows_secrets_and_the_reviewers_path():
    text = (ROOT / "docs" / "workflows.md").read_text(encoding="utf-8")
    for needle in (
        *WORKFLOW_NAMES,
        *sorted(SECRET_NAMES),
        "production",
        "production-plan",
        "provisioner-validate",
        "provisioner-validate-all",
        "fork",
        "apply --plan",
        "--changed-since",
        "--base",
        LIVE_GROUP,
    ):
        assert needle in text, f"docs/workflows.md must mention {needle!r}"
    assert "rev: v0.1.0" not in text, "no tag v0.1.0 exists"


def doc_workflows() -> list[tuple[str, dict[str, Any]]]:
    """The workflows the docs show a schedules repository (YAML blocks opening `#
    .github/workflows/...`)."""
    found = []
    for doc in ("workflows.md", "scale.md"):
        text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
        for block in re.findall(r"```yaml\n(# \.github/workflows/.*?)```", text, re.S):
            found.append(
                (f"{doc}: {block.splitlines()[0]}", YAML(typ="safe", pure=True).load(block))
            )
    return found


def test_docs_workflows_are_valid_and_pass_only_declared_inputs(workflow_schema, action):
    shown = doc_workflows()
    assert len(shown) >= 4
    jsonschema = pytest.importorskip("jsonschema")
    for name, wf in shown:
        wf.setdefault("on", {"pull_request": {}})  # scale.md shows the jobs only
        errors = list(
            jsonschema.validators.validator_for(workflow_schema)(workflow_schema).iter_errors(wf)
        )
        assert not errors, (name, [e.message for e in errors[:3]])
        uses = [
            s
            for job in wf["jobs"].values()
            for s in steps(job)
            if str(s.get("uses", "")).startswith("schedule-provisioner/provisioner@")
        ]
        assert uses, name
        for step in uses:
            assert set(step["with"]) <= set(action["inputs"]), (
                name,
                sorted(set(step["with"]) - set(action["inputs"])),
            )
        for job in wf["jobs"].values():
            for step in steps(job):
                if "uses" in step and not str(step["uses"]).startswith("schedule-provisioner/"):
                    assert step["uses"] in ALLOWED_ACTIONS, (name, step["uses"])


def test_docs_apply_workflow_plans_since_the_last_successful_apply():
    """The example plans as this repository's apply.yml does: since the last successful apply run's
    commit (a cancelled pending run's push is covered), everything when there is none."""
    apply = next(wf for name, wf in doc_workflows() if "apply.yml" in name)
    since = one_step_with(apply["jobs"]["plan"], "plan")["changed-since"]
    assert (
        since
        == one_action_step(workflow("apply.yml")["jobs"]["plan"], "plan")["with"]["changed-since"]
    )


def one_step_with(job: dict[str, Any], command: str) -> dict[str, Any]:
    return next(s["with"] for s in steps(job) if (s.get("with") or {}).get("command") == command)
