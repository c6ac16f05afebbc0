"""Named seeds for the whole sandbox. The data of each service is documented in its own seed module:
`guidebook/seed.py` and `planning_center/seed.py`.

``demo``  — the demo event of both services (example YAML and tests are written against it).
``empty`` — the schema only.
``bench:guides=G,schedules=S,sessions=N,attendees=A[,plans=P,members=M]`` — generated Guidebook
guides for
  benchmarks, plus the Planning Center demo data and P extra plans of M team members each.
"""

from __future__ import annotations

from .errors import SandboxError
from .guidebook import seed as guidebook
from .planning_center import seed as planning_center
from .store import Store

BENCH_DEFAULTS = {
    "guides": 30,
    "schedules": 200,
    "sessions": 100,
    "attendees": 100,
    "plans": 0,
    "members": 8,
}
USAGE = "use demo, empty or bench:guides=G,schedules=S,sessions=N,attendees=A[,plans=P,members=M]"


def check_seed(seed: str | None) -> None:
    """Refuse an unknown seed before anything is wiped (a typo must not empty someone's --data
    file)."""
    if seed is None or seed in ("demo", "empty"):
        return
    if seed == "bench" or seed.startswith("bench:"):
        parse_bench(seed)
        return
    raise SandboxError(f"unknown seed {seed!r}: {USAGE}")


def apply_seed(store: Store, seed: str | None) -> None:
    """Apply a named seed. None keeps existing data, but a never-seeded database gets ``demo``."""
    check_seed(seed)
    if seed is None:
        if store.get_meta("seed") is not None:
            return
        seed = "demo"
    store.wipe()
    if seed == "demo":
        guidebook.demo(store)
        planning_center.demo(store)
    elif seed.startswith("bench"):
        opts = parse_bench(seed)
        guidebook.bench(store, opts)
        planning_center.bench(store, opts)
    store.set_meta("seed", seed)


def parse_bench(seed: str) -> dict[str, int]:
    """The options of a ``bench:key=N,...`` seed over BENCH_DEFAULTS; SandboxError naming an unknown
    option or a value that is not a whole number."""
    opts = dict(BENCH_DEFAULTS)
    _, _, spec = seed.partition(":")
    for part in filter(None, spec.split(",")):
        key, _, value = part.partition("=")
        if key.strip() not in opts:
            raise SandboxError(
                f"unknown bench option {key.strip()!r} in seed {seed!r}; known: {', '.join(opts)}"
            )
        if not value.strip().isdigit():
            raise SandboxError(f"bench option {key.strip()} needs a whole number, got {value!r}")
        opts[key.strip()] = int(value)
    return opts
