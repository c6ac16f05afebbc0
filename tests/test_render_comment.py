"""The action's comments after a failure or an apply (provisioner.render.comment) and cutting
finished markdown (provisioner.render.buffer.fit): the reason and the result table come before any
fold, and the markdown is well formed (every fence and <details> closed, no table row cut) wherever
it is cut."""

from __future__ import annotations

import functools
import re

import click
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from provisioner.cli.apply import _report
from provisioner.core.outcomes import ApplyReport, Outcome
from provisioner.core.plan import Change
from provisioner.render.buffer import fit
from provisioner.render.comment import CUT, apply_comment, failure_comment, reasons
from tests.helpers import examples

RUN = "https://example.invalid/run/7"
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def well_formed(text: str) -> list[str]:
    """What is wrong with ``text`` as GitHub would render it: a fence or <details> left open or
    closed too often, a table row cut short. Written apart from ``fit``'s own tracking, so that each
    checks the other."""
    problems, fence, depth = [], "", 0
    for n, line in enumerate(text.split("\n"), 1):
        m = FENCE.match(line)
        if fence:
            if m and not m[2].strip() and m[1][0] == fence[0] and len(m[1]) >= len(fence):
                fence = ""
            continue
        if m:
            fence = m[1]
            continue
        depth += line.count("<details>") - line.count("</details>")
        if depth < 0:
            problems.append(f"line {n}: </details> without <details>")
            depth = 0
        if line.startswith("|") and not line.rstrip().endswith("|"):
            problems.append(f"line {n}: a table row cut short")
    if fence:
        problems.append(f"a {fence} fence left open")
    if depth:
        problems.append(f"{depth} <details> left open")
    return problems


def change(i: int) -> Change:
    return Change(
        "update",
        "guidebook",
        "guide 47",
        f"Team {i}",
        {"sessions": {"add": [i], "remove": []}},
        "x",
    )


def apply_output(report: ApplyReport) -> tuple[str, str]:
    """What `provisioner apply` prints for ``report``: its own result lines, and its error on
    stderr."""

    @click.command()
    def cmd() -> None:
        _report(report)

    result = CliRunner().invoke(cmd, [])
    return result.stdout, result.stderr


@functools.cache
def big_apply() -> tuple[str, str]:
    """200 changes: 160 applied, 20 failed (each with a long server message), 20 skipped."""
    outcomes = [
        Outcome(change(i), "failed", "HTTP 500 from the server: " + "upstream timeout " * 20)
        if i % 20 == 3 or i % 20 == 7
        else Outcome(change(i), "skipped", "stale: live state changed since the plan was made")
        if i % 10 == 5
        else Outcome(change(i), "applied")
        for i in range(200)
    ]
    output, errors = apply_output(ApplyReport(outcomes=outcomes))
    return "Plan: 0 to create, 200 to update, 0 to delete.\n" + output, errors


REFUSED_OUT = (
    "guidebook · guide 47  UNSAFE\n  - delete 'Press'  # not declared (prune)\n\n"
    "UNSAFE: guide 47: would delete 6 of 12 live objects (50%), more than the 30% allowed "
    "(apply needs --force)\nPlan: 0 to create, 0 to update, 6 to delete.\n"
)
REFUSED_ERR = (
    "error: refusing to apply: guide 47: would delete 6 of 12 live objects (50%), more than the "
    "30% "
    "allowed. Review the plan, then re-run with --force to override.\n"
)


LONG_OUT = REFUSED_OUT + "".join(f"  - delete 'Team {i}' ``` ~~~ <details>\n" for i in range(800))


def head(text: str) -> str:
    return text[: text.index("<details>")] if "<details>" in text else text


def test_a_refused_apply_leads_with_the_refusal_and_the_counts() -> None:
    body = apply_comment(1, REFUSED_OUT, REFUSED_ERR, RUN)
    assert body.startswith(
        "### ❌ provisioner apply failed (exit 1)\n\n**Why:**\n\n"
        "> error: refusing to apply: guide 47: would delete 6 of 12 live objects (50%), more than "
        "the "
        "30% allowed. Review the plan, then re-run with --force to override.\n"
        "> UNSAFE: guide 47: would delete 6 of 12 live objects (50%), more than the 30% allowed "
        "(apply needs --force)\n\n"
        f"**Applied 0, failed 0, skipped 0** ([workflow run]({RUN})).\n"
    )
    assert body.index("<details><summary>Output</summary>") > body.index("**Applied 0")
    assert well_formed(body) == []


