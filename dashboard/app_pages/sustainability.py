"""Sustainability: energy, emissions and revenue per kWh, mining vs AI rental, for one grid."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from dashboard.engine.charts.sustainability import footprint_by_region_figure
from dashboard.engine.economics.per_gpu import evaluate
from dashboard.engine.economics.specs import apply_overrides
from dashboard.engine.economics.sustainability import Footprint, by_region, compare, footprint_table
from dashboard.engine.queries.market_page import CarbonIntensity
from dashboard.engine.views.formatting import usd
from dashboard.ui import data, frame
from dashboard.ui.cache import shared
from dashboard.ui.safe_text import escape
from dashboard.ui.widgets import data_footer
from scrapers.errors import RigShiftError

# Figures kept per data (ui.cache.shared), not rebuilt on every rerun and session.
_footprint_by_region_figure = shared(16)(footprint_by_region_figure)

DEFAULT_REGION = "US"


def _label(c: CarbonIntensity) -> str:
    name = f" · {c.region_name}" if c.region_name != c.region else ""
    return f"{c.region}{name} ({c.year}: {c.carbon_g_per_kwh:,.0f} gCO2e/kWh)"


def _grid(choices: list[CarbonIntensity]) -> tuple[float, str] | None:
    """The chosen grid intensity and a label for it, or None when there is nothing to use."""
    cols = st.columns([3, 2])
    own = cols[1].toggle(
        "Use my own grid intensity",
        key="sus_own",
        help="For a site on a PPA, hydro or behind-the-meter supply the country average is wrong.",
    )
    if own:
        value = cols[1].number_input(
            "Grid intensity (gCO2e/kWh)", min_value=0.0, value=400.0, step=10.0, key="sus_g"
        )
        return float(value), f"your own figure, {value:,.0f} gCO2e/kWh"
    if not choices:
        cols[0].info(
            "No grid carbon data in the store: run `rigshift refresh` (the carbon source), "
            "or switch on “Use my own grid intensity”.",
            icon=":material/co2:",
        )
        return None
    codes = [c.region for c in choices]
    default = codes.index(DEFAULT_REGION) if DEFAULT_REGION in codes else 0
    picked = cols[0].selectbox(
        "Grid region (latest stored year)",
        choices,
        index=default,
        format_func=_label,
        key="sus_region",
    )
    # Region and source names come from the database: plain text in the footer's Markdown.
    label = escape(f"{picked.region} grid {picked.year} ({picked.source})")
    return picked.carbon_g_per_kwh, label


def _metrics(name: str, fp: Footprint | None) -> None:
    cols = st.columns(3)
    if fp is None:
        cols[0].metric(f"{name}: kg CO2e per GPU-day", "cannot mine", border=True)
        cols[1].metric(f"{name}: kg CO2e per $ of revenue", "n/a", border=True)
        cols[2].metric(f"{name}: revenue per kWh ($/kWh)", "n/a", border=True)
        return
    per_usd = fp.kg_co2_per_usd
    cols[0].metric(
        f"{name}: kg CO2e per GPU-day",
        f"{fp.kg_co2_day:,.2f}",
        help=f"{fp.power_w:,.0f} W × 24 h × PUE = {fp.energy_kwh_day:,.2f} kWh at the wall.",
        border=True,
    )
    cols[1].metric(
        f"{name}: kg CO2e per $ of revenue",
        f"{per_usd:,.3f}" if per_usd is not None else "no revenue",
        help=f"Revenue {usd(fp.revenue_usd_day)}/GPU-day.",
        border=True,
    )
    cols[2].metric(
        f"{name}: revenue per kWh ($/kWh)",
        usd(fp.revenue_usd_per_kwh, 3),
        border=True,
    )


def _caption(ctx: frame.Frame) -> str:
    """The line under the title: the sidebar inputs this page is computed at."""
    a = ctx.assumptions
    return (
        f"One {a.gpu_model} at PUE {a.pue:.2f}, {a.utilization:.0%} rental utilization "
        "(change them in the sidebar)."
    )


def render() -> None:
    """Carbon and revenue per kWh of the sidebar fleet, mining vs renting, on a chosen grid."""
    ctx = frame.start("Sustainability", _caption, needs_inputs=True)
    if ctx is None:
        return
    a = ctx.assumptions
    try:
        choices = data.carbon_choices(ctx.path, ctx.version)
        grid = _grid(choices)
        if grid is None:
            return
        g_per_kwh, grid_label = grid
        market = data.market(ctx.path, ctx.version)
        spec = apply_overrides(ctx.specs[a.gpu_model], a)
        result = evaluate(spec, market, a)
    except RigShiftError as exc:
        st.error(escape(exc.one_line()))
        return
    mining, rental = compare(spec, result, g_per_kwh)
    coin = result.mining.best_coin
    _metrics(f"Mining {escape(coin)}" if coin else "Mining", mining)  # an upstream name
    _metrics("AI rental", rental)
    if mining is None:
        st.caption(f"{a.gpu_model} has no hashrate for any stored coin: mining is not an option.")

    st.subheader("Per GPU-day, side by side")
    table = footprint_table(mining, rental)
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "mining": st.column_config.NumberColumn(format="%.3f"),
            "AI rental": st.column_config.NumberColumn(format="%.3f"),
        },
    )
    data_footer(
        f"sidebar assumptions, {grid_label}, market as of the latest store data",
        market.as_of.get("rental"),
        table,
        "sustainability_per_gpu_day",
        key="dl_sus_table",
    )

    st.subheader("Emissions per dollar by grid")
    regions = by_region(
        spec, result, [(c.region, c.region_name, c.year, c.carbon_g_per_kwh) for c in choices]
    )
    if regions.empty:
        st.info("No grid carbon data in the store to compare regions: run `rigshift refresh`.")
    else:
        st.plotly_chart(_footprint_by_region_figure(regions), width="stretch", key="fig_sus")
        data_footer(
            "grid_carbon (latest year per region), sidebar assumptions",
            datetime(int(regions["year"].max()), 12, 31),
            regions,
            "emissions_by_region",
            key="dl_sus_regions",
        )
    with st.expander("How this is computed"):
        st.markdown(
            "- **Energy at the wall** (kWh/GPU-day) = average IT power (W) × 24 h ÷ 1000 × PUE.\n"
            "- **Mining power**: the measured wall power of the GPU on the best coin's algorithm "
            "(data/reference/gpu_specs.csv).\n"
            "- **Rental power** = AI power × utilization + idle power × (1 − utilization).\n"
            "- **kg CO2e per GPU-day** = energy × grid intensity (gCO2e/kWh) ÷ 1000.\n"
            "- **Revenue**: mining after the pool fee; rental = rate × 24 h × utilization × "
            "(1 − marketplace fee), as on Overview.\n"
            "- **kg CO2e per $** = kg CO2e per GPU-day ÷ revenue per GPU-day; "
            "**revenue per kWh** = revenue ÷ energy at the wall.\n"
            "- Grid intensity is the country's generation average for its latest stored year "
            "(OWID): a site's own supply can differ a lot."
        )


render()
