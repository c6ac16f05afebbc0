"""Text and markdown renderers: exact output for small hand-built plans, colour, escaping, size
limits."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from provisioner.core.plan import Change, Plan, ScopeReport
from provisioner.planning.words import described
from provisioner.render import render as render_words
from provisioner.render.buffer import SizedBuffer
from provisioner.render.markdown import LIMIT, MARKER, NO_LINK, TABLE_ROWS, render_markdown
from provisioner.render.text import render_text
from tests.helpers import ident

GB_LABELS = {
    "sessions": {"13": "Opening Keynote", "2": "Workshop B", "14": "Lunch"},
    "attendees": {"6": "alice@example.com", "7": "bob@example.com", "8": "carol@example.com"},
}
PCO_LABELS = {
    "person": {"111": "Jane Doe", "222": "John Smith"},
    "team": {"22": "Band", "23": "Tech"},
    "plan": {"5678": "Dec 6"},
}


def gb(
    action: str,
    key: str,
    fields: dict[str, Any],
    *,
    source: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "r",
) -> Change:
    return Change(
        action=action,
        provider="guidebook",
        scope="guide 47",
        key=key,
        fields=fields,  # type: ignore[arg-type]
        reason=reason,
        source=source,
        target={"guide": 47},
        before=before,
        after=after,
        labels=GB_LABELS,
    )


def pco(
    action: str,
    scope: str,
    key: str,
    fields: dict[str, Any],
    *,
    source: str | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "r",
) -> Change:
    target = (
        {"person": int(scope.split()[1])}
        if scope.startswith("person ")
        else {"service_type": 1234, "plan": int(scope.split()[1])}
    )
    return Change(
        action=action,
        provider="planning_center",
        scope=scope,
        key=key,
        fields=fields,  # type: ignore[arg-type]
        reason=reason,
        source=source,
        target=target,
        after=after,
        labels=PCO_LABELS,
        identity=ident(key),
    )


def small_plan() -> Plan:
    changes = (
        gb(
            "create",
            "New Team",
            {"attendees": {"add": [8], "remove": []}, "sessions": {"add": [14], "remove": []}},
            source="schedules/summit.yaml:30",
            after={"attendees": [8], "sessions": [14]},
            reason="missing in live",
        ),
        gb(
            "update",
            "Sales Team",
            {"sessions": {"add": [13], "remove": [2]}, "attendees": {"add": [7], "remove": []}},
            source="schedules/summit.yaml:12",
            before={"id": 3, "attendees": [6], "sessions": [2]},
            after={"attendees": [6, 7], "sessions": [13]},
            reason="attendees, sessions differ",
        ),
        gb(
            "delete",
            "Old Team",
            {"attendees": {"add": [], "remove": [8, 9]}, "sessions": {"add": [], "remove": [2]}},
            before={"id": 4, "attendees": [8, 9], "sessions": [2]},
            reason="not declared (prune)",
        ),
        pco(
            "create",
            "plan 5678",
            "person 111 / team 22",
            {
                "team_position_name": {"from": None, "to": "Vocals"},
                "status": {"from": None, "to": "U"},
            },
            source="schedules/band.yaml:7",
            reason="missing in live",
        ),
        pco(
            "delete",
            "plan 5678",
            "person 222 / team 23",
            {"status": {"from": "C", "to": None}},
            reason="not declared (prune)",
        ),
        pco(
            "update",
            "person 111",
            "plan 5678 / team 22",
            {"response": {"from": "pending", "to": "declined"}},
            source="schedules/jane.yaml:4",
            after={"response": "declined", "decline_reason": "Out of town"},
            reason="response differs",
        ),
    )
    scopes = (ScopeReport("guidebook", "guide 47", 3, 1, ("guide 47: 'VIP Team' is protected",)),)
    return Plan(changes, scopes, ("session 13 overlaps session 14",))


def render(plan: Plan, fmt: str, out: io.StringIO, **kw: Any) -> None:
    """As the CLI renders: the plan in its services' words, computed before (the engine does it)."""
    render_words(described(plan), fmt, out, **kw)


def md(plan: Plan, **kw: Any) -> str:
    out = io.StringIO()
    render_markdown(described(plan), out, **kw)
    return out.getvalue()


def text(plan: Plan, color: bool = False) -> str:
    out = io.StringIO()
    render_text(described(plan), out, color=color)
    return out.getvalue()


