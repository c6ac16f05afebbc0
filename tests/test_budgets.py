"""Daily request caps (applying/budgets.py), asserted on plain values: what an apply would spend per
provider and account, and the refusal above the cap."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from provisioner.applying.budgets import budgets, check_budgets, request_estimate
from provisioner.core.errors import SafetyError
from provisioner.core.outcomes import RequestBudget, Survey
from provisioner.core.records import Change, Plan, Record, Scope
from tests.helpers import FakeProvider


class Capped(FakeProvider):
    """Two requests per change plus one read per scope; a cap of ``cap`` a day."""

    title = "Capped"

    def __init__(self, scopes: list[Scope], cap: int | None) -> None:
        super().__init__(scopes, {s.name: {} for s in scopes}, {s.name: {} for s in scopes})
        self.cap = cap

    def request_estimate(
        self, scope: Scope, *, live: dict[str, Record], changes: Sequence[Change]
    ) -> int:
        return 1 + 2 * len(changes)

    def request_budget(self) -> tuple[int, str] | None:
        return None if self.cap is None else (self.cap, "CAPPED_BUDGET")


def change(scope: str, key: str, account: str | None = None) -> Change:
    return Change("create", "fake", scope, key, {}, "missing in live", account=account)


def survey(scopes: list[Scope], changes: Sequence[Change]) -> Survey:
    live = {s.ident: {} for s in scopes}
    return Survey(Plan(tuple(changes)), scopes, live, dict(live))


def test_the_estimate_adds_every_scope_of_a_provider() -> None:
    a, b = Scope("fake", "a", {}), Scope("fake", "b", {})
    changes = [change("a", "x"), change("a", "y")]
    providers = {"fake": Capped([a, b], 10)}
    assert request_estimate(providers, survey([a, b], changes)) == {"fake": (1 + 4) + 1}
    assert request_estimate(providers, survey([a, b], changes), changes[:1]) == {"fake": 3 + 1}


def test_accounts_are_counted_and_named_apart() -> None:
    east = Scope("fake", "east/a", {}, account="east")
    default = Scope("fake", "a", {})
    changes = [change("east/a", "x", account="east")]
    providers = {"fake": Capped([default], 100), "fake/east": Capped([east], 2)}
    (found,) = budgets(providers, survey([default, east], changes), changes)
    assert found == RequestBudget("Capped (east)", 3, 2, "CAPPED_BUDGET")
    assert found.exceeded


def test_a_service_without_a_cap_or_without_changes_has_no_budget() -> None:
    a = Scope("fake", "a", {})
    run = survey([a], [change("a", "x")])
    assert budgets({"fake": Capped([a], None)}, run, run.plan.changes) == []
    assert budgets({"fake": Capped([a], 5)}, run, []) == []


def test_over_the_cap_is_refused_unless_forced() -> None:
    at_cap = RequestBudget("Guidebook", 10, 10, "PROVISIONER_GUIDEBOOK_BUDGET")
    over = RequestBudget("Guidebook", 11, 10, "PROVISIONER_GUIDEBOOK_BUDGET")
    check_budgets([at_cap])  # exactly the cap is allowed
    check_budgets([over], force=True)
    with pytest.raises(SafetyError) as info:
        check_budgets([at_cap, over])
    assert str(info.value).startswith(
        "refusing to apply: about 11 Guidebook requests is more than the budget of 10 a day "
        "(PROVISIONER_GUIDEBOOK_BUDGET); apply in smaller steps"
    )
    assert str(info.value).endswith("or re-run with --force")
