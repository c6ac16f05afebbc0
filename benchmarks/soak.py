"""Soak: random edits × random faults × sandbox readings through plan → apply → plan. Not part of
`make test`.

    python benchmarks/soak.py --rounds 150 --seed 1 --max-seconds 1500

Each round: reset the sandbox (loopback, its own process), pick readings, randomly edit copies of
the example schedules, plan, add random fault rules, apply (sometimes a second apply at the same
time), then clear the faults, let late commits land, and check the three promises:

  exit0-not-effective  an apply exited 0 (with a second writer: both did) but a plan right after it (faults
                       cleared) is not empty
  duplicate            two live objects share an identity (schedule name in a guide; plan/person/team)
  live-differs         live state does not equal the YAML (checked independently of the tool)
  not-empty            after up to two fault-free applies, a plan is still not empty
  traceback            any command printed a Python traceback

`--edges-rounds N` first runs N rounds of issue 23's scenarios in this process
(benchmarks/soak_edges.py: late commits of two writers, dropped creates, out-of-band creates by a
person, ghost-free page reads), every wait on a fake clock; `--rounds 0 --edges-rounds 300` runs
those alone. A bounded run of them is part of `make test`.

Readings under which the tool cannot converge by design (merge PATCH of lists with removals; a
server that loses a new member's team) only require that apply says so (exit 1). Stops by itself
after --rounds or --max-seconds.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sandbox_proc import SandboxProcess

ROOT = Path(__file__).resolve().parent.parent
READINGS: dict[str, list[str]] = {
    "guidebook.body": ["json", "form-only"],
    "guidebook.patch_lists": ["replace", "merge"],
    "guidebook.ordering": ["honoured", "ignored"],
    "guidebook.count": ["present", "absent"],
    "guidebook.page_size": ["honoured", "3", "7"],
    "pco.member_create": ["both", "attributes", "relationships", "team-lost"],
    "pco.member_path": ["both", "documented-only", "team-members-only"],
    "pco.declined": ["with-declined", "hidden", "shown"],
    "pco.respond_others": ["allowed", "forbidden"],
}
MODES = [
    "status",
    "timeout",
    "drop_before",
    "drop_after_commit",
    "commit_later",
    "ack_without_commit",
]
PATHS = [
    "personalized-schedules",
    "team_members|plan_people",
    r"schedules/\d+/(accept|decline)",
    "",
]
TEAM_POSITIONS = {
    22: ["Vocals", "Guitar", "Keys", "Drums"],
    23: ["Audio", "Video", "Lighting"],
    24: ["Greeter", "Coffee"],
}
TIMEOUT = 1.0  # PROVISIONER_TIMEOUT: a "timeout" fault outlasts it
_yaml = YAML(typ="safe")
_yaml.default_flow_style = False


# ---------------------------------------------------------------- sandbox control
def control(sb: SandboxProcess, method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        sb.url + "_sandbox/" + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else None


# ---------------------------------------------------------------- random edits
def load_examples() -> dict[str, Any]:
    docs = {p.name: _yaml.load(p.read_text()) for p in sorted((ROOT / "schedules").glob("*.yaml"))}
    for doc in docs.values():
        if doc.get("provider") == "planning_center":
            _as_ids(doc)
    return docs


# The examples name people, teams and plans (contract §2.2); the soak edits and checks in ids, as
# the sandbox's tables hold them, so the demo seed's names are mapped back here (each is unique in
# the demo).
PEOPLE = {"Jane Doe": 111, "John Smith": 112, "Maria Garcia": 113, "David Kim": 114}
PEOPLE |= {"Sarah Johnson": 115, "Michael Brown": 116, "Emily Davis": 117, "Daniel Lee": 118}
PEOPLE |= {"Grace Wilson": 119}
TEAMS = {"Band": 22, "Tech": 23, "Hospitality": 24}
PLANS = {"2026-12-06": 5678, "2026-12-13": 5679, "2026-12-20": 5680, "Advent 3": 5679}


def _as_ids(doc: dict[str, Any]) -> None:
    def plan(value: Any) -> int:
        value = value.get("title") or value.get("date") if isinstance(value, dict) else value
        return value if isinstance(value, int) else PLANS[str(value)]

    if "service_type" in doc:
        doc["service_type"] = 1234
    if "person" in doc:
        doc["person"] = PEOPLE.get(doc["person"], doc["person"])
    for entry in doc.get("responses", []):
        entry["plan"] = plan(entry["plan"])
        if "team" in entry:
            entry["team"] = TEAMS.get(entry["team"], entry["team"])
    for roster in doc.get("rosters", []):
        roster["plan"] = plan(roster["plan"])
        for m in roster["team_members"]:
            m["person"], m["team"] = (
                PEOPLE.get(m["person"], m["person"]),
                TEAMS.get(m["team"], m["team"]),
            )


def attendee_id(ref: Any) -> int:
    """The demo seed's attendee id of a reference: attendee061@example.com and crm-0061 are attendee
    61."""
    if isinstance(ref, int):
        return ref
    digits = re.sub(r"\D", "", str(ref.get("email") or ref.get("import_id")))
    return (
        int(digits) if digits else 0
    )  # bob@, carol@: the seed's first attendees, below the range used


def free_attendees(
    rnd: random.Random, scheds: list[dict[str, Any]], n: int, taken: set[int]
) -> list[int]:
    """``n`` attendees on no declared schedule and none of ``taken`` (those on live schedules no
    file manages): Guidebook keeps one schedule per attendee, and validate refuses one declared on
    two."""
    used = taken | {attendee_id(a) for s in scheds for a in s["attendees"]}
    return rnd.sample([k for k in range(9, 100) if k not in used], n)


def edit_guidebook(
    rnd: random.Random, doc: dict[str, Any], n: int, taken: set[int] | None = None
) -> list[str]:
    scheds, done, taken = doc["schedules"], [], taken or set()
    for i in range(rnd.randint(1, 3)):
        s = rnd.choice(scheds)
        op = rnd.choice(["add_att", "rm_att", "add_sess", "rm_sess", "new", "drop", "rename"])
        if op == "add_att":
            k = free_attendees(rnd, scheds, 1, taken)[0]
            s["attendees"].append(
                rnd.choice(
                    [k, {"email": f"attendee{k:03d}@example.com"}, {"import_id": f"crm-0{k:03d}"}]
                )
            )
        elif op == "rm_att" and len(s["attendees"]) > 1:
            s["attendees"].pop(rnd.randrange(len(s["attendees"])))
        elif op == "add_sess":
            s["sessions"].append(
                rnd.choice([rnd.randint(1, 37), {"import_id": f"sess-{rnd.randint(1, 12):03d}"}])
            )
        elif op == "rm_sess" and len(s["sessions"]) > 1:
            s["sessions"].pop(rnd.randrange(len(s["sessions"])))
        elif op == "new":
            scheds.append(
                {
                    "name": f"Soak {n}-{i}",  # by edit: a drop then a new one never repeat a name
                    "attendees": free_attendees(rnd, scheds, 3, taken),
                    "sessions": rnd.sample(range(1, 38), 2),
                }
            )
        elif op == "drop" and not s["name"].startswith("VIP") and len(scheds) > 10:
            scheds.remove(s)
        elif op == "rename" and not s["name"].startswith("VIP"):
            s["name"] = f"{s['name']} R{n}"
        else:
            continue
        done.append(f"gb:{op}:{s['name']}")
    return done


def edit_rosters(rnd: random.Random, doc: dict[str, Any]) -> list[str]:
    done = []
    for _ in range(rnd.randint(1, 3)):
        roster = rnd.choice(doc["rosters"])
        members = roster["team_members"]
        others = [m for m in members if m["person"] != 111]
        op = rnd.choice(["position", "status", "notes", "add", "remove"])
        if op in ("position", "status", "notes") and others:
            m = rnd.choice(others)
            if op == "position":
                m["position"] = rnd.choice(TEAM_POSITIONS[m["team"]])
            elif op == "status":
                m["status"] = rnd.choice(["C", "U", "confirmed", "unconfirmed"])
            else:
                m["notes"] = rnd.choice(["soak", "Bring music", "Arrive 8:30"])
        elif op == "add":
            taken = {m["person"] for m in members}
            free = [p for p in range(120, 131) if p not in taken]
            team = rnd.choice(list(TEAM_POSITIONS))
            members.append(
                {
                    "person": rnd.choice(free),
                    "team": team,
                    "position": rnd.choice(TEAM_POSITIONS[team]),
                }
            )
        elif op == "remove" and len(others) > 1:
            members.remove(rnd.choice(others))
        else:
            continue
        done.append(f"pco:{op}:{roster['plan']}")
    return done


def edit_responses(rnd: random.Random, doc: dict[str, Any]) -> list[str]:
    if rnd.random() < 0.5:
        return []
    r = rnd.choice(doc["responses"])
    if r["response"] == "accepted":
        r["response"], r["reason"] = "declined", "soak"
    else:
        r["response"] = "accepted"
        r.pop("reason", None)
    return [f"resp:{r['plan']}:{r['response']}"]


# ---------------------------------------------------------------- the independent check
def live_problems(state: dict[str, Any], docs: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(duplicates, differences) between the sandbox's tables and the YAML, without using the
    tool."""
    dups, diffs = [], []
    atts = [a for a in state["gb_attendees"] if a["guide"] == 47]
    sess = [s for s in state["gb_sessions"] if s["guide"] == 47]

    def att(ref: Any) -> int:
        if isinstance(ref, int):
            return ref
        key = "email" if "email" in ref else "import_id"
        return next(a["id"] for a in atts if a[key] == ref[key])

    def ses(ref: Any) -> int:
        if isinstance(ref, int):
            return ref
        key = "name" if "name" in ref else "import_id"
        return next(s["id"] for s in sess if s[key] == ref[key])

    live = [s for s in state["gb_schedules"] if s["guide"] == 47]
    for name, n in Counter(s["name"] for s in live).items():
        if n > 1:
            dups.append(f"guidebook schedule {name!r} x{n}")
    summit = docs["summit-2026.yaml"]
    want = {
        s["name"]: ({att(a) for a in s["attendees"]}, {ses(x) for x in s["sessions"]})
        for s in summit["schedules"]
    }
    for s in live:
        if s["name"] in want:
            if (set(s["attendees"]), set(s["sessions"])) != want[s["name"]]:
                diffs.append(
                    f"schedule {s['name']!r}: live {sorted(s['attendees'])}/{sorted(s['sessions'])}"
                )
        elif not s["name"].startswith(("Manual", "VIP")):
            diffs.append(f"schedule {s['name']!r} live but not declared (prune)")
    for name in set(want) - {s["name"] for s in live}:
        diffs.append(f"schedule {name!r} missing")

    people = state["pco_plan_people"]
    for key, n in Counter((p["plan"], p["person"], p["team"]) for p in people).items():
        if n > 1:
            dups.append(f"pco member plan/person/team {key} x{n}")
    letter = {"confirmed": "C", "unconfirmed": "U", "declined": "D"}
    for roster in docs["sunday-services.yaml"]["rosters"]:
        on_plan = [p for p in people if p["plan"] == roster["plan"]]
        declared = {(m["person"], m["team"]) for m in roster["team_members"]}
        for m in roster["team_members"]:
            found = [p for p in on_plan if (p["person"], p["team"]) == (m["person"], m["team"])]
            if not found:
                diffs.append(f"member {roster['plan']}/{m['person']}/{m['team']} missing")
                continue
            p = found[0]
            if "position" in m and p["team_position_name"] != m["position"]:
                diffs.append(
                    f"member {roster['plan']}/{m['person']} position {p['team_position_name']!r}"
                )
            if "status" in m and p["status"] != letter.get(m["status"], m["status"]):
                diffs.append(f"member {roster['plan']}/{m['person']} status {p['status']!r}")
            if "notes" in m and p["notes"] != m["notes"]:
                diffs.append(f"member {roster['plan']}/{m['person']} notes {p['notes']!r}")
        if roster.get("prune"):
            for p in on_plan:
                if (p["person"], p["team"]) not in declared:
                    diffs.append(
                        f"member {roster['plan']}/{p['person']}/{p['team']} not declared (prune)"
                    )
    jane = docs["jane-doe.yaml"]
    for r in jane["responses"]:
        mine = [
            p
            for p in people
            if p["plan"] == r["plan"]
            and p["person"] == jane["person"]
            and ("team" not in r or p["team"] == r["team"])
        ]
        want_status = "C" if r["response"] == "accepted" else "D"
        if not mine or any(p["status"] != want_status for p in mine):
            diffs.append(f"response plan {r['plan']}: live {[p['status'] for p in mine]}")
    return dups, diffs


