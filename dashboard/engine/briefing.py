"""What the Overview shows, computed once: the page and the board memo render the same object.

Pure: no Streamlit, no I/O. :func:`build_overview` runs the economics, the risk simulation
and the verdict, and formats every number the way the page shows it, so the memo's figures
are the page's figures character for character.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from dashboard.engine.charts import as_of_text
from dashboard.engine.economics import evaluate
from dashboard.engine.market import crossovers
from dashboard.engine.model import GpuAssumptions, GpuSpec, MarketSnapshot, PivotResult
from dashboard.engine.montecarlo import MonteCarloResult, monthly_log_returns, simulate
from dashboard.engine.specs import apply_overrides
from dashboard.engine.verdict import Verdict, verdict
from scrapers.units import DAYS_PER_MONTH

NO_PAYBACK = "does not pay back at today's rates"


def fmt_usd(value: float | None, digits: int = 2) -> str:
    """``$1,234.56`` or ``−$3.10`` (a real minus sign, as on the page); ``n/a`` for None."""
    if value is None or pd.isna(value):
        return "n/a"
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.{digits}f}"


@dataclass(frozen=True)
class Kpi:
    """One headline number: label and value exactly as displayed, the raw value, the help."""

    key: str
    label: str
    value: str
    number: float | None
    help: str


@dataclass(frozen=True)
class SourceLine:
    """Freshness of one source as the memo lists it."""

    kind: str
    source: str
    title: str
    last_success: str
    state: str


@dataclass(frozen=True)
class OverviewContext:
    """Everything the Overview and the board memo show for one fleet."""

    assumptions: GpuAssumptions
    result: PivotResult
    verdict: Verdict
    risk_line: str
    p_payback: float
    kpis: tuple[Kpi, ...]
    fleet_line: str
    history: pd.DataFrame
    crossovers: tuple[tuple[Any, str], ...]
    inputs: tuple[tuple[str, str, str], ...]
    as_of: dict[str, datetime | None]
    sources: tuple[SourceLine, ...]
    is_demo: bool
    generated_at: datetime
    alerts: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    stale: tuple[str, ...] = ()  # one line per stale or failing source behind the verdict

    def kpi(self, key: str) -> Kpi:
        """The KPI with this key (``mining_net``, ``rental_net``, ``spread``, ``payback``...)."""
        return next(k for k in self.kpis if k.key == key)

    @property
    def as_of_lines(self) -> tuple[str, ...]:
        """``coins 2026-10-01 12:00 UTC`` per data kind, as shown under the inputs table."""
        return tuple(f"{kind} {as_of_text(ts)}" for kind, ts in self.as_of.items())


def fleet_npv(result: PivotResult) -> float:
    """Fleet NPV over the horizon (per-GPU NPV x count when the fleet total is missing)."""
    value = result.fleet.get("npv_usd") if result.fleet else None
    return float(value) if value is not None else result.npv_usd * result.assumptions.count


def monte_carlo(result: PivotResult, history: pd.DataFrame) -> MonteCarloResult:
    """Shocks bootstrapped from stored monthly returns of the two revenue drivers."""
    if history.empty:
        return simulate(result, None, None)
    days = pd.to_datetime(history["day"])
    mining = monthly_log_returns(history["mining_revenue_usd_day"].set_axis(days))
    rental = monthly_log_returns(history["rental_rate_usd_per_gpu_hour"].set_axis(days))
    return simulate(result, mining, rental)


def kpis(result: PivotResult) -> tuple[Kpi, ...]:
    """The six Overview KPIs, labelled and formatted as on the page."""
    a = result.assumptions
    coin = result.mining.best_coin or "no mineable coin"
    payback = result.payback_months
    breakeven = result.breakeven.rental_rate_usd_per_gpu_hour
    rate = fmt_usd(result.rental.rate_usd_per_gpu_hour, 3)
    return (
        Kpi(
            "mining_net",
            f"Mining net · {coin} ($/GPU/day)",
            fmt_usd(result.mining.net_usd_day),
            result.mining.net_usd_day,
            f"Best coin today: {coin}. Revenue after the {a.pool_fee:.1%} pool fee − mining "
            "power cost (W × 24 h × PUE × $/kWh).",
        ),
        Kpi(
            "rental_net",
            "Rental net ($/GPU/day)",
            fmt_usd(result.rental.net_usd_day),
            result.rental.net_usd_day,
            f"Rate {rate}/GPU-h × 24 h × {a.utilization:.0%} utilization × "
            f"(1 − {a.platform_fee:.0%} fee) − power cost.",
        ),
        Kpi(
            "spread",
            "Spread ($/GPU/day)",
            fmt_usd(result.spread_usd_day),
            result.spread_usd_day,
            "Rental net − max(mining net, 0): renting vs the better of mining and switching off.",
        ),
        Kpi(
            "payback",
            "Payback of conversion (months)",
            f"{payback:.1f}" if payback is not None else NO_PAYBACK,
            payback,
            f"Conversion cost {fmt_usd(a.conversion_capex_usd, 0)}/GPU (+ one-off transition "
            f"cost per GPU) ÷ (spread × {DAYS_PER_MONTH:.2f} days/month).",
        ),
        Kpi(
            "npv",
            f"Fleet NPV over {a.horizon_months} months ($)",
            fmt_usd(fleet_npv(result), 0),
            fleet_npv(result),
            f"{a.count:,} GPUs × per-GPU NPV of the spread at {a.discount_rate:.0%}/yr, "
            "net of conversion and transition costs.",
        ),
        Kpi(
            "breakeven",
            "Break-even rental rate ($/GPU-hour)",
            fmt_usd(breakeven, 3),
            breakeven,
            "The rental rate at which rental net equals the better of mining and switching off.",
        ),
    )


def assumption_rows(a: GpuAssumptions) -> tuple[tuple[str, str, str], ...]:
    """The sidebar assumptions with their values and basis (sidebar or default)."""
    return (
        ("GPU model", a.gpu_model, "sidebar"),
        ("Fleet size", f"{a.count:,} GPUs", "sidebar"),
        ("Power price", f"${a.power_price_usd_per_kwh:.3f}/kWh", "sidebar"),
        ("PUE", f"{a.pue:.2f}", "sidebar"),
        ("Rental utilization", f"{a.utilization:.0%}", "sidebar"),
        ("Marketplace fee", f"{a.platform_fee:.0%}", "sidebar"),
        ("Pool fee", f"{a.pool_fee:.1%}", "sidebar"),
        ("Conversion capex", f"{fmt_usd(a.conversion_capex_usd, 0)}/GPU", "sidebar"),
        ("One-off transition cost", fmt_usd(a.transition_cost_usd, 0), "sidebar"),
        ("Horizon", f"{a.horizon_months} months", "sidebar"),
        ("Payback target", f"{a.payback_target_months:g} months", "sidebar"),
        ("Discount rate", f"{a.discount_rate:.0%}/yr", "sidebar"),
        ("Rental price decline", f"{a.rental_decline:.0%}/yr", "default"),
        ("Difficulty growth", f"{a.difficulty_growth:.0%}/yr", "default"),
    )


def data_time_rows(market: MarketSnapshot) -> tuple[tuple[str, str, str], ...]:
    """One row per data kind with the time of its latest stored observation."""
    return tuple(
        (f"Data: {kind}", as_of_text(ts), "RigShift store, latest")
        for kind, ts in market.as_of.items()
    )


def input_rows(result: PivotResult, market: MarketSnapshot) -> tuple[tuple[str, str, str], ...]:
    """Every assumption with its value and basis (sidebar, default, or data with timestamp)."""
    return assumption_rows(result.assumptions) + (
        (
            "Rental rate",
            f"{fmt_usd(result.rental.rate_usd_per_gpu_hour, 3)}/GPU-h",
            f"rental index, as of {as_of_text(market.as_of.get('rental'))}",
        ),
        (
            "Best coin",
            result.mining.best_coin or "none",
            f"coin network data, as of {as_of_text(market.as_of.get('coins'))}",
        ),
    )


# The verdict rests on coin network data (mining) and rental rates; a stale one of these is
# the failure peers' users complain about most: prices that age without anyone noticing.
VERDICT_KINDS = ("coins", "rental")


def stale_input_lines(statuses: Sequence[Any]) -> tuple[str, ...]:
    """One warning per verdict-feeding source that holds data but is stale or just failed."""
    lines = []
    for s in sorted(statuses, key=lambda s: (s.kind, s.source)):
        if s.kind not in VERDICT_KINDS or not s.rows or s.staleness != "stale":
            continue
        age = f"{s.age_hours / 24:.1f} days ago" if s.age_hours is not None else "never"
        line = f"{s.source} ({s.kind}): last success {as_of_text(s.last_success)}, {age}"
        if s.last_status == "failed" and s.last_error:
            line += f"; last run failed: {s.last_error}"
        lines.append(line)
    return tuple(lines)


def source_lines(statuses: Sequence[Any]) -> tuple[SourceLine, ...]:
    """Freshness per source (scrapers.status.SourceStatus-like objects), sorted by kind."""
    lines = [
        SourceLine(
            kind=s.kind,
            source=s.source,
            title=s.title,
            last_success=as_of_text(s.last_success),
            state=s.staleness,
        )
        for s in statuses
    ]
    return tuple(sorted(lines, key=lambda s: (s.kind, s.source)))


def build_overview(
    spec: GpuSpec,
    market: MarketSnapshot,
    a: GpuAssumptions,
    history: pd.DataFrame,
    statuses: Sequence[Any] = (),
    alerts: Sequence[str] = (),
    now: datetime | None = None,
) -> OverviewContext:
    """Evaluate, simulate and judge one fleet; raises the engine's errors for bad inputs."""
    result = evaluate(apply_overrides(spec, a), market, a)
    mc = monte_carlo(result, history)
    v = verdict(result, mc)
    p = float(mc.p_payback_by_month[-1])
    risk = (
        f"P(payback within {mc.months} months) {p:.0%} over {mc.n_paths:,} simulated paths; "
        f"volatility from {mc.volatility_source}."
    )
    fleet = (
        f"{a.count:,} × {a.gpu_model} at ${a.power_price_usd_per_kwh:.3f}/kWh, PUE {a.pue:.2f}, "
        f"{a.utilization:.0%} rental utilization."
    )
    notes = []
    if result.payback_months is None and result.spread_usd_day <= 0:
        notes.append(
            "Renting does not beat the better of mining and switching off at today's rates."
        )
    return OverviewContext(
        assumptions=a,
        result=result,
        verdict=v,
        risk_line=risk,
        p_payback=p,
        kpis=kpis(result),
        fleet_line=fleet,
        history=history,
        crossovers=tuple(crossovers(history)),
        inputs=input_rows(result, market),
        as_of=dict(market.as_of),
        sources=source_lines(statuses),
        is_demo=market.is_demo,
        generated_at=now or datetime.now(UTC).replace(tzinfo=None),
        alerts=tuple(alerts),
        notes=tuple(notes),
        # Demo data is frozen at build time: its age says nothing about the market.
        stale=() if market.is_demo else stale_input_lines(statuses),
    )
