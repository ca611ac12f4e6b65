"""The shared frame around every page: sidebar inputs, the DEMO DATA badge, empty states.

The entry script calls :func:`render` once per run, before the page; pages read the result
with :func:`context`. Inputs are plain widgets with keys, so they keep their values across
pages and tests can drive them (``at.number_input(key="power_price")``).

Every input also lives in the URL query string (names in :mod:`dashboard.engine.scenario`):
on a session's first run the inputs start from the URL (a bad value is a one-line warning and
its default), and every run writes the current inputs back, so the address bar is always a
link to exactly this view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

import streamlit as st

from dashboard.engine import model as m
from dashboard.engine.model import GpuAssumptions, GpuSpec
from dashboard.engine.scenario import from_params, to_params
from dashboard.ui import data
from dashboard.ui.safe_text import escape
from scrapers.errors import RigShiftError

_CTX_KEY = "_rigshift_frame"
_URL_LOADED = "_rigshift_url_loaded"

# widget key -> (GpuAssumptions field, scale from the field to the widget's unit)
WIDGETS: dict[str, tuple[str, float]] = {
    "fleet_count": ("count", 1),
    "power_price": ("power_price_usd_per_kwh", 1),
    "pue": ("pue", 1),
    "utilization_pct": ("utilization", 100),
    "platform_fee_pct": ("platform_fee", 100),
    "pool_fee_pct": ("pool_fee", 100),
    "capex_per_gpu": ("conversion_capex_usd", 1),
    "transition_cost": ("transition_cost_usd", 1),
    "horizon_months": ("horizon_months", 1),
    "payback_target": ("payback_target_months", 1),
    "discount_rate_pct": ("discount_rate", 100),
}
_INT_WIDGETS = {"fleet_count", "horizon_months"}


@dataclass(frozen=True)
class Frame:
    """What every page needs: the store, its state and the validated fleet assumptions."""

    path: str
    version: data.Version
    db: data.DbState
    assumptions: GpuAssumptions
    input_error: str | None = None
    specs: dict[str, GpuSpec] = field(default_factory=dict)
    spec_error: str | None = None

    @property
    def inputs_ok(self) -> bool:
        """True when the sidebar inputs passed the engine's validation."""
        return self.input_error is None and self.spec_error is None


def _spec_table() -> tuple[dict[str, GpuSpec], str | None]:
    try:
        return data.gpu_specs(), None
    except (RigShiftError, OSError, ValueError, KeyError) as exc:
        text = exc.one_line() if isinstance(exc, RigShiftError) else " ".join(str(exc).split())
        return {}, f"GPU spec table could not be loaded: {text}"


def _widget_values(a: GpuAssumptions) -> dict[str, object]:
    """Session-state values of every sidebar widget for ``a`` (percent inputs in percent)."""
    values: dict[str, object] = {"gpu_model": a.gpu_model}
    for key, (name, scale) in WIDGETS.items():
        value = getattr(a, name)
        # round(): 0.07 x 100 is 7.000000000000001 in floats; the widget should show 7.
        values[key] = int(value) if key in _INT_WIDGETS else round(float(value) * scale, 9)
    return values


def _init_state(models: list[str]) -> list[str]:
    """Seed widget state: from the URL on a session's first run, else keep what is there.

    Returns one warning per unusable URL parameter.
    """
    warnings: list[str] = []
    defaults = GpuAssumptions(
        gpu_model=m.DEFAULT_GPU_MODEL if m.DEFAULT_GPU_MODEL in models else models[0]
    )
    if not st.session_state.get(_URL_LOADED):
        st.session_state[_URL_LOADED] = True
        a, warnings = from_params(st.query_params.to_dict(), known_models=models, base=defaults)
        for key, value in _widget_values(a).items():
            st.session_state[key] = value
        return warnings
    for key, value in _widget_values(defaults).items():
        if key not in st.session_state:
            st.session_state[key] = value
    return warnings


_OWN_PRICE = "your own figure"


