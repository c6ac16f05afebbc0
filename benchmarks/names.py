"""Planning Center requests for the same rosters written with ids and with names (issue 21, contract
§2.2).

    python benchmarks/names.py                                  # prints the counts
    python benchmarks/names.py --write benchmarks/RESULTS.md    # and puts them in their section of RESULTS.md
    python benchmarks/names.py --baseline 345641b               # also the id-only file on that commit

The rosters are the demo seed's three Sunday plans, every member kept and confirmed, one member
dropped (prune) and two added: once with ids, once with names and dates (`service_type: Sunday
Services`, plans by date and by title, teams and people by name). Each command runs against a
freshly seeded sandbox (in this process, on a fake clock) and every request it sends is counted from
the sandbox's log, by the list it reads. The counts do not depend on the machine: a run is exact,
not timed. `--baseline REV` measures the id-only file again with the code of REV (a `git archive` of
it, in a child process): the commit before names existed is 345641b.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BEFORE_NAMES = (
    "345641bfd21456aa62caaed4eeb533379764f664"  # the commit before 32bb7ce (names, part 1)
)
BEGIN, END = "<!-- benchmarks/names.py: begin -->", "<!-- benchmarks/names.py: end -->"
COMMANDS = {
    "plan --format json": ("plan", "--format", "json"),
    "plan (text)": ("plan",),
    "apply (text)": ("apply", "--auto-approve"),
    "plan after apply": ("plan", "--format", "json", "--detailed-exitcode"),
}
# The lists names resolve against: each at most once a command (contract §2.2).
LISTS = {
    "organization": re.compile(r"^/services/v2$"),
    "service types": re.compile(r"^/services/v2/service_types$"),
    "plans": re.compile(r"^/services/v2/service_types/\d+/plans$"),
    "teams": re.compile(r"^/services/v2/service_types/\d+/teams$"),
    "people list": re.compile(r"^/services/v2/people$"),
}
OTHER_READS = {
    "team members": re.compile(r"/plans/\d+/team_members$"),
    "a person": re.compile(r"^/services/v2/people/\d+$"),
    # for the blockout warnings about the people a roster adds (DESIGN §6), not for names
    "plan times": re.compile(r"/plans/\d+/plan_times$"),
    "blockouts": re.compile(r"^/services/v2/people/\d+/blockouts$"),
}

# (plan id, date, title), then each member: (person id, name, team id, team name, position)
PLANS = [
    (5678, "2026-12-06", None),
    (5679, "2026-12-13", None),
    (5680, None, "Advent 4"),  # by title
]
TEAMS = {22: "Band", 23: "Tech", 24: "Hospitality"}
PEOPLE = {
    111: "Jane Doe", 112: "John Smith", 113: "Maria Garcia", 115: "Sarah Johnson", 116: "Michael Brown",
    117: "Emily Davis", 118: "Daniel Lee", 119: "Grace Wilson", 120: "Samuel Moore", 121: "Hannah Taylor",
    122: "Joshua White", 123: "Ruth Harris", 124: "Peter Clark", 125: "Lydia Lewis", 126: "Caleb Walker",
    127: "Naomi Hall", 128: "Isaac Young", 129: "Esther King", 130: "Levi Wright",
}  # fmt: skip
MEMBERS = {
    # 114 David Kim (Keys) is left out of 5678 (prune deletes him); 119 Grace Wilson takes Keys (a
    # create)
    5678: [(111, 22, "Vocals"), (112, 23, "Audio"), (113, 22, "Guitar"), (119, 22, "Keys"),
           (115, 22, "Drums"), (116, 23, "Video"), (117, 24, "Greeter"), (118, 24, "Coffee")],
    5679: [(111, 22, "Vocals"), (112, 23, "Audio"), (119, 22, "Guitar"), (120, 22, "Keys"),
           (121, 22, "Drums"), (122, 23, "Lighting"), (123, 24, "Greeter"), (124, 24, "Coffee")],
    # 114 (Coffee on 5680) is kept by id only in the id file; both files leave him out (prune
    # deletes him)
    5680: [(113, 22, "Vocals"), (125, 22, "Guitar"), (126, 22, "Keys"), (127, 22, "Drums"),
           (128, 23, "Audio"), (129, 23, "Video"), (130, 24, "Greeter"), (120, 23, "Lighting")],
}  # fmt: skip


def roster(named: bool) -> str:
    """The rosters as YAML, with ids or with names and dates; everyone confirmed."""
    lines = [
        "provider: planning_center",
        f"service_type: {'Sunday Services' if named else 1234}",
        "rosters:",
    ]
    for plan, day, title in PLANS:
        ref = (day or f"{{title: {title}}}") if named else str(plan)
        lines += [f"  - plan: {ref}", "    team_members:"]
        for person, team, position in MEMBERS[plan]:
            who, which = (PEOPLE[person], TEAMS[team]) if named else (person, team)
            lines.append(
                f"      - {{person: {who}, team: {which}, position: {position}, status: C}}"
            )
    return "\n".join(lines) + "\n"


def members() -> int:
    return sum(len(m) for m in MEMBERS.values())


# -- measuring (also run by a child process on an older tree: only long-standing APIs here)
# ----------------


def measure(folders: dict[str, str]) -> dict[str, dict[str, list[list[Any]]]]:
    """form → command → the requests it sent ([method, path, query]), each command on a fresh demo
    seed."""
    import inspect

    from click.testing import CliRunner

    from provisioner.cli import main
    from provisioner.core.clock import FakeClock
    from provisioner_sandbox import SandboxServer

    today = {"today": date(2026, 11, 29)}  # the tests' today: the seed's plans are still to come
    kw = today if "today" in inspect.signature(SandboxServer).parameters else {}
    out: dict[str, dict[str, list[list[Any]]]] = {}
    with SandboxServer(seed="demo", **kw) as sb:
        os.environ.update({**sb.client_env(), "NO_COLOR": "1"})
        for form, folder in folders.items():
            out[form] = {}
            sb.reset("demo")
            for label, args in COMMANDS.items():
                if label != "plan after apply":
                    sb.reset("demo")
                sb.clear_requests()
                done = CliRunner().invoke(main, [*args, folder], obj=FakeClock())
                if done.exit_code != 0:
                    raise SystemExit(f"{form}: {label} exited {done.exit_code}: {done.output}")
                out[form][label] = [[r["method"], r["path"], r["query"]] for r in sb.requests()]
    return out


def baseline(rev: str, folder: str) -> dict[str, list[list[Any]]]:
    """The id-only file's requests with the code of ``rev`` (a git archive of it, in a child
    process)."""
    with tempfile.TemporaryDirectory(prefix="names-baseline-") as tree:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", tree], input=archive.stdout, check=True)
        child = subprocess.run(
            [sys.executable, __file__, "--child", folder],
            env={**os.environ, "PYTHONPATH": tree},
            cwd=tree,
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            raise SystemExit(f"baseline {rev}: {child.stderr[-2000:]}")
        return json.loads(child.stdout)["ids"]  # type: ignore[no-any-return]


# -- reporting
# ----------------------------------------------------------------------------------------------


def kinds(requests: list[list[Any]]) -> Counter[str]:
    """How many requests of each kind: a named list, team members, a person, or a write."""
    found: Counter[str] = Counter()
    for method, path, _ in requests:
        if method != "GET":
            found["writes"] += 1
            continue
        named = {**LISTS, **OTHER_READS}
        found[next((k for k, rx in named.items() if rx.search(path)), "other reads")] += 1
    return found


def read_twice(requests: list[list[Any]]) -> list[str]:
    """The name lists one command read more than once (a list of several pages counts each page
    once)."""
    seen = Counter(
        (path, json.dumps(query, sort_keys=True))
        for method, path, query in requests
        if method == "GET" and any(rx.search(path) for rx in LISTS.values())
    )
    return sorted(path for (path, _), n in seen.items() if n > 1)


def breakdown(requests: list[list[Any]]) -> str:
    order = [*LISTS, *OTHER_READS, "other reads", "writes"]
    counts = kinds(requests)
    return ", ".join(f"{counts[k]} {k}" for k in order if counts[k])


def report(measured: dict[str, dict[str, list[list[Any]]]], base: str | None) -> str:
    lines = [
        f"The same rosters written with ids and with names and dates ({len(PLANS)} plans of the "
        "demo "
        f"seed, {members()} members, each confirmed; 2 of them added, 2 live members removed by "
        "prune):",
        "requests each command sent.",
        "",
        f"  {'command':<22}{'ids':>5}{'names':>7}   names read, by list",
    ]
    for label in COMMANDS:
        ids, names = measured["ids"][label], measured["names"][label]
        lines.append(f"  {label:<22}{len(ids):>5}{len(names):>7}   {breakdown(names)}")
    lines.append("")
    for form in ("ids", "names"):
        twice = sorted({p for reqs in measured[form].values() for p in read_twice(reqs)})
        lines.append(
            f"  {form}: a name list read twice by one command: {', '.join(twice) or 'none'}"
        )
    for label in ("plan --format json", "plan (text)"):
        lines.append(f"  ids, {label}: {breakdown(measured['ids'][label])}")
    if "before" in measured:
        lines += [
            "",
            "  (plan times and blockouts: the blockout warnings of DESIGN §6, added after 345641b)",
        ]
        for label in COMMANDS:
            now, then = measured["ids"][label], measured["before"][label]
            more = kinds(now)
            more.subtract(kinds(then))
            why = ", ".join(f"{n:+d} {k}" for k, n in sorted(more.items()) if n)
            lines.append(
                f"  ids, {label:<19} {len(then):>3} at {base} (before names), {len(now):>3} now"
                + (f" ({why})" if why else " (the same)")
            )
    return "\n".join(lines) + "\n"


def write_section(path: Path, text: str, argv: list[str]) -> None:
    """The report as its own section of RESULTS.md (run.py keeps it when it writes the rest)."""
    command = " ".join(["python benchmarks/names.py", *argv])
    section = (
        f"{BEGIN}\n## Planning Center names: request counts\n\nGenerated by `{command}`; not "
        "edited by "
        "hand. Request counts, exact on any machine.\n\n```\n"
        f"{text.rstrip()}\n```\n{END}\n"
    )
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    kept = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", "", old, flags=re.S)
    path.write_text(kept.rstrip("\n") + "\n\n" + section, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", metavar="FILE", help="put the counts in FILE's names section")
    parser.add_argument(
        "--baseline", metavar="REV", help=f"also the id-only file at REV (e.g. {BEFORE_NAMES[:7]})"
    )
    parser.add_argument("--child", metavar="DIR", help=argparse.SUPPRESS)
    raw = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(raw)
    if args.child:  # in a child process, on the baseline's code
        print(json.dumps(measure({"ids": args.child})))
        return
    with tempfile.TemporaryDirectory(prefix="names-bench-") as tmp:
        folders = {}
        for form in ("ids", "names"):
            folder = Path(tmp) / form
            folder.mkdir()
            (folder / "rosters.yaml").write_text(roster(form == "names"), encoding="utf-8")
            folders[form] = str(folder)
        measured = measure(folders)
        if args.baseline:
            measured["before"] = baseline(args.baseline, folders["ids"])
    text = report(measured, args.baseline[:7] if args.baseline else None)
    print(text, end="")
    if args.write:
        write_section(Path(args.write), text, raw)
        print(f"Written to {args.write}.")


if __name__ == "__main__":
    main()
