"""Overview: the verdict, five numbers, margin history and data freshness for one fleet."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard.engine import charts
from dashboard.engine.economics import evaluate
from dashboard.engine.explain import formulas
from dashboard.engine.market import crossovers
from dashboard.engine.model import MarketSnapshot, PivotResult
from dashboard.engine.montecarlo import MonteCarloResult, monthly_log_returns, simulate
from dashboard.engine.specs import apply_overrides
from dashboard.engine.verdict import verdict
from dashboard.ui import data, frame
from dashboard.ui.widgets import chart_footer, usd
from scrapers.errors import RigShiftError

DAYS_PER_MONTH = 30.44


def _fleet_npv(result: PivotResult) -> float:
    value = result.fleet.get("npv_usd") if result.fleet else None
    return float(value) if value is not None else result.npv_usd * result.assumptions.count


def _kpis(result: PivotResult) -> None:
    a = result.assumptions
    coin = result.mining.best_coin or "no mineable coin"
    row1 = st.columns(3)
    row1[0].metric(
        f"Mining net · {coin} ($/GPU/day)",
        usd(result.mining.net_usd_day),
        help=f"Best coin today: {coin}. Revenue after the {a.pool_fee:.1%} pool fee − mining "
        "power cost (W × 24 h × PUE × $/kWh).",
        border=True,
    )
    row1[1].metric(
        "Rental net ($/GPU/day)",
        usd(result.rental.net_usd_day),
        help=f"Rate {usd(result.rental.rate_usd_per_gpu_hour, 3)}/GPU-h × 24 h × "
        f"{a.utilization:.0%} utilization × (1 − {a.platform_fee:.0%} fee) − power cost.",
        border=True,
    )
    row1[2].metric(
        "Spread ($/GPU/day)",
        usd(result.spread_usd_day),
        help="Rental net − max(mining net, 0): renting vs the better of mining and switching off.",
        border=True,
    )
    row2 = st.columns(3)
    payback = result.payback_months
    row2[0].metric(
        "Payback of conversion (months)",
        f"{payback:.1f}" if payback is not None else "does not pay back at today's rates",
        help=f"Conversion cost {usd(a.conversion_capex_usd, 0)}/GPU (+ one-off transition cost "
        f"per GPU) ÷ (spread × {DAYS_PER_MONTH} days/month).",
        border=True,
    )
    row2[1].metric(
        f"Fleet NPV over {a.horizon_months} months ($)",
        usd(_fleet_npv(result), 0),
        help=f"{a.count:,} GPUs × per-GPU NPV of the spread at {a.discount_rate:.0%}/yr, "
        "net of conversion and transition costs.",
        border=True,
    )
    breakeven = result.breakeven.rental_rate_usd_per_gpu_hour
    row2[2].metric(
        "Break-even rental rate ($/GPU-hour)",
        usd(breakeven, 3),
        help="The rental rate at which rental net equals the better of mining and switching off.",
        border=True,
    )


def _monte_carlo(result: PivotResult, history: pd.DataFrame) -> MonteCarloResult:
    """Shocks bootstrapped from stored monthly returns of the two revenue drivers."""
    if history.empty:
        return simulate(result, None, None)
    days = pd.to_datetime(history["day"])
    mining = monthly_log_returns(history["mining_revenue_usd_day"].set_axis(days))
    rental = monthly_log_returns(history["rental_rate_usd_per_gpu_hour"].set_axis(days))
    return simulate(result, mining, rental)


def _verdict(result: PivotResult, mc: MonteCarloResult) -> None:
    v = verdict(result, mc)
    with st.container(border=True):
        st.markdown(f"### Verdict: {v.label}")
        st.markdown(v.reason)
        st.caption(
            f"P(payback within {mc.months} months) {mc.p_payback_by_month[-1]:.0%} over "
            f"{mc.n_paths:,} simulated paths; volatility from {mc.volatility_source}."
        )


def _history_chart(history: pd.DataFrame, ctx: frame.Frame) -> None:
    st.subheader("Mining vs rental margin history")
    if history.empty:
        st.info("Not enough stored history to chart yet: run `rigshift refresh --backfill`.")
        return
    points = crossovers(history)
    st.plotly_chart(charts.margin_history_figure(history, points), width="stretch")
    as_of = pd.Timestamp(history["day"].max()).to_pydatetime()
    chart_footer(
        "RigShift store: coin network state (mining revenue), GPU rental index (rental rate), "
        f"your sidebar inputs; {ctx.assumptions.gpu_model}",
        as_of,
        history[["day", "mining_net_usd_day", "rental_net_usd_day", "best_coin"]],
        "margin_history.csv",
        key="dl_margin_history",
    )
    if points:
        last_day, direction = points[-1]
        st.caption(
            f"{len(points)} crossover(s); latest on {pd.Timestamp(last_day):%Y-%m-%d} "
            f"({str(direction).replace('_', ' ')})."
        )


def _freshness(ctx: frame.Frame) -> None:
    st.subheader("Data freshness")
    try:
        statuses = data.source_statuses(ctx.path, ctx.version)
    except RigShiftError as exc:
        st.error(f"Source status unavailable: {exc.one_line()}")
        return
    table = charts.freshness_frame(statuses)
    st.dataframe(
        table[["data kind", "source", "state", "last success (UTC)", "age", "rows"]],
        hide_index=True,
        width="stretch",
        height=38 + 35 * max(len(table), 1),
        column_config={"rows": st.column_config.NumberColumn(format="localized")},
    )


def _explain(result: PivotResult, market: MarketSnapshot) -> None:
    with st.expander("How this is computed"):
        for text in formulas(result).values():
            st.markdown(text)
        a = result.assumptions
        inputs = pd.DataFrame(
            [
                ("GPU model", a.gpu_model, "sidebar"),
                ("Fleet size", f"{a.count:,} GPUs", "sidebar"),
                ("Power price", f"${a.power_price_usd_per_kwh:.3f}/kWh", "sidebar"),
                ("PUE", f"{a.pue:.2f}", "sidebar"),
                ("Rental utilization", f"{a.utilization:.0%}", "sidebar"),
                ("Marketplace fee", f"{a.platform_fee:.0%}", "sidebar"),
                ("Pool fee", f"{a.pool_fee:.1%}", "sidebar"),
                ("Conversion capex", f"{usd(a.conversion_capex_usd, 0)}/GPU", "sidebar"),
                ("One-off transition cost", usd(a.transition_cost_usd, 0), "sidebar"),
                ("Horizon", f"{a.horizon_months} months", "sidebar"),
                ("Discount rate", f"{a.discount_rate:.0%}/yr", "default"),
                ("Rental price decline", f"{a.rental_decline:.0%}/yr", "default"),
                ("Difficulty growth", f"{a.difficulty_growth:.0%}/yr", "default"),
                (
                    "Rental rate",
                    f"{usd(result.rental.rate_usd_per_gpu_hour, 3)}/GPU-h",
                    f"rental index, as of {charts.as_of_text(market.as_of.get('rental'))}",
                ),
                (
                    "Best coin",
                    result.mining.best_coin or "none",
                    f"coin network data, as of {charts.as_of_text(market.as_of.get('coins'))}",
                ),
            ],
            columns=["input", "value", "basis / data timestamp"],
        )
        st.dataframe(inputs, hide_index=True, width="stretch")
        stamps: dict[str, datetime | None] = dict(market.as_of)
        st.caption(
            "Data timestamps: "
            + " · ".join(f"{kind} {charts.as_of_text(ts)}" for kind, ts in stamps.items())
        )


def render() -> None:
    """The executive view for the fleet in the sidebar."""
    st.title("Overview")
    ctx = frame.context()
    if not frame.require_data(ctx):
        return
    a = ctx.assumptions
    st.caption(
        f"{a.count:,} × {a.gpu_model} at ${a.power_price_usd_per_kwh:.3f}/kWh, PUE {a.pue:.2f}, "
        f"{a.utilization:.0%} rental utilization. Change the fleet in the sidebar."
    )
    if not ctx.inputs_ok:
        return
    try:
        market = data.market(ctx.path, ctx.version)
        spec = apply_overrides(ctx.specs[a.gpu_model], a)
        result = evaluate(spec, market, a)
    except RigShiftError as exc:
        st.error(exc.one_line())
        return
    try:
        history = data.margin_history(ctx.path, ctx.version, spec, a)
    except RigShiftError as exc:
        st.error(f"History unavailable: {exc.one_line()}")
        history = pd.DataFrame()
    _verdict(result, _monte_carlo(result, history))
    _kpis(result)
    if result.payback_months is None and result.spread_usd_day <= 0:
        st.caption("Renting does not beat the better of mining and switching off at today's rates.")
    _history_chart(history, ctx)
    _freshness(ctx)
    _explain(result, market)


render()
