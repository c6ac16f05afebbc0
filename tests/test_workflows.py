"""Properties of the GitHub workflows and the pre-commit hook (offline: no network, no GitHub).

Workflows are loaded with ruamel.yaml's YAML 1.2 safe loader, so the `on:` key stays the string "on"
(YAML 1.1 loaders such as PyYAML turn it into the boolean True).
"""

from __future__ import annotations

import json
import re
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
SECRET_JOBS = {"plan.yml": {"plan"}, "apply.yml": {"apply"}, "drift.yml": {"drift"}}
# The only write scopes granted anywhere: (file, job id or None for top level) -> scopes.
ALLOWED_WRITES: dict[tuple[str, str | None], set[str]] = {
    ("plan.yml", "plan"): {"pull-requests"},
    ("drift.yml", None): {"issues"},
}
ALLOWED_ACTIONS = {
    "actions/checkout@v4",
    "actions/setup-python@v5",
    "actions/github-script@v7",
    "actions/upload-artifact@v4",
}
SAME_REPO = "github.event.pull_request.head.repo.full_name == github.repository"
SECRET_REF = re.compile(r"\bsecrets\.")


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
    pytest.importorskip("check_jsonschema", reason="check-jsonschema (dev dependency) vendors the schema")
    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor") / "github-workflows.json"
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
    assert list(validator.iter_errors(broken)), "schema accepted a job with no steps and an unknown key"


# --------------------------------------------------------------------------- triggers


def test_ci_triggers_on_push_and_pull_request():
    on = triggers(workflow("ci.yml"))
    assert "push" in on, "ci.yml must run on push"
    assert "pull_request" in on, "ci.yml must run on pull_request"


def test_plan_triggers_on_pull_request_touching_schedules_only():
    on = triggers(workflow("plan.yml"))
    assert set(on) == {"pull_request"}, f"plan.yml must trigger on pull_request only, got {sorted(on)}"
    paths = (on["pull_request"] or {}).get("paths") or []
    assert "schedules/**" in paths, f"plan.yml must be limited to paths schedules/**, got {paths}"


def test_apply_triggers_on_push_to_main_touching_schedules_and_dispatch():
    on = triggers(workflow("apply.yml"))
    assert set(on) == {"push", "workflow_dispatch"}, f"apply.yml triggers: {sorted(on)}"
    push = on["push"] or {}
    assert push.get("branches") == ["main"], f"apply.yml must apply pushes to main only, got {push}"
    assert "schedules/**" in (push.get("paths") or []), "apply.yml push must be limited to schedules/**"


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
    assert isinstance(perms, dict), f"{name}: top-level `permissions` must be an explicit mapping, got {perms!r}"
    assert perms.get("contents") == "read", f"{name}: top-level permissions must have contents: read"


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_no_write_all_or_unlisted_write_scope(name):
    wf = workflow(name)
    for job_id, perms in permission_blocks(name, wf):
        where = f"{name} {'top level' if job_id is None else 'job ' + job_id}"
        assert perms not in ("write-all", "read-all"), f"{where}: grants {perms!r}; list scopes instead"
        if perms is None or perms == {}:
            continue
        assert isinstance(perms, dict), f"{where}: permissions must be a mapping, got {perms!r}"
        if "contents" in perms:
            assert perms["contents"] == "read", f"{where}: contents must be read, got {perms['contents']!r}"
        writes = {scope for scope, level in perms.items() if level == "write"}
        allowed = ALLOWED_WRITES.get((name, job_id), set())
        assert writes <= allowed, f"{where}: write scopes {sorted(writes - allowed)} are not allowed"


def test_plan_job_alone_may_write_pull_requests():
    wf = workflow("plan.yml")
    assert wf["permissions"].get("pull-requests") != "write", "plan.yml grants pull-requests: write at top level"
    assert wf["jobs"]["plan"].get("permissions", {}).get("pull-requests") == "write", (
        "plan.yml's plan job needs pull-requests: write to comment"
    )
    validate_perms = wf["jobs"]["validate"].get("permissions") or {}
    assert "write" not in validate_perms.values(), "plan.yml's validate job must not get write scopes"


def test_drift_may_write_issues():
    perms = workflow("drift.yml")["permissions"]
    assert perms.get("issues") == "write", "drift.yml needs issues: write to open the drift issue"


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
        assert match.group(1) in allowed_jobs, f"{name}: job {match.group(1)!r} must not use secrets ({path})"


def test_ci_uses_no_secrets():
    text = (WORKFLOWS / "ci.yml").read_text(encoding="utf-8")
    assert not SECRET_REF.search(text), "ci.yml must not reference secrets"


def test_plan_validate_job_uses_no_secrets_and_always_runs():
    job = workflow("plan.yml")["jobs"]["validate"]
    assert not any(SECRET_REF.search(v) for _, v in strings(job)), "plan.yml's validate job uses secrets"
    assert "if" not in job, "plan.yml's validate job must run for every PR, forks included"
    assert "provisioner validate" in run_text(job), "plan.yml's validate job must run `provisioner validate`"


