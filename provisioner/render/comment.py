"""The markdown the action posts when a command fails or after an apply: why first, then the result
table, then the output folded. Built from the command's own output (what a reviewer would read in
the log), cut with ``fit`` so that every fence and ``<details>`` is closed and the reason and
results survive any cut."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from provisioner.render.buffer import fit
from provisioner.render.markdown import LIMIT, fence_for, md

REASONS = 20  # reason lines shown before the table
ROWS = 50  # result rows shown (failed first, then skipped, then applied)
OUTPUT_LINES = 200  # lines of the command's output in the fold
ERROR_LINES = 50  # lines of its stderr in the fold
CUT = "\n_… cut to fit a comment; the full output is in the job summary and the log of the run._\n"
_OUTCOME = re.compile(r"^  (ok    |FAILED|skip  ) (create|update|delete)\s+(.*)$")
_COUNTS = re.compile(r"^Applied (\d+), failed (\d+), skipped (\d+)\.$")
_REASON = re.compile(r"^(error|UNSAFE|FAILED|interrupted)\b|^\S+:\d+:\d+: ")
_STATUS = {"FAILED": "❌ failed", "skip  ": "⏭️ skipped", "ok    ": "✅ applied"}
_ORDER = {"FAILED": 0, "skip  ": 1, "ok    ": 2}


@dataclass(frozen=True)
class Outcome:
    """One line of apply's result table, as `apply` prints it."""

    status: str  # "FAILED", "skip  " or "ok    "
    action: str
    what: str  # scope, key, source and message as printed


def outcomes(output: str) -> list[Outcome]:
    return [Outcome(m[1], m[2], m[3]) for m in map(_OUTCOME.match, output.splitlines()) if m]


def counts(output: str) -> tuple[int, int, int] | None:
    """(applied, failed, skipped) from apply's last ``Applied A, failed F, skipped S.`` line."""
    found = [m for m in map(_COUNTS.match, output.splitlines()) if m]
    return (int(found[-1][1]), int(found[-1][2]), int(found[-1][3])) if found else None


def reasons(output: str, errors: str) -> list[str]:
    """Why the command failed, in its own words: the error and refusal lines of stderr (with the
    indented lines that continue them) and the UNSAFE lines of the plan it showed; else the last
    lines of stderr."""
    found: list[str] = []
    for text in (errors, output):
        keep = False
        for line in text.splitlines():
            if _REASON.match(line) or (keep and line.startswith("  ") and not _OUTCOME.match(line)):
                keep = True
                found.append(line)
            else:
                keep = False
    found = [line for line in found if not _OUTCOME.match(line)]
    if not found:
        found = [line for line in errors.splitlines() if line.strip()][-5:]
    return list(dict.fromkeys(found))  # once each, in order (a refusal is printed on both streams)


def apply_comment(
    rc: int,
    output: str,
    errors: str,
    run_url: str,
    *,
    limit: int = LIMIT,
    marker: str = "",
    then: str = "",
) -> str:
    """After `apply`: a heading with the outcome, the reason (when it failed), the counts and the
    result table, then the output folded."""
    applied, failed, skipped = counts(output) or (0, 0, 0)
    head = [marker] if marker else []
    if rc == 0:
        head.append("### ✅ provisioner apply")
    else:
        head.append(f"### ❌ provisioner apply failed (exit {rc})")
    head.append("")
    why = reasons(output, errors) if rc != 0 else []
    if why:
        head += _reason_block(why)
    head.append(
        f"**Applied {applied:,}, failed {failed:,}, skipped {skipped:,}** ([workflow "
        f"run]({run_url}))."
    )
    head.append("")
    head += _then(then)
    head += _table(outcomes(output))
    return _with_output("\n".join(head) + "\n", output, errors, limit)


def failure_comment(
    command: str,
    rc: int,
    output: str,
    errors: str,
    run_url: str,
    *,
    limit: int = LIMIT,
    then: str = "",
) -> str:
    """`validate`, `plan` or `drift` that failed: the reason first, then the output folded."""
    head = [f"### ❌ provisioner {command} failed (exit {rc})", ""]
    head += _reason_block(reasons(output, errors))
    head.append(f"[workflow run]({run_url})")
    head.append("")
    head += _then(then)
    return _with_output("\n".join(head) + "\n", output, errors, limit)


