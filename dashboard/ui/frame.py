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

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from dashboard.engine import terms as m
from dashboard.engine.bounds import BY_FIELD, Bound
from dashboard.engine.decision import Fleet, FleetLine
from dashboard.engine.scenario import fleet_from_params, fleet_param, from_params, to_params
from dashboard.engine.terms import GpuAssumptions, GpuSpec
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
    "rental_decline_pct": ("rental_decline", 100),
    "difficulty_growth_pct": ("difficulty_growth", 100),
    "btc_drift_pct": ("btc_price_drift", 100),
    "fixed_opex": ("fixed_opex_usd_per_gpu_month", 1),
}
# The Fleet page's table (list of row dicts, dashboard.engine.economics.fleet.ROW_KEYS): the sidebar
# fleet. With two or more models it is the fleet; with one, the sidebar model and count are.
FLEET_STATE = "fleet_rows"
# Set by save_fleet when a one-row table changes the model or count: applied to the sidebar
# widgets the next time the sidebar is drawn (a widget's state cannot change after it is drawn),
# which is this run when the frame folds a table edit in, else the next one.
PENDING_SIDEBAR = "_rigshift_pending_sidebar"
# The Fleet page's table editor as last drawn: (its widget key, the rows it started from).
FLEET_EDITOR = "_rigshift_fleet_editor"
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
    fleet: Fleet | None = None

    @property
    def the_fleet(self) -> Fleet:
        """The sidebar fleet (one line from the sidebar when no table is set)."""
        return self.fleet or Fleet.single(self.assumptions.gpu_model, self.assumptions.count)

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
        params = st.query_params.to_dict()
        a, warnings = from_params(params, known_models=models, base=defaults)
        for key, value in _widget_values(a).items():
            st.session_state[key] = value
        fleet, problem = fleet_from_params(params, known_models=models)
        if problem:
            warnings.append(problem)
        if fleet is not None:
            st.session_state[FLEET_STATE] = fleet_rows(fleet)
        return warnings
    pending = st.session_state.pop(PENDING_SIDEBAR, None)
    if pending:
        for key, value in pending.items():
            st.session_state[key] = value
    for key, value in _widget_values(defaults).items():
        if key not in st.session_state:
            st.session_state[key] = value
    return warnings


def save_fleet(rows: list[dict[str, Any]], specs: dict[str, GpuSpec]) -> None:
    """Make ``rows`` the sidebar fleet; a table with one priced row also sets the sidebar's
    model and count (on the sidebar's next draw)."""
    from dashboard.engine.economics.fleet import resolve_model

    st.session_state[FLEET_STATE] = rows
    priced = [r for r in rows if r["model"] and r["count"]]
    if len(priced) == 1:
        model = resolve_model(str(priced[0]["model"]), specs)
        if model in specs:
            st.session_state[PENDING_SIDEBAR] = {
                "gpu_model": model,
                "fleet_count": int(priced[0]["count"]),
            }


def _fold_fleet_edit(specs: dict[str, GpuSpec]) -> None:
    """Save the Fleet table's last edit before the sidebar is drawn, so the run it triggers
    shows the new fleet in the sidebar, the table and the verdict at once (saved by the page,
    after the sidebar, it took a second run: ~100 ms more per edit)."""
    from dashboard.engine.economics.fleet import apply_table_edits

    drawn = st.session_state.get(FLEET_EDITOR)
    edits = st.session_state.get(drawn[0]) if drawn else None
    if not isinstance(edits, dict):
        return
    rows = apply_table_edits(drawn[1], edits)
    if rows != drawn[1]:
        save_fleet(rows, specs)


def fleet_rows(fleet: Fleet) -> list[dict[str, object]]:
    """The Fleet page's row dicts for ``fleet`` (no per-row figures besides capex and rate)."""
    from dashboard.engine.economics.fleet import default_rows

    rows = []
    for line in fleet.lines:
        row = default_rows(line.gpu_model, line.count, line.conversion_capex_usd)[0]
        row["rental_rate_usd_per_gpu_hour"] = line.rental_rate_usd_per_gpu_hour
        rows.append(row)
    return rows