SMALL_MARKDOWN = r"""<!-- provisioner-plan -->
### provisioner plan

**Plan: 2 to create, 2 to update, 2 to delete.**

> [!CAUTION]
> **Unsafe: `apply` refuses this plan without `--force`.**
> - guide 47: 'VIP Team' is protected

> [!WARNING]
> **2 deletes:** guide 47: Old Team; plan 5678: John Smith (person 222) / Tech (team 23)

#### guidebook · guide 47 — ⛔ unsafe

| action | key | changes | reason | source |
|---|---|---|---|---|
| 🗑️ **delete** | Old Team | attendees: **remove** −carol<!-- -->@example.com (8), −9<br>sessions: **remove** −Workshop B (2) | not declared (prune) |  |
| ✏️ update | Sales Team | attendees: **add** +bob<!-- -->@example.com (7)<br>sessions: **add** +Opening Keynote (13)<br>sessions: **remove** −Workshop B (2) | attendees, sessions differ | `schedules/summit.yaml:12` |
| ➕ create | New Team | attendees: **add** +carol<!-- -->@example.com (8)<br>sessions: **add** +Lunch (14) | missing in live | `schedules/summit.yaml:30` |

#### planning\_center · person 111

| action | key | changes | reason | source |
|---|---|---|---|---|
| ✏️ update | Dec 6 (plan 5678) / Band (team 22) | response: pending → declined | response differs | `schedules/jane.yaml:4` |

#### planning\_center · plan 5678

| action | key | changes | reason | source |
|---|---|---|---|---|
| 🗑️ **delete** | John Smith (person 222) / Tech (team 23) | status: C → (none) | not declared (prune) |  |
| ➕ create | Jane Doe (person 111) / Band (team 22) | position: (none) → Vocals<br>status: (none) → U | missing in live | `schedules/band.yaml:7` |

<details><summary>Per-person impact (8 lines in 3 scopes)</summary>

**guidebook · guide 47**

- carol<!-- -->@example.com: Old Team → New Team
- alice<!-- -->@example.com: +Opening Keynote, −Workshop B
- attendee 9: −Workshop B
- bob<!-- -->@example.com: +Opening Keynote
- carol<!-- -->@example.com: +Lunch, −Workshop B

**planning\_center · person 111**

- Jane Doe: declines Dec 6 Band (Out of town)

**planning\_center · plan 5678**

- Jane Doe on Dec 6 Band: added as Vocals (unconfirmed)
- John Smith on Dec 6 Tech: removed

</details>

**Warnings**

- ⚠️ session 13 overlaps session 14

<details><summary>Change detail (6 changes)</summary>

```diff
- delete Old Team  [guidebook · guide 47]
  # not declared (prune)
  attendees:
-   carol@example.com (8)
-   9
  sessions:
-   Workshop B (2)

~ update Sales Team  [guidebook · guide 47, schedules/summit.yaml:12]
  # attendees, sessions differ
  attendees:
+   bob@example.com (7)
  sessions:
+   Opening Keynote (13)
-   Workshop B (2)

+ create New Team  [guidebook · guide 47, schedules/summit.yaml:30]
  # missing in live
  attendees:
+   carol@example.com (8)
  sessions:
+   Lunch (14)

~ update Dec 6 (plan 5678) / Band (team 22)  [planning_center · person 111, schedules/jane.yaml:4]
  # response differs
  response:
-   pending
+   declined

- delete John Smith (person 222) / Tech (team 23)  [planning_center · plan 5678]
  # not declared (prune)
  status:
-   C

+ create Jane Doe (person 111) / Band (team 22)  [planning_center · plan 5678, schedules/band.yaml:7]
  # missing in live
  position:
+   Vocals
  status:
+   U

```

</details>
"""

SMALL_TEXT = """guidebook · guide 47  UNSAFE
  - delete 'Old Team'  # not declared (prune)
      attendees: -carol@example.com (8) -9
      sessions: -Workshop B (2)
  ~ update 'Sales Team'  # attendees, sessions differ  (schedules/summit.yaml:12)
      attendees: +bob@example.com (7)
      sessions: +Opening Keynote (13) -Workshop B (2)
  + create 'New Team'  # missing in live  (schedules/summit.yaml:30)
      attendees: +carol@example.com (8)
      sessions: +Lunch (14)

planning_center · person 111
  ~ update 'Dec 6 (plan 5678) / Band (team 22)'  # response differs  (schedules/jane.yaml:4)
      response: pending → declined

planning_center · plan 5678
  - delete 'John Smith (person 222) / Tech (team 23)'  # not declared (prune)
      status: C → (none)
  + create 'Jane Doe (person 111) / Band (team 22)'  # missing in live  (schedules/band.yaml:7)
      position: (none) → Vocals
      status: (none) → U

Impact
  guidebook · guide 47
    carol@example.com: Old Team → New Team
    alice@example.com: +Opening Keynote, −Workshop B
    attendee 9: −Workshop B
    bob@example.com: +Opening Keynote
    carol@example.com: +Lunch, −Workshop B
  planning_center · person 111
    Jane Doe: declines Dec 6 Band (Out of town)
  planning_center · plan 5678
    Jane Doe on Dec 6 Band: added as Vocals (unconfirmed)
    John Smith on Dec 6 Tech: removed

warning: session 13 overlaps session 14
UNSAFE: guide 47: 'VIP Team' is protected (apply needs --force)
Plan: 2 to create, 2 to update, 2 to delete.
"""


