"""Market page: coin, rental, hardware and energy series under one set of filters.

All filtering and time bucketing happens in DuckDB (queries.market_page); this page only picks
filters, reads cached results and draws them. Only the chosen view runs (a segmented control,
not ``st.tabs``, which would run every tab's code on every rerun). The view, models, filters
and time buckets live in the URL, so a Market view can be shared as a link.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import duckdb
import pandas as pd
import streamlit as st

from dashboard.engine.charts import market as xc
from dashboard.engine.charts import sustainability as sustainability_charts
from dashboard.engine.charts import theme
from dashboard.engine.queries import market_page
from dashboard.engine.queries.market_page import FilterOptions, MarketFilters, MarketResult
from dashboard.ui import frame
from dashboard.ui.cache import cached, data_version, shared
from dashboard.ui.safe_text import escape
from dashboard.ui.widgets import data_footer
from scrapers.errors import RigShiftError
from scrapers.rental_index import MIN_OFFERS

# The page's reads: each query cached per (store, data version, filters) by the one wrapper,
# so a rerun with the same filters costs nothing and a refresh shows up on the next one.
_filter_options = cached(8)(market_page.filter_options)
_coin_series = cached(32)(market_page.coin_series)
_rental_index_series = cached(32)(market_page.rental_index_series)
_provider_medians = cached(32)(market_page.provider_medians)
_current_offers = cached(32)(market_page.current_offers)
_energy_prices = cached(32)(market_page.energy_prices)
_grid_carbon = cached(32)(market_page.grid_carbon)
_price_options = cached(16)(market_page.price_options)
_verdict_rate = cached(16)(market_page.verdict_rate)
# The page's figures: built once per data and kept, so switching views or toggling back to a
# filter set already seen sends the kept figure instead of rebuilding it in plotly (the
# Rental view's four figures cost ~130 ms to build, most of a view switch's script time).
_line_figure = shared(64)(xc.line_figure)
_rental_index_figure = shared(16)(xc.rental_index_figure)
_offers_figure = shared(16)(xc.offers_figure)
_carbon_figure = shared(16)(sustainability_charts.carbon_figure)


@cached(32)
def _hardware_prices(
    con: duckdb.DuckDBPyConnection, f: MarketFilters, msrp: tuple[tuple[str, float | None], ...]
) -> MarketResult:
    """New and used hardware prices under ``f`` with their share of MSRP (a hashable map)."""
    return market_page.hardware_prices(con, f, dict(msrp))


VIEWS = ["Coins", "Rental", "Hardware", "Energy"]
HOW_TO_LOAD = "run `rigshift refresh` (and `rigshift backfill` for history)"
RESOLUTION_LABELS = {"auto": "Auto", "day": "Daily", "week": "Weekly", "month": "Monthly"}
ENERGY_KINDS = ["Retail (by sector)", "Wholesale"]
# URL parameter -> session key of the widget it sets; lists are comma-separated.
URL_LISTS = {
    "models": "mx_models",
    "sources": "mx_sources",
    "regions": "mx_regions",
    "coins": "mx_coins",
    "pricing": "mx_pricing",
}
URL_VALUES = {"view": "mx_view", "buckets": "mx_res", "energy": "mx_energy_kind"}


def _from_url(opts: FilterOptions) -> None:
    """On a session's first run, set the widgets from the URL (unknown values are dropped)."""
    if st.session_state.get("mx_url_read"):
        return
    st.session_state["mx_url_read"] = True
    params = st.query_params
    choices = {
        "mx_models": opts.gpu_models,
        "mx_sources": opts.sources,
        "mx_regions": opts.regions,
        "mx_coins": opts.coins,
        "mx_pricing": opts.pricing_types,
    }
    for param, key in URL_LISTS.items():
        if param in params:
            picked = [v for v in params[param].split(",") if v in choices[key]]
            st.session_state[key] = picked
    allowed = {"mx_view": VIEWS, "mx_res": list(RESOLUTION_LABELS), "mx_energy_kind": ENERGY_KINDS}
    for param, key in URL_VALUES.items():
        if params.get(param) in allowed[key]:
            st.session_state[key] = params[param]
    try:
        start = date.fromisoformat(params["from"]) if "from" in params else None
        end = date.fromisoformat(params["to"]) if "to" in params else None
    except ValueError:
        st.warning("Ignored a date in the link that is not YYYY-MM-DD.")
        return
    if start or end:
        st.session_state["mx_dates"] = (start or opts.first_day, end or opts.last_day)


