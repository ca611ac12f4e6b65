"""Overview: the verdict, the KPIs, margin history, data freshness, alerts and the board memo.

Every number comes from one :class:`~dashboard.engine.views.overview.OverviewContext`, the same
object the board memo renders, so the memo always matches the page.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.engine.alerts import alert_line
from dashboard.engine.charts import overview as charts
from dashboard.engine.economics.verdict import RULE_TABLE
from dashboard.engine.jsonfile import read_jsonl
from dashboard.engine.views.formulas import formulas
from dashboard.engine.views.freshness import freshness_frame
from dashboard.engine.views.memo import memo_pdf, prepared_memo_html, warm_memo
from dashboard.engine.views.overview import OverviewContext, build_overview
from dashboard.ui import data, frame
from dashboard.ui.cache import shared
from dashboard.ui.exec_helpers import first_model_history, inputs_table, per_model_frame
from dashboard.ui.safe_text import escape
from dashboard.ui.widgets import chart_footer
from scrapers.config import load_settings
from scrapers.errors import RigShiftError

# Figures kept per data (ui.cache.shared), not rebuilt on every rerun and session.
_margin_history_figure = shared(16)(charts.margin_history_figure)

RECENT_ALERTS = 10


def _kpis(ctx: OverviewContext) -> None:
    for start in (0, 3):
        cols = st.columns(3)
        for col, kpi in zip(cols, ctx.kpis[start : start + 3], strict=False):
            col.metric(kpi.label, kpi.value, help=kpi.help, border=True)


def _verdict(ctx: OverviewContext) -> None:
    d = ctx.decision
    with st.container(border=True):
        st.markdown(f"### Verdict: {ctx.verdict.label}")
        st.text(ctx.verdict.reason)  # plain text: numbers with $ must not become LaTeX
        st.caption(ctx.risk_line)
        if len(d.models) > 1:
            st.markdown("**Per model**")
            st.dataframe(per_model_frame(d), hide_index=True, width="stretch")


def _history_chart(ctx: OverviewContext) -> None:
    st.subheader("Mining vs rental margin history")
    history = ctx.history
    if history.empty:
        st.info("Not enough stored history to chart yet: run `rigshift backfill`.")
        return
    points = list(ctx.crossovers)
    st.plotly_chart(_margin_history_figure(history, points), width="stretch")
    as_of = pd.Timestamp(history["day"].max()).to_pydatetime()
    chart_footer(
        "RigShift store: coin network state (mining revenue), GPU rental index (rental rate), "
        f"your sidebar inputs; {ctx.assumptions.gpu_model}",
        as_of,
        history[["day", "mining_net_usd_day", "rental_net_usd_day", "best_coin"]],
        "margin_history.csv",
        key="dl_margin_history",
    )
    if points:
        last_day, direction = points[-1]
        st.caption(
            f"{len(points)} crossover(s); latest on {pd.Timestamp(last_day):%Y-%m-%d} "
            f"({str(direction).replace('_', ' ')})."
        )


def _freshness(statuses: list, error: str | None) -> None:
    st.subheader("Data freshness")
    if error:
        st.error(f"Source status unavailable: {error}")
        return
    table = freshness_frame(statuses)
    st.dataframe(
        table[["data kind", "source", "state", "last success (UTC)", "age", "rows"]],
        hide_index=True,
        width="stretch",
        height=38 + 35 * max(len(table), 1),
        column_config={"rows": st.column_config.NumberColumn(format="localized")},
    )


def _alerts(lines: tuple[str, ...]) -> None:
    st.subheader("Recent alerts")
    if not lines:
        st.caption(
            "No alerts fired yet. Rules live in `alerts.json` beside the database and are "
            "checked after every `rigshift refresh` (or run `rigshift alerts`)."
        )
        return
    st.markdown("\n".join(f"- {line}" for line in lines))


def _explain(ctx: OverviewContext) -> None:
    with st.expander("How this is computed"):
        st.markdown(
            "**The verdict rule.** Every start option (now, in 3, 6 or 12 months) is valued as "
            "incremental expected NPV against never pivoting, over the same calendar window "
            "from today: months before a later pivot earn the keep-mining value, the "
            "conversion spend is discounted from when it happens, and a terminal value closes "
            "the window. Never is 0 by construction."
        )
        st.table(pd.DataFrame(list(RULE_TABLE), columns=["verdict", "when"]))
        for text in formulas(ctx.result).values():
            st.markdown(text)
        st.dataframe(inputs_table(ctx.inputs), hide_index=True, width="stretch")
        st.caption("Data timestamps: " + " · ".join(ctx.as_of_lines))


def _warm_memo(ctx: OverviewContext) -> None:
    """In a real browser session, prepare the memo: the HTML, then the PDF's chart images (not
    under AppTest: no Chromium processes per test run)."""
    try:
        if not st.context.url:
            return
    except Exception:  # no browser session
        return
    warm_memo(ctx)


def _memo_buttons(ctx: OverviewContext) -> None:
    slug = ctx.assumptions.gpu_model.lower().replace(" ", "-")
    day = f"{ctx.generated_at:%Y-%m-%d}"
    cols = st.columns([1, 1, 3])
    # Callables: the bytes are made only when someone clicks, not sent on every rerun (the
    # HTML is about 5 MB with plotly.js); _warm_memo has usually prepared them by then.
    cols[0].download_button(
        "Board memo (PDF)",
        data=lambda: memo_pdf(ctx),
        file_name=f"rigshift-memo-{slug}-{day}.pdf",
        mime="application/pdf",
        key="dl_memo_pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
    )
    cols[1].download_button(
        "Board memo (HTML)",
        data=lambda: prepared_memo_html(ctx),
        file_name=f"rigshift-memo-{slug}-{day}.html",
        mime="text/html",
        key="dl_memo_html",
        icon=":material/description:",
        on_click="ignore",
    )
    cols[2].caption(
        "Verdict with per-model lines, KPIs, timing now / later / never, site three ways, "
        "risk and break-evens, charts, every assumption, data timestamps."
    )


def recent_alert_lines(limit: int = RECENT_ALERTS) -> tuple[str, ...]:
    """The newest fired alerts from the log beside the database, one line each."""
    try:
        return tuple(alert_line(d) for d in read_jsonl(load_settings().alerts_log_path, limit))
    except (OSError, RigShiftError):
        return ()


def overview_context(ctx: frame.Frame, statuses: list) -> OverviewContext:
    """The Overview's numbers for the frame's fleet and the sources' statuses."""
    market = data.market(ctx.path, ctx.version)
    decision = data.decision(ctx.path, ctx.version, ctx.the_fleet, ctx.assumptions)
    history = first_model_history(ctx.path, ctx.version, ctx.specs, decision)
    return build_overview(decision, market, history, statuses, recent_alert_lines())