def test_markdown_small_plan() -> None:
    assert md(small_plan()) == SMALL_MARKDOWN


def test_text_small_plan() -> None:
    assert text(small_plan()) == SMALL_TEXT


def test_render_dispatches_by_format_and_title() -> None:
    out = io.StringIO()
    render(small_plan(), "markdown", out, color=True)
    assert out.getvalue() == SMALL_MARKDOWN
    out = io.StringIO()
    render(Plan(), "markdown", out, title="Drift")
    assert out.getvalue() == (
        "<!-- provisioner-drift -->\n### provisioner drift\n\n"
        "**No drift: live state matches the YAML.**\n\n"
    )
    out = io.StringIO()
    render(small_plan(), "text", out)
    assert out.getvalue() == SMALL_TEXT


def test_empty_plan() -> None:
    assert (
        md(Plan())
        == f"{MARKER}\n### provisioner plan\n\n**No changes. Live state matches the YAML.**\n\n"
    )
    assert text(Plan()) == "No changes. Live state matches the YAML.\n"
    assert text(Plan(warnings=("session 13 overlaps session 14",))) == (
        "warning: session 13 overlaps session 14\nNo changes. Live state matches the YAML.\n"
    )


def test_markdown_marker_is_the_first_line() -> None:
    assert md(small_plan()).splitlines()[0] == "<!-- provisioner-plan -->"


def test_text_color_only_when_asked() -> None:
    delete, update, create = small_plan().changes[:3]
    plan = Plan((delete,), small_plan().scopes)
    assert "\x1b[" not in text(small_plan())
    assert text(plan, color=True) == (
        "\x1b[1mguidebook · guide 47\x1b[0m  \x1b[1;31mUNSAFE\x1b[0m\n"
        "\x1b[31;1m  - delete 'Old Team'\x1b[0m\x1b[2m  # not declared (prune)\x1b[0m\n"
        "      attendees: -carol@example.com (8) -9\n"
        "      sessions: -Workshop B (2)\n"
        "\n"
        "\x1b[1mImpact\x1b[0m\n"
        "  guidebook · guide 47\n"
        "    attendee 9: −Workshop B\n"
        "    carol@example.com: −Workshop B\n"
        "\n"
        "\x1b[1;31mUNSAFE: guide 47: 'VIP Team' is protected (apply needs --force)\x1b[0m\n"
        "\x1b[1mPlan: 0 to create, 0 to update, 1 to delete.\x1b[0m\n"
    )
    assert (
        text(Plan((create,)), color=True)
        .splitlines()[1]
        .startswith("\x1b[32m  + create 'New Team'\x1b[0m")
    )
    assert (
        text(Plan((update,)), color=True)
        .splitlines()[1]
        .startswith("\x1b[33m  ~ update 'Sales Team'\x1b[0m")
    )


def test_text_impact_is_short() -> None:
    c = gb("create", "Big", {}, after={"attendees": list(range(100, 130)), "sessions": [13]})
    lines = text(Plan((c,))).splitlines()
    assert lines[3:6] == ["Impact", "  guidebook · guide 47", "    attendee 100: +Opening Keynote"]
    assert lines[23:] == [
        "    attendee 118: +Opening Keynote",
        "    attendee 119: +Opening Keynote",
        "  … 10 more impact lines (-v lists them all)",
        "",
        "Plan: 1 to create, 0 to update, 0 to delete.",
    ]


def test_markdown_makes_names_from_live_services_inert() -> None:
    labels = {"attendees": {"6": "@octocat"}, "sessions": {"13": "<img src=x> | *Bold* `x`"}}
    c = Change(
        action="create",
        provider="guidebook",
        scope="guide 47",
        key="A|B <b>",
        reason="missing in live",
        fields={"sessions": {"add": [13], "remove": []}},
        source="s|x.yaml:1",
        after={"attendees": [6], "sessions": [13]},
        labels=labels,
    )
    out = md(Plan((c,)))
    assert (
        "| ➕ create | A\\|B &lt;b&gt; | sessions: **add** +&lt;img src=x&gt; \\| \\*Bold\\* "
        "\\`x\\` (13) "
        "| missing in live | `s\\|x.yaml:1` |\n"
    ) in out
    assert "- @\u200boctocat: +&lt;img src=x&gt; \\| \\*Bold\\* \\`x\\`\n" in out
    assert "<img" not in out.split("```diff")[0]  # a code block shows it literally


