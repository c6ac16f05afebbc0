"""Where users wait (issue 24): each figure with its peer or floor measured in the same run.

- apply of 1k / 4k / 10k creates against the sandbox at zero latency: growth per 4x of the changes;
- import of a big guide against PyYAML's C emitter writing the same data;
- plan CPU per 10x of the ids per schedule (the per-person impact included);
- the requests in flight while 30 guides are read at 20 ms.

A figure that misses its target shows where the time went (benchmarks/sampling.py).
"""

from __future__ import annotations

import io
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sampling import Sampler
from sandbox_proc import SandboxProcess

from provisioner.applying import run as applying
from provisioner.applying.preconditions import MAX_AGE
from provisioner.core.outcomes import ApplyReport
from provisioner.files.loader import load_workspace
from provisioner.planning import run as planning
from provisioner.planning.reading import Workers
from provisioner.providers import registry

Show = Callable[[str, str], None]
Verdict = Callable[[str, str, bool], None]
Head = Callable[[str], None]


@dataclass(frozen=True)
class Sizes:
    creates: tuple[int, ...] = (1000, 4000, 10_000)
    parallelism: int = 8
    import_schedules: int = 300
    import_ids: int = (
        400  # sessions and attendees of the guide; a schedule holds about half of each
    )
    ruamel_share: int = 10  # ruamel's writer (the writer before) is timed on 1/N of the schedules
    guides: int = 30
    guide_schedules: int = 200
    latency: float = 0.02
    id_schedules: int = 200
    ids_per_schedule: int = 40


RUNS = 3  # applies of each size; the fastest counts (others share this machine's two CPUs)

QUICK = Sizes(
    creates=(50, 200),
    import_schedules=20,
    import_ids=40,
    ruamel_share=2,
    guides=5,
    guide_schedules=50,
    id_schedules=20,
    ids_per_schedule=10,
)


# -- apply of many creates
# ---------------------------------------------------------------------------------


