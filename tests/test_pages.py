"""A guide's pages read in parallel, and every fallback to following `next` links, against the
sandbox.

The first page's `count` gives the page numbers; the other pages are asked for at once, in a stable
order (`ordering=id`). A page read that missed a schedule would plan it as a create, so whenever the
pages do not hold exactly `count` distinct ids the list is read again from the start, one `next`
link after another.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provisioner.transport.http import HttpClient
from provisioner_sandbox import GUIDEBOOK_KEY, SandboxServer
from tests.conftest import TODAY, Cli, sandbox_env

GUIDE = 1001
SEED = (
    "bench:guides=2,schedules=350,sessions=6,attendees=6"  # 350 schedules a guide: 4 pages of 100
)
PATH = "/open-api/v1/personalized-schedules/"
QUERY = {"guide": str(GUIDE), "page_size": "100", "ordering": "id"}


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(today=TODAY, seed=SEED) as sb:
        yield sb


@pytest.fixture
def bench(
    server: SandboxServer, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> SandboxServer:
    server.reset(SEED)
    for key, value in sandbox_env(server).items():
        monkeypatch.setenv(key, value)
    return server


def declare(sb: SandboxServer, folder: Path, guides: tuple[int, ...] = (GUIDE,)) -> str:
    """YAML declaring exactly the live schedules of ``guides`` (prune off: only reads matter
    here)."""
    folder.mkdir(exist_ok=True)
    for guide in guides:
        lines = ["provider: guidebook", f"guide: {guide}", "prune: false", "schedules:"]
        for row in sb.store.guidebook_schedules(guide):
            lines += [
                f"  - name: {row['name']}",
                f"    attendees: {row['attendees']}",
                f"    sessions: {row['sessions']}",
            ]
        (folder / f"guide-{guide}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(folder)


def pages_read(sb: SandboxServer) -> list[str]:
    """The page numbers asked for, in arrival order ("1" when the first page came without
    `page`)."""
    out = []
    for r in sb.requests(method="GET", path="personalized-schedules"):
        query = dict(r["query"])
        page = query.pop("page", "1")
        assert query == QUERY, (
            query
        )  # every read, the fallbacks included, asks for the stable order
        out.append(str(page))
    return out


def plan(cli: Cli, folder: str, *extra: str) -> dict[str, Any]:
    result = cli("plan", folder, "--format", "json", *extra)
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_the_pages_after_the_first_are_read_at_once(
    bench: SandboxServer, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = declare(bench, tmp_path / "s")
    bench.clear_requests()
    bench.add_fault(path="personalized-schedules", mode="delay", delay=0.05, times=-1)
    lock, state = threading.Lock(), {"now": 0, "max": 0}
    original = HttpClient.request

    def counting(self: HttpClient, *args: Any, **kwargs: Any) -> Any:  # observes, changes nothing
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        try:
            return original(self, *args, **kwargs)
        finally:
            with lock:
                state["now"] -= 1

    monkeypatch.setattr(HttpClient, "request", counting)
    assert plan(cli, folder)["summary"] == {"create": 0, "update": 0, "delete": 0}
    read = pages_read(bench)
    assert read[0] == "1" and sorted(read[1:]) == [
        "2",
        "3",
        "4",
    ]  # one request a page, nothing read twice
    assert state["max"] == 3  # pages 2-4 in flight together (each held 50 ms by the server)


def test_parallelism_bounds_the_requests_in_flight(
    bench: SandboxServer, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = declare(bench, tmp_path / "s", guides=(GUIDE, GUIDE + 1))
    bench.add_fault(path="personalized-schedules", mode="delay", delay=0.02, times=-1)
    in_flight: list[int] = []
    lock, state = threading.Lock(), {"now": 0}
    original = HttpClient.request

    def counting(self: HttpClient, *args: Any, **kwargs: Any) -> Any:
        with lock:
            state["now"] += 1
            in_flight.append(state["now"])
        try:
            return original(self, *args, **kwargs)
        finally:
            with lock:
                state["now"] -= 1

    monkeypatch.setattr(HttpClient, "request", counting)
    plan(cli, folder, "--parallelism", "2")
    assert len(in_flight) == 8 and max(in_flight) == 2


def test_without_a_count_the_pages_are_followed_one_by_one(
    bench: SandboxServer, cli: Cli, tmp_path: Path
) -> None:
    folder = declare(bench, tmp_path / "s")
    bench.set_readings({"guidebook.count": "absent"})
    bench.clear_requests()
    assert plan(cli, folder)["summary"] == {"create": 0, "update": 0, "delete": 0}
    assert pages_read(bench) == ["1", "2", "3", "4"]


def test_a_server_that_fixes_its_own_page_size_is_paged_by_that_size(
    bench: SandboxServer, cli: Cli, tmp_path: Path
) -> None:
    folder = declare(bench, tmp_path / "s")
    bench.set_readings({"guidebook.page_size": "90"})
    bench.clear_requests()
    assert plan(cli, folder)["summary"] == {"create": 0, "update": 0, "delete": 0}
    read = pages_read(bench)
    assert read[0] == "1" and sorted(read[1:]) == ["2", "3", "4"]  # 350 / 90: still 4 pages


def test_a_list_that_moves_while_it_is_read_is_read_again(
    bench: SandboxServer, cli: Cli, tmp_path: Path
) -> None:
    """Another writer deletes the guide's first schedule between page 1 and the others: every later
    page shifts by one, so without the check the first schedule of page 2 would be missed and
    planned as a create."""
    folder = declare(bench, tmp_path / "s")
    first = bench.store.guidebook_schedules(GUIDE)[0]
    calls = {"n": 0}

    def delete_on_second_read(store: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            store.delete_guidebook_schedule(first["id"])

    bench.add_hook(delete_on_second_read, method="GET", path="personalized-schedules", times=-1)
    bench.clear_requests()
    result = plan(cli, folder)
    assert [(c["action"], c["key"]) for c in result["changes"]] == [
        ("create", first["name"])
    ]  # really gone
    read = pages_read(bench)
    assert read[0] == "1" and sorted(read[1:4]) == ["2", "3", "4"]
    assert read[4:] == ["1", "2", "3", "4"]  # then again from the start, following next


def test_a_server_that_ignores_ordering_is_checked_too(
    bench: SandboxServer, cli: Cli, tmp_path: Path
) -> None:
    """Under `guidebook.ordering=ignored` the storage order reshuffles after every write: a write
    between the page reads makes the pages overlap and miss; the count check sees it and the list is
    read again."""
    folder = declare(bench, tmp_path / "s")
    bench.set_readings({"guidebook.ordering": "ignored"})
    victim = bench.store.guidebook_schedules(GUIDE)[5]
    calls = {"n": 0}

    def write_on_second_read(store: Any) -> None:  # a real API write from another client, mid-read
        calls["n"] += 1
        if calls["n"] == 2:
            request = urllib.request.Request(
                f"{bench.guidebook_url}personalized-schedules/{victim['id']}/",
                data=json.dumps({"sessions": []}).encode(),
                method="PATCH",
                headers={
                    "Authorization": f"JWT {GUIDEBOOK_KEY}",
                    "Content-Type": "application/json",
                },
            )
            urllib.request.urlopen(request).close()

    bench.add_hook(write_on_second_read, method="GET", path="personalized-schedules", times=-1)
    bench.clear_requests()
    result = plan(cli, folder)
    assert [(c["action"], c["key"]) for c in result["changes"]] == [
        ("update", victim["name"])
    ]  # no create
    read = pages_read(bench)
    assert read[4:] == ["1", "2", "3", "4"]

    # Without writes, even an unordered list is cut the same way by every page: the parallel read
    # stands.
    bench.clear_faults()
    bench.clear_requests()
    plan(cli, folder)
    assert len(pages_read(bench)) == 4


def _patch_during(bench: SandboxServer, victims: dict[int, int]) -> None:
    """On the n-th GET of the guide's schedules (n in ``victims``), another client PATCHes schedule
    ``victims[n]`` through the API first: a real write mid-read, which reshuffles an unordered list.
    """
    calls = {"n": 0}

    def write(store: Any) -> None:
        calls["n"] += 1
        if calls["n"] in victims:
            request = urllib.request.Request(
                f"{bench.guidebook_url}personalized-schedules/{victims[calls['n']]}/",
                data=json.dumps({"sessions": []}).encode(),
                method="PATCH",
                headers={
                    "Authorization": f"JWT {GUIDEBOOK_KEY}",
                    "Content-Type": "application/json",
                },
            )
            urllib.request.urlopen(request).close()

    bench.add_hook(write, method="GET", path="personalized-schedules", times=-1)


def test_a_page_by_page_read_that_repeats_an_id_is_read_again_and_nothing_deletes_itself(
    bench: SandboxServer, cli: Cli, tmp_path: Path
) -> None:
    """Issue 23 #1: under `guidebook.ordering=ignored`, a write during the page-by-page re-read
    makes one schedule come back twice with one id (and another missed). Unchecked, the repeat was
    taken for a duplicate of itself and (prune on) planned as a delete of the only copy, the missed
    one as a create."""
    folder = declare(bench, tmp_path / "s")
    text = (tmp_path / "s" / f"guide-{GUIDE}.yaml").read_text(encoding="utf-8")
    (tmp_path / "s" / f"guide-{GUIDE}.yaml").write_text(
        text.replace("prune: false", "prune: true"), encoding="utf-8"
    )
    bench.set_readings({"guidebook.ordering": "ignored"})
    rows = bench.store.guidebook_schedules(GUIDE)
    _patch_during(
        bench, {2: rows[5]["id"], 6: rows[9]["id"]}
    )  # the parallel read, then the re-read
    bench.clear_requests()
    result = plan(cli, folder)
    assert sorted((c["action"], c["key"]) for c in result["changes"]) == [
        ("update", rows[5]["name"]),
        ("update", rows[9]["name"]),
    ]
    assert not result["warnings"]
    read = pages_read(bench)
    assert read[4:8] == ["1", "2", "3", "4"]  # the first page-by-page read: it moved, so again
    assert read[8:] == ["1", "2", "3", "4"]


def test_a_page_by_page_read_that_never_holds_still_fails_instead_of_planning(
    bench: SandboxServer, cli: Cli, tmp_path: Path
) -> None:
    folder = declare(bench, tmp_path / "s")
    bench.set_readings({"guidebook.ordering": "ignored"})
    rows = bench.store.guidebook_schedules(GUIDE)
    # every second page of every read is preceded by a write: no read is ever whole
    _patch_during(bench, {n: rows[n % 50]["id"] for n in range(2, 40, 2)})
    result = cli("plan", folder)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "error: Guidebook: the pages of personalized-schedules/ did not hold still while they were "
        "read (an id came twice, or the pages did not add up to their count) in 3 reads one page "
        "after another; try again when the guide is not being written to"
    )


def test_progress_counts_pages_as_they_are_read(
    bench: SandboxServer, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 24 #4: one big guide shows its read page by page (59 pages of 6 here), not as one
    scope."""
    import provisioner.cli.progress as progress

    folder = declare(bench, tmp_path / "s")
    bench.set_readings({"guidebook.page_size": "6"})  # 350 schedules: 59 pages
    seen: list[tuple[str, int, int]] = []

    class Recording(progress.ProgressReporter):
        def __call__(self, what: str, done: int, total: int) -> None:
            seen.append((what, done, total))
            super().__call__(what, done, total)

    monkeypatch.setattr(progress, "ProgressReporter", Recording)
    done = cli("plan", "--format", "json", folder)
    assert done.exit_code == 0, done.stderr
    pages = [(d, t) for what, d, t in seen if what == "pages"]
    assert pages[0] == (0, 1) and pages[1] == (1, 59) and pages[-1] == (59, 59)
    assert sorted(d for d, _ in pages) == list(range(60))  # one report a page
    assert "read" not in {what for what, _, _ in seen}  # the scope count is not shown as well
    assert "reading live state: 6/59 pages (10%)\n" in done.stderr
    assert done.stderr.endswith("reading live state: 59/59 pages (100%)\n")