def test_markdown_folds_rows_and_people_beyond_the_first_into_details() -> None:
    changes = tuple(
        gb(
            "create",
            f"Team {i:02d}",
            {"sessions": {"add": [13], "remove": []}},
            after={"attendees": [i], "sessions": [13]},
        )
        for i in range(TABLE_ROWS + 3)
    )
    out = md(Plan(changes))
    visible, folded = out.split(
        "<details><summary>3 more changes in guidebook · guide 47</summary>\n\n"
    )
    assert visible.count("| ➕ create |") == TABLE_ROWS
    assert folded.startswith(
        "| action | key | changes | reason | source |\n|---|---|---|---|---|\n"
        f"| ➕ create | Team {TABLE_ROWS:02d} |"
    )
    assert (
        "<details><summary>3 more people in guidebook · guide 47</summary>\n\n- attendee 27: "
        "+Opening Keynote\n"
        "- bob<!-- -->@example.com: +Opening Keynote\n- carol<!-- -->@example.com: +Opening "
        "Keynote\n\n"
        "</details>\n"
    ) in out
    assert out.count("<details>") == out.count("</details>") == 4


def test_markdown_cells_cut_long_lists() -> None:
    c = gb("delete", "Big", {"attendees": {"add": [], "remove": list(range(100, 115))}}, reason="r")
    row = next(line for line in md(Plan((c,))).splitlines() if line.startswith("| 🗑️"))
    assert (
        "attendees: **remove** −100, −101, −102, −103, −104, −105, −106, −107, −108, −109, … 5 "
        "more |"
    ) in row


SMALL_TRUNCATED_TAIL = """\
| ➕ create | New Team | attendees: **add** +carol<!-- -->@example.com (8)<br>sessions: **add** +Lunch (14) | \
missing in live | `schedules/summit.yaml:30` |


> [!NOTE]
> **Truncated to fit a comment.** Left out: 3 of 6 table rows (changes); 8 per-person impact lines; \
6 change details; 1 warning. The full plan is in the JSON artifact (`plan --out plan.json`).
"""


def test_markdown_truncates_at_a_row_boundary_with_a_note() -> None:
    out = md(small_plan(), limit=1550)
    assert len(out) <= 1550
    assert out.endswith(SMALL_TRUNCATED_TAIL)
    kept = SMALL_MARKDOWN[: SMALL_MARKDOWN.index("#### planning")]
    assert out == kept + "\n" + SMALL_TRUNCATED_TAIL[SMALL_TRUNCATED_TAIL.index("> [!NOTE]") :]


def big_plan(n: int) -> Plan:
    return Plan(
        tuple(
            gb(
                "update",
                f"Team {i:04d}",
                {"sessions": {"add": [i], "remove": [i + 10_000]}},
                source=f"s.yaml:{i}",
                before={"id": i, "attendees": [i], "sessions": [i + 10_000]},
                after={"attendees": [i], "sessions": [i]},
            )
            for i in range(n)
        )
    )


def test_a_5000_change_plan_stays_under_the_comment_limit() -> None:
    out = md(big_plan(5000))
    assert len(out) < LIMIT == 60_000
    rows = [line for line in out.splitlines() if line.startswith("| ✏️ update |")]
    assert all(
        re.fullmatch(r"\| ✏️ update \| Team \d{4} \| .* \| `s\.yaml:\d+` \|", row) for row in rows
    )
    assert rows[-1].startswith(f"| ✏️ update | Team {len(rows) - 1:04d} |")
    body, note = out.rsplit("\n\n> [!NOTE]\n", 1)
    assert body.endswith(
        f"`s.yaml:{len(rows) - 1}` |\n\n</details>\n"
    )  # table closed, then its <details>
    assert note == (
        f"> **Truncated to fit a comment.** Left out: {5000 - len(rows):,} of 5,000 table rows "
        "(changes); "
        "5,000 per-person impact lines; 5,000 change details. "
        "The full plan is in the JSON artifact (`plan --out plan.json`).\n"
    )
    assert out.count("<details>") == out.count("</details>")
    assert len(rows) > 300


def test_a_plan_that_fits_is_not_truncated() -> None:
    out = md(big_plan(40))
    assert "Truncated" not in out and out.endswith("```\n\n</details>\n")
    assert out.count("| ✏️ update |") == 40


@pytest.mark.parametrize("limit", [800, 1200, 2000, 3500, 6000])
def test_any_limit_closes_every_block(limit: int) -> None:
    out = md(small_plan(), limit=limit)
    assert len(out) <= limit
    assert out.count("<details>") == out.count("</details>")
    assert out.count("```") % 2 == 0
    assert all(line.endswith("|") for line in out.splitlines() if line.startswith("|"))


