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

from dashboard.engine.decision import Decision, forward_model_inputs, gpu_class
from dashboard.engine.economics.sensitivity import tornado
from dashboard.engine.economics.verdict import Verdict
from dashboard.engine.queries.snapshot import crossovers
from dashboard.engine.terms import GpuAssumptions, MarketSnapshot, PivotResult
from dashboard.engine.views.formatting import NEVER_WITHIN, as_of_text, months, usd

NO_PAYBACK = NEVER_WITHIN


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
    url: str = ""


@dataclass(frozen=True)
class OverviewContext:
    """Everything the Overview and the board memo show for one fleet."""

    decision: Decision
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
    tornado: pd.DataFrame | None = None  # first model's NPV drivers (memo)
    site: Any = None  # SiteResult of the default site at the fleet's power price (memo)
    site_error: str | None = None
    stale: tuple[str, ...] = ()  # one line per stale or failing source behind the verdict

    def kpi(self, key: str) -> Kpi:
        """The KPI with this key (``mining_net``, ``rental_net``, ``spread``, ``payback``...)."""
        return next(k for k in self.kpis if k.key == key)

    @property
    def as_of_lines(self) -> tuple[str, ...]:
        """``coins 2026-10-01 12:00 UTC`` per data kind, as shown under the inputs table."""
        return tuple(f"{kind} {as_of_text(ts)}" for kind, ts in self.as_of.items())


def kpis(decision: Decision) -> tuple[Kpi, ...]:
    """The six Overview KPIs from the decision: per GPU for one model, fleet totals otherwise."""
    a = decision.assumptions
    single = len(decision.models) == 1
    o = decision.models[0].per_gpu if single else decision.fleet_outcome
    unit = "$/GPU/day" if single else "fleet $/day"
    first = decision.models[0].result
    coin = first.mining.best_coin or "no mineable coin"
    mining_label = f"Mining net · {coin} ({unit})" if single else f"Mining net ({unit})"
    npv_now = decision.fleet_outcome.option(0).expected_npv_usd
    best = next(opt for opt in decision.fleet_outcome.options if opt.best)
    return (
        Kpi(
            "mining_net",
            mining_label,
            usd(o.mining_net_usd_day),
            o.mining_net_usd_day,
            f"Best coin per model today. Revenue after the {a.pool_fee:.1%} pool fee − mining "
            "power cost (W × 24 h × PUE × $/kWh).",
        ),
        Kpi(
            "rental_net",
            f"Rental net ({unit})",
            usd(o.rental_net_usd_day),
            o.rental_net_usd_day,
            f"Rate/GPU-h × 24 h × {a.utilization:.0%} utilization × "
            f"(1 − {a.platform_fee:.0%} fee) − power cost.",
        ),
        Kpi(
            "spread",
            f"Spread ({unit})",
            usd(o.spread_usd_day),
            o.spread_usd_day,
            "Rental net − max(mining net, 0): renting vs the better of mining and switching off.",
        ),
        Kpi(
            "payback",
            "Payback of conversion (months)",
            months(o.payback_months) if o.payback_months is not None else NO_PAYBACK,
            o.payback_months,
            "First month the cumulative forward spread (rental decline "
            f"{a.rental_decline:.0%}/yr, difficulty growth {a.difficulty_growth:.0%}/yr, fixed "
            "opex) recovers the conversion and transition cost: the same path as P(payback).",
        ),
        Kpi(
            "npv",
            f"Expected NPV of pivoting now vs never, {a.horizon_months} months (fleet $)",
            usd(npv_now, 0),
            npv_now,
            f"{decision.fleet.label}: mean over {decision.mc.n_paths:,} paths at "
            f"{a.discount_rate:.0%}/yr, net of conversion and transition costs, plus the "
            f"terminal value. Best start: {best.label}.",
        ),
        Kpi(
            "breakeven",
            "Break-even rental rate ($/GPU-hour)"
            + ("" if single else f" · {decision.models[0].line.gpu_model}"),
            usd(first.breakeven.rental_rate_usd_per_gpu_hour, 3),
            first.breakeven.rental_rate_usd_per_gpu_hour,
            "The rental rate at which rental net equals the better of mining and switching off.",
        ),
    )


# Where each forward-model value comes from, beside its default (product-notes defaults).
FORWARD_BASIS = {
    "rental price decline": "sidebar (default 20 %/yr)",
    "difficulty growth": "sidebar (default 0 %/yr)",
    "BTC (coin) price drift": "sidebar (default 0 %/yr)",
    "fixed opex": "sidebar (staff, bandwidth, maintenance; no citable figure, enter yours)",
}


