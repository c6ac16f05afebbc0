"""Soak rounds for issue 23's edges, in one process: the sandbox in this process, the CLI through
click's runner, a second writer through the engine on a thread, every wait on a fake clock. A late
commit is made to land inside the window the tool waits for (FakeClock.call_at), so a round is
deterministic for its seed.

Each round resets the sandbox, picks read readings (ordering ignored, small pages, no count: issue
23 #1), writes a file of new schedules for guide 47 and plays one scenario:

  late-two-writers  two writers apply the same file at once and both creates land late (#3)
  dropped-create    the first create is dropped, before or after it commits (#2)
  person-creates    a person makes the same name by hand while the run applies (#2); prune is off
  ghost-free        pages read from a server that ignores `ordering` while another client writes (#1):
                    an id comes twice, and nothing may be taken for its own twin (any DELETE is a ghost)
  pco-ghosts        Planning Center lists deleted declined members (pco.deleted_declined=listed, ISSUE#663):
                    a ghost is there already, the run removes a declined member (a new ghost) and adds one,
                    its create dropped after commit; ghosts are never live members, nothing is duplicated

then clears the faults, lets late commits land and converges with up to two fault-free applies. It
checks:

  exit0-not-effective  an apply exited 0 but a plan right after it is not empty (a duplicate counts)
  deleted-declared     a schedule the file declares is not live at the end
  deleted-other        an object a person or another writer made was deleted by this run's writer
  ghost                at the end, live holds a second copy of a declared name nobody made by hand
  ghost-delete         a run deleted something where nothing is undeclared (an object taken for its twin)
  duplicate            two Planning Center members of one plan, person and team
  not-empty            after the fault-free applies, a plan is still not empty
  traceback            a command ended in an exception

`python benchmarks/soak.py --edges-rounds 300` runs them at length; tests/test_soak_edges.py runs a
few in `make test`.
"""

from __future__ import annotations

import os
import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from provisioner.cli import main
from provisioner.core.clock import FakeClock

SCENARIOS = ("late-two-writers", "dropped-create", "person-creates", "ghost-free", "pco-ghosts")
READS = {  # the readings that change how a guide's pages are read
    "guidebook.ordering": ["honoured", "ignored"],
    "guidebook.page_size": ["honoured", "3", "7"],
    "guidebook.count": ["present", "absent"],
}
GB = "personalized-schedules"
TIMEOUT = 1.0  # PROVISIONER_TIMEOUT; every wait is on a fake clock


def sandbox_env(sb: Any) -> dict[str, str]:
    return {
        **sb.client_env(),
        "PROVISIONER_TIMEOUT": str(TIMEOUT),
        "NO_COLOR": "1",
    }