def test_budget_closes_open_blocks_and_counts_what_it_drops() -> None:
    b = SizedBuffer(50, reserve=10)
    b.open("<d>", "</d>")
    assert b.add("0123456789", "row") and b.add("0123456789", "row")
    assert not b.add("0123456789" * 2, "row")
    assert not b.add("x", "row") and not b.add("y", "item")
    b.close()
    assert b.text() == "<d>01234567890123456789</d>"
    assert b.stopped and b.left_out == {"row": 2, "item": 1}


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("mode", "no_color", "force", "tty", "expected"),
    [
        ("auto", None, None, True, True),
        ("auto", "", None, True, True),  # no-color.org: "when present and not an empty string"
        ("auto", "1", None, True, False),
        ("auto", "0", None, True, False),
        ("auto", None, None, False, False),
        ("auto", None, "1", False, True),  # force-color.org: a CI log is no terminal
        ("auto", None, "0", True, False),  # 0 and false turn it off (as Node reads FORCE_COLOR)
        ("auto", None, "false", False, False),
        ("auto", "1", "1", True, False),  # NO_COLOR first, as CPython's own colour
        ("always", "1", None, False, True),  # the option beats both variables
        ("never", None, "1", True, False),
    ],
)
def test_colour_follows_the_option_then_no_color_then_force_color_then_the_terminal(
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    no_color: str | None,
    force: str | None,
    tty: bool,
    expected: bool,
) -> None:
    import click

    from provisioner.cli import common, main

    for name, value in (("NO_COLOR", no_color), ("FORCE_COLOR", force)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    with click.Context(main) as ctx:
        ctx.meta["color"] = mode
        assert common.color(_Tty() if tty else io.StringIO()) is expected


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        (["--color", "always", "show"], {"NO_COLOR": "1"}, True),
        (["show", "--color=always"], {}, True),
        (["show"], {"FORCE_COLOR": "1"}, True),
        (["show"], {}, False),
        (["--color", "never", "show"], {"FORCE_COLOR": "1"}, False),
    ],
)
def test_color_option_and_force_color_through_the_cli(
    tmp_path: Any, args: list[str], env: dict[str, str], coloured: bool
) -> None:
    from click.testing import CliRunner

    from provisioner.cli import main
    from provisioner.render.json import render_json

    saved = tmp_path / "plan.json"
    with saved.open("w", encoding="utf-8") as fh:
        render_json(described(small_plan()), fh)
    clean = {"NO_COLOR": None, "FORCE_COLOR": None, **env}
    result = CliRunner().invoke(main, [*args, str(saved)], env=clean)
    assert result.exit_code == 0, result.output
    assert ("\x1b[" in result.stdout) is coloured
    assert result.stdout.replace("\x1b[", "").count("Plan: 2 to create") == 1
    if not coloured:
        assert result.stdout == SMALL_TEXT


# --- untrusted text: names, keys, reasons, sources and warnings from YAML or a live service
# -----------------

INJECTED = "x\n```\n</details>\n# Injected heading"


def hostile_plan() -> Plan:
    """Text that would close the fence, the <details> or a table row, start a heading or a list, or
    act."""
    labels = {
        "sessions": {"13": "````` <!-- hide", "14": "Lunch\tbreak"},
        "attendees": {"6": "- nested\n# heading", "7": "@octocat #1", "8": "1. ordered"},
    }
    schedule = Change(
        action="create",
        provider="guidebook",
        scope="guide 47",
        key=INJECTED,
        fields={
            "sessions": {"add": [13, 14], "remove": []},
            "attendees": {"add": [6], "remove": []},
        },
        reason="missing\n- injected item\r\n<!--",
        source="s.yaml:1\n| x | `y`",
        after={"attendees": [6, 7, 8], "sessions": [13, 14]},
        labels=labels,
    )
    person = Change(
        action="update",
        provider="planning_center",
        scope="person 111",
        key="plan 5678 / team 22",
        fields={"response": {"from": "pending", "to": "declined"}},
        reason="response differs",
        target={"person": 111},
        after={"response": "declined", "decline_reason": "Sick\n</details>"},
        labels={"person": {"111": "Jane\n# Doe"}, "team": {"22": "Band</summary>"}},
        identity={"plan": 5678, "team": 22},
    )
    rows = tuple(gb("create", f"T{i:02d}", {}, reason="r") for i in range(TABLE_ROWS))
    tail = Change(
        action="create", provider="guidebook", scope="guide 47", key="last", fields={}, reason="r"
    )
    scopes = (ScopeReport("guidebook", "guide 47", 3, 1, ("- caution\n# heading",)),)
    return Plan((schedule, *rows, tail, person), scopes, ("w\n```\n</details>\n# W", "- item <!--"))


