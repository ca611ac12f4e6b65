"""The shared frame around every page: sidebar inputs, the DEMO DATA badge, empty states.

The entry script calls :func:`render` once per run, before the page; pages read the result
with :func:`context`. Inputs are plain widgets with keys, so they keep their values across
pages and tests can drive them (``at.number_input(key="power_price")``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from dashboard.engine import model as m
from dashboard.engine.model import GpuAssumptions, GpuSpec
from dashboard.ui import data
from scrapers.errors import RigShiftError

_CTX_KEY = "_rigshift_frame"


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


def _sidebar(specs: dict[str, GpuSpec]) -> GpuAssumptions:
    sb = st.sidebar
    sb.header("Fleet assumptions")
    models = sorted(specs) or [m.DEFAULT_GPU_MODEL]
    default_idx = models.index(m.DEFAULT_GPU_MODEL) if m.DEFAULT_GPU_MODEL in models else 0
    gpu = sb.selectbox("GPU model", models, index=default_idx, key="gpu_model")
    count = sb.number_input(
        "Fleet size (GPUs)", min_value=0, value=m.DEFAULT_FLEET_COUNT, step=100, key="fleet_count"
    )
    power = sb.number_input(
        "Power price ($/kWh)",
        min_value=0.0,
        value=m.DEFAULT_POWER_PRICE_USD_PER_KWH,
        step=0.005,
        format="%.3f",
        key="power_price",
        help="All-in electricity price at the meter. Default: miners' typical contracts.",
    )
    pue = sb.number_input(
        "PUE (facility W ÷ IT W)",
        min_value=0.0,
        value=m.DEFAULT_PUE,
        step=0.01,
        format="%.2f",
        key="pue",
        help="1.10 is typical for air-cooled GPU rooms; Applied Digital designs for 1.18.",
    )
    util = sb.number_input(
        "Rental utilization (%)",
        min_value=0.0,
        max_value=100.0,
        value=m.DEFAULT_UTILIZATION * 100,
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
            value=m.DEFAULT_PLATFORM_FEE * 100,
            step=1.0,
            format="%.0f",
            key="platform_fee_pct",
        )
        pool = st.number_input(
            "Pool fee (% of mining revenue)",
            min_value=0.0,
            max_value=100.0,
            value=m.DEFAULT_POOL_FEE * 100,
            step=0.5,
            format="%.1f",
            key="pool_fee_pct",
        )
        capex = st.number_input(
            "Conversion capex ($/GPU)",
            min_value=0.0,
            value=m.DEFAULT_CONVERSION_CAPEX_USD,
            step=50.0,
            format="%.0f",
            key="capex_per_gpu",
            help="An explicit assumption (x16 board share, CPU, RAM ≥ VRAM, NVMe, network): "
            "there is no citable public figure.",
        )
        transition = st.number_input(
            "One-off transition cost ($, whole fleet)",
            min_value=0.0,
            value=0.0,
            step=10_000.0,
            format="%.0f",
            key="transition_cost",
            help="Integration, staff training, certification. Added to capex in payback and NPV.",
        )
        horizon = st.number_input(
            "Horizon (months)",
            min_value=1,
            max_value=120,
            value=m.DEFAULT_HORIZON_MONTHS,
            step=6,
            key="horizon_months",
        )
    return GpuAssumptions(
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
    )


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
    assumptions = _sidebar(specs)
    input_error = _validate(assumptions)
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