@dataclass
class Round:
    n: int
    scenario: str
    readings: dict[str, str]
    declared: list[str]
    exits: list[tuple[str, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)


class EdgeSoak:
    """Rounds against the in-process sandbox ``sb``, files under ``work``."""

    def __init__(self, sb: Any, work: Path, rnd: random.Random) -> None:
        self.sb, self.work, self.rnd = sb, work, rnd
        self.env = sandbox_env(sb)

    # -- commands
    # ----------------------------------------------------------------------------------------

    def cli(self, r: Round, *args: str) -> int:
        clock = FakeClock()
        clock.call_at(TIMEOUT, self.sb.wait_for_late_commits)  # late commits land in the window
        res = CliRunner().invoke(main, list(args), env=self.env, obj=clock)
        if res.exception is not None and not isinstance(res.exception, SystemExit):
            r.problems.append("traceback")
            r.outputs.append(f"{args}: {res.exception!r}")
        r.outputs.append(f"{' '.join(args[:1])} -> {res.exit_code}\n{res.output[-2000:]}")
        return res.exit_code

    def engine_apply(self, d: Path) -> int:
        """The second writer: the same YAML through the engine (the CLI's runner is one per
        process)."""
        from provisioner import engine
        from provisioner.core.errors import ProvisionerError

        clock = FakeClock()
        clock.call_at(TIMEOUT, self.sb.wait_for_late_commits)
        settings = engine.Settings(4, None, clock, {**os.environ, **self.env})
        try:
            planned = engine.plan(engine.load([str(d)]), [str(d)], settings=settings)
            if planned.run.plan.empty:
                return 0
            report = engine.apply(planned)
        except ProvisionerError:
            return 1
        return 0 if report.ok and not report.failed_steps else 1

    # -- one round
    # ---------------------------------------------------------------------------------------

    def round(self, n: int, scenario: str | None = None) -> Round:
        rnd, sb = self.rnd, self.sb
        sb.reset("demo")
        readings = {k: rnd.choice(v) for k, v in READS.items() if rnd.random() < 0.5}
        if readings:
            sb.set_readings(readings)
        scenario = scenario or rnd.choice(SCENARIOS)
        names = [f"Soak {n}-{i}" for i in range(rnd.randint(1, 3))]
        r = Round(n, scenario, readings, names)
        d = self.work / f"round-{n}"
        d.mkdir(parents=True, exist_ok=True)
        free = iter(
            rnd.sample([1, 2, 3, 4, 5, 15, 16, 17, 18, 19, 27, 29, 44, 46, 48], 2 * len(names))
        )
        # Prune on (the whole guide declared as it is, plus the new names), so the next run repairs
        # what a run leaves; off where a person's copy must stay (#2: never deleted as "this run's
        # copy").
        prune = scenario != "person-creates"
        lines = [f"provider: guidebook\nguide: 47\nprune: {str(prune).lower()}\nschedules:\n"]
        if prune:
            lines += [
                f"  - {{name: {s['name']!r}, attendees: {s['attendees']}, sessions: "
                f"{s['sessions']}}}\n"
                for s in sb.store.guidebook_schedules(47)
            ]
        lines += [
            f"  - {{name: {name}, attendees: [{next(free)}, {next(free)}], "
            f"sessions: [{rnd.randint(1, 37)}]}}\n"
            for name in names
        ]
        (d / "s.yaml").write_text("".join(lines), encoding="utf-8")
        others = getattr(self, scenario.replace("-", "_"))(r, d)
        sb.clear_faults()
        sb.wait_for_late_commits()
        self._converge(r, d)
        self._check_end(r, others)
        r.problems = sorted(set(r.problems))
        return r

    def late_two_writers(self, r: Round, d: Path) -> set[int]:
        self.sb.add_fault(method="POST", path=GB, mode="commit_later", delay=0.05, times=2)
        second: list[int] = []

        def other_writer() -> None:
            try:
                second.append(self.engine_apply(d))
            except Exception as e:  # a bug: counted, never a silent thread death
                r.problems.append("traceback")
                r.outputs.append(f"second writer: {e!r}")
                second.append(1)

        thread = threading.Thread(target=other_writer)
        thread.start()
        first = self.cli(r, "apply", str(d), "--auto-approve", "-q")
        thread.join()
        self.sb.wait_for_late_commits()
        r.exits += [("apply", first), ("apply-2", second[0])]
        # Each writer is judged at its own exit: a copy the other's late commit adds afterwards is
        # that writer's to report (exit 1). Both exiting 0 over a duplicate is issue 23 #3.
        self._after_exit_0(r, d, first == 0 and second[0] == 0)
        return set()  # the other writer applies the same YAML: the lowest id is everyone's copy

    def dropped_create(self, r: Round, d: Path) -> set[int]:
        mode = self.rnd.choice(["drop_before", "drop_after_commit"])
        self.sb.add_fault(method="POST", path=GB, mode=mode, times=1)
        code = self.cli(r, "apply", str(d), "--auto-approve", "-q")
        r.exits.append(("apply", code))
        self._after_exit_0(r, d, code == 0)
        return set()

    def person_creates(self, r: Round, d: Path) -> set[int]:
        """A person makes the first declared name by hand just after this run's copy appears."""
        made: dict[str, int] = {}
        name = r.declared[0]

        def person(store: Any) -> None:
            if "id" not in made and any(s["name"] == name for s in store.guidebook_schedules(47)):
                made["id"] = store.add_guidebook_schedule(47, name, [97], [1])

        self.sb.add_hook(person, method="GET", path=GB, times=-1)
        if self.rnd.random() < 0.5:
            self.sb.add_fault(method="POST", path=GB, mode="drop_after_commit", times=1)
        code = self.cli(r, "apply", str(d), "--auto-approve", "-q")
        r.exits.append(("apply", code))
        self.sb.clear_faults()
        self._after_exit_0(r, d, code == 0)
        return {made["id"]} if made else set()

    def ghost_free(self, r: Round, d: Path) -> set[int]:
        """Issue 23 #1: pages read one `next` link after another from a server that ignores
        `ordering` while another client writes during the read: an id comes twice. Nothing is
        undeclared here (prune on, the whole guide declared), so any DELETE is a ghost: an object
        taken for its own twin."""
        self.sb.set_readings({"guidebook.ordering": "ignored", "guidebook.page_size": "3"})
        rows = self.sb.store.guidebook_schedules(47)
        # The other client writes what is there already: the storage order moves (any write
        # reshuffles it under this reading) while every object stays as the YAML declares it.
        victims = {k: self.rnd.choice(rows) for k in self.rnd.sample(range(2, 9), 3)}
        self.sb.add_hook(_patch_during_read(self.sb, victims), method="GET", path=GB, times=-1)
        code = self.cli(r, "apply", str(d), "--auto-approve", "-q")
        r.exits.append(("apply", code))
        if any(q["method"] == "DELETE" for q in self.sb.requests()):
            r.problems.append("ghost-delete")
        self._after_exit_0(r, d, code == 0)
        return set()

    def pco_ghosts(self, r: Round, d: Path) -> set[int]:
        sb = self.sb
        sb.set_readings(
            {
                "pco.deleted_declined": "listed",
                "pco.not_deleted_filter": self.rnd.choice(["supported", "ignored", "refused"]),
            }
        )
        sb.store.add_ghost_member(5678, 126, 23, "Audio")  # deleted after declining, still listed
        members = [
            m for m in sb.store.team_members(5678) if m["status"] != "D"
        ]  # 114 declined: removed
        new = self.rnd.choice([(120, 22, "Keys"), (121, 23, "Video"), (122, 24, "Coffee")])
        (d / "r.yaml").write_text(
            "provider: planning_center\nservice_type: 1234\nrosters:\n  - plan: 5678\n"
            "    prune: true\n    team_members:\n"
            + "".join(
                f"      - {{person: {m['person']}, team: {m['team']}, "
                f"position: {m['team_position_name']}}}\n"
                for m in members
            )
            + "      - {{person: {}, team: {}, position: {}}}\n".format(*new),
            encoding="utf-8",
        )
        sb.add_fault(method="POST", path="team_members|plan_people", mode="drop_after_commit")
        code = self.cli(r, "apply", str(d), "--auto-approve", "-q")
        r.exits.append(("apply", code))
        self._after_exit_0(r, d, code == 0)
        self._converge(r, d)
        seen = Counter((m["person"], m["team"]) for m in sb.store.team_members(5678))
        if any(n > 1 for n in seen.values()):
            r.problems.append("duplicate")
        if seen[new[:2]] != 1 or any(seen[(m["person"], m["team"])] != 1 for m in members):
            r.problems.append("deleted-declined" if seen[new[:2]] else "not-empty")
        return set()

    # -- checks
    # ------------------------------------------------------------------------------------------

    def _after_exit_0(self, r: Round, d: Path, exit_0: bool) -> None:
        """No exit 0 over doubt: a plan right after an exit 0 is empty (no change, no duplicate)."""
        self.sb.clear_faults()
        self.sb.wait_for_late_commits()
        if exit_0 and self.cli(r, "plan", str(d), "--detailed-exitcode", "-q") != 0:
            r.problems.append("exit0-not-effective")

    def _converge(self, r: Round, d: Path) -> None:
        for _ in range(2):
            if self.cli(r, "plan", str(d), "--detailed-exitcode", "-q") == 0:
                return
            self.cli(r, "apply", str(d), "--auto-approve", "-q")

    def _check_end(self, r: Round, others: set[int]) -> None:
        live = self.sb.store.guidebook_schedules(47)
        ids = {s["id"] for s in live}
        names = Counter(s["name"] for s in live)
        if any(names[n] == 0 for n in r.declared):
            r.problems.append("deleted-declared")
        if others - ids:
            r.problems.append("deleted-other")
        by_hand = {s["name"] for s in live if s["id"] in others}
        if any(names[n] > 1 and n not in by_hand for n in r.declared):
            r.problems.append("ghost")
        deletes = [q for q in self.sb.requests() if q["method"] == "DELETE"]
        if any(str(q["path"]).rstrip("/").rsplit("/", 1)[-1] in map(str, others) for q in deletes):
            r.problems.append("deleted-other")
        # A person's copy of a declared name stays (prune is off): plan says so with exit 2, by
        # design.
        allowed = {0, 2} if by_hand & set(r.declared) else {0}
        d = self.work / f"round-{r.n}"
        if self.cli(r, "plan", str(d), "--detailed-exitcode", "-q") not in allowed:
            r.problems.append("not-empty")


def _patch_during_read(sb: Any, victims: dict[int, dict[str, Any]]) -> Callable[[Any], None]:
    """On the n-th GET of the schedules (n in ``victims``), another client PATCHes schedule
    ``victims[n]`` with its own sessions through the API first: a real write mid-read, which
    reshuffles an unordered list and changes nothing else."""
    import json
    import urllib.request

    from provisioner_sandbox import GUIDEBOOK_KEY

    calls = {"n": 0}

    def write(store: Any) -> None:
        calls["n"] += 1
        if calls["n"] in victims:
            row = victims[calls["n"]]
            request = urllib.request.Request(
                f"{sb.guidebook_url}personalized-schedules/{row['id']}/",
                data=json.dumps({"sessions": row["sessions"]}).encode(),
                method="PATCH",
                headers={
                    "Authorization": f"JWT {GUIDEBOOK_KEY}",
                    "Content-Type": "application/json",
                },
            )
            urllib.request.urlopen(request).close()

    return write


def run_rounds(
    sb: Any, work: Path, seed: int, rounds: int, say: Callable[[str], None] = print
) -> Counter[str]:
    """``rounds`` rounds (the scenarios in turn, then at random); counts of rounds, scenarios,
    problems."""
    soak, counts = EdgeSoak(sb, work, random.Random(seed)), Counter[str]()
    for n in range(rounds):
        r = soak.round(n, SCENARIOS[n] if n < len(SCENARIOS) else None)
        counts["rounds"] += 1
        counts[f"scenario:{r.scenario}"] += 1
        counts.update(r.problems)
        say(
            f"edges round {n} {r.scenario}: {','.join(r.problems) or 'ok'} exits={r.exits} "
            f"readings={r.readings}"
        )
        if r.problems:
            say("\n".join(r.outputs))
    return counts