def test_markdown_untrusted_text_cannot_break_out_anywhere() -> None:
    out = md(hostile_plan())
    lines = out.splitlines()
    # the diff fence is longer than any backtick run inside; outside it, no "<!--", "<details>" but
    # the own
    fence, body = re.search(r"\n(`{3,})diff\n(.*?)\n\1\n\n</details>\n$", out, re.S).groups()  # type: ignore[union-attr]
    assert fence == "``````"
    outside = out.replace(body, "")
    assert outside.replace(NO_LINK, "").count("<!--") == 1  # NO_LINK only before an e-mail's "@"
    assert outside.count("<details>") == outside.count("</details>") == 3
    assert outside.count("<summary>") == outside.count("</summary>") == 3
    # headings, HTML comments and <details> are only the renderer's own
    assert [line for line in lines if line.startswith("#")] == [
        "### provisioner plan",
        "#### guidebook · guide 47 — ⛔ unsafe",
        "#### planning\\_center · person 111",
    ]
    # table rows: one line each, exactly five cells
    rows = [line for line in lines if line.startswith("|")]
    assert all(len(re.findall(r"(?<!\\)\|", row)) == 6 for row in rows), rows
    assert (
        "| ➕ create | x \\`\\`\\` &lt;/details&gt; \\# Injected heading | "
        "attendees: **add** +- nested \\# heading (6)<br>"
        "sessions: **add** +\\`\\`\\`\\`\\` &lt;!-- hide (13), +Lunch break (14) | "
        "missing - injected item &lt;!-- | `s.yaml:1 \\| x \\| 'y'` |"
    ) in rows
    # list items: one line each, no nested list, heading or mention
    assert "> - \\- caution \\# heading\n" in out
    assert "- \\- nested \\# heading: +\\`\\`\\`\\`\\` &lt;!-- hide, +Lunch break\n" in out
    assert "- 1\\. ordered: +\\`\\`\\`\\`\\` &lt;!-- hide, +Lunch break\n" in out
    assert "- @\u200boctocat \\#\u200b1: +\\`\\`\\`\\`\\` &lt;!-- hide, +Lunch break\n" in out
    assert (
        "- Jane \\# Doe: declines plan 5678 Band&lt;/summary&gt; (Sick &lt;/details&gt;)\n" in out
    )
    assert "- ⚠️ w \\`\\`\\` &lt;/details&gt; \\# W\n- ⚠️ - item &lt;!--\n" in out
    # <summary> is HTML, where markdown escapes would show: HTML-escaped only
    assert "<details><summary>2 more changes in guidebook · guide 47 — ⛔ unsafe</summary>" in out
    # inside the fence: one line per item, nothing that could close it
    assert (
        f"+ create {INJECTED.replace(chr(10), ' ')}  [guidebook · guide 47, s.yaml:1 | x | `y`]"
        in body
    )
    assert "  # missing - injected item <!--\n" in body and "+   Lunch break (14)\n" in body
    assert not any(line.startswith("`" * 6) for line in body.splitlines())


def test_markdown_summary_is_html_not_markdown() -> None:
    changes = tuple(
        pco("delete", "plan 5678", f"person {i} / team 22", {}) for i in range(TABLE_ROWS + 1)
    )
    assert "<summary>1 more change in planning_center · plan 5678</summary>" in md(Plan(changes))


def test_markdown_control_characters_are_visible() -> None:
    c = gb("create", "a\x1b[31mb\x00\u202ec", {}, reason="r\x7f")
    out = md(Plan((c,)))
    assert "\x1b" not in out and "\x00" not in out and "\u202e" not in out and "\x7f" not in out
    assert "| ➕ create | a\\\\x1b\\[31mb\\\\x00\\\\u202ec |  | r\\\\x7f |  |\n" in out
    assert "+ create a\\x1b[31mb\\x00\\u202ec  [guidebook · guide 47]\n  # r\\x7f\n" in out


def test_text_untrusted_text_reaches_the_terminal_as_visible_escapes() -> None:
    labels = {"attendees": {"6": "eve\x1b]0;pwned\x07"}, "sessions": {"13": "Keynote\x1b[2J"}}
    c = Change(
        action="create",
        provider="guidebook",
        scope="guide\x1b[8m 47",
        key="x\n\x1b[31mInjected",
        fields={"sessions": {"add": [13], "remove": []}},
        reason="r\ny",
        source="s.yaml\r:1",
        after={"attendees": [6], "sessions": [13]},
        labels=labels,
    )
    plan = Plan(
        (c,),
        (ScopeReport("guidebook", "guide 47", 1, 0, ("v\x1b[0m",)),),
        ("w\x1b[1m\nfake: line",),
    )
    for color in (False, True):
        out = text(plan, color=color)
        assert all(
            part not in out
            for part in (
                "\x1b[31mInjected",
                "\x1b[2J",
                "\x1b]0;",
                "\x07",
                "\x1b[8m",
                "\x1b[1m\n",
                "\r",
                "\nfake",
                "\ny",
            )
        )
    assert "\x1b" not in text(plan)
    assert text(plan) == (
        "guidebook · guide\\x1b[8m 47\n"
        "  + create 'x\\n\\x1b[31mInjected'  # r\\ny  (s.yaml\\r:1)\n"
        "      sessions: +Keynote\\x1b[2J (13)\n"
        "\n"
        "Impact\n"
        "  guidebook · guide\\x1b[8m 47\n"
        "    eve\\x1b]0;pwned\\x07: +Keynote\\x1b[2J\n"
        "\n"
        "warning: w\\x1b[1m\\nfake: line\n"
        "UNSAFE: v\\x1b[0m (apply needs --force)\n"
        "Plan: 1 to create, 0 to update, 0 to delete.\n"
    )


