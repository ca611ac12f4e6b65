"""Fleet: mine, rent or sell for every GPU model you own, per GPU and for the whole fleet."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard.engine.charts import fleet as fleet_charts
from dashboard.engine.decision import Decision
from dashboard.engine.economics.fleet import (
    FLEET_COLUMNS,
    HASHRATE_UNITS,
    PER_GPU_COLUMNS,
    ROW_KEYS,
    FleetEvaluation,
    default_rows,
    evaluate_fleet,
    normalize_rows,
    with_totals_row,
)
from dashboard.engine.terms import MarketSnapshot
from dashboard.engine.views.formatting import as_of_text, number, usd
from dashboard.engine.views.formulas import formulas
from dashboard.engine.views.overview import assumption_rows, data_time_rows
from dashboard.ui import data, frame
from dashboard.ui.cache import shared
from dashboard.ui.exec_helpers import explainer, per_model_frame, table_height
from dashboard.ui.widgets import chart_footer
from scrapers.errors import RigShiftError

# Figures kept per data (ui.cache.shared), not rebuilt on every rerun and session.
_fleet_gain_figure = shared(16)(fleet_charts.fleet_gain_figure)

# The sidebar fleet (frame.FLEET_STATE): a list of row dicts with ROW_KEYS. Tests and
# scenario links put a fleet here; every edit of the editor below is saved here, by the frame
# before it draws the sidebar (frame.FLEET_EDITOR), or by _remember.
FLEET_STATE = frame.FLEET_STATE
DOLLAR = st.column_config.NumberColumn(format="dollar")


def _base_rows(ctx: frame.Frame) -> list[dict[str, Any]]:
    rows = st.session_state.get(FLEET_STATE)
    if isinstance(rows, list):
        return normalize_rows(rows)
    return default_rows(ctx.assumptions.gpu_model, ctx.assumptions.count)


def _algorithms(ctx: frame.Frame, market: MarketSnapshot) -> list[str]:
    names = {c.algorithm for c in market.coins if c.algorithm}
    names |= {algo for spec in ctx.specs.values() for algo in spec.hashrates_hs}
    return sorted(names, key=str.lower)


def _editor(ctx: frame.Frame, market: MarketSnapshot) -> pd.DataFrame:
    a = ctx.assumptions
    base = pd.DataFrame(_base_rows(ctx), columns=list(ROW_KEYS))
    for column in ("model", "hashrate_unit", "algorithm"):
        base[column] = base[column].astype("object")
    for column in set(ROW_KEYS) - {"model", "hashrate_unit", "algorithm"}:
        base[column] = pd.to_numeric(base[column], errors="coerce").astype("float64")
    # The table is the sidebar fleet, saved in session state on every edit; the key follows
    # its content, so a saved edit becomes the editor's new starting table (not a lost delta).
    rows = _base_rows(ctx)
    key = "fleet_editor::" + str(abs(hash(repr(rows))))
    st.session_state[frame.FLEET_EDITOR] = (key, rows)
    st.markdown(
        "**Your fleet.** One row per GPU model; add rows with **+**. Every column after GPUs "
        "is optional: blank uses the reference table and the sidebar. Known models: "
        + ", ".join(sorted(ctx.specs))
        + "."
    )
    return st.data_editor(
        base,
        key=key,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "model": st.column_config.TextColumn(
                "GPU model",
                help="e.g. RTX 3090; models not in the reference table need figures",
                pinned=True,
            ),
            "count": st.column_config.NumberColumn("GPUs", min_value=0, step=1, format="%d"),
            "hashrate": st.column_config.NumberColumn(
                "hashrate",
                help="For the model's best algorithm (or the one you pick), in the unit column",
                format="%.4g",
            ),
            "hashrate_unit": st.column_config.SelectboxColumn(
                "unit", options=list(HASHRATE_UNITS), default="MH/s"
            ),
            "algorithm": st.column_config.SelectboxColumn(
                "algorithm",
                options=_algorithms(ctx, market),
                help="Blank: the model's best algorithm today",
            ),
            "mining_power_w": st.column_config.NumberColumn("mining power (W)", format="%.0f"),
            "ai_power_w": st.column_config.NumberColumn("AI power (W)", format="%.0f"),
            "rental_rate_usd_per_gpu_hour": st.column_config.NumberColumn(
                "rental rate ($/GPU-h)",
                help="Blank: the RigShift rental index for the model",
                format="%.3f",
            ),
            "conversion_capex_usd": st.column_config.NumberColumn(
                "conversion ($/GPU)",
                help=f"Blank: the sidebar's {usd(a.conversion_capex_usd, 0)}/GPU",
                format="%.0f",
            ),
        },
    )


def _remember(ctx: frame.Frame, rows: pd.DataFrame) -> None:
    """Save an edit the frame did not fold in before the sidebar (frame.FLEET_EDITOR) the same
    way, and rerun so the sidebar shows it."""
    saved = normalize_rows(rows)
    if saved == _base_rows(ctx):
        return
    frame.save_fleet(saved, ctx.specs)
    st.rerun()


def _decision(ctx: frame.Frame) -> Decision | None:
    """The fleet verdict and the per-model verdicts, from the same decision as the Overview."""
    try:
        d = data.decision(ctx.path, ctx.version, ctx.the_fleet, ctx.assumptions)
    except RigShiftError as exc:
        st.error(f"Fleet verdict not computed: {exc.one_line()}")
        return None
    with st.container(border=True):
        st.markdown(f"### Fleet verdict: {d.verdict.label}")
        st.text(d.verdict.reason)
        st.caption(f"Fleet: {d.fleet.label}. The Overview, Timing and the memo show this fleet.")
        st.table(per_model_frame(d).set_index("GPU model"))
    return d


def _with_decision(ev: FleetEvaluation, d: Decision | None) -> FleetEvaluation:
    """The table's totals with the fleet payback and NPV of the decision (the forward path the
    verdict uses), so this page never shows a second, different fleet payback."""
    if d is None:
        return ev
    o = d.fleet_outcome
    totals = {**ev.totals, "payback_months": o.payback_months, "npv_usd": o.npv_usd}
    return ev._replace(totals=totals)


def _is_empty(rows: pd.DataFrame) -> bool:
    return all(r["model"] is None and r["count"] is None for r in normalize_rows(rows))


def _metrics(ev: FleetEvaluation) -> None:
    t = ev.totals
    row1 = st.columns(4)
    row1[0].metric("GPUs priced", f"{t['gpus']:,}", border=True)
    row1[1].metric(
        "Mining net (fleet $/day)",
        usd(t["mining_net_usd_day"], 0),
        help="Σ mining net per GPU × GPUs, best coin per model.",
        border=True,
    )
    row1[2].metric(
        "Rental net (fleet $/day)",
        usd(t["rental_net_usd_day"], 0),
        help="Σ rental net per GPU × GPUs at the sidebar utilization and fee.",
        border=True,
    )
    row1[3].metric(
        "Pivot gain (fleet $/day)",
        usd(t["spread_usd_day"], 0),
        help="Σ spread × GPUs: rental net − max(mining net, 0).",
        border=True,
    )
    row2 = st.columns(4)
    row2[0].metric(
        "Fleet payback (months)",
        number(t["payback_months"], 1, none="does not pay back"),
        help="Months until the fleet's cumulative gain on the forward path (rental decline, "
        "difficulty growth, fixed opex) covers Σ conversion cost + the one-off transition cost: "
        "the payback the verdict uses.",
        border=True,
    )
    row2[1].metric(
        "Fleet NPV, pivot all ($)",
        usd(t["npv_usd"], 0),
        help="NPV of pivoting the whole fleet now vs never on the forward path over the "
        "sidebar horizon, net of conversion and transition costs, with the terminal value.",
        border=True,
    )
    row2[2].metric(
        "NPV, winners only ($)",
        usd(t["winners_npv_usd"], 0),
        help=f"Only the models where renting wins ({t['winners_gpus']:,} GPUs); the rest keep "
        "mining or switch off.",
        border=True,
    )
    missing = t["resale_missing"]
    row2[3].metric(
        "Resale value (fleet $)",
        usd(t["resale_usd"], 0),
        help="Median used price per model × GPUs"
        + (f"; no used price for {', '.join(missing)}" if missing else ""),
        border=True,
    )


def _money_config(columns: list[str]) -> dict[str, Any]:
    config: dict[str, Any] = {c: DOLLAR for c in columns if "$" in c and "rate" not in c}
    config["payback (months)"] = st.column_config.NumberColumn(format="%.1f")
    config["rental rate ($/GPU-hour)"] = st.column_config.NumberColumn(format="$%.3f")
    config["GPUs"] = st.column_config.NumberColumn(format="localized")
    config["GPU model"] = st.column_config.TextColumn(pinned=True)
    return config


def _tables(ev: FleetEvaluation, market: MarketSnapshot) -> None:
    st.subheader("Mine, rent or sell, per model")
    source = (
        "RigShift store: coin network state (mining), GPU rental index (rental rate), used GPU "
        f"prices (resale, as of {as_of_text(market.as_of.get('hardware'))}); reference GPU "
        "table; your fleet table and sidebar"
    )
    as_of = market.rent_or_mine_as_of
    per_gpu = ev.table[PER_GPU_COLUMNS]
    st.markdown("**Per GPU** (rows sorted by gain from pivoting)")
    st.dataframe(
        per_gpu,
        hide_index=True,
        width="stretch",
        height=table_height(len(per_gpu)),
        column_config=_money_config(PER_GPU_COLUMNS),
    )
    st.caption(
        "Blank payback: the spread is not positive, so the conversion never pays back. Blank "
        "resale: no used price in the store. Figures: reference table, yours, or both."
    )
    chart_footer(source, as_of, per_gpu, "fleet_per_gpu.csv", key="dl_fleet_per_gpu")
    whole = with_totals_row(ev.table, ev.totals)[FLEET_COLUMNS]
    st.markdown("**Whole fleet** (per model × GPUs, with the fleet total)")
    st.dataframe(
        whole,
        hide_index=True,
        width="stretch",
        height=table_height(len(whole)),
        column_config=_money_config(FLEET_COLUMNS),
    )
    chart_footer(source, as_of, whole, "fleet_totals.csv", key="dl_fleet_totals")


def _chart(ev: FleetEvaluation, market: MarketSnapshot) -> None:
    st.subheader("Where pivoting gains most")
    st.plotly_chart(_fleet_gain_figure(ev.table), width="stretch")
    chart_footer(
        "RigShift store: coin network state and GPU rental index; your fleet and sidebar",
        market.rent_or_mine_as_of,
        ev.table[["GPU model", "GPUs", "spread ($/GPU/day)", "gain from pivoting (fleet $/day)"]],
        "fleet_gain.csv",
        key="dl_fleet_gain",
    )


def _explain(ctx: frame.Frame, market: MarketSnapshot) -> None:
    a = ctx.assumptions
    blocks = list(formulas().values())[:6]
    blocks.append(
        "**Fleet.** Each row is priced with the same formulas under the sidebar's power price, "
        "PUE, utilization, fees, conversion capex and horizon. *Gain from pivoting* = spread × "
        "GPUs ($/day); rows are sorted by it. The one-off transition cost is shared equally by "
        "every GPU in the table. *Fleet payback* is the month the fleet's cumulative gain on the "
        "forward path covers Σ conversion cost × GPUs + transition cost (the verdict's "
        "payback). *NPV pivoting only the winners* sums the rows with a positive spread. "
        "*Resale* is the median used price of the model's latest observation.  \n"
        "**Your figures.** A hashrate or mining power you enter replaces the reference figure "
        "for the model's best algorithm today (or the algorithm you pick). A model that is not "
        "in the reference table needs its hashrate, algorithm and mining power, or only its AI "
        "power if it will not mine; a model with no rental rate in the store needs one."
    )
    # Conversion capex can also be set per row in the fleet table.
    explainer(blocks, assumption_rows(a) + data_time_rows(market))


def _caption(ctx: frame.Frame) -> str:
    """The line under the title: the sidebar inputs this page is computed at."""
    a = ctx.assumptions
    return (
        f"Power ${a.power_price_usd_per_kwh:.3f}/kWh, PUE {a.pue:.2f}, {a.utilization:.0%} rental "
        f"utilization, {a.horizon_months}-month horizon from the sidebar; the table starts from "
        "the sidebar's model and fleet size."
    )


def render() -> None:
    """Per-model mine / rent / sell comparison for a mixed fleet."""
    ctx = frame.start("Fleet", _caption, needs_inputs=True)
    if ctx is None:
        return
    a = ctx.assumptions
    try:
        market = data.market(ctx.path, ctx.version)
    except RigShiftError as exc:
        st.error(exc.one_line())
        return
    rows = _editor(ctx, market)
    _remember(ctx, rows)
    if _is_empty(rows):
        st.info("Your fleet is empty: add a row with a GPU model and how many you own.")
        return
    ev = evaluate_fleet(rows, ctx.specs, market, a)
    for problem in ev.problems:
        if problem.kind == "needs_figures":
            st.warning(problem.message, icon=":material/edit_note:")
        else:
            st.error(problem.message)
    if ev.table.empty:
        st.info("No row can be priced yet: fix or complete the rows above.")
        _explain(ctx, market)
        return
    ev = _with_decision(ev, _decision(ctx))
    _metrics(ev)
    _tables(ev, market)
    _chart(ev, market)
    _explain(ctx, market)


render()
