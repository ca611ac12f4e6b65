"""Site: the same megawatt three ways (BTC mining, GPU cloud, colocation), beside public deals."""

from __future__ import annotations

import math
from dataclasses import fields
from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard.engine.charts import site as site_charts
from dashboard.engine.economics.site import (
    SITE_DEFAULTS_BASIS,
    SiteAssumptions,
    SiteResult,
    evaluate_site,
    place_against_deals,
    validate_site,
)
from dashboard.engine.economics.specs import load_deals
from dashboard.engine.terms import MarketSnapshot
from dashboard.engine.views.formatting import number, usd_compact
from dashboard.engine.views.formulas import formulas
from dashboard.engine.views.overview import data_time_rows
from dashboard.engine.views.site import (
    SITE_INPUT,
    SITE_INPUTS,
    USE_LABELS,
    bars_frame,
    deals_frame,
    uses_frame,
)
from dashboard.ui import data, frame
from dashboard.ui.cache import shared
from dashboard.ui.exec_helpers import explainer, one_line_errors, table_height
from dashboard.ui.widgets import chart_footer
from scrapers.errors import RigShiftError

# Figures kept per data (ui.cache.shared), not rebuilt on every rerun and session.
_site_uses_figure = shared(16)(site_charts.site_uses_figure)
_deals_figure = shared(4)(site_charts.deals_figure)

D = SiteAssumptions()


def _number(col: object, field: str, help_prefix: str = "") -> float:
    """One site number input from the table (views.site.SITE_INPUTS), in the field's unit."""
    i = SITE_INPUT[field]
    shown = col.number_input(  # type: ignore[attr-defined]
        i.label,
        value=i.to_shown(getattr(D, field)),
        step=i.step,
        format=i.format,
        key=i.key,
        help=help_prefix + SITE_DEFAULTS_BASIS[field],
    )
    return i.from_shown(float(shown))


def _inputs(ctx: frame.Frame) -> SiteAssumptions:
    """The site inputs; deliberately unbounded so a bad value gets a plain error, not a clamp."""
    models = sorted(set(ctx.specs) | {D.gpu_model}) or [D.gpu_model]
    with st.expander("Site inputs (defaults shown; hover ? for each basis)", expanded=True):
        c = st.columns(4)
        mw = _number(c[0], "mw_it", "Critical IT megawatts; ")
        pue = _number(c[1], "pue")
        own = c[2].checkbox(
            "Own site power price",
            key="site_own_power",
            help="Off: the sidebar's power price (its region default or your figure).",
        )
        if own:
            power = _number(c[2], "power_price_usd_per_kwh")
        else:
            power = ctx.assumptions.power_price_usd_per_kwh
            c[2].caption(f"Sidebar power price: ${power:.3f}/kWh.")
        asic = _number(c[3], "asic_efficiency_j_per_th")
        c = st.columns(4)
        rent = _number(c[0], "colo_rent_usd_per_kw_month")
        hall = _number(c[1], "hall_capex_usd_per_mw")
        gpu = c[2].selectbox(
            "GPU model (GPU cloud)",
            models,
            index=models.index(D.gpu_model),
            key="site_gpu_model",
            help="Sets the rental rate (RigShift index for this model).",
        )
        watts = _number(c[3], "all_in_w_per_gpu")
        c = st.columns(4)
        util = _number(c[0], "utilization")
        gpu_capex = _number(c[1], "gpu_capex_usd")
        spec = ctx.specs.get(str(gpu))
        if spec is not None:
            c[2].caption(
                f"{gpu}: board power {spec.ai_power_w:,.0f} W in the reference table; all-in "
                "adds host, network and storage share. The default is for H100 SXM."
            )
    return SiteAssumptions(
        mw_it=mw,
        pue=pue,
        power_price_usd_per_kwh=float(power),
        asic_efficiency_j_per_th=asic,
        colo_rent_usd_per_kw_month=rent,
        hall_capex_usd_per_mw=hall,
        gpu_model=str(gpu),
        all_in_w_per_gpu=watts,
        utilization=util,
        gpu_capex_usd=gpu_capex,
        # The fleet decision's forward model (sidebar), so both paybacks walk the same path.
        rental_decline=ctx.assumptions.rental_decline,
        difficulty_growth=ctx.assumptions.difficulty_growth,
        btc_price_drift=ctx.assumptions.btc_price_drift,
    )