def test_a_big_apply_with_failures_shows_failed_then_skipped_rows_first() -> None:
    output, errors = big_apply()
    body = apply_comment(1, output, errors, RUN)
    top = head(body)
    assert "**Applied 160, failed 20, skipped 20**" in top
    assert "> error: some changes failed or were skipped" in top
    rows = [line for line in top.splitlines() if line.startswith("| ")][1:]
    assert [r.split(" | ")[0] for r in rows[:20]] == ["| ❌ failed"] * 20
    assert [r.split(" | ")[0] for r in rows[20:40]] == ["| ⏭️ skipped"] * 20
    assert rows[50] == "| … | | 150 more (150 applied): see the output below |"


def test_reasons_are_the_error_lines_once_each_and_else_the_last_lines_of_stderr() -> None:
    assert reasons("", "progress 1\nprogress 2\n") == ["progress 1", "progress 2"]
    assert reasons("UNSAFE: x\n", "error: a\n  detail of a\nnot this\nUNSAFE: x\n") == [
        "error: a",
        "  detail of a",
        "UNSAFE: x",
    ]


@settings(max_examples=examples(100), deadline=None)
@given(data=st.data())
def test_a_big_failed_apply_is_well_formed_and_keeps_reason_and_table_at_any_cut(
    data: st.DataObject,
) -> None:
    output, errors = big_apply()
    full = apply_comment(1, output, errors, RUN, limit=10**9)
    kept = head(full)
    limit = data.draw(st.integers(len(kept) + len(CUT), len(full) + 10), label="limit")
    body = apply_comment(1, output, errors, RUN, limit=limit)
    assert len(body) <= limit
    assert well_formed(body) == []
    assert body.startswith(kept), "the reason and the result table come first and are never cut"


@settings(max_examples=examples(100), deadline=None)
@given(data=st.data())
def test_a_refused_apply_is_well_formed_at_any_cut(data: st.DataObject) -> None:
    long_out = LONG_OUT
    full = apply_comment(1, long_out, REFUSED_ERR, RUN, limit=10**9)
    limit = data.draw(st.integers(len(head(full)) + len(CUT), len(full) + 10), label="limit")
    body = apply_comment(1, long_out, REFUSED_ERR, RUN, limit=limit)
    assert len(body) <= limit and well_formed(body) == [] and body.startswith(head(full))


# Any text on one line (form feeds, U+2028 and the like included: they do not end a markdown line),
# kept from looking like a fence, a table row or a <details> tag where it stands.
LINE = st.text(st.characters(codec="utf-8", exclude_characters="\n\r|<>"), max_size=30)
BLOCK = st.recursive(
    st.one_of(
        LINE.map(lambda t: f"p {t}\n"),
        st.lists(LINE, max_size=4).map(lambda cells: "| " + " | ".join(cells) + " |\n"),
    ),
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(["```", "````", "~~~"]), st.lists(LINE, max_size=5)).map(
            lambda f: f"{f[0]}text\n" + "".join(f"c {x}\n" for x in f[1]) + f"{f[0]}\n"
        ),
        st.lists(inner, max_size=4).map(
            lambda parts: "<details><summary>more</summary>\n\n" + "".join(parts) + "\n</details>\n"
        ),
    ),
    max_leaves=20,
)


@settings(max_examples=examples(100), deadline=None)
@given(blocks=st.lists(BLOCK, max_size=8), data=st.data())
def test_fit_closes_what_it_opened_wherever_it_cuts(blocks: list[str], data: st.DataObject) -> None:
    text = "".join(blocks)
    assert well_formed(text) == []  # the generator makes well-formed markdown
    limit = data.draw(st.integers(len(CUT), len(CUT) + len(text) + 5), label="limit")
    cut = fit(text, limit, CUT)
    assert len(cut) <= limit and well_formed(cut) == []
    assert cut == text or cut.endswith(CUT)


def test_a_failed_plan_leads_with_its_errors() -> None:
    body = failure_comment(
        "plan", 1, "", "schedules/a.yaml:3:5: unknown key `nam`\n1 error found.\n", RUN
    )
    assert body.startswith(
        "### ❌ provisioner plan failed (exit 1)\n\n**Why:**\n\n"
        "> schedules/a.yaml:3:5: unknown key \\`nam\\`\n\n"
    )
    assert well_formed(body) == []


def test_fit_cuts_only_where_markdown_ends_a_line() -> None:
    # A form feed or U+2028 inside a cell is not a line break for markdown: the row is kept or
    # dropped whole.
    text = "| a\x0cb \u2028 c |\n" * 100
    cut = fit(text, 300, CUT)
    assert cut.endswith(CUT) and well_formed(cut) == []
    assert cut.removesuffix(CUT) == "| a\x0cb \u2028 c |\n" * ((300 - len(CUT)) // 12)