def _to_url(f: MarketFilters, view: str) -> None:
    """Write the current view and filters to the URL (only the keys this page owns)."""
    wanted: dict[str, str] = {"view": view}
    for param, key in URL_LISTS.items():
        values = st.session_state.get(key) or []
        if values:
            wanted[param] = ",".join(values)
    for param, key in URL_VALUES.items():
        value = st.session_state.get(key)
        if value and param != "view":
            wanted[param] = str(value)
    if f.start:
        wanted["from"] = f.start.isoformat()
    if f.end:
        wanted["to"] = f.end.isoformat()
    for param in [*URL_LISTS, *URL_VALUES, "from", "to"]:
        if param in wanted:
            if st.query_params.get(param) != wanted[param]:
                st.query_params[param] = wanted[param]
        elif param in st.query_params:
            del st.query_params[param]


def _clamp(day: date | None, first: date, last: date) -> date:
    return min(max(day or first, first), last)


def _date_range(opts: FilterOptions) -> tuple[date, date]:
    today = date.today()
    first, last = opts.first_day or today, opts.last_day or today
    # The widget's bounds are the stored data's; a link or an old session outside them is
    # clamped here, before the widget, so it never raises.
    held = st.session_state.get("mx_dates")
    if isinstance(held, tuple | list) and held:
        st.session_state["mx_dates"] = tuple(_clamp(d, first, last) for d in held if d)
    else:
        st.session_state["mx_dates"] = (first, last)
    picked = st.date_input(
        "Date range (UTC)",
        min_value=first,
        max_value=last,
        key="mx_dates",
        help=f"Stored data spans {first} to {last}.",
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


def _filters(opts: FilterOptions) -> MarketFilters:
    with st.container(border=True):
        cols = st.columns([2.6, 2, 2, 2, 1.6, 1.6])
        with cols[0]:
            start, end = _date_range(opts)
        resolution = cols[5].selectbox(
            "Time buckets",
            list(RESOLUTION_LABELS),
            format_func=RESOLUTION_LABELS.get,
            key="mx_res",
            help="Auto: daily, or weekly/monthly when a range would exceed 1,500 points. "
            "A series is never shown finer than its own frequency (monthly stays monthly).",
        )
        return MarketFilters(
            start=start,
            end=end,
            gpu_models=_pick(cols[1], "GPU models", opts.gpu_models, "mx_models"),
            sources=_pick(cols[2], "Sources", opts.sources, "mx_sources"),
            regions=_pick(cols[3], "Regions", opts.regions, "mx_regions"),
            coins=_pick(cols[4], "Coins", opts.coins, "mx_coins"),
            resolution=resolution or "auto",
        )


def _describe(f: MarketFilters) -> str:
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


def _empty(what: str, f: MarketFilters, loosen: str) -> None:
    """The empty state: which filters are active, which to loosen, how to load more data."""
    st.info(
        f"No {what} under the current filters ({_describe(f)}). Try {loosen}; if the store "
        f"has none at all, {HOW_TO_LOAD}.",
        icon=":material/filter_alt_off:",
    )


def _chart(
    result: MarketResult,
    fig_frame: pd.DataFrame,
    figure,  # noqa: ANN001 - plotly Figure
    source: str,
    name: str,
) -> None:
    st.plotly_chart(figure, width="stretch", key=f"fig_{name}")
    data_footer(source, result.as_of, fig_frame, name, key=f"dl_{name}")


def _resolution_note(result: MarketResult) -> None:
    """What each point is: the data's own frequency and its bucket (engine.queries.market_page)."""
    text = market_page.frequency_caption(result)
    if text:
        st.caption(text)


# --- Coins ---------------------------------------------------------------------------------


def _coins(ctx: frame.Frame, f: MarketFilters) -> None:
    result = _coin_series(ctx.path, ctx.version, f)
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
        fig = _line_figure(shown, "nethash_hs", ["coin"], "Network hashrate (H/s)", res, log_y=log)
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
        fig = _line_figure(shown, "difficulty", ["coin"], "Difficulty (unitless)", res, log_y=log)
        _chart(result, shown, fig, "coin network data", "coin_difficulty")
    left, right = st.columns(2)
    with left:
        st.subheader("Price")
        shown = df[["period", "coin", "price_usd"]].dropna(subset=["price_usd"])
        fig = _line_figure(
            shown,
            "price_usd",
            ["coin"],
            "Price (USD, log)",
            res,
            log_y=True,
            tickformat=theme.USD_WIDE,
        )
        _chart(result, shown, fig, "coin prices (USD, or BTC price × BTC/USD)", "coin_price")
    with right:
        st.subheader("BTC hashprice")
        shown = df.loc[df["coin"] == "BTC", ["period", "coin", "hashprice_usd_per_ph_day"]]
        shown = shown.dropna(subset=["hashprice_usd_per_ph_day"])
        if shown.empty:
            st.info("No BTC network data under these filters: add BTC to the Coins filter.")
        else:
            fig = _line_figure(
                shown,
                "hashprice_usd_per_ph_day",
                ["coin"],
                "Hashprice (USD/PH/day)",
                res,
                tickformat="$,.2f",
            )
            _chart(result, shown, fig, "BTC network state and price", "btc_hashprice")
    st.subheader("Mining revenue per MH/s by algorithm")
    shown = df[["period", "coin", "algorithm", "revenue_usd_per_mhs_day"]].dropna(
        subset=["revenue_usd_per_mhs_day"]
    )
    if shown.empty:
        st.info("No coin has difficulty (or hashrate), block reward and price under these filters.")
        return
    fig = _line_figure(
        shown,
        "revenue_usd_per_mhs_day",
        ["algorithm", "coin"],
        "Revenue (USD/(MH/s·day), log)",
        res,
        log_y=True,
        tickformat=theme.USD_WIDE,
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


def _rental(ctx: frame.Frame, f: MarketFilters, opts: FilterOptions) -> None:
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
    index = _rental_index_series(ctx.path, ctx.version, f)
    if index.empty:
        _empty("rental index days", f, "widening the date range or clearing GPU models/pricing")
    else:
        _resolution_note(index)
        shaky = int(index.frame["low_confidence_days"].sum())
        if shaky:
            st.warning(
                f"{shaky:,} index days under these filters rest on fewer than {MIN_OFFERS} "
                "available offers (low confidence): read those points as indications.",
                icon=":material/warning:",
            )
        series = xc.index_series_count(index.frame)
        if series > xc.BANDS_UP_TO:
            st.caption(
                f"{series} series: the p25–p75 bands are drawn for up to {xc.BANDS_UP_TO} (each "
                "day's p25 and p75 are in the hover). Pick GPU models to see them."
            )
        what = "of the chosen sources' offers" if f.sources else "of all sources' offers"
        _chart(
            index,
            index.frame,
            _rental_index_figure(index.frame, index.resolution),
            f"gpu_rental_index (interquartile mean {what}, p25–p75 band; dotted: "
            "source-mix-stable index, which the verdict uses)",
            "rental_index",
        )
        _method()
    _which_price(ctx, f, opts)
    st.subheader("Median offered rate per provider")
    medians = _provider_medians(ctx.path, ctx.version, f)
    if medians.empty:
        _empty("rental offers", f, "widening the date range or clearing GPU models/Sources")
    else:
        _resolution_note(medians)
        _chart(
            medians,
            medians.frame,
            _line_figure(
                medians.frame,
                "median_usd_per_gpu_hour",
                ["source", "gpu_model", "pricing_type"],
                "Median offer ($/GPU-hour)",
                medians.resolution,
                tickformat=theme.USD_PER_GPU_HOUR,
                dash_by="pricing_type",
            ),
            "gpu_rental_source_daily (median of available offers per source and pricing type)",
            "provider_medians",
        )
    st.subheader("Current offers")
    offers = _current_offers(ctx.path, ctx.version, f)
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
        _offers_figure(offers.frame),
        "gpu_rental_offers (latest snapshot per source)",
        "current_offers",
    )


def _method() -> None:
    with st.expander("How the index is computed"):
        st.markdown(
            "- **Available offers only**: an offer rented out or sold out at its latest "
            "snapshot of the day is listed, not priced.\n"
            "- **One observation per offer per day** (its latest snapshot), so a source polled "
            "hourly does not outweigh one polled daily.\n"
            "- **Index = interquartile mean**: the mean of the offers between the day's p25 "
            "and p75. Each offer counts once, whatever its GPU count.\n"
            f"- **Minimum sample**: a day with fewer than {MIN_OFFERS} available offers is "
            "flagged low-confidence.\n"
            "- **Stable index (dotted)**: chain-linked: it moves by the offer-weighted "
            "geometric mean of each source's day-on-day change in median, so a source "
            "joining or leaving does not move it. The verdict uses the on-demand stable index.\n"
            "- The Sources and Pricing filters recompute the index from the chosen offers.\n"
            "Full method: docs/rental-index.md."
        )


def _which_price(ctx: frame.Frame, f: MarketFilters, opts: FilterOptions) -> None:
    """Every source x offering of one model side by side, their spread, and the verdict's."""
    st.subheader("Which price?")
    models = list(f.gpu_models or opts.gpu_models)
    if not models:
        st.info("No GPU model has rental offers yet.")
        return
    # The sidebar's model first: "which price does my verdict use?" is the usual question.
    mine = ctx.assumptions.gpu_model
    default = mine if mine in models else models[0]
    if st.session_state.get("mx_wp_model") not in models:
        st.session_state["mx_wp_model"] = default
    model = st.selectbox("GPU model", models, key="mx_wp_model")
    options = _price_options(ctx.path, ctx.version, model, f)
    if options.empty:
        _empty(f"{model} rental offers", f, "widening the date range or clearing Sources")
        return
    rate, day = _verdict_rate(ctx.path, ctx.version, model)
    table = market_page.which_price_table(options.frame, rate, day)
    st.caption(
        f"{model}: each source's tiers on their latest day (median of available offers, "
        "$/GPU-hour), cheapest first. *Available share* = available ÷ listed offers. The "
        "verdict uses the row marked *used by verdict*: the on-demand source-mix-stable index."
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "latest_day": st.column_config.DateColumn("latest day"),
            "median_usd_per_gpu_hour": st.column_config.NumberColumn(
                "median $/GPU-h", format="$%.3f"
            ),
            "available_share": st.column_config.NumberColumn("available share", format="percent"),
            "used_by_verdict": st.column_config.CheckboxColumn("used by verdict"),
        },
        key="mx_wp_table",
    )
    data_footer(
        "gpu_rental_offers (each offer once a day) and gpu_rental_index (stable)",
        options.as_of,
        table,
        f"which_price_{model}",
        key="dl_which_price",
    )
    spread = market_page.price_spread(options.frame)
    if len(spread) > 1:
        fig = _line_figure(
            spread.assign(series="dearest ÷ cheapest − 1").rename(columns={"day": "period"}),
            "spread_pct",
            ["series"],
            "Spread between tiers (%)",
            "day",
            tickformat=".0f",
        )
        _chart(options, spread, fig, "gpu_rental_offers (daily medians per tier)", "price_spread")