def _apply_region(path: str, version: data.Version) -> None:
    """Set the power price to the chosen region's latest EIA industrial price."""
    region = st.session_state.get("power_region")
    found = data.power_price(path, version, region) if region != _OWN_PRICE else None
    if found is not None:
        st.session_state["power_price"] = round(float(found[0]), 4)


def _power_source(path: str, version: data.Version) -> str | None:
    """The "power price from" choice; returns a caption naming the price's basis."""
    regions = data.power_price_regions(path, version)
    if not regions:
        return None
    if st.session_state.get("power_region") not in [_OWN_PRICE, *regions]:
        st.session_state["power_region"] = _OWN_PRICE
    region = st.sidebar.selectbox(
        "Power price from",
        [_OWN_PRICE, *regions],
        key="power_region",
        on_change=_apply_region,
        args=(path, version),
        help="Pick a US state to use its latest EIA industrial price (USD/kWh), or keep "
        "your own contract price. Default: $0.060/kWh, typical of miners' contracts.",
    )
    found = data.power_price(path, version, region) if region != _OWN_PRICE else None
    if found is None:
        return None
    price, period = found
    if abs(float(st.session_state.get("power_price", -1)) - round(price, 4)) > 1e-9:
        return (
            f"{region}'s EIA industrial price is ${price:.4f}/kWh ({period:%Y-%m}); yours differs."
        )
    return f"EIA industrial price, {region}, {period:%Y-%m} (latest stored month)."


def _sidebar(
    specs: dict[str, GpuSpec], path: str, version: data.Version
) -> tuple[GpuAssumptions, list[str]]:
    models = sorted(specs) or [m.DEFAULT_GPU_MODEL]
    warnings = _init_state(models)
    if st.session_state.get("gpu_model") not in models:
        st.session_state["gpu_model"] = models[0]
    sb = st.sidebar
    sb.header("Fleet assumptions")
    # No value=/index= below: the state seeded by _init_state is the single source of truth.
    gpu = sb.selectbox("GPU model", models, key="gpu_model")
    count = sb.number_input("Fleet size (GPUs)", min_value=0, step=100, key="fleet_count")
    basis = _power_source(path, version)
    power = sb.number_input(
        "Power price ($/kWh)",
        min_value=0.0,
        step=0.005,
        format="%.3f",
        key="power_price",
        help="All-in electricity price at the meter. Default: miners' typical contracts.",
    )
    if basis:
        sb.caption(basis)
    pue = sb.number_input(
        "PUE (facility W ÷ IT W)",
        min_value=0.0,
        step=0.01,
        format="%.2f",
        key="pue",
        help="1.10 is typical for air-cooled GPU rooms; Applied Digital designs for 1.18.",
    )
    util = sb.number_input(
        "Rental utilization (%)",
        min_value=0.0,
        max_value=100.0,
        step=5.0,
        format="%.0f",
        key="utilization_pct",
        help="Share of hours a rented GPU is actually rented. No marketplace publishes it.",
    )
    with sb.expander("Fees, costs and horizon", expanded=False):
        platform = st.number_input(
            "Marketplace fee (% of rental revenue)",
            min_value=0.0,
            max_value=100.0,
            step=1.0,
            format="%.0f",
            key="platform_fee_pct",
        )
        pool = st.number_input(
            "Pool fee (% of mining revenue)",
            min_value=0.0,
            max_value=100.0,
            step=0.5,
            format="%.1f",
            key="pool_fee_pct",
        )
        capex = st.number_input(
            "Conversion capex ($/GPU)",
            min_value=0.0,
            step=50.0,
            format="%.0f",
            key="capex_per_gpu",
            help="An explicit assumption (x16 board share, CPU, RAM ≥ VRAM, NVMe, network): "
            "there is no citable public figure.",
        )
        transition = st.number_input(
            "One-off transition cost ($, whole fleet)",
            min_value=0.0,
            step=10_000.0,
            format="%.0f",
            key="transition_cost",
            help="Integration, staff training, certification. Added to capex in payback and NPV.",
        )
        horizon = st.number_input(
            "Horizon (months)", min_value=1, max_value=120, step=6, key="horizon_months"
        )
        target = st.number_input(
            "Payback target (months)",
            min_value=1.0,
            max_value=120.0,
            step=1.0,
            format="%.0f",
            key="payback_target",
            help="The verdict says Pivot now only when the conversion pays back within this.",
        )
        discount = st.number_input(
            "Discount rate (%/yr)",
            min_value=0.0,
            max_value=100.0,
            step=1.0,
            format="%.1f",
            key="discount_rate_pct",
            help="Discounts the monthly spread in the NPV.",
        )
    a = GpuAssumptions(
        gpu_model=str(gpu),
        count=int(count),
        power_price_usd_per_kwh=float(power),
        pue=float(pue),
        utilization=float(util) / 100,
        platform_fee=float(platform) / 100,
        pool_fee=float(pool) / 100,
        conversion_capex_usd=float(capex),
        transition_cost_usd=float(transition),
        horizon_months=int(horizon),
        payback_target_months=float(target),
        discount_rate=float(discount) / 100,
    )
    return a, warnings