def _caption(ctx: frame.Frame) -> str:
    """The line under the title: the sidebar inputs this page is computed at."""
    a = ctx.assumptions
    return (
        f"{ctx.the_fleet.label} at ${a.power_price_usd_per_kwh:.3f}/kWh, PUE {a.pue:.2f}, "
        f"{a.utilization:.0%} rental utilization. Change the fleet in the sidebar or on the "
        "Fleet page."
    )


def render() -> None:
    """The executive view for the fleet in the sidebar."""
    ctx = frame.start("Overview", _caption, needs_inputs=True)
    if ctx is None:
        return
    status_error = None
    try:
        statuses = data.source_statuses(ctx.path, ctx.version)
    except RigShiftError as exc:
        statuses, status_error = [], exc.one_line()
    try:
        view = overview_context(ctx, statuses)
    except RigShiftError as exc:
        st.error(exc.one_line())
        return
    if view.stale:
        st.warning(
            "**Stale inputs behind this verdict** (the figures use each source's last good "
            "data): " + escape("; ".join(view.stale)),
            icon=":material/schedule:",
        )
    _verdict(view)
    _kpis(view)
    for note in view.notes:
        st.caption(note)
    _warm_memo(view)
    _memo_buttons(view)
    _history_chart(view)
    _freshness(statuses, status_error)
    _alerts(view.alerts)
    _explain(view)


render()
