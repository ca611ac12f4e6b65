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
from dashboard.engine.views.formatting import as_of_text
from dashboard.engine.views.formulas import formulas
from dashboard.engine.views.site import USE_LABELS, bars_frame, deals_frame, uses_frame
from dashboard.ui import data, frame
from dashboard.ui.exec_helpers import explainer, fmt, one_line_errors, table_height, usd_short
from dashboard.ui.widgets import chart_footer
from scrapers.errors import RigShiftError

D = SiteAssumptions()


def _inputs(ctx: frame.Frame) -> SiteAssumptions:
    """The site inputs; deliberately unbounded so a bad value gets a plain error, not a clamp."""
    basis = SITE_DEFAULTS_BASIS
    models = sorted(set(ctx.specs) | {D.gpu_model}) or [D.gpu_model]
    with st.expander("Site inputs (defaults shown; hover ? for each basis)", expanded=True):
        c = st.columns(4)
        mw = c[0].number_input(
            "IT load (MW)",
            value=D.mw_it,
            step=1.0,
            key="site_mw_it",
            help="Critical IT megawatts; " + basis["mw_it"],
        )
        pue = c[1].number_input(
            "PUE (grid MW ÷ IT MW)",
            value=D.pue,
            step=0.01,
            format="%.2f",
            key="site_pue",
            help=basis["pue"],
        )
        own = c[2].checkbox(
            "Own site power price",
            key="site_own_power",
            help="Off: the sidebar's power price (its region default or your figure).",
        )
        if own:
            power = c[2].number_input(
                "Power price ($/kWh)",
                value=D.power_price_usd_per_kwh,
                step=0.005,
                format="%.3f",
                key="site_power_price",
                help=basis["power_price_usd_per_kwh"],
            )
        else:
            power = ctx.assumptions.power_price_usd_per_kwh
            c[2].caption(f"Sidebar power price: ${power:.3f}/kWh.")
        asic = c[3].number_input(
            "ASIC efficiency (J/TH)",
            value=D.asic_efficiency_j_per_th,
            step=0.5,
            format="%.1f",
            key="site_asic_j_th",
            help=basis["asic_efficiency_j_per_th"],
        )
        c = st.columns(4)
        rent = c[0].number_input(
            "Colocation rent ($/kW-month of IT)",
            value=D.colo_rent_usd_per_kw_month,
            step=5.0,
            format="%.2f",
            key="site_colo_rent",
            help=basis["colo_rent_usd_per_kw_month"],
        )
        hall = c[1].number_input(
            "Data hall capex ($M per IT MW)",
            value=D.hall_capex_usd_per_mw / 1e6,
            step=0.1,
            format="%.2f",
            key="site_hall_capex_musd",
            help=basis["hall_capex_usd_per_mw"],
        )
        gpu = c[2].selectbox(
            "GPU model (GPU cloud)",
            models,
            index=models.index(D.gpu_model),
            key="site_gpu_model",
            help="Sets the rental rate (RigShift index for this model).",
        )
        watts = c[3].number_input(
            "All-in power per GPU (W)",
            value=D.all_in_w_per_gpu,
            step=25.0,
            format="%.0f",
            key="site_w_per_gpu",
            help=basis["all_in_w_per_gpu"],
        )
        c = st.columns(4)
        util = c[0].number_input(
            "GPU utilization (%)",
            value=D.utilization * 100,
            step=5.0,
            format="%.0f",
            key="site_utilization_pct",
            help=basis["utilization"],
        )
        gpu_capex = c[1].number_input(
            "GPU price ($/GPU)",
            value=D.gpu_capex_usd,
            step=1000.0,
            format="%.0f",
            key="site_gpu_capex",
            help=basis["gpu_capex_usd"],
        )
        spec = ctx.specs.get(str(gpu))
        if spec is not None:
            c[2].caption(
                f"{gpu}: board power {spec.ai_power_w:,.0f} W in the reference table; all-in "
                "adds host, network and storage share. The default is for H100 SXM."
            )
    return SiteAssumptions(
        mw_it=float(mw),
        pue=float(pue),
        power_price_usd_per_kwh=float(power),
        asic_efficiency_j_per_th=float(asic),
        colo_rent_usd_per_kw_month=float(rent),
        hall_capex_usd_per_mw=float(hall) * 1e6,
        gpu_model=str(gpu),
        all_in_w_per_gpu=float(watts),
        utilization=float(util) / 100,
        gpu_capex_usd=float(gpu_capex),
        # The fleet decision's forward model (sidebar), so both paybacks walk the same path.
        rental_decline=ctx.assumptions.rental_decline,
        difficulty_growth=ctx.assumptions.difficulty_growth,
        btc_price_drift=ctx.assumptions.btc_price_drift,
    )


# widget key -> URL parameter (site inputs travel in the link and in saved scenarios)
SITE_URL_KEYS = {
    "site_mw_it": "site_mw",
    "site_pue": "site_pue",
    "site_power_price": "site_price",
    "site_asic_j_th": "site_asic",
    "site_colo_rent": "site_rent",
    "site_hall_capex_musd": "site_hall",
    "site_w_per_gpu": "site_w",
    "site_utilization_pct": "site_util",
    "site_gpu_capex": "site_gpu_capex",
}
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
            top[0].metric("Revenue ($/IT MW-yr)", usd_short(u.revenue_usd_per_mw_year))
            top[1].metric(
                "Opex ($/IT MW-yr)",
                usd_short(u.opex_usd_per_mw_year),
                help=f"Power ({usd_short(u.power_cost_usd_per_mw_year)} per IT MW-yr) plus "
                "other operating costs.",
            )
            bottom[0].metric("Net ($/IT MW-yr)", usd_short(u.net_usd_per_mw_year))
            bottom[1].metric(
                "Net ($/grid MW-yr)",
                usd_short(u.net_usd_per_mw_year / site.assumptions.pue),
                help="Net per IT MW-yr ÷ PUE: per MW drawn from the grid.",
            )
            last[0].metric("Capex ($/IT MW)", usd_short(u.capex_usd_per_mw))
            last[1].metric(
                "Payback (years)",
                fmt(u.payback_years, ",.1f", "never"),
                help="Capex per IT MW ÷ net per IT MW-yr; never when net ≤ 0.",
            )
            st.caption(u.basis)


def _bars(site: SiteResult, market: MarketSnapshot) -> None:
    bars = bars_frame(site)
    st.plotly_chart(site_charts.site_uses_figure(bars), width="stretch")
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
    st.plotly_chart(site_charts.deals_figure(deals), width="stretch")
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
    rows += [
        (f"data: {kind}", as_of_text(ts), "RigShift store, latest")
        for kind, ts in market.as_of.items()
    ]
    explainer(blocks, pd.DataFrame(rows, columns=["input", "value", "basis"]))


def render() -> None:
    """A powered site's three uses, per IT MW, placed against public deals."""
    st.title("Site")
    ctx = frame.context()
    if not frame.require_data(ctx):
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