def planned_count(text: str) -> int:
    m = re.search(r"Plan: (\d+) to create, (\d+) to update, (\d+) to delete", text)
    return sum(map(int, m.groups())) if m else 0


def applied_count(text: str) -> int:
    m = re.search(r"Applied (\d+), failed 0, skipped 0", text)
    return int(m.group(1)) if m else -1


# ---------------------------------------------------------------- one round
class Soak:
    def __init__(self, sb: SandboxProcess, work: Path, rnd: random.Random) -> None:
        self.sb, self.work, self.rnd = sb, work, rnd
        self.env = {**os.environ, **sb.env(), "PROVISIONER_TIMEOUT": str(TIMEOUT)}
        self.examples = load_examples()

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-c", "from provisioner.cli import main; main()", *args]
        return subprocess.run(
            cmd, capture_output=True, text=True, env=self.env, cwd=self.work, timeout=300
        )

    def faults(self) -> list[dict[str, Any]]:
        rules = []
        for _ in range(self.rnd.randint(1, 3)):
            mode = self.rnd.choice(MODES)
            rule: dict[str, Any] = {
                "method": self.rnd.choice(["POST", "PATCH", "DELETE", "*"]),
                "path": self.rnd.choice(PATHS),
                "mode": mode,
                "times": self.rnd.randint(1, 2),
            }
            if mode == "status":
                rule |= {"status": self.rnd.choice([429, 500, 502, 503]), "retry_after": 0.1}
            elif mode == "timeout":
                rule |= {"delay": TIMEOUT + 0.5}
            elif mode == "commit_later":
                # within the documented window: the server gives up on a request about when the
                # client would
                rule |= {"delay": self.rnd.choice([0.2, TIMEOUT * 0.8])}
            rules.append(rule)
        return rules

    def round(self, n: int) -> dict[str, Any]:
        rnd = self.rnd
        control(self.sb, "POST", "reset", {"seed": "demo"})
        readings = {k: rnd.choice(v) for k, v in READINGS.items() if rnd.random() < 0.3}
        if readings:
            control(self.sb, "POST", "readings", readings)
        docs = copy.deepcopy(self.examples)
        declared = {s["name"] for s in docs["summit-2026.yaml"]["schedules"]}
        # attendees of live schedules no file manages (Manual Adjustments): not free either
        taken = {
            a
            for s in control(self.sb, "GET", "state")["gb_schedules"]
            if s["guide"] == 47 and s["name"] not in declared
            for a in s["attendees"]
        }
        edits = edit_guidebook(rnd, docs["summit-2026.yaml"], n, taken) + edit_rosters(
            rnd, docs["sunday-services.yaml"]
        )
        edits += edit_responses(rnd, docs["jane-doe.yaml"])
        d = self.work / "schedules"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
        for name, doc in docs.items():
            with open(d / name, "w") as f:
                _yaml.dump(doc, f)
        out: dict[str, Any] = {
            "round": n,
            "readings": readings,
            "edits": edits,
            "problems": [],
            "outputs": [],
        }
        plan = self.run("plan", "schedules", "--out", "plan.json", "-q")
        out["outputs"].append(("plan", plan.returncode, plan.stdout[-3000:] + plan.stderr[-3000:]))
        rules = self.faults()
        out["faults"], out["concurrent"] = rules, rnd.random() < 0.3
        if (
            out["concurrent"] and rnd.random() < 0.5
        ):  # the two applies' first creates meet at the server
            rules.insert(
                0, {"method": "POST", "path": "", "mode": "barrier", "times": 2, "delay": 1.0}
            )
        for r in rules:
            control(self.sb, "POST", "faults", r)
        results: list[tuple[str, subprocess.CompletedProcess[str]]] = []
        if plan.returncode == 0:
            self.apply_round(out, results)
        control(self.sb, "DELETE", "faults")
        time.sleep(TIMEOUT * 1.5 + 0.3)  # commit_later requests land
        for name, res in results:
            out["outputs"].append((name, res.returncode, res.stdout[-3000:] + res.stderr[-3000:]))
        after = self.run("plan", "schedules", "--detailed-exitcode", "-q")
        out["outputs"].append(
            ("plan-after", after.returncode, after.stdout[-3000:] + after.stderr[-3000:])
        )
        # Each writer is judged at its own exit: a copy the other writer's late commit adds after
        # one exits 0 is the other's to report (UNCERTAIN, exit 1). Both exiting 0 over it is issue
        # 23 #3.
        exits_0 = [res.returncode == 0 for _, res in results]
        if (
            exits_0
            and (all(exits_0) if out["concurrent"] else any(exits_0))
            and after.returncode != 0
        ):
            out["problems"].append("exit0-not-effective")
        if (
            not out["concurrent"]
            and results
            and results[0][1].returncode == 0
            and planned_count(plan.stdout + plan.stderr)
            != applied_count(results[0][1].stdout + results[0][1].stderr)
        ):
            out["problems"].append("plan-not-what-apply-did")
        final = after
        for i in range(2):
            if final.returncode == 0:
                break
            conv = self.run("apply", "schedules", "--auto-approve", "--force", "-q")
            out["outputs"].append(
                (f"converge{i}", conv.returncode, conv.stdout[-3000:] + conv.stderr[-3000:])
            )
            final = self.run("plan", "schedules", "--detailed-exitcode", "-q")
            out["outputs"].append(
                (f"plan-final{i}", final.returncode, final.stdout[-3000:] + final.stderr[-3000:])
            )
            if conv.returncode == 0 and final.returncode != 0:
                out["problems"].append("exit0-not-effective")
        # the tool cannot win against these by design; it must only say so (exit 1, named cause)
        unconvergeable = (
            readings.get("guidebook.patch_lists") == "merge"
            or readings.get("pco.member_create") == "team-lost"
        )
        if final.returncode != 0 and not unconvergeable:
            out["problems"].append("not-empty")
        dups, diffs = live_problems(control(self.sb, "GET", "state"), docs)
        if dups:
            out["problems"].append("duplicate")
            out["dups"] = dups
        if diffs and not (unconvergeable and final.returncode != 0):
            out["problems"].append("live-differs")
            out["diffs"] = diffs
        if any("Traceback" in o for _, _, o in out["outputs"]):
            out["problems"].append("traceback")
        out["problems"] = sorted(set(out["problems"]))
        out["converged"] = final.returncode == 0
        return out

    def apply_round(
        self, out: dict[str, Any], results: list[tuple[str, subprocess.CompletedProcess[str]]]
    ) -> None:
        def go(name: str, *args: str) -> None:
            results.append((name, self.run("apply", "schedules", *args, "--auto-approve", "-q")))

        threads = [threading.Thread(target=go, args=("apply", "--plan", "plan.json"))]
        if out["concurrent"]:
            threads.append(threading.Thread(target=go, args=("apply-2",)))
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=150)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-seconds", type=float, default=1800)
    ap.add_argument(
        "--log", default="soak-failures.jsonl", help="failing rounds, one JSON object a line"
    )
    ap.add_argument(
        "--edges-rounds",
        type=int,
        default=0,
        help="rounds of issue 23's scenarios first, in this process (benchmarks/soak_edges.py)",
    )
    args = ap.parse_args()
    edge_counts = edges(args.edges_rounds, args.seed) if args.edges_rounds else Counter[str]()
    rnd, start, counts = random.Random(args.seed), time.monotonic(), Counter[str]()
    with (
        tempfile.TemporaryDirectory() as tmp,
        SandboxProcess(str(Path(tmp) / "sb.db"), "demo") as sb,
        open(args.log, "w") as log,
    ):
        soak = Soak(sb, Path(tmp), rnd)
        for n in range(args.rounds):
            if time.monotonic() - start > args.max_seconds:
                break
            res = soak.round(n)
            counts["rounds"] += 1
            counts["concurrent"] += res["concurrent"]
            counts["converged"] += res["converged"]
            for p in res["problems"]:
                counts[p] += 1
            if res["problems"]:
                log.write(json.dumps(res) + "\n")
                log.flush()
            print(
                f"round {n}: {','.join(res['problems']) or 'ok'} readings={res['readings']} "
                f"faults={[(f['method'], f['path'], f['mode']) for f in res['faults']]}",
                flush=True,
            )
    print(json.dumps(dict(counts), indent=1))
    found = [k for k in counts if k not in ("rounds", "concurrent", "converged")]
    found += [k for k in edge_counts if k != "rounds" and not k.startswith("scenario:")]
    return 1 if found else 0


def edges(rounds: int, seed: int) -> Counter[str]:
    """Issue 23's scenarios, in process against an in-process sandbox (soak_edges.py)."""
    from datetime import date

    from soak_edges import run_rounds

    from provisioner_sandbox import SandboxServer

    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory() as tmp,
        SandboxServer(seed="demo", today=date(2026, 11, 29)) as sb,
    ):
        counts = run_rounds(sb, Path(tmp), seed, rounds)
    print(json.dumps({**counts, "seconds": round(time.monotonic() - started, 1)}, indent=1))
    return counts


if __name__ == "__main__":
    sys.exit(main())