def creates_yaml(folder: Path, guide: int, n: int) -> None:
    """``n`` new schedules of guide ``guide`` (the bench seed gives guide 1001 + g the sessions and
    the attendees 100 g + 1 .. 100 g + 100). One schedule per attendee, as Guidebook keeps it: the
    first 50 schedules take two attendees each, the others none."""
    folder.mkdir(parents=True, exist_ok=True)
    o = (guide - 1001) * 100
    lines = ["provider: guidebook", f"guide: {guide}", "schedules:"]
    for i in range(n):
        attendees = f"[{o + 1 + i}, {o + 51 + i}]" if i < 50 else "[]"
        lines += [
            f"  - name: Schedule {i:06d}",
            f"    attendees: {attendees}",
            f"    sessions: [{o + 1 + i % 20}, {o + 21 + i % 20}]",
        ]
    (folder / f"guide-{guide}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def bench_apply_growth(z: Sizes, tmp: Path, show: Show, verdict: Verdict, head: Head) -> None:
    """Each size into a guide of its own in one sandbox, RUNS times (the fastest run counts: the
    machine is shared); the plan, writes and check after apply in-process, the sandbox's CPU beside
    it."""
    head(
        f"apply of {' / '.join(f'{n:,}' for n in z.creates)} creates into empty guides at zero "
        "latency "
        f"(plan, writes, check after apply; parallelism {z.parallelism}; the fastest of {RUNS} "
        "runs)"
    )
    seed = f"bench:guides={RUNS * len(z.creates) + 1},schedules=0,sessions=100,attendees=100"
    walls: list[float] = []
    cpus: list[float] = []  # client + sandbox CPU of the run that counts
    profile = ""
    with SandboxProcess(str(tmp / "creates.sqlite3"), seed, guidebook_daily_limit=10**7) as sb:
        warm = 1001 + RUNS * len(z.creates)
        _apply_creates(sb, tmp / "warm-up", warm, 100, z.parallelism)  # connections, caches
        for g, n in enumerate(z.creates):
            runs = []
            for again in range(RUNS):
                server = _cpu_of(sb.proc.pid)
                sb.clear_requests()
                with Sampler() as sampled:
                    report, wall, cpu = _apply_creates(
                        sb, tmp / f"creates-{n}-{again}", 1001 + RUNS * g + again, n, z.parallelism
                    )
                served = _cpu_of(sb.proc.pid) - server
                gets = sum(1 for r in sb.requests() if r["method"] == "GET")
                runs.append((wall, cpu, served, report, sampled.lines(), gets))
            wall, cpu, served, report, lines, gets = min(runs, key=lambda r: r[0])
            walls.append(wall)
            cpus.append(cpu + served)
            profile = lines
            bad = report.count("failed") + len(report.unconverged)
            show(
                f"{n:,} creates",
                f"wall {wall:.2f} s ({wall / n * 1000:.2f} ms a create; slowest run "
                f"{max(r[0] for r in runs):.2f} s), client CPU {cpu:.2f} s, sandbox CPU "
                f"{served:.2f} s; "
                f"{gets} list pages read (plan, preconditions every {MAX_AGE:g} s, check after); "
                f"applied {report.count('applied')}{f', {bad} FAILED' if bad else ''}",
            )
    growth, cpu_growth = _per_4x(z.creates, walls), _per_4x(z.creates, cpus)
    show(
        "growth per 4x of the creates (linear = 4x)",
        f"wall {', '.join(f'{g:.2f}x' for g in growth)}; CPU (client + sandbox) "
        f"{', '.join(f'{g:.2f}x' for g in cpu_growth)}",
    )
    show(f"profile of the {z.creates[-1]:,} (innermost of ours)", profile)
    worst = max(growth)
    verdict(
        f"apply of {'/'.join(f'{n:,}' for n in z.creates)} creates: growth per 4x at most 4.5x",
        f"worst {worst:.2f}x wall ({max(cpu_growth):.2f}x CPU, client + sandbox)",
        worst <= 4.5,
    )


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _apply_creates(
    sb: SandboxProcess, folder: Path, guide: int, n: int, parallelism: int
) -> tuple[ApplyReport, float, float]:
    """What `apply --auto-approve` runs (plan, writes, check after apply), in-process; wall and CPU
    seconds."""
    creates_yaml(folder, guide, n)
    ws = load_workspace([str(folder)])
    workers = Workers(registry.build(ws, sb.env()), parallelism=parallelism)
    wall, cpu = time.perf_counter(), time.process_time()
    run = planning.survey(workers, ws, want_labels=False)
    report = applying.apply(workers, run)
    return report, time.perf_counter() - wall, time.process_time() - cpu


def _per_4x(sizes: tuple[int, ...], walls: list[float]) -> list[float]:
    """Each step's growth, brought to a 4x step (10k is 2.5x of 4k): (t2/t1) ** (log 4 /
    log(n2/n1))."""
    return [
        (walls[i + 1] / walls[i]) ** (math.log(4) / math.log(sizes[i + 1] / sizes[i]))
        for i in range(len(sizes) - 1)
    ]


# -- import of a big guide
# ---------------------------------------------------------------------------------


def bench_import(z: Sizes, tmp: Path, show: Show, verdict: Verdict, head: Head) -> None:
    """`import guidebook` in-process (reads, references, the writer) against PyYAML's C emitter
    writing the same data (without the comments, which it cannot write)."""
    import yaml  # requirements/bench.txt: PyYAML with libyaml
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    from provisioner.importing import importer
    from provisioner.providers.guidebook.importer import GuidebookSource

    n, ids = z.import_schedules, z.import_ids
    head(f"import guidebook: one guide of {n} schedules, {ids} sessions and {ids} attendees")
    seed = f"bench:guides=1,schedules={n},sessions={ids},attendees={ids}"
    with SandboxProcess(str(tmp / "import.sqlite3"), seed) as sb:
        provider = registry.get("guidebook").provider(sb.env())
        with Sampler() as sampled:
            cpu = time.process_time()
            source = GuidebookSource(provider, 1001)
            doc = source.fresh()
            built = time.process_time()
            text = importer.dump_fresh(doc)
            done = time.process_time()
    ours, write = done - cpu, done - built
    lines = text.count("\n")
    plain = yaml.load(text, Loader=yaml.CSafeLoader)
    cpu = time.process_time()
    yaml.dump(plain, Dumper=yaml.CSafeDumper, sort_keys=False, width=120)
    peer = time.process_time() - cpu
    part = CommentedSeq(doc["schedules"][: max(1, n // z.ruamel_share)])
    sample = CommentedMap([("provider", "guidebook"), ("guide", 1001), ("schedules", part)])
    cpu = time.process_time()
    importer.dump(sample)
    before = (time.process_time() - cpu) * n / len(part)
    show("import (read, references, write), CPU", f"{ours:.2f} s for {lines:,} lines")
    show("  of which the writer (importing/emit.py)", f"{write:.2f} s")
    show(
        f"  ruamel's writer, the writer before (1/{z.ruamel_share} of it, scaled)",
        f"{before:.2f} s ({before / write:.1f}x the writer now)",
    )
    show("PyYAML C emitter, the same data (no comments)", f"{peer:.2f} s")
    show(
        "import / PyYAML C emitter (CPU)",
        f"{ours / peer:.2f}x (the writer alone {write / peer:.2f}x)",
    )
    show("profile (innermost of ours)", sampled.lines())
    verdict(
        f"import of {n} schedules at most 2x the CPU of PyYAML's C emitter writing the same data",
        f"{ours / peer:.2f}x",
        ours / peer <= 2,
    )


# -- requests in flight while many guides are read
# ----------------------------------------------------------


def bench_in_flight(
    z: Sizes, tmp: Path, show: Show, verdict: Verdict, head: Head, write_yaml: Any, live_of: Any
) -> None:
    """plan --format json of many guides: how many of the ``parallelism`` slots hold a request on
    average, from each request's start and end as the client saw them; beside it the same read with
    one guide's read per slot (what the engine did before: a guide's first page waited for a free
    read thread). Measured at the target's latency and at 100 ms, where the sandbox's own CPU per
    page matters less."""
    g, n = z.guides, z.guide_schedules
    head(
        f"requests in flight: plan --format json of {g} guides x {n} schedules, "
        f"parallelism {z.parallelism}"
    )
    seed = f"bench:guides={g},schedules={n},sessions=50,attendees=50"
    for latency in (z.latency, 0.1):
        db = str(tmp / f"flight-{latency}.sqlite3")
        with SandboxProcess(db, seed, latency) as sb:
            if latency == z.latency:
                write_yaml(live_of(db), tmp / "flight")
            ws = load_workspace([str(tmp / "flight")])
            figures = {}
            for together in (True, False, True):  # the first run warms connections and caches
                figures[together] = _in_flight(sb, ws, z.parallelism, together)
        for together, (avg, span, sent) in sorted(figures.items(), reverse=True):
            how = "all guides' reads at once" if together else "one guide per read thread (before)"
            show(
                f"{latency * 1000:g} ms: {how}",
                f"{avg:.2f} of {z.parallelism} in flight on average; {sent} requests in {span:.2f} "
                "s "
                f"(floor {sent * latency / z.parallelism:.2f} s with {z.parallelism} always in "
                "flight)",
            )
        if latency == z.latency:
            avg = figures[True][0]
            verdict(
                f"{g} guides at {latency * 1000:g} ms: on average at least 7 of {z.parallelism} "
                "requests in flight",
                f"{avg:.2f} (before: {figures[False][0]:.2f})",
                avg >= 7,
            )


def _in_flight(
    sb: SandboxProcess, ws: Any, parallelism: int, together: bool
) -> tuple[float, float, int]:
    """Average requests in flight over the read, its span and its requests."""
    providers = registry.build(ws, sb.env())
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()
    for provider in providers.values():
        client = provider.client  # type: ignore[attr-defined]
        send = client.request

        def timed(*args: Any, _send: Any = send, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return _send(*args, **kwargs)
            finally:
                with lock:
                    spans.append((start, time.perf_counter()))

        client.request = timed
        if not together:
            provider.reads_bounded = False  # type: ignore[misc]
    planning.survey(Workers(providers, parallelism=parallelism), ws, want_labels=False)
    span = max(e for _, e in spans) - min(s for s, _ in spans)
    return sum(e - s for s, e in spans) / span, span, len(spans)


# -- plan CPU per 10x of the ids per schedule, one schedule per attendee
# --------------------------------------


def bench_plan_ids(z: Sizes, tmp: Path, show: Show, verdict: Verdict, head: Head) -> None:
    """plan --out of creates whose attendees are each on one schedule only (the Guidebook rule):
    everyone on a schedule gains the same sessions, so the plan file can say it once per schedule.
    CPU in-process of the read, diff, per-person impact, words and the JSON plan file and text plan,
    YAML load excluded."""
    n, small = z.id_schedules, z.ids_per_schedule
    head(
        f"plan of {n} creates, one schedule per attendee: {small} -> {10 * small} ids per schedule "
        "(attendees and sessions, half each)"
    )
    with SandboxProcess(
        str(tmp / "ids.sqlite3"), "bench:guides=1,schedules=0,sessions=1,attendees=1"
    ) as sb:
        cpus: dict[tuple[int, bool], float] = {}
        profile = ""
        for ids in (small, 10 * small):
            folder = tmp / f"ids-{ids}"
            one_schedule_each(folder, n, ids)
            ws = load_workspace([str(folder)])
            for impact in (True, False):
                with Sampler() as sampled:
                    cpus[ids, impact] = min(_plan_cpu(sb, ws, impact) for _ in range(2))
                if impact:
                    profile = sampled.lines()
    growth = cpus[10 * small, True] / cpus[small, True]
    bare = cpus[10 * small, False] / cpus[small, False]
    for ids in (small, 10 * small):
        show(
            f"{ids} ids per schedule",
            f"CPU {cpus[ids, True]:.2f} s ({cpus[ids, False]:.2f} s without the per-person impact)",
        )
    show(
        "growth per 10x of the ids (linear = 10x)",
        f"{growth:.1f}x ({bare:.1f}x without the impact)",
    )
    show(f"profile at {10 * small} ids (innermost of ours)", profile)
    verdict(
        "plan CPU growth per 10x of the ids per schedule (one schedule per attendee) at most 12x",
        f"{growth:.1f}x ({bare:.1f}x without the per-person impact)",
        growth <= 12,
    )


def one_schedule_each(folder: Path, n: int, ids: int) -> None:
    """``n`` new schedules of an empty guide (1003), each with its own ``ids // 2`` attendees and
    ``ids // 2`` of the guide's ``5 * ids`` sessions."""
    folder.mkdir(parents=True, exist_ok=True)
    half = ids // 2
    lines = ["provider: guidebook", "guide: 1003", "schedules:"]
    for i in range(n):
        attendees = list(range(i * half + 1, i * half + half + 1))
        sessions = sorted({(i * 7 + j * 3) % (5 * ids) + 1 for j in range(half)})
        lines += [
            f"  - name: Schedule {i:05d}",
            f"    attendees: {attendees}",
            f"    sessions: {sessions}",
        ]
    (folder / "guide.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _plan_cpu(sb: SandboxProcess, ws: Any, impact: bool) -> float:
    from provisioner.planning.words import described
    from provisioner.render import render

    providers = registry.build(ws, sb.env())
    if not impact:
        for provider in providers.values():
            provider.impact = lambda *args, **kwargs: None  # type: ignore[method-assign]
    cpu = time.process_time()
    run = planning.survey(Workers(providers), ws, want_labels=False)
    plan = described(run.plan)
    for form in ("json", "text"):
        render(plan, form, io.StringIO())
    return time.process_time() - cpu