# --- Hardware ------------------------------------------------------------------------------


def _hardware(ctx: frame.Frame, f: MarketFilters) -> None:
    msrp = tuple(sorted((m, s.msrp_usd) for m, s in ctx.specs.items()))
    result = _hardware_prices(ctx.path, ctx.version, f, msrp)
    if result.empty:
        _empty("hardware prices", f, "widening the date range or clearing GPU models/Sources")
        return
    _resolution_note(result)
    df = result.frame
    st.subheader("New vs used prices")
    log = st.toggle(
        "Log scale", value=True, key="mx_hw_log", help="Consumer cards beside $30k datacentre parts"
    )
    shown = df[["period", "gpu_model", "condition", "median_price_usd", "listings"]]
    fig = _line_figure(
        shown,
        "median_price_usd",
        ["gpu_model", "condition"],
        "Price per card (USD, log)" if log else "Price per card (USD)",
        result.resolution,
        dash_by="condition",
        log_y=log,
        tickformat=theme.USD_PER_CARD,
    )
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
    fig = _line_figure(
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


def _energy(ctx: frame.Frame, f: MarketFilters) -> None:
    st.subheader("Electricity prices")
    kind = st.segmented_control(
        "Series", ENERGY_KINDS, default=ENERGY_KINDS[0], key="mx_energy_kind"
    )
    kind = kind or ENERGY_KINDS[0]
    result = _energy_prices(ctx.path, ctx.version, f)
    wholesale = kind == "Wholesale"
    if not result.empty:
        is_wholesale = result.frame["sector"].isin(market_page.WHOLESALE_SECTORS)
        result = replace(result, frame=result.frame[is_wholesale == wholesale])
    if result.empty:
        _empty(
            f"{kind.lower()} electricity prices",
            f,
            "the other series, widening the date range or clearing Regions/Sources",
        )
    else:
        _resolution_note(result)
        fig = _line_figure(
            result.frame,
            "price_usd_per_kwh",
            ["region", "sector", "source"],
            "Wholesale day-ahead price (USD/kWh)" if wholesale else "Retail price (USD/kWh)",
            result.resolution,
            tickformat=theme.USD_PER_KWH,
        )
        what = "wholesale (ENTSO-E, Ember)" if wholesale else "retail by sector (EIA)"
        _chart(result, result.frame, fig, f"energy_prices, {what}; USD/kWh", "energy_prices")
    st.subheader("Grid carbon intensity")
    carbon = _grid_carbon(ctx.path, ctx.version, f)
    if carbon.empty:
        _empty("grid carbon years", f, "widening the date range (whole years) or clearing Regions")
        return
    _chart(
        carbon,
        carbon.frame,
        _carbon_figure(carbon.frame),
        "grid_carbon (OWID)",
        "grid_carbon",
    )
    st.caption("A US state filter (e.g. US-TX) also shows its country's grid (US).")


def render() -> None:
    """The analyst's view of every market series, filterable and downloadable."""
    ctx = frame.start("Market")
    if ctx is None:
        return
    try:
        opts = _filter_options(ctx.path, ctx.version)
    except RigShiftError as exc:
        st.error(exc.one_line())
        return
    _from_url(opts)
    _explore(ctx, opts)


@st.fragment
def _explore(ctx: frame.Frame, opts: FilterOptions) -> None:
    """Filters, view and the chosen view's charts: a filter or view change reruns only this
    part of the page (not the sidebar and the frame), which is what an analyst waits for."""
    # A fragment rerun keeps the arguments of the last full run: take the store's version
    # afresh, so a refresh that landed meanwhile shows up on the next filter change.
    ctx = replace(ctx, version=data_version(ctx.path))
    f = _filters(opts)
    view = st.segmented_control("View", VIEWS, default=VIEWS[0], key="mx_view") or VIEWS[0]
    sections = {
        "Coins": lambda: _coins(ctx, f),
        "Rental": lambda: _rental(ctx, f, opts),
        "Hardware": lambda: _hardware(ctx, f),
        "Energy": lambda: _energy(ctx, f),
    }
    try:
        sections[view]()
    except RigShiftError as exc:
        st.error(exc.one_line())
    except duckdb.Error as exc:
        st.error(f"Query failed: {escape(' '.join(str(exc).split())[:300])}")
    _to_url(f, view)


render()
