"""What a run produces, as plain values: a planning pass (:class:`Survey`), each change's outcome,
the apply report, the request budgets an apply would spend. The engine makes them; the CLI prints
them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from provisioner.core.records import Change, Plan, Record, Scope

NOT_STARTED = "not started (interrupted)"
IN_FLIGHT = "interrupted while in flight; the next plan shows whether it took effect"

Live = dict[tuple[str, str], dict[str, "Record"]]  # (provider, scope) -> key -> record


@dataclass
class Survey:
    """One planning pass: the plan plus the live and desired records it was computed from."""

    plan: Plan
    scopes: list[Scope]
    live: Live
    desired: Live
    read_at: float = 0.0  # monotonic time of the live read, for fresh preconditions
    # False: a saved plan's run, whose ``desired`` is empty (the YAML was not resolved again)
    resolved: bool = True


@dataclass(frozen=True)
class Written:
    """What ``Provider.apply`` may report about one write (every field optional; returning None is
    fine).

    ``id`` is the id the server gave a created object (answered, or found and adopted): the engine
    keeps the lowest id of duplicated creates and removes only copies it knows are its own.
    ``unanswered`` counts POSTs of this create whose answer never came (they may still commit, or be
    a copy other than the one adopted); ``settle_until`` is the monotonic time until which such a
    POST is waited for before the check after apply. ``note`` is said next to the change."""

    id: Any = None
    note: str | None = None
    unanswered: int = 0
    settle_until: float | None = None


@dataclass
class Outcome:
    """One change's fate in an apply."""

    change: Change
    status: Literal["applied", "failed", "skipped"]
    error: str | None = None
    written: Written | None = None  # what the provider reported (a created id, a note)

    @property
    def not_started(self) -> bool:
        """Skipped because Ctrl-C came first (not stale, not a spent budget)."""
        return self.status == "skipped" and self.error == NOT_STARTED


@dataclass
class ApplyReport:
    """Every change's outcome, the post-apply steps' notes and failures, and what did not
    converge."""

    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    # What the check after apply could not establish (a failed re-read, a duplicate this run cannot
    # show it made): never exit 0 over doubt (issue 23).
    unconverged: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            all(o.status == "applied" for o in self.outcomes)
            and not self.failed_steps
            and not self.unconverged
        )

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)


class Interrupted(Exception):
    """Ctrl-C during apply: ``report`` holds what was applied, failed and (as skipped) not started.
    Not a ProvisionerError: the CLI exits 130 for it, not 1."""

    def __init__(self, report: ApplyReport) -> None:
        super().__init__("interrupted")
        self.report = report


@dataclass(frozen=True)
class RequestBudget:
    """Requests an apply will use against a service's daily cap."""

    service: str
    used: int
    limit: int
    setting: str

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit


@dataclass(frozen=True)
class Finding:
    """One line of ``provisioner doctor``: ``status`` is ok, note (worth knowing, never stops a run)
    or problem (a plan or apply would fail); ``todo`` says what to do about a note or a problem."""

    check: str
    status: Literal["ok", "note", "problem"]
    detail: str
    todo: str = ""


@dataclass(frozen=True)
class DoctorRow:
    """A finding of one service (and account), as ``provisioner doctor`` lists it."""

    service: str
    finding: Finding

    def to_json(self) -> dict[str, Any]:
        return {"service": self.service, **asdict(self.finding)}


def any_problem(rows: list[DoctorRow]) -> bool:
    """Only a problem stops a plan or apply; notes are what is merely unknown or worth knowing."""
    return any(r.finding.status == "problem" for r in rows)
