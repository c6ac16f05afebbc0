"""Daily request caps: how many requests an apply would spend per service (and account), and the
refusal when that is more than the cap allows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from provisioner.core.errors import SafetyError
from provisioner.core.outcomes import RequestBudget, Survey
from provisioner.core.records import Change
from provisioner.providers.base import Provider


def request_estimate(
    providers: Mapping[str, Provider], run: Survey, changes: Sequence[Change] | None = None
) -> dict[str, int]:
    """About how many requests applying ``changes`` (default: the plan's) costs, by provider
    name."""
    mine: dict[tuple[str, str], list[Change]] = {}
    for c in run.plan.changes if changes is None else changes:
        mine.setdefault((c.provider, c.scope), []).append(c)
    out: dict[str, int] = {}
    for scope in run.scopes:
        k = (scope.provider, scope.name)
        n = providers[scope.provider_key].request_estimate(
            scope, live=run.live[k], changes=mine.get(k, [])
        )
        out[scope.provider_key] = out.get(scope.provider_key, 0) + n
    return out


def budgets(
    providers: Mapping[str, Provider], run: Survey, changes: Sequence[Change]
) -> list[RequestBudget]:
    """For each service with a daily request cap that ``changes`` touch: what applying them would
    use."""
    used = request_estimate(providers, run, changes)
    out = []
    for name, provider in providers.items():
        cap = provider.request_budget()
        if cap is not None and any(c.provider_key == name for c in changes):
            title = (provider.title or name) + (
                f" ({name.partition('/')[2]})" if "/" in name else ""
            )
            out.append(RequestBudget(title, used.get(name, 0), *cap))
    return out


def check_budgets(budgets: Sequence[RequestBudget], *, force: bool = False) -> None:
    """Refuse an apply that would spend more of a service's daily cap than allowed, unless
    forced."""
    for b in budgets:
        if b.exceeded and not force:
            raise SafetyError(
                f"refusing to apply: about {b.used} {b.service} requests is more than the budget "
                f"of {b.limit} a day ({b.setting}); apply in smaller steps (some files at a time: "
                "a "
                "scope is not pruned by a run given only some of its files), or re-run with --force"
            )
