"""Request counts, wall time, diff CPU and memory of plan and apply against the sandbox. Prints;
asserts nothing.

    python benchmarks/run.py --write benchmarks/RESULTS.md   # full run (`make bench`), results written
    python benchmarks/run.py --quick      # smoke run in seconds (what the test suite runs)
    python benchmarks/run.py --skip-pco   # without the rate-limited Planning Center apply

The sandbox runs in its own process (benchmarks/sandbox_proc.py) with injected latency per request.
Lower bounds: a read costs one request per list page (the sandbox, like Guidebook, serves at most
100 items a page) and a change one write; the sequential bound is requests x latency, what one
request at a time would take if neither side spent any CPU.
"""

from __future__ import annotations

import argparse
import datetime
import io
import math
import os
import platform
import random
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import names
import scale
import waits
from sandbox_proc import SandboxProcess

from provisioner.applying import run as applying
from provisioner.core.outcomes import Survey
from provisioner.core.records import Record, Scope, Workspace
from provisioner.files.loader import load_workspace
from provisioner.planning import run as planning
from provisioner.planning.diff import diff_scope
from provisioner.planning.reading import Workers
from provisioner.providers import registry
from provisioner_sandbox import GUIDEBOOK_KEY

# the most items a list page holds (the sandbox's max page_size, our PAGE_SIZE and PER_PAGE)
PAGE = 100


@dataclass(frozen=True)
class Config:
    guides: int = 30
    schedules: int = 200
    sessions: int = 100
    attendees: int = 100
    latency: float = 0.02
    parallelism: int = 8
    slow_latency: float = 0.1  # plan is measured again at this latency (0 = not)
    drift_percent: float = 1.0
    naive_guides: int = (
        3  # the naive baseline is measured on this many guides and scaled to all of them
    )
    diff_schedules: int = 10_000
    diff_items: int = 100
    pco_limit: int = 100
    pco_period: int = 20
    pco_plans: int = 10
    pco_members: int = 30

    @property
    def seed(self) -> str:
        return (
            f"bench:guides={self.guides},schedules={self.schedules},sessions={self.sessions},"
            f"attendees={self.attendees}"
        )


QUICK = Config(
    guides=5,
    schedules=50,
    latency=0.02,
    slow_latency=0,
    naive_guides=1,
    diff_schedules=1000,
    pco_limit=10,
    pco_period=2,
    pco_plans=3,
    pco_members=10,
)


# -- output
# ------------------------------------------------------------------------------------------------


def head(title: str) -> None:
    print(f"\n## {title}", flush=True)


def show(label: str, value: str) -> None:
    print(f"  {label:<44} {value}", flush=True)


VERDICTS: list[
    tuple[str, str, bool]
] = []  # (target, measured, met): the table RESULTS.md ends with


def verdict(target: str, measured: str, met: bool) -> None:
    VERDICTS.append((target, measured, met))


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


@contextmanager
def timed() -> Iterator[dict[str, float]]:
    """Wall and CPU seconds of the block (CPU: this process, all threads)."""
    out: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    yield out
    out["wall"], out["cpu"] = time.perf_counter() - wall, time.process_time() - cpu


# -- Guidebook: data and YAML
# ------------------------------------------------------------------------------