def _num(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN (blank editor cell) -> None


def table_fleet(specs: dict[str, GpuSpec]) -> Fleet | None:
    """The mixed fleet in session state (two or more priced models), else None.

    Rows the decision cannot take (unknown model, no count) stay on the Fleet page, which
    explains them; they are left out here.
    """
    from dashboard.engine.economics.fleet import resolve_model

    rows = st.session_state.get(FLEET_STATE)
    if not isinstance(rows, list):
        return None
    lines: dict[str, FleetLine] = {}
    for row in rows:
        if not isinstance(row, dict) or not row.get("model"):
            continue
        model = resolve_model(str(row["model"]), specs)
        count = _num(row.get("count"))
        if model not in specs or count is None or count < 1 or model in lines:
            continue
        lines[model] = FleetLine(
            model,
            int(count),
            _num(row.get("conversion_capex_usd")),
            _num(row.get("rental_rate_usd_per_gpu_hour")),
        )
    return Fleet(tuple(lines.values())) if len(lines) >= 2 else None


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
    mixed = table_fleet(specs)
    if mixed is not None:
        sb.markdown("**Fleet:** " + mixed.label.replace("*", "\\*"))
        sb.caption("Edit the fleet table on the Fleet page; model and count below are unused.")
        if sb.button("Back to one model", key="fleet_reset"):
            st.session_state[FLEET_STATE] = None
            st.rerun()
    # No value=/index= below: the state seeded by _init_state is the single source of truth.
    gpu = sb.selectbox("GPU model", models, key="gpu_model", disabled=mixed is not None)
    count = _bounded(sb, "fleet_count", "count", 100, disabled=mixed is not None)
    basis = _power_source(path, version)
    power = _bounded(
        sb,
        "power_price",
        "power_price_usd_per_kwh",
        0.005,
        "%.3f",
        "All-in electricity price at the meter. Default: miners' typical contracts.",
    )
    if basis:
        sb.caption(basis)
    pue = _bounded(
        sb,
        "pue",
        "pue",
        0.01,
        "%.2f",
        "1.10 is typical for air-cooled GPU rooms; Applied Digital designs for 1.18.",
    )
    util = _bounded(
        sb,
        "utilization_pct",
        "utilization",
        5.0,
        "%.0f",
        "Share of hours a rented GPU is actually rented. No marketplace publishes it.",
    )
    with sb.expander("Fees, costs and horizon", expanded=False):
        platform = _bounded(st, "platform_fee_pct", "platform_fee", 1.0, "%.0f")
        pool = _bounded(st, "pool_fee_pct", "pool_fee", 0.5, "%.1f")
        capex = _bounded(
            st,
            "capex_per_gpu",
            "conversion_capex_usd",
            50.0,
            "%.0f",
            "Consumer cards (x16 board share, CPU, RAM ≥ VRAM, NVMe, network). Datacenter "
            f"GPUs default to ${m.DEFAULT_DATACENTER_CONVERSION_CAPEX_USD:,.0f}/GPU (server "
            "share and networking); set either per model in the Fleet table. No citable "
            "public figure for either.",
            label="Conversion capex, consumer card ($/GPU)",
        )
        transition = _bounded(
            st,
            "transition_cost",
            "transition_cost_usd",
            10_000.0,
            "%.0f",
            "Integration, staff training, certification. Added to capex in payback and NPV.",
            label="One-off transition cost ($, whole fleet)",
        )
        opex = _bounded(
            st,
            "fixed_opex",
            "fixed_opex_usd_per_gpu_month",
            1.0,
            "%.2f",
            "Staff, bandwidth, maintenance, marketplace support of a rented fleet. No citable "
            "figure: the default 0 is a prompt to enter yours.",
            label="Fixed opex ($/GPU-month)",
        )
        horizon = _bounded(st, "horizon_months", "horizon_months", 6)
        target = _bounded(
            st,
            "payback_target",
            "payback_target_months",
            1.0,
            "%.0f",
            "Pivot now needs payback within this (and a 70 % chance of payback).",
        )
        discount = _bounded(
            st,
            "discount_rate_pct",
            "discount_rate",
            1.0,
            "%.1f",
            "Discounts every monthly cash flow in the NPV.",
        )
    with sb.expander("Forward model", expanded=False):
        decline = _bounded(
            st,
            "rental_decline_pct",
            "rental_decline",
            5.0,
            "%.0f",
            "Annual fall of GPU rental rates (default 20 %/yr). Used by payback, NPV, site "
            "payback and the simulation alike.",
        )
        growth = _bounded(
            st,
            "difficulty_growth_pct",
            "difficulty_growth",
            5.0,
            "%.0f",
            "Annual growth of network difficulty (default 0 %/yr): divides mining revenue.",
        )
        drift = _bounded(
            st,
            "btc_drift_pct",
            "btc_price_drift",
            5.0,
            "%.0f",
            "Annual drift of coin prices (default 0 %/yr): multiplies mining revenue.",
        )
    a = GpuAssumptions(
        gpu_model=str(gpu),
        count=count,
        power_price_usd_per_kwh=power,
        pue=pue,
        utilization=util,
        platform_fee=platform,
        pool_fee=pool,
        conversion_capex_usd=capex,
        transition_cost_usd=transition,
        horizon_months=horizon,
        payback_target_months=target,
        discount_rate=discount,
        rental_decline=decline,
        difficulty_growth=growth,
        btc_price_drift=drift,
        fixed_opex_usd_per_gpu_month=opex,
    )
    return a, warnings


def _bounded(
    container: object,
    key: str,
    field_name: str,
    step: float,
    fmt: str | None = None,
    help: str | None = None,
    label: str | None = None,
    disabled: bool = False,
) -> float:
    """A number input whose label, range and unit come from the shared bounds table; returns
    the assumption's value (a share for a percent input, an int for a whole-number one)."""
    b: Bound = BY_FIELD[field_name]
    text = label or f"{b.label[:1].upper()}{b.label[1:]}" + (f" ({b.unit})" if b.unit else "")
    # No min/max on the widget: a browser silently keeps the last in-range value when one is
    # typed out of range, and the page would compute from that stale value. Instead every
    # typed value reaches validation, which names the bound and computes nothing.
    step_ = int(step) if b.integer else float(step)
    kwargs: dict[str, object] = {"step": step_, "key": key}
    if fmt:
        kwargs["format"] = fmt
    allowed = f"Allowed: {b.lo:,.10g} to {b.hi:,.10g}" + (f" {b.unit}." if b.unit else ".")
    kwargs["help"] = f"{help} {allowed}" if help else allowed
    shown = container.number_input(text, disabled=disabled, **kwargs)  # type: ignore[attr-defined]
    value = float(shown) / b.scale  # the widget shows percents; the assumption holds shares
    return int(value) if b.integer else value


def _sync_url(a: GpuAssumptions, fleet: Fleet | None) -> dict[str, str]:
    """Write the inputs (and a mixed fleet) into the query string, only what changed."""
    params = to_params(a)
    if fleet is not None:
        params.update(fleet_param(fleet))
    changed = {k: v for k, v in params.items() if st.query_params.get(k) != v}
    if changed:
        st.query_params.update(changed)  # one URL update, not one per input
    for stale in [k for k in ("fleet", "terminal") if k not in params and k in st.query_params]:
        del st.query_params[stale]
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
        # Plain text, not st.code (whose highlighter is 1.5 MB of JavaScript that every page's
        # first load fetched for this one collapsed box, ~250 ms cold) nor a markdown link
        # (text from the request never becomes markdown: tests/test_fault_matrix_app.py).
        st.text(f"{base}?{urlencode(params)}")


def _validate(a: GpuAssumptions) -> str | None:
    from dashboard.engine.economics.per_gpu import validate

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
    _fold_fleet_edit(specs)
    assumptions, url_warnings = _sidebar(specs, path, version)
    fleet = table_fleet(specs)
    input_error = _validate(assumptions)
    _share_hint(_sync_url(assumptions, fleet))
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
    frame = Frame(path, version, db, assumptions, input_error, specs, spec_error, fleet)
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


def start(
    title: str, caption: Callable[[Frame], str] | None = None, needs_inputs: bool = False
) -> Frame | None:
    """A page's head: its title, the frame, the empty state and its caption.

    ``None`` means the page has nothing more to show: the store is empty, or ``needs_inputs``
    and the sidebar holds a bad value (the frame has said which).
    """
    st.title(title)
    ctx = context()
    if not require_data(ctx):
        return None
    if caption is not None:
        st.caption(caption(ctx))
    if needs_inputs and not ctx.inputs_ok:
        return None
    return ctx


def require_data(frame: Frame) -> bool:
    """Show the empty state and return False unless the store has data."""
    if frame.db.ready:
        return True
    empty_state(frame.db)
    return False