def assumption_rows(
    a: GpuAssumptions, decision: Decision | None = None
) -> tuple[tuple[str, str, str], ...]:
    """The sidebar assumptions with their values and basis (sidebar or default)."""
    fleet: tuple[tuple[str, str, str], ...] = (
        ("GPU model", a.gpu_model, "sidebar"),
        ("Fleet size", f"{a.count:,} GPUs", "sidebar"),
    )
    if decision is not None:
        fleet = (("Fleet", decision.fleet.label, "sidebar fleet table"),) + tuple(
            (
                f"Conversion capex · {md.line.gpu_model}",
                f"{usd(md.assumptions.conversion_capex_usd, 0)}/GPU",
                "fleet table"
                if md.line.conversion_capex_usd is not None
                else f"{gpu_class(md.line.gpu_model)} class default (no citable figure)",
            )
            for md in decision.models
        )
    head = fleet + (
        ("Power price", f"${a.power_price_usd_per_kwh:.3f}/kWh", "sidebar"),
        ("PUE", f"{a.pue:.2f}", "sidebar"),
        ("Rental utilization", f"{a.utilization:.0%}", "sidebar"),
        ("Marketplace fee", f"{a.platform_fee:.0%}", "sidebar"),
        ("Pool fee", f"{a.pool_fee:.1%}", "sidebar"),
        ("Conversion capex, consumer card", f"{usd(a.conversion_capex_usd, 0)}/GPU", "sidebar"),
        ("One-off transition cost", usd(a.transition_cost_usd, 0), "sidebar"),
        ("Payback target", f"{a.payback_target_months:g} months", "sidebar"),
    )
    forward = tuple(
        (name[0].upper() + name[1:], value, FORWARD_BASIS.get(name, "sidebar"))
        for name, value in forward_model_inputs(a)
    )
    terminal = (
        "Terminal value",
        "25% of conversion capex"
        if a.terminal_value_usd is None
        else f"{usd(a.terminal_value_usd, 0)}/GPU",
        "residual of the conversion at the horizon (assumption)",
    )
    return head + forward + (terminal,)


def data_time_rows(market: MarketSnapshot) -> tuple[tuple[str, str, str], ...]:
    """One row per data kind with the time of its latest stored observation."""
    return tuple(
        (f"Data: {kind}", as_of_text(ts), "RigShift store, latest")
        for kind, ts in market.as_of.items()
    )


def input_rows(
    result: PivotResult, market: MarketSnapshot, decision: Decision | None = None
) -> tuple[tuple[str, str, str], ...]:
    """Every assumption with its value and basis (sidebar, default, or data with timestamp)."""
    a = decision.assumptions if decision is not None else result.assumptions
    return assumption_rows(a, decision) + (
        (
            "Rental rate",
            f"{usd(result.rental.rate_usd_per_gpu_hour, 3)}/GPU-h",
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
            url=getattr(s, "url", ""),
        )
        for s in statuses
    ]
    return tuple(sorted(lines, key=lambda s: (s.kind, s.source)))


def build_overview(
    decision: Decision,
    market: MarketSnapshot,
    history: pd.DataFrame,
    statuses: Sequence[Any] = (),
    alerts: Sequence[str] = (),
    now: datetime | None = None,
) -> OverviewContext:
    """The Overview's (and memo's) view of one decision; ``history`` is the first model's."""
    a = decision.assumptions
    mc = decision.mc
    p = decision.fleet_outcome.p_payback
    risk = (
        f"P(payback within {mc.months} months) {p:.0%} over {mc.n_paths:,} simulated paths; "
        f"volatility from {mc.volatility_source}."
    )
    fleet = (
        f"{decision.fleet.label} at ${a.power_price_usd_per_kwh:.3f}/kWh, PUE {a.pue:.2f}, "
        f"{a.utilization:.0%} rental utilization."
    )
    notes = []
    if decision.fleet_outcome.spread_usd_day <= 0:
        notes.append(
            "Renting does not beat the better of mining and switching off at today's rates."
        )
    first = decision.models[0]
    tornado_table = tornado(first.spec, market, first.assumptions)
    site, site_error = _site(market, a)
    return OverviewContext(
        decision=decision,
        assumptions=first.assumptions if len(decision.models) == 1 else a,
        result=first.result,
        verdict=decision.verdict,
        risk_line=risk,
        p_payback=p,
        kpis=kpis(decision),
        fleet_line=fleet,
        history=history,
        crossovers=tuple(crossovers(history)),
        inputs=input_rows(first.result, market, decision),
        as_of=dict(market.as_of),
        sources=source_lines(statuses),
        is_demo=market.is_demo,
        generated_at=now or datetime.now(UTC).replace(tzinfo=None),
        alerts=tuple(alerts),
        notes=tuple(notes),
        # Demo data is frozen at build time: its age says nothing about the market.
        stale=() if market.is_demo else stale_input_lines(statuses),
        tornado=tornado_table,
        site=site,
        site_error=site_error,
    )


def _site(market: MarketSnapshot, a: GpuAssumptions) -> tuple[Any, str | None]:
    """The default 10 MW site at the fleet's power price and forward model, for the memo."""
    from dashboard.engine.economics.site import SiteAssumptions, evaluate_site
    from scrapers.errors import RigShiftError

    sa = SiteAssumptions(
        power_price_usd_per_kwh=a.power_price_usd_per_kwh,
        rental_decline=a.rental_decline,
        difficulty_growth=a.difficulty_growth,
        btc_price_drift=a.btc_price_drift,
    )
    try:
        return evaluate_site(market, sa), None
    except RigShiftError as exc:
        return None, exc.one_line()
