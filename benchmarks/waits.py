"""Where users wait (issue 24): each figure with its peer or floor measured in the same run.

- apply of 1k / 4k / 10k creates against the sandbox at zero latency: growth per 4x of the changes;
- import of a big guide against PyYAML's C emitter writing the same data;
- plan CPU per 10x of the ids per schedule (the per-person impact included);
- the requests in flight while 30 guides are read at 20 ms.

A figure that misses its target shows where the time went (benchmarks/sampling.py).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sampling import Sampler
from sandbox_proc import SandboxProcess

from provisioner.applying import run as applying
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


QUICK = Sizes(creates=(50, 200), import_schedules=20, import_ids=40, ruamel_share=2)


# -- apply of many creates ---------------------------------------------------------------------------------


def creates_yaml(folder: Path, guide: int, n: int) -> None:
    """``n`` new schedules of guide ``guide`` (the bench seed gives guide 1001 + g the sessions and the
    attendees 100 g + 1 .. 100 g + 100)."""
    folder.mkdir(parents=True, exist_ok=True)
    o = (guide - 1001) * 100
    lines = ["provider: guidebook", f"guide: {guide}", "schedules:"]
    for i in range(n):
        lines += [
            f"  - name: Schedule {i:06d}",
            f"    attendees: [{o + 1 + i % 50}, {o + 51 + i % 50}]",
            f"    sessions: [{o + 1 + i % 20}, {o + 21 + i % 20}]",
        ]
    (folder / f"guide-{guide}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def bench_apply_growth(z: Sizes, tmp: Path, show: Show, verdict: Verdict, head: Head) -> None:
    """Each size into a guide of its own in one sandbox; the plan, writes and check after apply in-process."""
    head(
        f"apply of {' / '.join(f'{n:,}' for n in z.creates)} creates into empty guides at zero latency "
        f"(plan, writes, check after apply; parallelism {z.parallelism})"
    )
    seed = f"bench:guides={len(z.creates) + 1},schedules=0,sessions=100,attendees=100"
    walls: list[float] = []
    profile = ""
    with SandboxProcess(str(tmp / "creates.sqlite3"), seed, guidebook_daily_limit=10**7) as sb:
        _apply_creates(
            sb, tmp / "warm-up", 1001 + len(z.creates), 100, z.parallelism
        )  # connections, caches
        for g, n in enumerate(z.creates):
            with Sampler() as sampled:
                report, wall, cpu = _apply_creates(
                    sb, tmp / f"creates-{n}", 1001 + g, n, z.parallelism
                )
            walls.append(wall)
            profile = sampled.lines()
            bad = report.count("failed") + len(report.unconverged)
            show(
                f"{n:,} creates",
                f"wall {wall:.2f} s, client CPU {cpu:.2f} s ({wall / n * 1000:.2f} ms a create); "
                f"applied {report.count('applied')}{f', {bad} FAILED' if bad else ''}",
            )
    growth = _per_4x(z.creates, walls)
    show("growth per 4x of the creates (linear = 4x)", ", ".join(f"{g:.2f}x" for g in growth))
    show(f"profile of the {z.creates[-1]:,} (innermost of ours)", profile)
    worst = max(growth)
    verdict(
        f"apply of {'/'.join(f'{n:,}' for n in z.creates)} creates: growth per 4x at most 4.5x",
        f"worst {worst:.2f}x",
        worst <= 4.5,
    )


def _apply_creates(
    sb: SandboxProcess, folder: Path, guide: int, n: int, parallelism: int
) -> tuple[ApplyReport, float, float]:
    """What `apply --auto-approve` runs (plan, writes, check after apply), in-process; wall and CPU seconds."""
    creates_yaml(folder, guide, n)
    ws = load_workspace([str(folder)])
    workers = Workers(registry.build(ws, sb.env()), parallelism=parallelism)
    wall, cpu = time.perf_counter(), time.process_time()
    run = planning.survey(workers, ws, want_labels=False)
    report = applying.apply(workers, run)
    return report, time.perf_counter() - wall, time.process_time() - cpu


def _per_4x(sizes: tuple[int, ...], walls: list[float]) -> list[float]:
    """Each step's growth, brought to a 4x step (10k is 2.5x of 4k): (t2/t1) ** (log 4 / log(n2/n1))."""
    return [
        (walls[i + 1] / walls[i]) ** (math.log(4) / math.log(sizes[i + 1] / sizes[i]))
        for i in range(len(sizes) - 1)
    ]


# -- import of a big guide ---------------------------------------------------------------------------------


def bench_import(z: Sizes, tmp: Path, show: Show, verdict: Verdict, head: Head) -> None:
    """`import guidebook` in-process (reads, references, the writer) against PyYAML's C emitter writing the
    same data (without the comments, which it cannot write)."""
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
