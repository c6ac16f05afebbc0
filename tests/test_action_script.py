"""The action's comment step (actions/github-script) run under node, as the runner runs it, against
a stand-in for the GitHub API that records each call: the sticky comment, the labels (stale ones
removed, missing ones added, a label the repository lacks a warning and never a failure), and the
merged pull request after apply."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
ACTION: dict[str, Any] = YAML(typ="safe", pure=True).load(
    (ROOT / "action.yml").read_text(encoding="utf-8")
)
STEP = next(
    s
    for s in ACTION["runs"]["steps"]
    if str(s.get("uses", "")).startswith("actions/github-script@")
)
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="the comment step runs under node")

# github-script's scope: github (Octokit), context, core, require; the script is an async function
# body.
HARNESS = r"""
const fs = require('fs');
const [stateFile] = process.argv.slice(2);
const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
const calls = [];
const record = (name, result) => async (args) => {
  calls.push([name, args]);
  if (typeof result === 'function') return result(args);
  return { data: result };
};
const github = {
  paginate: async (fn, args) => (await fn(args)).data,
  rest: {
    issues: {
      listComments: record('listComments', state.comments),
      updateComment: record('updateComment', {}),
      createComment: record('createComment', { id: 99 }),
      removeLabel: record('removeLabel', {}),
      addLabels: record('addLabels', (args) => {
        if (args.labels.some((l) => !state.repoLabels.includes(l))) {
          const error = new Error('You do not have permission to create labels on this repository.');
          error.status = 403;
          throw error;
        }
        return { data: [] };
      }),
    },
    repos: {
      listPullRequestsAssociatedWithCommit: record('listPullRequestsAssociatedWithCommit', state.prs),
    },
  },
};
const core = {
  info: (m) => calls.push(['info', m]),
  warning: (m) => calls.push(['warning', m]),
};
const context = {
  repo: { owner: 'o', repo: 'r' },
  serverUrl: 'https://github.example',
  runId: 7,
  sha: 'c0ffee',
  payload: state.pullRequest ? { pull_request: state.pullRequest } : {},
};
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
new AsyncFunction('github', 'context', 'core', 'require', STEP_SCRIPT_PLACEHOLDER)(github, context, core, require)
  .then(() => console.log(JSON.stringify(calls)))
  .catch((e) => { console.error(e.stack); process.exit(1); });
"""


def run_script(tmp_path: Path, env: dict[str, str], state: dict[str, Any]) -> list[list[Any]]:
    body = tmp_path / "body.md"
    body.write_text("<!-- provisioner-plan -->\n### provisioner plan\n\n**Plan: 1 to create.**\n")
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps(state))
    harness = tmp_path / "harness.js"
    harness.write_text(
        HARNESS.replace("STEP_SCRIPT_PLACEHOLDER", json.dumps(STEP["with"]["script"]))
    )
    step_env = {"BODY_FILE": str(body), "COMMENT_ID": "plan", "COMMAND": "plan", **env}
    assert set(step_env) <= set(STEP["env"]), "the stand-in sets only what the step's env: declares"
    done = subprocess.run(
        [str(NODE), str(harness), str(state_file)],
        env={"PATH": os.environ["PATH"], **step_env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def pull_request(*labels: str) -> dict[str, Any]:
    return {
        "number": 5,
        "head": {"sha": "0123456789abcdef"},
        "labels": [{"name": n} for n in labels],
    }


def named(calls: list[list[Any]], name: str) -> list[Any]:
    return [args for call, args in calls if call == name]


def test_a_plan_posts_one_sticky_comment_and_sets_exactly_its_labels(tmp_path: Path) -> None:
    calls = run_script(
        tmp_path,
        {"OK": "true", "HAS_CHANGES": "true", "LABELS": "provisioner:changes provisioner:unsafe"},
        {
            "comments": [{"id": 1, "body": "unrelated"}],
            "pullRequest": pull_request("bug", "provisioner:drift", "provisioner:changes"),
            "repoLabels": ["provisioner:changes", "provisioner:unsafe", "provisioner:drift"],
        },
    )
    (created,) = named(calls, "createComment")
    assert created["issue_number"] == 5
    assert created["body"].startswith("<!-- provisioner-plan -->\n### provisioner plan\n\n**Plan:")
    assert created["body"].count("<!-- provisioner-plan -->") == 1  # the renderer's marker replaced
    assert (
        "Commit 0123456 · [workflow run](https://github.example/o/r/actions/runs/7)"
        in created["body"]
    )
    # a stale label of ours goes, a label of someone else's stays, a missing one is added
    assert [a["name"] for a in named(calls, "removeLabel")] == ["provisioner:drift"]
    assert [a["labels"] for a in named(calls, "addLabels")] == [["provisioner:unsafe"]]
    assert not named(calls, "warning")


def test_an_existing_comment_is_updated_and_a_missing_label_is_a_warning_not_a_failure(
    tmp_path: Path,
) -> None:
    """The plan job has pull-requests: write, which adds existing labels; creating a label needs
    issues: write (docs/api-notes.md), which that job is not given."""
    calls = run_script(
        tmp_path,
        {"OK": "true", "HAS_CHANGES": "true", "LABELS": "provisioner:changes"},
        {
            "comments": [{"id": 41, "body": "<!-- provisioner-plan -->\nold plan"}],
            "pullRequest": pull_request(),
            "repoLabels": [],
        },
    )
    assert [a["comment_id"] for a in named(calls, "updateComment")] == [41]
    assert not named(calls, "createComment")
    (warning,) = named(calls, "warning")
    assert warning.startswith("Could not add the labels provisioner:changes (403: ")
    assert "gh label create provisioner:changes" in warning


def test_an_unchanged_plan_is_not_posted_and_a_failed_plan_sets_no_label(tmp_path: Path) -> None:
    calls = run_script(
        tmp_path,
        {"OK": "true", "HAS_CHANGES": "false", "LABELS": ""},
        {"comments": [], "pullRequest": pull_request("provisioner:changes"), "repoLabels": []},
    )
    assert not named(calls, "createComment")
    assert [a["name"] for a in named(calls, "removeLabel")] == ["provisioner:changes"]
    calls = run_script(
        tmp_path,
        {"OK": "false", "HAS_CHANGES": "false", "LABELS": ""},
        {"comments": [], "pullRequest": pull_request("provisioner:changes"), "repoLabels": []},
    )
    assert len(named(calls, "createComment")) == 1  # the failure, with its reason
    assert not named(calls, "removeLabel") and not named(calls, "addLabels")


def test_after_apply_on_a_push_the_merged_pull_request_gets_the_result(tmp_path: Path) -> None:
    calls = run_script(
        tmp_path,
        {"OK": "true", "HAS_CHANGES": "false", "COMMAND": "apply", "LABELS": ""},
        {
            "comments": [],
            "prs": [{"number": 3, "merged_at": "2026-12-06T10:00:00Z"}, {"number": 4}],
            "repoLabels": [],
        },
    )
    assert named(calls, "listPullRequestsAssociatedWithCommit") == [
        {"owner": "o", "repo": "r", "commit_sha": "c0ffee"}
    ]
    assert [a["issue_number"] for a in named(calls, "createComment")] == [3]