# --- many warnings
# ----------------------------------------------------------------------------------------


def overlapping_plan(n: int = 300, per: int = 25) -> Plan:
    """``n`` new schedules, each with ``per`` pairs of overlapping sessions: many more warnings than
    changes."""
    changes = tuple(
        gb(
            "create",
            f"Schedule {i:03d}",
            {"sessions": {"add": [13, 14], "remove": []}},
            source=f"schedules/s.yaml:{i}",
            after={"attendees": [6], "sessions": [13, 14]},
            reason="missing in live",
        )
        for i in range(n)
    )
    warnings = tuple(
        f"guide 47 'Schedule {i:03d}': session {j} overlaps session {j + 1}"
        for i in range(n)
        for j in range(per)
    )
    return Plan(changes, (), (*warnings, *(f"extra {k}" for k in range(6))))


def test_markdown_changes_and_impact_come_before_a_capped_list_of_warnings() -> None:
    plan = overlapping_plan()
    assert len(plan.warnings) == 7506
    out = md(plan)
    assert len(out) <= LIMIT
    assert out.count("| ➕ create | Schedule ") == 300  # every change, none crowded out
    assert "table rows" not in out and "per-person impact" not in out
    changes, rest = out.split("<details><summary>Per-person impact (")
    assert "⚠️" not in changes
    impact, warnings = rest.split("**Warnings**\n\n")
    assert "- alice<!-- -->@example.com: +Lunch, +Opening Keynote\n" in impact
    visible, folded = warnings.split("\n<details><summary>… and 7,486 more warnings</summary>\n\n")
    assert visible.splitlines() == [
        f"- ⚠️ guide 47 'Schedule 000': session {j} overlaps session {j + 1}" for j in range(20)
    ]
    assert folded.count("- ⚠️ ") <= 200


def test_markdown_warnings_fold_beyond_twenty() -> None:
    plan = Plan(warnings=tuple(f"w{i}" for i in range(23)))
    out = md(plan)
    assert out.endswith(
        "**Warnings**\n\n"
        + "".join(f"- ⚠️ w{i}\n" for i in range(20))
        + "\n<details><summary>… and 3 more warnings</summary>\n\n- ⚠️ w20\n- ⚠️ w21\n- ⚠️ w22\n\n"
        "</details>\n\n"
    )
    out = md(Plan(warnings=tuple(f"w{i}" for i in range(1000))))
    assert "<summary>… and 980 more warnings</summary>" in out
    assert out.count("- ⚠️ w") == 220 and "- … and 780 more (in the JSON plan)\n" in out


def test_text_lists_at_most_twenty_warnings() -> None:
    lines = text(overlapping_plan(n=2)).splitlines()
    warnings = [line for line in lines if line.startswith("warning:")]
    assert len(warnings) == 21
    assert warnings[-1] == "warning: … and 36 more warnings (--format json lists them all)"
    assert text(Plan(warnings=tuple(f"w{i}" for i in range(20)))).count("warning:") == 20


# --- one way to show a value
# ------------------------------------------------------------------------------


def test_empty_string_and_none_read_the_same_everywhere() -> None:
    c = pco(
        "update",
        "plan 5678",
        "person 222 / team 22",
        {
            "notes": {"from": "", "to": "Bring in-ears"},
            "team_position_name": {"from": None, "to": ""},
        },
    )
    plan = Plan((c,))
    assert "      notes: (none) → Bring in-ears\n      position: (none) → (none)\n" in text(plan)
    assert (
        "    John Smith on Dec 6 Band: notes (none) → Bring in-ears; position (none) → (none)\n"
        in text(plan)
    )
    out = md(plan)
    assert "notes: (none) → Bring in-ears<br>position: (none) → (none) |" in out
    assert "  notes:\n-   (none)\n+   Bring in-ears\n  position:\n-   (none)\n+   (none)\n" in out
    assert '""' not in text(plan) + out


# --- drift
# ------------------------------------------------------------------------------------------------


