"""Market explorer: coin, rental, hardware and energy series under one set of filters.

All filtering and time bucketing happens in DuckDB (engine.explorer); this page only picks
filters, reads cached results and draws them. Tabs are lazy: only the open one queries.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import duckdb
import pandas as pd
import streamlit as st

from dashboard.engine import explorer_charts as xc
from dashboard.engine.explorer import ExplorerFilters, ExplorerResult, FilterOptions
from dashboard.ui import explorer_data as xd
from dashboard.ui import frame
from dashboard.ui.safe_text import escape
from dashboard.ui.widgets import data_footer
from scrapers.errors import RigShiftError

TABS = ["Coins", "Rental", "Hardware", "Energy"]
EARLIEST = date(2009, 1, 1)  # the Bitcoin genesis block: nothing we chart is older
LATEST = date(2100, 12, 31)  # future ranges are allowed: they show the empty state
HOW_TO_LOAD = "run `rigshift refresh` (and `rigshift backfill` for history)"


def _date_range(opts: FilterOptions) -> tuple[date, date]:
    today = date.today()
    first, last = opts.first_day or today, opts.last_day or today
    picked = st.date_input(
        "Date range (UTC)",
        value=(first, last),
        min_value=EARLIEST,
        max_value=LATEST,
        key="mx_dates",
        help=f"Stored data spans {first} to {last}. Long ranges are charted per week or month.",
    )
    days = [d for d in (picked if isinstance(picked, tuple | list) else (picked,)) if d]
    if not days:  # mid-selection in the browser: the whole stored span
        return first, last
    start, end = days[0], days[-1]
    return (start, end) if start <= end else (end, start)


def _pick(col: st.delta_generator.DeltaGenerator, label: str, options: tuple[str, ...], key: str):  # noqa: ANN202
    every = label[0].lower() + label[1:] if not label[:3].isupper() else label
    chosen = col.multiselect(label, options, key=key, placeholder=f"All {every}")
    return tuple(chosen) or None  # nothing picked = no filter


def _filters(opts: FilterOptions) -> ExplorerFilters:
    with st.container(border=True):
        cols = st.columns([2.6, 2, 2, 2, 1.6])
        with cols[0]:
            start, end = _date_range(opts)
        return ExplorerFilters(
            start=start,
            end=end,
            gpu_models=_pick(cols[1], "GPU models", opts.gpu_models, "mx_models"),
            sources=_pick(cols[2], "Sources", opts.sources, "mx_sources"),
            regions=_pick(cols[3], "Regions", opts.regions, "mx_regions"),
            coins=_pick(cols[4], "Coins", opts.coins, "mx_coins"),
        )


def _describe(f: ExplorerFilters) -> str:
    parts = [f"{f.start} to {f.end}"]
    for label, values in (
        ("models", f.gpu_models),
        ("sources", f.sources),
        ("regions", f.regions),
        ("coins", f.coins),
        ("pricing", f.pricing_types),
    ):
        if values:
            parts.append(f"{label}: {', '.join(values)}")
    return "; ".join(parts)


def _empty(what: str, f: ExplorerFilters, loosen: str) -> None:
    """The empty state: which filters are active, which to loosen, how to load more data."""
    st.info(
        f"No {what} under the current filters ({_describe(f)}). Try {loosen}; if the store "
        f"has none at all, {HOW_TO_LOAD}.",
        icon=":material/filter_alt_off:",
    )


def _chart(
    result: ExplorerResult,
    fig_frame: pd.DataFrame,
    figure,  # noqa: ANN001 - plotly Figure
    source: str,
    name: str,
) -> None:
    st.plotly_chart(figure, width="stretch", key=f"fig_{name}")
    data_footer(source, result.as_of, fig_frame, name, key=f"dl_{name}")


def _resolution_note(result: ExplorerResult) -> None:
    if result.resolution in {"week", "month"}:
        st.caption(
            f"Long range: values are {result.resolution}ly means of daily values "
            f"(≤ 1,500 points per series). Narrow the date range for daily detail."
        )


# --- Coins ---------------------------------------------------------------------------------


def _coins(ctx: frame.Frame, f: ExplorerFilters) -> None:
    result = xd.coins(ctx.path, ctx.version, f)
    if result.empty:
        _empty("coin data", f, "widening the date range, or clearing the Coins/Sources filters")
        return
    _resolution_note(result)
    log = st.toggle("Log scale for difficulty and hashrate", value=True, key="mx_coin_log")
    df, res = result.frame, result.resolution
    left, right = st.columns(2)
    with left:
        st.subheader("Network hashrate")
        shown = df[["period", "coin", "algorithm", "nethash_hs"]].dropna(subset=["nethash_hs"])
        fig = xc.line_figure(
            shown, "nethash_hs", ["coin"], "Network hashrate (H/s)", res, log_y=log
        )
        _chart(
            result,
            shown,
            fig,
            "coin network data (upstream or derived from difficulty)",
            "coin_hashrate",
        )
    with right:
        st.subheader("Difficulty")
        shown = df[["period", "coin", "algorithm", "difficulty"]].dropna(subset=["difficulty"])
        fig = xc.line_figure(shown, "difficulty", ["coin"], "Difficulty (unitless)", res, log_y=log)
        _chart(result, shown, fig, "coin network data", "coin_difficulty")
    left, right = st.columns(2)
    with left:
        st.subheader("Price")
        shown = df[["period", "coin", "price_usd"]].dropna(subset=["price_usd"])
        fig = xc.line_figure(shown, "price_usd", ["coin"], "Price (USD, log)", res, log_y=True)
        _chart(result, shown, fig, "coin prices (USD, or BTC price × BTC/USD)", "coin_price")
    with right:
        st.subheader("BTC hashprice")
        shown = df.loc[df["coin"] == "BTC", ["period", "coin", "hashprice_usd_per_ph_day"]]
        shown = shown.dropna(subset=["hashprice_usd_per_ph_day"])
        if shown.empty:
            st.info("No BTC network data under these filters: add BTC to the Coins filter.")
        else:
            fig = xc.line_figure(
                shown, "hashprice_usd_per_ph_day", ["coin"], "Hashprice (USD/PH/day)", res
            )
            _chart(result, shown, fig, "BTC network state and price", "btc_hashprice")
    st.subheader("Mining revenue per MH/s by algorithm")
    shown = df[["period", "coin", "algorithm", "revenue_usd_per_mhs_day"]].dropna(
        subset=["revenue_usd_per_mhs_day"]
    )
    if shown.empty:
        st.info("No coin has difficulty (or hashrate), block reward and price under these filters.")
        return
    fig = xc.line_figure(
        shown,
        "revenue_usd_per_mhs_day",
        ["algorithm", "coin"],
        "Revenue (USD/(MH/s·day), log)",
        res,
        log_y=True,
    )
    _chart(result, shown, fig, "coin network data and prices", "revenue_per_mhs")
    with st.expander("How this is computed"):
        st.markdown(
            "- **Revenue per MH/s per day** = 10⁶ H/s ÷ network hashrate × (86,400 s ÷ block "
            "time) × block reward × price (USD), before pool fees.\n"
            "- **BTC hashprice** = the same per 10¹⁵ H/s (1 PH/s).\n"
            "- **Network hashrate**: the upstream value where given, else derived from difficulty "
            "(SHA-256/KawPow: D × 2³² ÷ block time; others: D ÷ block time).\n"
            "- Coins without a USD price use price in BTC × the BTC/USD price of that day."
        )


# --- Rental --------------------------------------------------------------------------------


def _rental(ctx: frame.Frame, f: ExplorerFilters, opts: FilterOptions) -> None:
    pricing = tuple(
        st.multiselect(
            "Pricing types",
            opts.pricing_types,
            default=[p for p in ("on_demand",) if p in opts.pricing_types],
            key="mx_pricing",
            placeholder="All pricing types",
        )
    )
    f = replace(f, pricing_types=pricing or None)
    st.subheader("RigShift rental index")
    index = xd.rental_index(ctx.path, ctx.version, f)
    if index.empty:
        _empty("rental index days", f, "widening the date range or clearing GPU models/pricing")
    else:
        _resolution_note(index)
        _chart(
            index,
            index.frame,
            xc.band_figure(index.frame, index.resolution),
            "gpu_rental_index (trimmed median of all sources' offers, p25–p75 band)",
            "rental_index",
        )
    st.subheader("Median offered rate per provider")
    medians = xd.provider_medians(ctx.path, ctx.version, f)
    if medians.empty:
        _empty("rental offers", f, "widening the date range or clearing GPU models/Sources")
    else:
        _chart(
            medians,
            medians.frame,
            xc.line_figure(
                medians.frame,
                "median_usd_per_gpu_hour",
                ["source", "gpu_model"],
                "Median offer ($/GPU-hour)",
                medians.resolution,
            ).update_yaxes(tickprefix="$"),
            "gpu_rental_offers (median per source)",
            "provider_medians",
        )
    st.subheader("Current offers")
    offers = xd.current_offers(ctx.path, ctx.version, f)
    if offers.empty:
        _empty("current offers", f, "moving the end date later or clearing GPU models/Sources")
        return
    st.caption(
        "Every offer in each source's latest snapshot within the date range (not only the "
        "cheapest): box = p25–median–p75, dots = single offers."
    )
    _chart(
        offers,
        offers.frame,
        xc.offers_figure(offers.frame),
        "gpu_rental_offers (latest snapshot per source)",
        "current_offers",
    )


# --- Hardware ------------------------------------------------------------------------------


def _hardware(ctx: frame.Frame, f: ExplorerFilters) -> None:
    msrp = tuple(sorted((m, s.msrp_usd) for m, s in ctx.specs.items()))
    result = xd.hardware(ctx.path, ctx.version, f, msrp)
    if result.empty:
        _empty("hardware prices", f, "widening the date range or clearing GPU models/Sources")
        return
    _resolution_note(result)
    df = result.frame
    st.subheader("New vs used prices")
    shown = df[["period", "gpu_model", "condition", "median_price_usd", "listings"]]
    fig = xc.line_figure(
        shown,
        "median_price_usd",
        ["gpu_model", "condition"],
        "Price per card (USD)",
        result.resolution,
        dash_by="condition",
    )
    fig.update_yaxes(tickprefix="$")
    _chart(result, shown, fig, "gpu_hardware_prices (median per model)", "hardware_prices")
    st.subheader("Resale value as a share of launch price")
    shown = df.loc[df["condition"] == "used"].dropna(subset=["share_of_msrp"])
    shown = shown[["period", "gpu_model", "median_price_usd", "msrp_usd", "share_of_msrp"]]
    if shown.empty:
        st.info(
            "No used prices for models with a launch price (MSRP) in data/reference/"
            "gpu_specs.csv under these filters."
        )
        return
    fig = xc.line_figure(
        shown,
        "share_of_msrp",
        ["gpu_model"],
        "Used price ÷ launch MSRP (%)",
        result.resolution,
        tickformat=".0%",
    )
    _chart(
        result, shown, fig, "gpu_hardware_prices (used) ÷ gpu_specs.csv msrp_usd", "resale_share"
    )


# --- Energy --------------------------------------------------------------------------------


def _energy(ctx: frame.Frame, f: ExplorerFilters) -> None:
    st.subheader("Electricity prices")
    result = xd.energy(ctx.path, ctx.version, f)
    if result.empty:
        _empty("electricity prices", f, "widening the date range or clearing Regions/Sources")
    else:
        _resolution_note(result)
        fig = xc.line_figure(
            result.frame,
            "price_usd_per_kwh",
            ["region", "sector", "source"],
            "Electricity price (USD/kWh)",
            result.resolution,
        )
        fig.update_yaxes(tickprefix="$")
        _chart(result, result.frame, fig, "energy_prices (EIA, Ember; USD/kWh)", "energy_prices")
    st.subheader("Grid carbon intensity")
    carbon = xd.carbon(ctx.path, ctx.version, f)
    if carbon.empty:
        _empty("grid carbon years", f, "widening the date range (whole years) or clearing Regions")
        return
    _chart(
        carbon, carbon.frame, xc.carbon_figure(carbon.frame), "grid_carbon (OWID)", "grid_carbon"
    )
    st.caption("A US state filter (e.g. US-TX) also shows its country's grid (US).")


def render() -> None:
    """The analyst's view of every market series, filterable and downloadable."""
    st.title("Market")
    ctx = frame.context()
    if not frame.require_data(ctx):
        return
    try:
        opts = xd.filter_options(ctx.path, ctx.version)
    except RigShiftError as exc:
        st.error(exc.one_line())
        return
    f = _filters(opts)
    tabs = st.tabs(TABS, key="mx_tab", on_change="rerun")
    sections = {
        "Coins": lambda: _coins(ctx, f),
        "Rental": lambda: _rental(ctx, f, opts),
        "Hardware": lambda: _hardware(ctx, f),
        "Energy": lambda: _energy(ctx, f),
    }
    for name, tab in zip(TABS, tabs, strict=True):
        if not tab.open:
            continue
        with tab:
            try:
                sections[name]()
            except RigShiftError as exc:
                st.error(exc.one_line())
            except duckdb.Error as exc:
                st.error(f"Query failed: {escape(' '.join(str(exc).split())[:300])}")


render()
