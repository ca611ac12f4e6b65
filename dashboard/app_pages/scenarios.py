"""Scenarios: save the sidebar inputs under a name, compare saved scenarios side by side.

Saved scenarios live in ``scenarios.json`` beside the database (the app never writes the
DuckDB store); each is the same set of URL parameters as a "Copy link" URL.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from dashboard.engine.decision import Fleet
from dashboard.engine.economics.specs import apply_overrides
from dashboard.engine.saved_scenarios import delete_scenario, load_scenarios, save_scenario
from dashboard.engine.scenario import (
    SITE_PARAMS,
    fleet_from_params,
    fleet_param,
    from_params,
    to_params,
)
from dashboard.engine.views.overview import OverviewContext, build_overview, fmt_usd
from dashboard.ui import data, frame
from dashboard.ui.safe_text import escape
from scrapers.config import load_settings
from scrapers.errors import RigShiftError

CURRENT = "(current sidebar)"
COLUMNS = [
    "scenario",
    "fleet",
    "verdict",
    "mining net ($/GPU/day)",
    "rental net ($/GPU/day)",
    "spread ($/GPU/day)",
    "payback (months)",
    "expected NPV now vs never ($)",
    "link",
]


def _context(ctx: frame.Frame, params: dict[str, str]) -> tuple[OverviewContext | None, str]:
    a, warnings = from_params(params, known_models=list(ctx.specs))
    fleet, problem = fleet_from_params(params, known_models=list(ctx.specs))
    if problem:
        warnings.append(problem)
    fleet = fleet or Fleet.single(a.gpu_model, a.count)
    try:
        market = data.market(ctx.path, ctx.version)
        decision = data.decision(ctx.path, ctx.version, fleet, a)
        first = decision.models[0]
        spec = apply_overrides(ctx.specs[first.line.gpu_model], first.assumptions)
        history = data.margin_history(ctx.path, ctx.version, spec, first.assumptions)
        return build_overview(decision, market, history), "; ".join(warnings)
    except (RigShiftError, KeyError) as exc:
        text = exc.one_line() if isinstance(exc, RigShiftError) else f"unknown GPU {exc}"
        return None, text


def comparison(ctx: frame.Frame, scenarios: dict[str, dict[str, str]]) -> pd.DataFrame:
    """One row of KPIs per scenario, formatted as on the Overview."""
    rows = []
    for name, params in scenarios.items():
        view, problem = _context(ctx, params)
        link = "?" + urlencode(params)
        if view is None:
            rows.append([name, "", f"not computed: {problem}", "", "", "", "", "", link])
            continue
        rows.append(
            [
                name,
                view.decision.fleet.label,
                view.verdict.label,
                view.kpi("mining_net").value,
                view.kpi("rental_net").value,
                view.kpi("spread").value,
                view.kpi("payback").value,
                view.kpi("npv").value,
                link,
            ]
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _save_form(ctx: frame.Frame, path) -> None:  # noqa: ANN001
    with st.form("save_scenario", clear_on_submit=True, border=True):
        st.markdown("**Save the current sidebar inputs**")
        name = st.text_input("Scenario name", key="scenario_name", max_chars=60)
        if st.form_submit_button("Save scenario", icon=":material/save:"):
            try:
                params = to_params(ctx.assumptions) | fleet_param(ctx.the_fleet)
                params |= {k: str(st.query_params[k]) for k in SITE_PARAMS if k in st.query_params}
                saved = save_scenario(path, name, params)
            except (RigShiftError, OSError) as exc:
                text = exc.one_line() if isinstance(exc, RigShiftError) else str(exc)
                st.error(f"Not saved: {escape(text)}")
            else:
                st.success(f"Saved “{escape(saved)}”.")


def _details(scenarios: dict[str, dict[str, str]], path) -> None:  # noqa: ANN001
    with st.expander("Saved inputs and delete"):
        table = pd.DataFrame.from_dict(scenarios, orient="index")
        st.dataframe(table, width="stretch")
        victim = st.selectbox("Delete a scenario", ["—"] + list(scenarios), key="scenario_delete")
        if victim != "—" and st.button("Delete", key="scenario_delete_btn"):
            delete_scenario(path, victim)
            st.rerun()


def render() -> None:
    """Save and compare named scenarios."""
    st.title("Scenarios")
    ctx = frame.context()
    path = load_settings().scenarios_path
    st.caption(
        f"Named scenarios are saved in `{path}` (a small JSON file beside the database) and "
        "shared by everyone using this data directory. Each one is a link: open it to load "
        "its inputs into the sidebar."
    )
    if not frame.require_data(ctx):
        return
    if ctx.inputs_ok:
        _save_form(ctx, path)
    try:
        saved = load_scenarios(path)
    except RigShiftError as exc:
        st.error(f"Saved scenarios unreadable: {escape(exc.one_line())}")
        saved = {}
    st.subheader("Compare")
    current = to_params(ctx.assumptions) | fleet_param(ctx.the_fleet)
    compared = {CURRENT: current} if ctx.inputs_ok else {}
    compared.update(saved)
    if not saved:
        st.info("No saved scenarios yet: set the sidebar, name it above, save; repeat.")
    if compared:
        table = comparison(ctx, compared)
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_config={"link": st.column_config.LinkColumn("link", display_text="open")},
        )
        st.caption(
            "Verdict and KPIs as on the Overview (same engine, same data). Spread = rental net "
            f"− max(mining net, 0); amounts in USD, e.g. {fmt_usd(-3.1)} is a loss."
        )
    if saved:
        _details(saved, path)


render()
