"""Timing: how sure is the payback, is waiting worth it, what moves the answer, how steady."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.engine.charts import timing as timing_charts
from dashboard.engine.decision import Decision, ModelDecision
from dashboard.engine.economics.montecarlo import MonteCarloResult
from dashboard.engine.economics.sensitivity import tornado
from dashboard.engine.economics.specs import apply_overrides
from dashboard.engine.terms import GpuAssumptions, MarketSnapshot, PivotResult
from dashboard.engine.views.formatting import months, pct, usd
from dashboard.engine.views.formulas import formulas
from dashboard.engine.views.overview import assumption_rows, data_time_rows
from dashboard.engine.views.timing import (
    STABILITY_DAYS,
    breakeven_frame,
    fan_frame,
    options_frame,
    payback_curve_frame,
    per_gpu_mc,
    revenue_stability,
)
from dashboard.ui import data, frame
from dashboard.ui.cache import shared
from dashboard.ui.exec_helpers import explainer, first_model_history, table_height
from dashboard.ui.widgets import chart_footer
from scrapers.errors import RigShiftError

STORE_SOURCE = (
    "RigShift store: coin network state, GPU rental index and their monthly returns; "
    "your sidebar inputs"
)

# Figures kept per data (ui.cache.shared), not rebuilt on every rerun and session.
_fan_figure = shared(16)(timing_charts.fan_figure)
_payback_curve_figure = shared(16)(timing_charts.payback_curve_figure)
_wait_figure = shared(16)(timing_charts.wait_figure)
_tornado_figure = shared(16)(timing_charts.tornado_figure)


def _headline(d: Decision) -> None:
    a, o = d.assumptions, d.fleet_outcome
    n = d.fleet.total_count
    best = next(opt for opt in o.options if opt.best)
    with st.container(border=True):
        st.markdown(f"### Verdict: {d.verdict.label}")
        st.text(d.verdict.reason)
    c = st.columns(4)
    c[0].metric(
        f"P(payback ≤ {a.horizon_months} months)",
        pct(o.p_payback),
        help=f"Share of {d.mc.n_paths:,} simulated paths that recover the conversion cost "
        "within the horizon.",
        border=True,
    )
    c[1].metric(
        "Expected NPV now vs never ($/GPU)",
        usd(o.option(0).expected_npv_usd / n, 0),
        help=f"Mean over paths, {a.horizon_months} months at {a.discount_rate:.0%}/yr, net of "
        f"conversion cost, plus the terminal value; fleet average over {n:,} GPUs.",
        border=True,
    )
    c[2].metric(
        "Best start",
        best.label,
        help="Now, in 3, 6 or 12 months, or never: the highest incremental expected NPV.",
        border=True,
    )
    c[3].metric(
        "Payback (forward path)",
        months(o.payback_months),
        help="First month the cumulative forward spread recovers the upfront cost; the same "
        "path and rule as P(payback).",
        border=True,
    )


def _fan(mc: MonteCarloResult, market: MarketSnapshot) -> None:
    st.subheader("Cumulative spread after pivoting ($ per GPU, net of conversion cost)")
    fan = fan_frame(mc)
    st.plotly_chart(_fan_figure(fan), width="stretch")
    chart_footer(
        f"{STORE_SOURCE}; {mc.n_paths:,} paths, seed {mc.seed}; volatility from "
        f"{mc.volatility_source}",
        market.rent_or_mine_as_of,
        fan,
        "timing_fan.csv",
        key="dl_timing_fan",
    )


def _payback_curve(mc: MonteCarloResult, a: GpuAssumptions, market: MarketSnapshot) -> None:
    st.subheader("Chance of payback by month N")
    curve = payback_curve_frame(mc)
    st.plotly_chart(
        _payback_curve_figure(curve, a.horizon_months, a.payback_target_months),
        width="stretch",
    )
    chart_footer(
        f"{STORE_SOURCE}; {mc.n_paths:,} paths",
        market.rent_or_mine_as_of,
        curve,
        "timing_payback_probability.csv",
        key="dl_timing_payback",
    )


def _waiting(d: Decision, market: MarketSnapshot) -> None:
    st.subheader("Pivot now, later or never?")
    mc = d.mc
    wait = options_frame(d.fleet_outcome, d.fleet.total_count)
    if wait.empty:
        st.info("The horizon is too short to compare start months: lengthen it in the sidebar.")
        return
    st.plotly_chart(_wait_figure(wait), width="stretch")
    best = wait.loc[wait["best"]].iloc[0]
    st.caption(
        f"Best: pivot {best['pivot']} (expected NPV {usd(best['expected NPV ($/GPU)'], 0)}/GPU). "
        "Each start is valued against never pivoting over the same calendar window from "
        "today: waiting k months keeps mining (or idling) until then and pays the conversion "
        "then; never is 0."
    )
    chart_footer(
        f"{STORE_SOURCE}; {mc.n_paths:,} paths",
        market.rent_or_mine_as_of,
        wait,
        "timing_wait.csv",
        key="dl_timing_wait",
    )


def _tornado(ctx: frame.Frame, first: ModelDecision, market: MarketSnapshot) -> None:
    a = first.assumptions
    st.subheader(f"What moves the NPV most ({a.gpu_model})")
    table = tornado(apply_overrides(ctx.specs[a.gpu_model], a), market, a)
    st.plotly_chart(_tornado_figure(table), width="stretch")
    top = table.iloc[0]
    st.caption(
        f"One input at a time, everything else at the base case. Widest: **{top['input']}**, "
        f"{top['range']}, moves NPV by {usd(top['swing ($/GPU)'], 0)}/GPU, "
        f"{usd(top['swing ($/GPU)'] * a.count, 0)} across {a.count:,} GPUs."
    )
    chart_footer(
        "RigShift store (latest coin network state, rental index); your sidebar inputs",
        market.rent_or_mine_as_of,
        table,
        "timing_tornado.csv",
        key="dl_timing_tornado",
    )


def _breakevens(result: PivotResult, market: MarketSnapshot) -> None:
    st.subheader("Break-even: where spread = 0")
    b = result.breakeven
    c = st.columns(3)
    c[0].metric(
        "Rental rate ($/GPU-hour)",
        "none"
        if b.rental_rate_usd_per_gpu_hour is None
        else f"${b.rental_rate_usd_per_gpu_hour:.3f}",
        help=f"Today {usd(result.rental.rate_usd_per_gpu_hour, 3)}/GPU-hour.",
        border=True,
    )
    c[1].metric(
        "Utilization (%)",
        "none" if b.utilization is None else f"{b.utilization * 100:.1f}%",
        help=f"Today {result.assumptions.utilization:.0%}; none when no utilization in 0–100% "
        "makes spread = 0.",
        border=True,
    )
    c[2].metric(
        "Power price ($/kWh)",
        "none" if b.power_price_usd_per_kwh is None else f"${b.power_price_usd_per_kwh:.3f}",
        help=f"Today ${result.assumptions.power_price_usd_per_kwh:.3f}/kWh; none when no power "
        "price ≥ 0 makes spread = 0.",
        border=True,
    )
    chart_footer(
        "RigShift store (latest); your sidebar inputs",
        market.rent_or_mine_as_of,
        breakeven_frame(result),
        "timing_breakeven.csv",
        key="dl_timing_breakeven",
    )


def _stability(history: pd.DataFrame) -> None:
    st.subheader("Revenue stability (last 12 months)")
    table = revenue_stability(history, STABILITY_DAYS)
    if table.empty:
        st.info("Not enough stored history yet: run `rigshift backfill`.")
        return
    c = st.columns(2)
    for col, row in zip(c, table.itertuples(index=False), strict=True):
        cv = row[-1]
        col.metric(
            f"{row.series.capitalize()}: coefficient of variation",
            "n/a" if pd.isna(cv) else f"{cv:.3f}",
            help=f"std ÷ |mean| of daily {row.series} over {row.days} days (mean "
            f"{usd(row[4])}/GPU/day); lower is steadier. n/a: under 30 days or a mean near $0.",
            border=True,
        )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=table_height(len(table)),
        column_config={
            "mean ($/GPU/day)": st.column_config.NumberColumn(format="$%.2f"),
            "std ($/GPU/day)": st.column_config.NumberColumn(format="$%.3f"),
            "coefficient of variation": st.column_config.NumberColumn(format="%.3f"),
        },
    )
    as_of = pd.Timestamp(history["day"].max()).to_pydatetime() if not history.empty else None
    chart_footer(
        "RigShift store: daily margin history (coin network state, rental index)",
        as_of,
        table,
        "timing_stability.csv",
        key="dl_timing_stability",
    )


def _explain(result: PivotResult, mc: MonteCarloResult, market: MarketSnapshot) -> None:
    f = formulas(result)
    a = result.assumptions
    blocks = [
        f["monte_carlo"],
        f"Paths: {mc.n_paths:,}, seed {mc.seed} (fixed, so the page is reproducible); monthly "
        f"volatility mining {mc.mining_monthly_vol:.1%}, rental {mc.rental_monthly_vol:.1%} "
        f"from {mc.volatility_source}." + ("  \n" + "; ".join(mc.notes) if mc.notes else ""),
        "**Pivot in k months**: mine (or switch off) until month k, pay the conversion cost "
        "then (discounted), rent afterwards; each start's expected NPV is incremental vs "
        "never pivoting over the same calendar window, closed by the terminal value.",
        f["npv"],
        "**Tornado**: each input set to its low and high value with the rest at the base case; "
        "NPV recomputed with the same formulas. Prices and costs ±20 %; rental decline ±10 "
        "points/yr, difficulty growth ±20 points/yr, discount rate ±4 points/yr; utilization "
        "and fees clipped to 0–100 %.",
        f["breakeven"],
        "**Revenue stability** = standard deviation ÷ |mean| of daily net ($/GPU/day) over "
        "the last 365 stored days, for mining (best coin) and rental at your inputs.",
    ]
    explainer(blocks, assumption_rows(a) + data_time_rows(market))


def _caption(ctx: frame.Frame) -> str:
    """The line under the title: the sidebar inputs this page is computed at."""
    a = ctx.assumptions
    return (
        f"{ctx.the_fleet.label}, {a.horizon_months}-month horizon, payback target "
        f"{a.payback_target_months:g} months. Change the fleet in the sidebar or on Fleet."
    )


def render() -> None:
    """When to pivot the sidebar fleet, and how sure the answer is."""
    ctx = frame.start("Timing", _caption, needs_inputs=True)
    if ctx is None:
        return
    a = ctx.assumptions
    try:
        market = data.market(ctx.path, ctx.version)
        d = data.decision(ctx.path, ctx.version, ctx.the_fleet, a)
    except RigShiftError as exc:
        st.error(exc.one_line())
        return
    first = d.models[0]
    history = first_model_history(ctx.path, ctx.version, ctx.specs, d)
    mc = per_gpu_mc(d.mc, d.fleet.total_count)
    _headline(d)
    _fan(mc, market)
    left, right = st.columns(2)
    with left:
        _payback_curve(mc, a, market)
    with right:
        _waiting(d, market)
    _tornado(ctx, first, market)
    _breakevens(first.result, market)
    _stability(history)
    _explain(first.result, mc, market)


render()
