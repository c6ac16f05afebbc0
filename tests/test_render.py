"""Text and markdown renderers: exact output for small hand-built plans, colour, escaping, size limits."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from provisioner.plan import Change, Plan, ScopeReport
from provisioner.render import render
from provisioner.render.budget import Budget
from provisioner.render.markdown import LIMIT, MARKER, TABLE_ROWS, render_markdown
from provisioner.render.text import render_text

GB_LABELS = {"sessions": {"13": "Opening Keynote", "2": "Workshop B", "14": "Lunch"},
             "attendees": {"6": "alice@example.com", "7": "bob@example.com", "8": "carol@example.com"}}
PCO_LABELS = {"person": {"111": "Jane Doe", "222": "John Smith"}, "team": {"22": "Band", "23": "Tech"},
              "plan": {"5678": "Dec 6"}}


def gb(action: str, key: str, fields: dict[str, Any], *, source: str | None = None,
       before: dict[str, Any] | None = None, after: dict[str, Any] | None = None, reason: str = "r") -> Change:
    return Change(action=action, provider="guidebook", scope="guide 47", key=key, fields=fields,  # type: ignore[arg-type]
                  reason=reason, source=source, target={"guide": 47}, before=before, after=after, labels=GB_LABELS)


def pco(action: str, scope: str, key: str, fields: dict[str, Any], *, source: str | None = None,
        after: dict[str, Any] | None = None, reason: str = "r") -> Change:
    return Change(action=action, provider="planning_center", scope=scope, key=key, fields=fields,  # type: ignore[arg-type]
                  reason=reason, source=source, target={"service_type": 1234, "plan": 5678}, after=after,
                  labels=PCO_LABELS)


def small_plan() -> Plan:
    changes = (
        gb("create", "New Team", {"attendees": {"add": [8], "remove": []}, "sessions": {"add": [14], "remove": []}},
           source="schedules/summit.yaml:30", after={"attendees": [8], "sessions": [14]}, reason="missing in live"),
        gb("update", "Sales Team",
           {"sessions": {"add": [13], "remove": [2]}, "attendees": {"add": [7], "remove": []}},
           source="schedules/summit.yaml:12", before={"id": 3, "attendees": [6], "sessions": [2]},
           after={"attendees": [6, 7], "sessions": [13]}, reason="attendees, sessions differ"),
        gb("delete", "Old Team", {"attendees": {"add": [], "remove": [8, 9]}, "sessions": {"add": [], "remove": [2]}},
           before={"id": 4, "attendees": [8, 9], "sessions": [2]}, reason="not declared (prune)"),
        pco("create", "plan 5678", "person 111 / team 22",
            {"team_position_name": {"from": None, "to": "Vocals"}, "status": {"from": None, "to": "U"}},
            source="schedules/band.yaml:7", reason="missing in live"),
        pco("delete", "plan 5678", "person 222 / team 23", {"status": {"from": "C", "to": None}},
            reason="not declared (prune)"),
        pco("update", "person 111", "plan 5678 / team 22", {"response": {"from": "pending", "to": "declined"}},
            source="schedules/jane.yaml:4", after={"response": "declined", "decline_reason": "Out of town"},
            reason="response differs"),
    )
    scopes = (ScopeReport("guidebook", "guide 47", 3, 1, ("guide 47: 'VIP Team' is protected",)),)
    return Plan(changes, scopes, ("session 13 overlaps session 14",))


def md(plan: Plan, **kw: Any) -> str:
    out = io.StringIO()
    render_markdown(plan, out, **kw)
    return out.getvalue()


def text(plan: Plan, color: bool = False) -> str:
    out = io.StringIO()
    render_text(plan, out, color=color)
    return out.getvalue()


SMALL_MARKDOWN = r"""<!-- provisioner-plan -->
### provisioner plan

**Plan: 2 to create, 2 to update, 2 to delete.**

> [!CAUTION]
> **Unsafe: `apply` refuses this plan without `--force`.**
> - guide 47: 'VIP Team' is protected

> [!WARNING]
> **2 deletes:** guide 47: Old Team; plan 5678: John Smith (person 222) / Tech (team 23)

**Warnings**

- ⚠️ session 13 overlaps session 14

#### guidebook · guide 47 — ⛔ unsafe