def text_comment(output: str, *, limit: int = LIMIT) -> str:
    """A text or json report as a code block."""
    fence = fence_for([output])
    return fit(f"{fence}\n{output.rstrip()}\n{fence}\n", limit, CUT)


def with_then(markdown: str, then: str) -> str:
    """A plan or drift report with the "what happens next" line after its summary paragraph (the
    first bold line), where a reviewer reads first; before everything when there is no such line."""
    if not then:
        return markdown
    start = markdown.find("\n**")
    end = markdown.find("\n\n", start + 1) if start >= 0 else -1
    if end < 0:
        return "\n".join(_then(then)) + "\n" + markdown
    return markdown[: end + 2] + "\n".join(_then(then)) + "\n" + markdown[end + 2 :]


def _then(text: str) -> list[str]:
    return [f"**What happens next:** {text}", ""] if text else []


def next_step(command: str, rc: int, event: str, unsafe: bool) -> str:
    """One line on what comes after this run, in the terms of this repository's workflows
    (docs/workflows.md): merge, approval, the refused override, re-applying after drift."""
    on_pr = event == "pull_request"
    if command in ("validate", "plan", "drift", "show") and rc not in (0, 2):
        return "fix what the reason above says and push again; the check runs again on every push."
    if command == "apply":
        if rc == 0:
            return "nothing to do; the drift workflow keeps comparing live with the YAML."
        return (
            "fix what the reason above says (in the YAML, by a pull request, or in the service), "
            "then "
            "re-run the apply workflow: it plans again, so what was applied is not applied twice."
        )
    if command == "drift" or (command == "show" and rc == 2):
        return (
            "to make live match the YAML again, run the apply workflow by hand; to keep what live "
            "has, "
            "change the YAML in a pull request."
        )
    if command != "plan":
        return ""
    if unsafe:
        where = "push a change to this pull request" if on_pr else "push a change"
        return (
            "this plan is not sent for approval: `apply` refuses it without `--force`. Change the "
            "YAML (or "
            f"the scope's `safety:`) and {where}; or, deliberately, run the apply workflow by hand "
            "with "
            "`force` ticked, which waits for the approval of the `production-force` environment."
        )
    if rc == 0:
        return "nothing: live already matches the YAML." if on_pr else ""
    if on_pr:
        return (
            "when this pull request is merged, the apply workflow plans it again and applies it "
            "once a "
            "reviewer of the `production` environment approves."
        )
    return (
        "the apply job waits for a reviewer of the `production` environment to approve, then "
        "applies "
        "exactly this plan (refused whole if live changed since)."
    )


def _reason_block(lines: list[str]) -> list[str]:
    shown = [f"> {md(line.strip(), item=True)}" for line in lines[:REASONS]]
    if len(lines) > REASONS:
        shown.append(f"> … and {len(lines) - REASONS} more lines (in the output below)")
    return ["**Why:**", "", *shown, ""]


def _table(rows: list[Outcome]) -> list[str]:
    if not rows:
        return []
    ordered = sorted(rows, key=lambda o: _ORDER[o.status])  # stable: apply's order within a status
    out = ["| result | action | change |", "|---|---|---|"]
    out += [f"| {_STATUS[o.status]} | {o.action} | {md(o.what)} |" for o in ordered[:ROWS]]
    if len(ordered) > ROWS:
        rest = Counter(_STATUS[o.status].split()[-1] for o in ordered[ROWS:])
        said = ", ".join(f"{n:,} {status}" for status, n in rest.items())
        out.append(f"| … | | {len(ordered) - ROWS:,} more ({said}): see the output below |")
    return [*out, ""]


def _with_output(head: str, output: str, errors: str, limit: int) -> str:
    tail = output.splitlines()[-OUTPUT_LINES:] + errors.splitlines()[-ERROR_LINES:]
    fence = fence_for(tail)
    body = "\n".join(tail)
    fold = f"<details><summary>Output</summary>\n\n{fence}text\n{body}\n{fence}\n\n</details>\n"
    return fit(f"{head}\n{fold}", limit, CUT)