def _sync_url(a: GpuAssumptions) -> dict[str, str]:
    """Write the inputs into the query string (only our keys, only when they changed)."""
    params = to_params(a)
    changed = {k: v for k, v in params.items() if st.query_params.get(k) != v}
    if changed:
        st.query_params.update(changed)  # one URL update, not one per input
    return params


def _share_hint(params: dict[str, str]) -> None:
    try:
        base = st.context.url or ""
    except Exception:  # no browser session (AppTest, bare mode)
        base = ""
    with st.sidebar.expander("Copy link to this view", icon=":material/link:"):
        st.caption(
            "The address bar always holds every input above: copy it (or this link) to share "
            "exactly this view. Save named scenarios on the Scenarios page."
        )
        st.code(f"{base}?{urlencode(params)}", language=None, wrap_lines=True)


def _validate(a: GpuAssumptions) -> str | None:
    from dashboard.engine.economics import validate

    try:
        validate(a)
    except RigShiftError as exc:
        return exc.one_line()
    return None


def render() -> Frame:
    """Draw the sidebar and the page-independent banners; remember the result for the page."""
    path = data.db_path()
    version = data.data_version(path)
    db = data.db_state(path, version)
    specs, spec_error = _spec_table()
    assumptions, url_warnings = _sidebar(specs, path, version)
    input_error = _validate(assumptions)
    _share_hint(_sync_url(assumptions))
    for warning in url_warnings:
        st.warning(f"Link ignored a value: {escape(warning)}.", icon=":material/link_off:")
    if db.is_demo:
        st.warning(
            "**DEMO DATA**: bundled sample payloads and dated anchor figures, not live "
            "market data. Run `rigshift refresh` to load live data.",
            icon=":material/science:",
        )
    if spec_error:
        st.error(spec_error)
    if input_error:
        st.error(f"Check the sidebar: {input_error}")
    st.sidebar.caption(f"Database: `{path}`")
    frame = Frame(path, version, db, assumptions, input_error, specs, spec_error)
    st.session_state[_CTX_KEY] = frame
    return frame


def context() -> Frame:
    """The frame rendered for this run (falls back to rendering it when a page runs alone)."""
    frame = st.session_state.get(_CTX_KEY)
    return frame if isinstance(frame, Frame) else render()


def empty_state(db: data.DbState) -> None:
    """Explain how to load data when the store is missing, empty or unreadable."""
    if db.state == "broken":
        st.error(f"The database at `{db.path}` could not be read: {db.detail}")
    else:
        what = "There is no database" if db.state == "missing" else "The database is empty"
        st.info(f"{what} at `{db.path}` yet.", icon=":material/database:")
    st.markdown(
        "Load data with one of:\n\n"
        "- `rigshift demo`: builds the demo dataset offline from bundled sample payloads "
        "(no network, about a minute);\n"
        "- `rigshift refresh`: fetches live data from every source (polite, rate-limited).\n\n"
        "Then reload this page. Set `RIGSHIFT_DB` to point the app at another database file."
    )


def require_data(frame: Frame) -> bool:
    """Show the empty state and return False unless the store has data."""
    if frame.db.ready:
        return True
    empty_state(frame.db)
    return False