# widget key -> URL parameter (site inputs travel in the link and in saved scenarios)
SITE_URL_KEYS = {i.key: i.url for i in SITE_INPUTS}
_SITE_URL_LOADED = "_rigshift_site_url_loaded"


def _seed_from_url() -> list[str]:
    """On the session's first Site run, take the site inputs from the URL; warn on bad ones."""
    if st.session_state.get(_SITE_URL_LOADED):
        return []
    st.session_state[_SITE_URL_LOADED] = True
    problems = []
    for key, name in SITE_URL_KEYS.items():
        raw = st.query_params.get(name)
        if raw is None:
            continue
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not math.isfinite(value):
            problems.append(f"{name}={raw!r} is not a finite number")
            continue
        st.session_state[key] = value
        if key == "site_power_price":
            st.session_state["site_own_power"] = True
    return problems


def _sync_url() -> None:
    """Write the site inputs into the link (only what changed)."""
    changed = {}
    for key, name in SITE_URL_KEYS.items():
        if key in st.session_state and st.session_state[key] is not None:
            text = f"{float(st.session_state[key]):.10g}"
            if st.query_params.get(name) != text:
                changed[name] = text
    if changed:
        st.query_params.update(changed)


def _headline(site: SiteResult) -> None:
    sa = site.assumptions
    c = st.columns(4)
    c[0].metric(
        "Hashprice ($/PH/day)",
        f"${site.hashprice_usd_per_ph_day:,.2f}",
        help=f"BTC ${site.btc_price_usd:,.0f}, network {site.network_hashrate_hs / 1e18:,.0f} "
        "EH/s; subsidy + fees per block.",
        border=True,
    )
    c[1].metric(
        "Grid MW (IT MW × PUE)",
        f"{site.grid_mw:,.2f} MW",
        help=f"{sa.mw_it:,.2f} MW of IT load × PUE {sa.pue:.2f}: the power bill is paid on this.",
        border=True,
    )
    c[2].metric(
        "GPUs per IT MW",
        f"{site.gpus_per_mw:,.0f}",
        help=f"1,000,000 W ÷ {sa.all_in_w_per_gpu:,.0f} W all-in per GPU.",
        border=True,
    )
    c[3].metric(
        "Rental rate used ($/GPU-hour)",
        f"${site.rental_rate_usd_per_gpu_hour:,.3f}",
        help=f"{sa.gpu_model}, from the {site.rental_rate_source}.",
        border=True,
    )


def _uses(site: SiteResult) -> None:
    st.subheader("The same megawatt, three ways (per MW of IT load)")
    st.caption(
        "Every $/MW figure below is **per MW of IT load** (critical IT MW) unless it says grid "
        f"MW. Power is paid on grid MW = IT MW × PUE ({site.assumptions.pue:.2f}), so the power "
        "cost already includes cooling and losses; 'net per grid MW' divides by PUE."
    )
    cols = st.columns(3)
    for col, u in zip(cols, site.uses, strict=True):
        with col.container(border=True):
            st.markdown(f"**{USE_LABELS[u.use]}**")
            top, bottom, last = st.columns(2), st.columns(2), st.columns(2)
            top[0].metric("Revenue ($/IT MW-yr)", usd_compact(u.revenue_usd_per_mw_year))
            top[1].metric(
                "Opex ($/IT MW-yr)",
                usd_compact(u.opex_usd_per_mw_year),
                help=f"Power ({usd_compact(u.power_cost_usd_per_mw_year)} per IT MW-yr) plus "
                "other operating costs.",
            )
            bottom[0].metric("Net ($/IT MW-yr)", usd_compact(u.net_usd_per_mw_year))
            bottom[1].metric(
                "Net ($/grid MW-yr)",
                usd_compact(u.net_usd_per_mw_year / site.assumptions.pue),
                help="Net per IT MW-yr ÷ PUE: per MW drawn from the grid.",
            )
            last[0].metric("Capex ($/IT MW)", usd_compact(u.capex_usd_per_mw))
            last[1].metric(
                "Payback (years)",
                number(u.payback_years, 1, none="never"),
                help="Capex per IT MW ÷ net per IT MW-yr; never when net ≤ 0.",
            )
            st.caption(u.basis)