@pytest.mark.parametrize("name", sorted(SECRET_JOBS))
def test_secret_steps_run_provisioner_and_use_known_names(name):
    wf = workflow(name)
    for job_id, job in wf["jobs"].items():
        for step in steps(job):
            env = step.get("env") or {}
            secret_vars = {k for k, v in env.items() if SECRET_REF.search(str(v))}
            if not secret_vars:
                continue
            assert "provisioner " in str(step.get("run", "")), (
                f"{name} job {job_id}: step {step.get('name')!r} gets secrets but does not run provisioner"
            )
            assert secret_vars <= SECRET_NAMES, f"{name}: unexpected secret env {sorted(secret_vars - SECRET_NAMES)}"


def test_plan_job_with_secrets_is_guarded_by_same_repo_check():
    wf = workflow("plan.yml")
    for job_id, job in wf["jobs"].items():
        if any(SECRET_REF.search(v) for _, v in strings(job)):
            condition = " ".join(str(job.get("if", "")).split())
            assert SAME_REPO in condition, f"plan.yml job {job_id} uses secrets without the same-repo `if:`"
    assert wf["jobs"]["plan"].get("needs") in ("validate", ["validate"]), "plan job must need validate"


# --------------------------------------------------------------------------- behaviour


def test_ci_runs_make_test_on_python_311():
    job = next(iter(workflow("ci.yml")["jobs"].values()))
    assert re.search(r"^\s*make test\s*$", run_text(job), re.M), "ci.yml must run `make test`"
    versions = [
        str((s.get("with") or {}).get("python-version"))
        for s in steps(job)
        if str(s.get("uses", "")).startswith("actions/setup-python@")
    ]
    assert versions == ["3.11"], f"ci.yml must set up Python 3.11, got {versions}"


def test_plan_job_renders_markdown_and_keeps_one_sticky_comment():
    job = workflow("plan.yml")["jobs"]["plan"]
    run = run_text(job)
    assert re.search(r"provisioner plan\b[^\n]*--format markdown[^\n]*--out plan\.json[^\n]*> plan\.md", run), (
        "plan job must run `provisioner plan --format markdown --out plan.json > plan.md`"
    )
    scripts = [
        str((s.get("with") or {}).get("script", ""))
        for s in steps(job)
        if str(s.get("uses", "")).startswith("actions/github-script@")
    ]
    assert len(scripts) == 1, "plan job must have exactly one github-script step for the comment"
    script = scripts[0]
    assert "<!-- provisioner-plan -->" in script, "comment script must use the hidden marker"
    for call in ("listComments", "updateComment", "createComment"):
        assert call in script, f"comment script must call {call} (find, then update or create)"


def test_plan_concurrency_per_pull_request_cancels_in_progress():
    conc = workflow("plan.yml").get("concurrency") or {}
    assert "github.event.pull_request.number" in str(conc.get("group", "")), "plan group must be per PR"
    assert conc.get("cancel-in-progress") is True, "plan.yml must cancel superseded runs"


def test_apply_runs_one_at_a_time_and_never_cancels():
    conc = workflow("apply.yml").get("concurrency")
    assert isinstance(conc, dict), "apply.yml needs a concurrency mapping"
    assert conc.get("group") == "provisioner-apply", f"apply concurrency group: {conc.get('group')!r}"
    assert conc.get("cancel-in-progress") is False, "apply.yml must set cancel-in-progress: false"


def test_apply_job_uses_production_environment():
    for job_id, job in workflow("apply.yml")["jobs"].items():
        env = job.get("environment")
        name = env.get("name") if isinstance(env, dict) else env
        assert name == "production", f"apply.yml job {job_id} must use environment: production, got {env!r}"


def test_apply_plans_to_a_file_then_applies_exactly_that_plan():
    job = workflow("apply.yml")["jobs"]["apply"]
    plan_step = step_running(job, "provisioner plan")
    apply_step = step_running(job, "provisioner apply")
    assert "--out plan.json" in plan_step["run"], "apply.yml must write the plan to plan.json"
    assert "> plan.md" in plan_step["run"], "apply.yml must render the plan to plan.md"
    assert re.search(r"provisioner apply --plan plan\.json --auto-approve", apply_step["run"]), (
        "apply.yml must run `provisioner apply --plan plan.json --auto-approve`"
    )
    order = steps(job)
    assert order.index(plan_step) < order.index(apply_step), "plan must run before apply"