| action | key | changes | reason | source |
|---|---|---|---|---|
| 🗑️ **delete** | Old Team | attendees: −carol@example.com (8) −9<br>sessions: −Workshop B (2) | not declared (prune) |  |
| ✏️ update | Sales Team | sessions: +Opening Keynote (13) −Workshop B (2)<br>attendees: +bob@example.com (7) | attendees, sessions differ | `schedules/summit.yaml:12` |
| ➕ create | New Team | attendees: +carol@example.com (8)<br>sessions: +Lunch (14) | missing in live | `schedules/summit.yaml:30` |

#### planning\_center · person 111

| action | key | changes | reason | source |
|---|---|---|---|---|
| ✏️ update | Dec 6 (plan 5678) / Band (team 22) | response: pending → declined | response differs | `schedules/jane.yaml:4` |

#### planning\_center · plan 5678

| action | key | changes | reason | source |
|---|---|---|---|---|
| 🗑️ **delete** | John Smith (person 222) / Tech (team 23) | status: C → (none) | not declared (prune) |  |
| ➕ create | Jane Doe (person 111) / Band (team 22) | team\_position\_name: (none) → Vocals<br>status: (none) → U | missing in live | `schedules/band.yaml:7` |

#### Per-person impact

**guidebook · guide 47**

- alice@example.com: +Opening Keynote, −Workshop B
- attendee 9: −Workshop B
- bob@example.com: +Opening Keynote
- carol@example.com: +Lunch, −Workshop B

**planning\_center · person 111**

- Jane Doe: declines Dec 6 Band (Out of town)

**planning\_center · plan 5678**

- Jane Doe on Dec 6 Band: added as Vocals (unconfirmed)
- John Smith on Dec 6 Tech: removed

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
  sessions:
+   Opening Keynote (13)
-   Workshop B (2)
  attendees:
+   bob@example.com (7)

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
  team_position_name:
+   Vocals
  status:
+   U

```

</details>
"""  # noqa: E501

SMALL_TEXT = """guidebook · guide 47  UNSAFE
  - delete 'Old Team'  # not declared (prune)
      attendees: -carol@example.com (8) -9
      sessions: -Workshop B (2)
  ~ update 'Sales Team'  # attendees, sessions differ  (schedules/summit.yaml:12)
      sessions: +Opening Keynote (13) -Workshop B (2)
      attendees: +bob@example.com (7)
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
      team_position_name: (none) → Vocals
      status: (none) → U

Impact
  guidebook · guide 47
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
    assert out.getvalue() == f"{MARKER}\n### provisioner drift\n\n**No changes. Live state matches the YAML.**\n\n"
    out = io.StringIO()
    render(small_plan(), "text", out)
    assert out.getvalue() == SMALL_TEXT


def test_empty_plan() -> None:
    assert md(Plan()) == f"{MARKER}\n### provisioner plan\n\n**No changes. Live state matches the YAML.**\n\n"
    assert text(Plan()) == "No changes. Live state matches the YAML.\n"
    assert text(Plan(warnings=("session 13 overlaps session 14",))) == (
        "warning: session 13 overlaps session 14\nNo changes. Live state matches the YAML.\n")


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
        "\x1b[1mPlan: 0 to create, 0 to update, 1 to delete.\x1b[0m\n")
    assert text(Plan((create,)), color=True).splitlines()[1].startswith("\x1b[32m  + create 'New Team'\x1b[0m")
    assert text(Plan((update,)), color=True).splitlines()[1].startswith("\x1b[33m  ~ update 'Sales Team'\x1b[0m")


def test_text_impact_is_short() -> None:
    c = gb("create", "Big", {}, after={"attendees": list(range(100, 130)), "sessions": [13]})
    lines = text(Plan((c,))).splitlines()
    assert lines[3:6] == ["Impact", "  guidebook · guide 47", "    attendee 100: +Opening Keynote"]
    assert lines[23:] == ["    attendee 118: +Opening Keynote", "    attendee 119: +Opening Keynote",
                          "  … 10 more impact lines (--format markdown shows more)", "",
                          "Plan: 1 to create, 0 to update, 0 to delete."]


def test_markdown_makes_names_from_live_services_inert() -> None:
    labels = {"attendees": {"6": "@octocat"}, "sessions": {"13": "<img src=x> | *Bold* `x`"}}
    c = Change(action="create", provider="guidebook", scope="guide 47", key="A|B <b>", reason="missing in live",
               fields={"sessions": {"add": [13], "remove": []}}, source="s|x.yaml:1",
               after={"attendees": [6], "sessions": [13]}, labels=labels)
    out = md(Plan((c,)))
    assert ("| ➕ create | A\\|B &lt;b&gt; | sessions: +&lt;img src=x&gt; \\| \\*Bold\\* \\`x\\` (13) "
            "| missing in live | `s\\|x.yaml:1` |\n") in out
    assert "- @\u200boctocat: +&lt;img src=x&gt; \\| \\*Bold\\* \\`x\\`\n" in out
    assert "<img" not in out.split("```diff")[0]  # a code block shows it literally