def test_drift_markdown_has_its_own_marker_and_words() -> None:
    out = md(small_plan(), title="Drift")
    assert out.startswith(
        "<!-- provisioner-drift -->\n### provisioner drift\n\n"
        "**Drift: re-applying the YAML would create 2, update 2 and delete 2.**\n\n"
        "_Live differs from the YAML. Each row says what re-applying the YAML would do to live: "
        "**add** what the YAML has and live lacks, **remove** what live has and the YAML does "
        "not._\n\n"
    )
    assert "<details><summary>What re-applying would change per person (8 lines in 3 scopes)" in out
    assert MARKER not in out and "Plan:" not in out
    short = md(small_plan(), title="Drift", limit=1450)
    assert short.endswith("The full report is in `provisioner drift --format json`.\n")
    assert md(small_plan()).startswith(f"{MARKER}\n### provisioner plan\n\n**Plan: 2 to create")


# GitHub's autolinker (cmark-gfm's autolink extension) makes a link of any run of [\w.+-] followed
# by "@" and a domain within one text node, the sign before it included: "+carol@example.com" and
# "−carol@…" would read alike.
_AUTOLINKED_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def _markdown_text(out: str) -> str:
    """The parts of a comment that GitHub parses as markdown text: no code fence, no raw HTML
    line."""
    fence = re.search(r"\n(`{3,})diff\n.*?\n\1\n", out, re.S)
    text = out.replace(fence[0], "\n") if fence else out
    return "\n".join(line for line in text.splitlines() if not line.startswith("<"))


def test_markdown_emails_are_no_links_and_additions_and_removals_have_words() -> None:
    out = md(small_plan())
    assert not _AUTOLINKED_EMAIL.search(_markdown_text(out))
    assert "attendees: **remove** −carol<!-- -->@example.com (8), −9<br>" in out
    assert "attendees: **add** +carol<!-- -->@example.com (8)<br>" in out
    assert (
        "+   carol@example.com (8)\n" in out
    )  # in the diff block, where nothing is linked, as it is
    # the impact is folded, its size in the summary, after the tables
    tables, impact = out.split(
        "<details><summary>Per-person impact (8 lines in 3 scopes)</summary>\n\n"
    )
    assert "| ➕ create | New Team |" in tables and "- alice" not in tables
    assert impact.index("- carol<!-- -->@example.com: +Lunch, −Workshop B\n") < impact.index(
        "</details>"
    )


def test_markdown_as_github_renders_it_links_no_email() -> None:
    """The same, through GitHub's own markdown library where it is installed (cmarkgfm, not a
    dependency)."""
    cmarkgfm = pytest.importorskip("cmarkgfm")
    html = cmarkgfm.github_flavored_markdown_to_html(md(small_plan()), options=(1 << 17))  # UNSAFE
    assert "mailto:" not in html
    assert "<td>attendees: <strong>add</strong> +carol<!-- -->@example.com (8)<br>" in html


def test_text_folds_a_long_list_to_counts_and_v_lists_every_item(tmp_path: Any) -> None:
    """Issue 22: the text plan printed about 200 e-mails on one line for one delete."""
    from click.testing import CliRunner

    from provisioner.cli import main
    from provisioner.render.json import render_json

    people = list(range(100, 300))
    big = gb("delete", "Old Team", {"attendees": {"add": [], "remove": people}}, reason="prune")
    both = gb("update", "Sales", {"attendees": {"add": [7, 8], "remove": people[:9]}}, reason="r")
    few = gb("update", "VIP", {"attendees": {"add": [7], "remove": [8]}}, reason="r")
    lines = text(Plan((big, both, few))).splitlines()
    assert "      attendees: -200 removed (-v lists them)" in lines
    assert "      attendees: +2 added, -9 removed (-v lists them)" in lines
    assert "      attendees: +bob@example.com (7) -carol@example.com (8)" in lines
    assert max(map(len, lines)) < 100

    saved = tmp_path / "plan.json"
    with saved.open("w", encoding="utf-8") as fh:
        render_json(described(Plan((big,))), fh)
    short = CliRunner().invoke(main, ["show", str(saved)], env={"NO_COLOR": "1"})
    full = CliRunner().invoke(main, ["show", str(saved), "-v"], env={"NO_COLOR": "1"})
    assert "-200 removed (-v lists them)" in short.stdout and "-299" not in short.stdout
    listed = next(line for line in full.stdout.splitlines() if "attendees:" in line)
    assert listed == "      attendees: " + " ".join(f"-{i}" for i in people)


def test_text_drift_says_what_re_applying_would_do() -> None:
    out = io.StringIO()
    render_words(described(small_plan()), "text", out, title="Drift")
    assert out.getvalue().endswith(
        "Drift: re-applying the YAML would create 2, update 2 and delete 2.\n"
    )
    assert text(small_plan()).endswith("Plan: 2 to create, 2 to update, 2 to delete.\n")
    empty = io.StringIO()
    render_words(Plan(), "text", empty, title="Drift")
    assert empty.getvalue() == "No changes. Live state matches the YAML.\n"
