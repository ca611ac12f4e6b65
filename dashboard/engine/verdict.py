"""The Overview verdict: Pivot now / Wait / Keep mining / Sell or switch off, with its reason."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.engine.model import PivotResult
from dashboard.engine.montecarlo import MonteCarloResult

PIVOT_NOW = "Pivot now"
WAIT = "Wait"
KEEP_MINING = "Keep mining"
SELL_OR_SWITCH_OFF = "Sell or switch off"
MIN_PAYBACK_PROBABILITY = 0.70


@dataclass(frozen=True)
class Verdict:
    """A label from the product notes' verdict table and a one-line reason with the numbers."""

    label: str
    reason: str


def _usd(value: float) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def verdict(result: PivotResult, mc: MonteCarloResult | None = None) -> Verdict:
    """Apply the verdict table (product-notes.md) to a result and optional simulation."""
    a = result.assumptions
    spread = result.spread_usd_day
    mining_net = result.mining.net_usd_day
    if spread <= 0:
        be = result.breakeven.rental_rate_usd_per_gpu_hour
        need = f"; rental would need {_usd(be)}/GPU-hour to break even" if be is not None else ""
        if mining_net > 0:
            return Verdict(
                KEEP_MINING,
                f"mining nets {_usd(mining_net)}/GPU/day vs rental "
                f"{_usd(result.rental.net_usd_day)}/GPU/day{need}",
            )
        resale = (
            f"; resale {_usd(result.resale_usd)}/GPU ({_usd(result.resale_usd * a.count)} fleet)"
            if result.resale_usd is not None
            else "; no resale price in the store"
        )
        return Verdict(
            SELL_OR_SWITCH_OFF,
            f"neither pays: mining nets {_usd(mining_net)} and rental "
            f"{_usd(result.rental.net_usd_day)}/GPU/day{resale}",
        )

    payback = result.payback_months
    parts = [f"rental beats mining by {_usd(spread)}/GPU/day"]
    parts.append(f"conversion pays back in {payback:.0f} months" if payback is not None else "")
    blockers: list[str] = []
    if payback is not None and payback > a.payback_target_months:
        blockers.append(
            f"payback {payback:.0f} months exceeds the {a.payback_target_months:g}-month target"
        )
    if mc is not None:
        p = mc.p_payback_within(a.horizon_months)
        parts.append(f"{p:.0%} chance of payback within {a.horizon_months} months")
        if p < MIN_PAYBACK_PROBABILITY:
            blockers.append(f"only {p:.0%} chance of payback within {a.horizon_months} months")
        best = mc.best_start_month()
        now = mc.expected_npv_by_start.get(0, mc.expected_npv_usd)
        if best != 0 and mc.expected_npv_by_start[best] > now:
            blockers.append(
                f"pivoting in {best} months has a higher expected NPV "
                f"({_usd(mc.expected_npv_by_start[best])} vs {_usd(now)}/GPU)"
            )
    if blockers:
        return Verdict(
            WAIT, f"rental beats mining by {_usd(spread)}/GPU/day but " + "; ".join(blockers)
        )
    reason = "; ".join(p for p in parts if p)
    if mc is None:
        reason += " (no risk simulation run)"
    return Verdict(PIVOT_NOW, reason)