def test_markdown_folds_rows_and_people_beyond_the_first_into_details() -> None:
    changes = tuple(gb("create", f"Team {i:02d}", {"sessions": {"add": [13], "remove": []}},
                       after={"attendees": [i], "sessions": [13]}) for i in range(TABLE_ROWS + 3))
    out = md(Plan(changes))
    visible, folded = out.split("<details><summary>3 more changes in guidebook · guide 47</summary>\n\n")
    assert visible.count("| ➕ create |") == TABLE_ROWS
    assert folded.startswith("| action | key | changes | reason | source |\n|---|---|---|---|---|\n"
                             f"| ➕ create | Team {TABLE_ROWS:02d} |")
    assert ("<details><summary>3 more people in guidebook · guide 47</summary>\n\n- attendee 27: +Opening Keynote\n"
            "- bob@example.com: +Opening Keynote\n- carol@example.com: +Opening Keynote\n\n</details>\n") in out
    assert out.count("<details>") == out.count("</details>") == 3


def test_markdown_cells_cut_long_lists() -> None:
    c = gb("delete", "Big", {"attendees": {"add": [], "remove": list(range(100, 115))}}, reason="r")
    row = next(line for line in md(Plan((c,))).splitlines() if line.startswith("| 🗑️"))
    assert "attendees: −100 −101 −102 −103 −104 −105 −106 −107 −108 −109 … 5 more |" in row


SMALL_TRUNCATED_TAIL = """\
| ➕ create | New Team | attendees: +carol@example.com (8)<br>sessions: +Lunch (14) | missing in live | \
`schedules/summit.yaml:30` |


> [!NOTE]
> **Truncated to fit a comment.** Left out: 3 of 6 table rows (changes); 7 per-person impact lines; \
6 change details. The full plan is in the JSON artifact (`plan --out plan.json`).
"""


def test_markdown_truncates_at_a_row_boundary_with_a_note() -> None:
    out = md(small_plan(), limit=1500)
    assert len(out) <= 1500
    assert out.endswith(SMALL_TRUNCATED_TAIL)
    kept = SMALL_MARKDOWN[: SMALL_MARKDOWN.index("#### planning")]
    assert out == kept + "\n" + SMALL_TRUNCATED_TAIL[SMALL_TRUNCATED_TAIL.index("> [!NOTE]") :]


def big_plan(n: int) -> Plan:
    return Plan(tuple(
        gb("update", f"Team {i:04d}", {"sessions": {"add": [i], "remove": [i + 10_000]}}, source=f"s.yaml:{i}",
           before={"id": i, "attendees": [i], "sessions": [i + 10_000]}, after={"attendees": [i], "sessions": [i]})
        for i in range(n)))


def test_a_5000_change_plan_stays_under_the_comment_limit() -> None:
    out = md(big_plan(5000))
    assert len(out) < LIMIT == 60_000
    rows = [line for line in out.splitlines() if line.startswith("| ✏️ update |")]
    assert all(re.fullmatch(r"\| ✏️ update \| Team \d{4} \| .* \| `s\.yaml:\d+` \|", row) for row in rows)
    assert rows[-1].startswith(f"| ✏️ update | Team {len(rows) - 1:04d} |")
    body, note = out.rsplit("\n\n> [!NOTE]\n", 1)
    assert body.endswith(f"`s.yaml:{len(rows) - 1}` |\n\n</details>\n")  # table closed, then its <details>
    assert note == (f"> **Truncated to fit a comment.** Left out: {5000 - len(rows):,} of 5,000 table rows (changes); "
                    "5,000 per-person impact lines; 5,000 change details. "
                    "The full plan is in the JSON artifact (`plan --out plan.json`).\n")
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
    b = Budget(50, reserve=10)
    b.open("<d>", "</d>")
    assert b.add("0123456789", "row") and b.add("0123456789", "row")
    assert not b.add("0123456789" * 2, "row")
    assert not b.add("x", "row") and not b.add("y", "item")
    b.close()
    assert b.text() == "<d>01234567890123456789</d>"
    assert b.stopped and b.left_out == {"row": 2, "item": 1}