def test_apply_uploads_plan_files_even_on_failure():
    job = workflow("apply.yml")["jobs"]["apply"]
    uploads = [s for s in steps(job) if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert uploads, "apply.yml must upload the plan with actions/upload-artifact"
    upload = uploads[0]
    assert "always()" in str(upload.get("if", "")), "the upload must run with `if: always()`"
    paths = str((upload.get("with") or {}).get("path", ""))
    assert "plan.json" in paths and "plan.md" in paths, f"upload must include plan.json and plan.md: {paths!r}"


def test_drift_captures_exit_code_and_fails_only_on_error():
    job = workflow("drift.yml")["jobs"]["drift"]
    step = step_running(job, "provisioner drift")
    run = step["run"]
    assert "--format markdown" in run and "> drift.md" in run, "drift must render markdown to drift.md"
    assert step.get("id"), "the drift step needs an id so later steps can read its exit code"
    assert "set +e" in run, "drift step must `set +e` so exit code 2 does not abort the script"
    assert re.search(r"rc=\$\?", run), "drift step must capture the exit code"
    assert "GITHUB_OUTPUT" in run, "drift step must expose the exit code as a step output"
    assert re.search(r"exit 1", run), "drift step must fail the job on an error exit code"


def test_drift_opens_or_updates_one_labelled_issue_and_closes_when_in_sync():
    job = workflow("drift.yml")["jobs"]["drift"]
    script_steps = [s for s in steps(job) if str(s.get("uses", "")).startswith("actions/github-script@")]
    on_drift = [s for s in script_steps if "== '2'" in str(s.get("if", ""))]
    on_sync = [s for s in script_steps if "== '0'" in str(s.get("if", ""))]
    assert len(on_drift) == 1, "drift.yml needs one github-script step conditioned on exit code 2"
    script = on_drift[0]["with"]["script"]
    assert "'drift'" in script and "listForRepo" in script, "must search open issues labelled drift"
    assert "issues.update" in script and "issues.create(" in script, "must update the issue, else create it"
    assert on_sync, "drift.yml should close the drift issue when back in sync (exit code 0)"
    assert "closed" in on_sync[0]["with"]["script"], "the in-sync step must close the issue"


def test_drift_concurrency_group():
    conc = workflow("drift.yml").get("concurrency")
    assert conc, "drift.yml needs a concurrency group"


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_actions_pinned_to_allowed_major_versions(name):
    for job_id, job in workflow(name)["jobs"].items():
        for step in steps(job):
            if "uses" in step:
                assert step["uses"] in ALLOWED_ACTIONS, f"{name} job {job_id}: unexpected action {step['uses']!r}"


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_run_steps_use_bash(name):
    wf = workflow(name)
    default = ((wf.get("defaults") or {}).get("run") or {}).get("shell")
    for job_id, job in wf["jobs"].items():
        job_default = ((job.get("defaults") or {}).get("run") or {}).get("shell") or default
        for step in steps(job):
            if "run" in step:
                shell = step.get("shell") or job_default
                assert shell == "bash", f"{name} job {job_id}: step {step.get('name')!r} must use shell: bash"


@pytest.mark.parametrize("name", ["plan.yml", "apply.yml", "drift.yml"])
def test_provisioner_installed_with_pip_install_dot(name):
    for job_id, job in workflow(name)["jobs"].items():
        assert "python -m pip install ." in run_text(job), f"{name} job {job_id} must `python -m pip install .`"


# --------------------------------------------------------------------------- pre-commit hook and docs


def test_pre_commit_hook_runs_provisioner_validate():
    hooks = load_yaml(ROOT / ".pre-commit-hooks.yaml")
    assert isinstance(hooks, list), ".pre-commit-hooks.yaml must be a list of hooks"
    by_id = {h.get("id"): h for h in hooks}
    hook = by_id.get("provisioner-validate")
    assert hook, f"no hook with id provisioner-validate (have {sorted(by_id)})"
    assert hook.get("entry") == "provisioner validate", f"entry: {hook.get('entry')!r}"
    assert hook.get("language") == "python", f"language: {hook.get('language')!r}"
    assert hook.get("pass_filenames") is True, "pass_filenames must be true"
    files = re.compile(hook.get("files", ""))
    for path in ("schedules/a.yaml", "schedules/sub/b.yml"):
        assert files.search(path), f"files pattern must match {path}"
    for path in ("README.md", "other/a.yaml", "schedules/notes.txt"):
        assert not files.search(path), f"files pattern must not match {path}"


def test_docs_describe_workflows_and_secrets():
    text = (ROOT / "docs" / "workflows.md").read_text(encoding="utf-8")
    for needle in (*WORKFLOW_NAMES, *sorted(SECRET_NAMES), "production", "provisioner-validate", "fork"):
        assert needle in text, f"docs/workflows.md must mention {needle!r}"


def test_apply_force_only_from_a_manual_run_and_never_interpolated_into_the_script() -> None:
    wf = workflow("apply.yml")
    force = wf["on"]["workflow_dispatch"]["inputs"]["force"]
    assert (force["type"], force["default"]) == ("boolean", False), "force must be an opt-in boolean input"
    job = wf["jobs"]["apply"]
    apply_step = step_running(job, "provisioner apply")
    assert "workflow_dispatch" in apply_step["env"]["FORCE"], "only a manual run may pass --force"
    assert "${{" not in apply_step["run"], "inputs reach the script through env, never by ${{ }} interpolation"
    assert '"${extra[@]}"' in apply_step["run"] and "extra+=(--force)" in apply_step["run"]