def _bars(site: SiteResult, market: MarketSnapshot) -> None:
    bars = bars_frame(site)
    st.plotly_chart(_site_uses_figure(bars), width="stretch")
    chart_footer(
        "RigShift store: BTC price and difficulty (hashprice), GPU rental index; your site inputs",
        market.as_of.get("coins"),
        bars,
        "site_uses.csv",
        key="dl_site_bars",
    )
    table = uses_frame(site)
    uses = [c for c in table.columns if c not in ("measure", "unit")]
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=table_height(len(table)),
        column_config={c: st.column_config.NumberColumn(format="localized") for c in uses},
    )
    sa = site.assumptions
    st.caption(
        f"Whole site: {sa.mw_it:,.2f} IT MW ({site.grid_mw:,.2f} grid MW). Payback shown as "
        "None: the use never earns back its capex (net ≤ 0)."
    )
    chart_footer(
        "RigShift store and your site inputs",
        market.as_of.get("coins"),
        table,
        "site_uses_table.csv",
        key="dl_site_table",
    )


def _latest_announced(deals: pd.DataFrame) -> datetime | None:
    dates = pd.to_datetime(deals["announced"], errors="coerce", format="mixed")
    latest = dates.max()
    return None if pd.isna(latest) else latest.to_pydatetime()


def _deals(site: SiteResult) -> None:
    st.subheader("This site against public miner → HPC deals")
    try:
        raw = load_deals()
    except (OSError, ValueError, KeyError) as exc:
        st.error(f"Deal table could not be loaded: {' '.join(str(exc).split())}")
        return
    deals = deals_frame(place_against_deals(site, raw))
    st.plotly_chart(_deals_figure(deals), width="stretch")
    st.dataframe(
        deals,
        hide_index=True,
        width="stretch",
        height=table_height(len(deals)),
        column_config={
            "label": st.column_config.TextColumn("deal or this site", pinned=True),
            "$/IT MW-yr": st.column_config.NumberColumn(format="localized"),
            "share of colocation deals below": st.column_config.NumberColumn(
                "colocation deals below (%)", format="percent"
            ),
            "source": st.column_config.LinkColumn("source", display_text="open"),
        },
    )
    st.caption(
        "Deal $/IT MW-yr = total contract value ÷ term (years) ÷ IT MW, recomputed from each "
        "deal's published figures. Colocation deals are rent only, so this site's colocation "
        "bar leaves out passed-through power. The GPU-cloud deal (IREN → Microsoft) includes "
        "the GPU service: compare it with this site's GPU cloud, not with a powered-shell lease."
    )
    chart_footer(
        "data/reference/hpc_deals.csv (company filings and press; link per row) and this site",
        _latest_announced(raw),
        deals,
        "site_vs_deals.csv",
        key="dl_site_deals",
    )


def _explain(site: SiteResult, market: MarketSnapshot) -> None:
    f = formulas(site=site)
    blocks = [
        f["hashprice"],
        f["site"],
        "**Opex** = power (on grid MW) + other operating costs as a share of revenue (mining, "
        "GPU cloud) or of rent (colocation). **Capex per IT MW**: ASICs for mining; GPUs ÷ "
        "their share of cluster cost + the data hall for GPU cloud; the hall for colocation.",
    ]
    sa = site.assumptions
    rows = [
        (f.name.replace("_", " "), str(getattr(sa, f.name)), SITE_DEFAULTS_BASIS.get(f.name, ""))
        for f in fields(sa)
        if f.name in SITE_DEFAULTS_BASIS
    ]
    explainer(blocks, tuple(rows) + data_time_rows(market))


def render() -> None:
    """A powered site's three uses, per IT MW, placed against public deals."""
    ctx = frame.start("Site")
    if ctx is None:
        return
    st.caption(
        "Revenue, opex, net, capex and payback for one megawatt used three ways. The power "
        "price and the forward model (rental decline, difficulty growth, BTC price drift) come "
        "from the sidebar unless you set the site's own; site inputs travel in the link."
    )
    for problem in _seed_from_url():
        st.warning(f"Link ignored a value: {problem}.", icon=":material/link_off:")
    sa = _inputs(ctx)
    _sync_url()
    try:
        validate_site(sa)
    except RigShiftError as exc:
        one_line_errors(exc, "Check the site inputs: ")
        return
    try:
        market = data.market(ctx.path, ctx.version)
        site = evaluate_site(market, sa)
    except RigShiftError as exc:
        one_line_errors(exc)
        return
    _headline(site)
    _uses(site)
    _bars(site, market)
    _deals(site)
    _explain(site, market)


render()