def live_schedules(db: str) -> dict[int, list[tuple[int, str, list[int], list[int]]]]:
    """(id, name, attendees, sessions) of every schedule, by guide, read straight from the sandbox's
    file."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    links: dict[int, tuple[list[int], list[int]]] = {}
    for index, table, col in (
        (0, "gb_schedule_attendees", "attendee"),
        (1, "gb_schedule_sessions", "session"),
    ):
        for sid, value in conn.execute(
            f"SELECT schedule, {col} FROM {table} ORDER BY schedule, {col}"
        ):
            links.setdefault(sid, ([], []))[index].append(value)
    out: dict[int, list[tuple[int, str, list[int], list[int]]]] = {}
    for sid, guide, name in conn.execute("SELECT id, guide, name FROM gb_schedules ORDER BY id"):
        att, ses = links.get(sid, ([], []))
        out.setdefault(guide, []).append((sid, name, att, ses))
    conn.close()
    return out


def write_yaml(live: dict[int, list[tuple[int, str, list[int], list[int]]]], folder: Path) -> None:
    """One file per guide declaring exactly the live schedules, by id (flow lists keep the files
    short)."""
    folder.mkdir(parents=True, exist_ok=True)
    for guide, rows in live.items():
        lines = ["provider: guidebook", f"guide: {guide}", "schedules:"]
        for _, name, att, ses in rows:
            lines += [f"  - name: {name}", f"    attendees: {att}", f"    sessions: {ses}"]
        (folder / f"guide-{guide}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def drift(
    sb: SandboxProcess, live: dict[int, list[tuple[int, str, list[int], list[int]]]], percent: float
) -> int:
    """Change ~percent% of the live schedules behind the YAML's back (drop a session): apply must
    undo it."""
    rows = [r for guide in live.values() for r in guide]
    chosen = random.Random(7).sample(rows, max(1, round(len(rows) * percent / 100)))
    http = requests.Session()
    for sid, _, _, sessions in chosen:
        http.patch(
            f"{sb.guidebook_url}personalized-schedules/{sid}/",
            json={"sessions": sessions[1:]},
            headers={"Authorization": f"JWT {GUIDEBOOK_KEY}"},
        ).raise_for_status()
    return len(chosen)


# -- Guidebook: measurements
# --------------------------------------------------------------------------------


def methods(log: list[dict[str, Any]]) -> Counter[str]:
    return Counter(str(r["method"]) for r in log)


def pages(items: int) -> int:
    return max(1, math.ceil(items / PAGE))


def plan_once(
    env: dict[str, str], ws: Workspace, parallelism: int, *, labels: bool
) -> tuple[Survey, dict[str, float]]:
    workers = Workers(registry.build(ws, env), parallelism=parallelism)
    with timed() as t:
        run = planning.survey(workers, ws, want_labels=labels)
    return run, t


def diff_cpu(run: Survey) -> float:
    """CPU seconds of the diff step alone, over the records the plan was computed from."""
    cpu = time.process_time()
    for scope in run.scopes:
        key = (scope.provider, scope.name)
        diff_scope(scope, run.desired[key], run.live[key])
    return time.process_time() - cpu


def bench_plan(cfg: Config, sb: SandboxProcess, ws: Workspace) -> None:
    env = sb.env()
    bound = cfg.guides * pages(cfg.schedules)
    head(f"plan --format json: {cfg.guides} guides x {cfg.schedules} schedules, declared = live")
    sb.clear_requests()
    _, cold = plan_once(
        env, ws, cfg.parallelism, labels=False
    )  # pays imports, connections, cold caches
    sb.clear_requests()
    run, t = plan_once(env, ws, cfg.parallelism, labels=False)
    sent = len(sb.requests())
    seq = sent * cfg.latency
    show("changes found", str(len(run.plan.changes)))
    show("requests sent / lower bound", f"{sent} / {bound} ({(sent - bound) / bound:+.0%})")
    show(
        f"wall time (parallelism {cfg.parallelism})",
        f"{t['wall']:.2f} s (CPU {t['cpu']:.2f} s); first run in the process {cold['wall']:.2f} s",
    )
    show("sequential bound (requests x latency)", f"{seq:.2f} s -> {ratio(seq, t['wall'])} faster")
    verdict(
        f"plan of {cfg.guides} guides x {cfg.schedules} at {cfg.latency * 1000:g} ms at least 4x "
        "faster than "
        "the sequential bound",
        f"{seq / t['wall']:.2f}x",
        seq / t["wall"] >= 4,
    )
    show("CPU time of the diff step", f"{diff_cpu(run) * 1000:.0f} ms")
    cost = server_cost(sb, cfg)
    show(
        "round trip per page beyond the latency",
        f"{cost * 1000:.0f} ms, one page at a time (one store lock)",
    )
    show(
        "floor set by the sandbox alone",
        f"{sent} pages x {cost * 1000:.0f} ms = {sent * cost:.2f} s of its CPU "
        f"in one process -> at most {ratio(seq, sent * cost)} faster",
    )
    sb.clear_requests()
    _, t1 = plan_once(env, ws, 1, labels=False)
    show(
        "measured sequential run (parallelism 1)",
        f"{t1['wall']:.2f} s -> {ratio(t1['wall'], t['wall'])} faster",
    )
    tracemalloc.start()
    plan_once(env, ws, cfg.parallelism, labels=False)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    show("peak memory allocated during plan", f"{peak / 2**20:.0f} MiB (tracemalloc)")

    head("plan (text: also reads sessions and attendees for names)")
    sb.clear_requests()
    _, t = plan_once(env, ws, cfg.parallelism, labels=True)
    sent, bound = (
        len(sb.requests()),
        cfg.guides * (pages(cfg.schedules) + pages(cfg.sessions) + pages(cfg.attendees)),
    )
    show("requests sent / lower bound", f"{sent} / {bound} ({(sent - bound) / bound:+.0%})")
    show(
        "wall time",
        f"{t['wall']:.2f} s; sequential bound {sent * cfg.latency:.2f} s "
        f"-> {ratio(sent * cfg.latency, t['wall'])} faster",
    )


def server_cost(sb: SandboxProcess, cfg: Config, tries: int = 5) -> float:
    """What the emulator itself spends on a full schedules page: a floor under any client's wall
    time."""
    http, url = (
        requests.Session(),
        f"{sb.guidebook_url}personalized-schedules/?guide=1001&page_size={PAGE}",
    )
    http.get(url, headers={"Authorization": f"JWT {GUIDEBOOK_KEY}"})  # connect first
    start = time.perf_counter()
    for _ in range(tries):
        http.get(url, headers={"Authorization": f"JWT {GUIDEBOOK_KEY}"}).raise_for_status()
    return (time.perf_counter() - start) / tries - cfg.latency


def bench_plan_latency(cfg: Config, tmp: Path, ws: Workspace, latency: float) -> None:
    """The same plan against a slower API: the sandbox's own cost per page matters less, concurrency
    more."""
    head(f"plan --format json at {latency * 1000:g} ms per request (same data, a second sandbox)")
    with SandboxProcess(str(tmp / f"guidebook-{latency}.sqlite3"), cfg.seed, latency=latency) as sb:
        plan_once(
            sb.env(), ws, cfg.parallelism, labels=False
        )  # warm the new server's caches, as above
        sb.clear_requests()
        _, t = plan_once(sb.env(), ws, cfg.parallelism, labels=False)
        sent = len(sb.requests())
        show("requests sent", str(sent))
        show(
            f"wall time (parallelism {cfg.parallelism})",
            f"{t['wall']:.2f} s; sequential bound "
            f"{sent * latency:.2f} s -> "
            f"{ratio(sent * latency, t['wall'])} faster",
        )


def bench_apply(
    cfg: Config,
    sb: SandboxProcess,
    ws: Workspace,
    live: dict[int, list[tuple[int, str, list[int], list[int]]]],
) -> None:
    changed = drift(sb, live, cfg.drift_percent)
    head(
        f"apply: {changed} schedules ({cfg.drift_percent:g}%) drifted, as `apply` runs it (plan "
        "with names, "
        "writes, verify)"
    )
    sb.clear_requests()
    workers = Workers(registry.build(ws, sb.env()), parallelism=cfg.parallelism)
    with timed() as t:
        run = planning.survey(workers, ws, want_labels=True)
        report = applying.apply(workers, run)
    log = sb.requests()
    count = methods(log)
    reads = cfg.guides * (pages(cfg.schedules) + pages(cfg.sessions) + pages(cfg.attendees))
    touched = len({c.scope for c in run.plan.changes})
    verify = touched * pages(cfg.schedules)
    bound = reads + len(run.plan.changes)
    unconverged = f" ({len(report.unconverged)} did not converge)" if report.unconverged else ""
    show(
        "changes applied / failed",
        f"{report.count('applied')} / {report.count('failed')}{unconverged}",
    )
    show("requests sent", f"{len(log)} ({', '.join(f'{m} {n}' for m, n in sorted(count.items()))})")
    show(
        "lower bound: list pages + one write/change",
        f"{bound} (+{verify} verify re-reads of {touched} guides by design = {bound + verify})",
    )
    seq = len(log) * cfg.latency
    show(
        "wall time",
        f"{t['wall']:.2f} s; sequential bound {seq:.2f} s -> {ratio(seq, t['wall'])} faster",
    )
    again = planning.survey(Workers(registry.build(ws, sb.env())), ws)
    show("plan right after apply", again.plan.summary_line())


def bench_naive(cfg: Config, sb: SandboxProcess, ours_requests: int, ours_wall: float) -> None:
    """One GET per object, one at a time, after listing the ids: what 'never one GET per object'
    avoids."""
    sample = cfg.guides if cfg.naive_guides <= 0 else min(cfg.guides, cfg.naive_guides)
    head(
        f"naive baseline: list ids, then GET each schedule sequentially (measured on {sample} of "
        f"{cfg.guides} guides)"
    )
    http, auth = requests.Session(), {"Authorization": f"JWT {GUIDEBOOK_KEY}"}
    sb.clear_requests()
    with timed() as t:
        for guide in range(1001, 1001 + sample):
            url: str | None = (
                f"{sb.guidebook_url}personalized-schedules/?guide={guide}&page_size={PAGE}"
            )
            ids = []
            while url:
                page = http.get(url, headers=auth).json()
                ids += [row["id"] for row in page["results"]]
                url = page["next"]
            for sid in ids:
                http.get(
                    f"{sb.guidebook_url}personalized-schedules/{sid}/", headers=auth
                ).raise_for_status()
    sent, scale = len(sb.requests()), cfg.guides / sample
    show("requests / wall time (sample)", f"{sent} / {t['wall']:.2f} s")
    show(
        f"scaled to {cfg.guides} guides",
        f"{round(sent * scale)} requests, {t['wall'] * scale:.1f} s",
    )
    show(
        "naive / ours (plan --format json)",
        f"{ratio(sent * scale, ours_requests)} requests, "
        f"{ratio(t['wall'] * scale, ours_wall)} wall time",
    )


def bench_guidebook(cfg: Config, tmp: Path) -> None:
    db = str(tmp / "guidebook.sqlite3")
    with timed() as t:
        sb = SandboxProcess(db, cfg.seed, latency=cfg.latency)
    with sb:
        live = live_schedules(db)
        write_yaml(live, tmp / "schedules")
        head(f"setup: seed {cfg.seed}, latency {cfg.latency * 1000:g} ms per request")
        show("seed + sandbox start", f"{t['wall']:.1f} s")
        with timed() as t:
            ws = load_workspace([str(tmp / "schedules")])
        total = sum(len(rows) for rows in live.values())
        show(
            f"load + validate YAML ({total} schedules)",
            f"{t['wall']:.1f} s (before any request; not in the figures below)",
        )
        bench_plan(cfg, sb, ws)
        sb.clear_requests()
        _, ours = plan_once(sb.env(), ws, cfg.parallelism, labels=False)
        ours_requests = len(sb.requests())
        bench_naive(cfg, sb, ours_requests, ours["wall"])
        bench_apply(cfg, sb, ws, live)
    if cfg.slow_latency:
        bench_plan_latency(cfg, tmp, ws, cfg.slow_latency)


# -- diff micro-benchmark
# ----------------------------------------------------------------------------------


def bench_diff(cfg: Config) -> None:
    n, k = cfg.diff_schedules, cfg.diff_items
    head(f"diff micro-benchmark: {n} schedules x {k} sessions + {k} attendees, a few % different")
    rng = random.Random(11)
    live = {
        f"Schedule {i:05d}": Record(
            f"Schedule {i:05d}",
            {
                "attendees": sorted(rng.sample(range(1, 20_001), k)),
                "sessions": sorted(rng.sample(range(1, 2001), k)),
            },
            id=i,
        )
        for i in range(n)
    }
    desired = {key: Record(key, dict(rec.values)) for key, rec in live.items()}
    keys = list(desired)
    for key in rng.sample(keys, n * 3 // 100):  # 3% updated: a session swapped, an attendee added
        values = desired[key].values
        desired[key] = Record(
            key,
            {
                "attendees": sorted({*values["attendees"], 20_001}),
                "sessions": sorted({*values["sessions"][1:], 2001}),
            },
        )
    for key in rng.sample(keys, n // 200):  # 0.5% deleted, 0.5% new
        desired.pop(key, None)
    desired.update(
        {
            f"New {i}": Record(f"New {i}", {"attendees": [1, 2], "sessions": [3]})
            for i in range(n // 200)
        }
    )
    scope = Scope("guidebook", "guide 1", {"guide": 1})
    cpu = time.process_time()
    changes = diff_scope(scope, desired, live)
    spent = time.process_time() - cpu
    show("changes found", str(Counter(c.action for c in changes)))
    show("CPU time of diff_scope", f"{spent * 1000:.0f} ms (target < 1000 ms)")


# -- Planning Center: a paced apply
# ------------------------------------------------------------------------


def roster_yaml(cfg: Config) -> str:
    """Every bench member of every bench plan, confirmed (the seed has them all unconfirmed): one
    update each."""
    teams = (22, 23, 24)  # the bench seed's member m is person 111 + m % 20 on team teams[m % 3]
    lines = ["provider: planning_center", "service_type: 1234", "rosters:"]
    for p in range(cfg.pco_plans):
        lines += [f"  - plan: {10001 + p}", "    team_members:"]
        lines += [
            f"      - {{person: {111 + m % 20}, team: {teams[m % 3]}, status: C}}"
            for m in range(cfg.pco_members)
        ]
    return "\n".join(lines) + "\n"


def bench_pco(cfg: Config, tmp: Path) -> None:
    changes = cfg.pco_plans * cfg.pco_members
    head(
        f"Planning Center apply: {changes} roster changes under {cfg.pco_limit} requests per "
        f"{cfg.pco_period} s"
    )
    folder = tmp / "pco"
    folder.mkdir()
    (folder / "rosters.yaml").write_text(roster_yaml(cfg), encoding="utf-8")
    seed = f"bench:guides=0,schedules=0,sessions=0,attendees=0,plans={cfg.pco_plans},members={cfg.pco_members}"
    with SandboxProcess(
        str(tmp / "pco.sqlite3"),
        seed,
        latency=cfg.latency,
        pco_rate_limit=cfg.pco_limit,
        pco_rate_period=cfg.pco_period,
    ) as sb:
        env = {**os.environ, **sb.env(), "NO_COLOR": "1"}
        cli: Callable[..., subprocess.CompletedProcess[str]] = lambda *args: subprocess.run(  # noqa: E731
            [sys.executable, "-c", "from provisioner.cli import main; main()", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        sb.clear_requests()
        with timed() as t:
            done = cli("apply", str(folder), "--auto-approve")
        log = sb.requests()
        statuses = Counter(r["status"] for r in log)
        floor = (
            (len(log) - 1) // max(1, cfg.pco_limit - 2) * cfg.pco_period
        )  # our pacer keeps a margin of 2
        show(
            "apply exit code",
            str(done.returncode) + ("" if done.returncode == 0 else f": {done.stderr[-500:]}"),
        )
        show("last line", (done.stdout.strip().splitlines() or ["(none)"])[-1])
        show(
            "requests sent",
            f"{len(log)} ({', '.join(f'{m} {n}' for m, n in sorted(methods(log).items()))})",
        )
        show("429 answers seen by the server", str(statuses.get(429, 0)))
        show(
            "wall time (CLI, process start included)", f"{t['wall']:.1f} s (pacing floor {floor} s)"
        )
        again = cli("plan", str(folder), "--detailed-exitcode")
        show(
            "plan right after apply",
            f"exit {again.returncode} ({again.stdout.strip().splitlines()[0]})",
        )


def bench_scale(quick: bool, tmp: Path) -> None:
    sizes = scale.QUICK if quick else scale.Sizes()
    scale.bench_validate(sizes, tmp, show, verdict, head)
    scale.bench_validate_big(sizes, tmp, show, verdict, head)
    scale.bench_plan_growth(sizes, tmp, show, verdict, head)
    scale.bench_text_plan(sizes, tmp, show, verdict, head, write_yaml, live_schedules, drift)
    scale.bench_pages(sizes, tmp, show, verdict, head)
    scale.bench_startup(sizes, tmp, show, verdict, head)


def bench_waits(quick: bool, tmp: Path) -> None:
    """Issue 24: where users wait, each figure beside its peer or floor (benchmarks/waits.py)."""
    sizes = waits.QUICK if quick else waits.Sizes()
    waits.bench_apply_growth(sizes, tmp, show, verdict, head)
    waits.bench_import(sizes, tmp, show, verdict, head)
    waits.bench_plan_ids(sizes, tmp, show, verdict, head)
    waits.bench_in_flight(sizes, tmp, show, verdict, head, write_yaml, live_schedules)


class Tee:
    """stdout, also kept for RESULTS.md."""

    def __init__(self, out: Any) -> None:
        self.out, self.kept = out, io.StringIO()

    def write(self, text: str) -> int:
        self.kept.write(text)
        return int(self.out.write(text))

    def flush(self) -> None:
        self.out.flush()


def machine() -> str:
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            model = next(
                (line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), ""
            )
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} "
        f"CPUs{f' ({model})' if model else ''}, "
        f"Python {platform.python_version()}; load average {load[0]:.2f} when the run started"
    )


def write_results(path: str, argv: list[str], started: datetime.datetime, output: str) -> None:
    rows = "\n".join(f"| {t} | {m} | {'met' if ok else '**not met**'} |" for t, m, ok in VERDICTS)
    text = (
        "# Benchmark results\n\nGenerated by one run of `python benchmarks/run.py "
        f"{' '.join(argv)}` "
        f"(`make bench`) on {started:%Y-%m-%d %H:%M} UTC.\nNothing here is edited by hand: run it "
        "again to "
        f"update it.\n\nMachine: {machine()}.\n\n## Targets\n\n| target | measured | verdict |\n"
        f"| --- | --- | --- |\n{rows}\n\n## Output\n\n```\n{output.strip()}\n```\n"
    )
    # benchmarks/names.py writes its own section (request counts, exact on any machine): kept as it
    # is.
    old = Path(path).read_text(encoding="utf-8") if Path(path).exists() else ""
    kept = re.search(re.escape(names.BEGIN) + r".*?" + re.escape(names.END) + r"\n", old, re.S)
    Path(path).write_text(text + (f"\n{kept.group(0)}" if kept else ""), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes and a 10-per-2-s PCO limit: seconds"
    )
    parser.add_argument(
        "--skip-pco", action="store_true", help="skip the rate-limited Planning Center apply"
    )
    parser.add_argument(
        "--skip-scale", action="store_true", help="skip the local load/plan/start-up benchmarks"
    )
    parser.add_argument(
        "--write",
        metavar="FILE",
        help="also write the results (with the machine, the command "
        "and the date) to FILE, e.g. benchmarks/RESULTS.md",
    )
    parser.add_argument(
        "--naive-guides", type=int, help="guides the naive baseline is measured on (0 = all)"
    )
    parser.add_argument(
        "--sessions", type=int, help="sessions per guide (a schedule holds about half)"
    )
    parser.add_argument(
        "--attendees", type=int, help="attendees per guide (a schedule holds about half)"
    )
    parser.add_argument(
        "--latency", type=float, help="seconds the sandbox adds to each request (default 0.02)"
    )
    raw = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(raw)
    VERDICTS.clear()
    when = datetime.datetime.now(datetime.UTC)
    tee = Tee(sys.stdout) if args.write else None
    if tee is not None:
        sys.stdout = tee
    try:
        run(args)
    finally:
        if tee is not None:
            sys.stdout = tee.out
    if args.write:
        write_results(args.write, raw, when, tee.kept.getvalue() if tee else "")
        print(f"Results written to {args.write}.")


def run(args: argparse.Namespace) -> None:
    cfg = QUICK if args.quick else Config()
    overrides = {
        k: getattr(args, k)
        for k in ("naive_guides", "sessions", "attendees", "latency")
        if getattr(args, k) is not None
    }
    cfg = Config(**{**cfg.__dict__, **overrides})
    print(
        f"provisioner benchmarks ({'quick' if args.quick else 'full'}; python "
        f"{sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs)"
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="provisioner-bench-") as tmp:
        if not args.skip_scale:
            bench_scale(args.quick, Path(tmp))
        bench_waits(args.quick, Path(tmp))
        bench_guidebook(cfg, Path(tmp))
        bench_diff(cfg)
        if not args.skip_pco:
            bench_pco(cfg, Path(tmp))
    if VERDICTS:
        head("targets")
        for target, measured, met in VERDICTS:
            show(("met     " if met else "NOT MET ") + target, measured)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nDone in {time.perf_counter() - started:.0f} s; peak RSS of this process {rss:.0f} MiB."
    )


if __name__ == "__main__":
    main()
