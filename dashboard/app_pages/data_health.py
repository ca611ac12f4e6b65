"""Data health: per-source freshness, rows, errors and unknown GPU names; the run log."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.engine.views.formatting import format_age
from dashboard.engine.views.freshness import freshness_frame
from dashboard.ui import data, frame
from dashboard.ui.safe_text import escape
from scrapers.errors import RigShiftError

ROW_PX, HEADER_PX = 35, 38


def _height(rows: int) -> int:
    """Pixels that show every row without an inner scrollbar."""
    return HEADER_PX + ROW_PX * max(rows, 1)


def _sources(ctx: frame.Frame) -> None:
    statuses = data.source_statuses(ctx.path, ctx.version)
    failed_last = set(data.last_refresh_failures(ctx.path, ctx.version))
    table = freshness_frame(statuses)
    # Fetch time says when we last asked; the newest observation says how old the data is.
    by_source = {s.source: s for s in statuses}
    table.insert(
        table.columns.get_loc("age") + 1,
        "newest data (UTC)",
        table["source"].map(lambda s: by_source[s].newest_observed_at),
    )
    table.insert(
        table.columns.get_loc("newest data (UTC)") + 1,
        "data age",
        table["source"].map(lambda s: format_age(by_source[s].data_age_hours)),
    )
    table.insert(
        table.columns.get_loc("state") + 1,
        "why stale",
        table["source"].map(lambda s: by_source[s].stale_reason),
    )
    table = table.rename(columns={"age": "fetch age"})
    failed_any = table.loc[table["last status"] == "failed", "source"].tolist()
    for source in sorted(failed_last | set(failed_any)):
        row = table.loc[table["source"] == source]
        error = row["last error"].iloc[0] if not row.empty else ""
        when = "in the last refresh" if source in failed_last else "on its last run"
        st.error(f"**{escape(source)}** failed {when}: {escape(error or 'see the run log below')}")
    counts = table["state"].value_counts()
    cols = st.columns(4)
    cols[0].metric("Sources", len(table), border=True)
    cols[1].metric("Fresh", int(counts.get("fresh", 0)), border=True)
    cols[2].metric("Stale", int(counts.get("stale", 0)), border=True)
    cols[3].metric("Never loaded", int(counts.get("never", 0)), border=True)
    shown = table.assign(**{"failed in last refresh": table["source"].isin(failed_last)})
    first = ["data kind", "source", "state", "failed in last refresh", "last error"]
    rest = [c for c in shown.columns if c not in first and c != "title"]
    shown = shown[[*first, *rest, "title"]]
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        height=_height(len(shown)),
        column_config={
            "last success (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "newest data (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "expected every (h)": st.column_config.NumberColumn(format="%.0f h"),
            "rows": st.column_config.NumberColumn(format="localized"),
        },
    )
    st.caption(
        "Fetch age = time since the last successful refresh; data age = time since the newest "
        "observation the source's rows describe. Stale = the last run failed, the last success "
        "is older than the source's expected refresh interval, or the newest data is older "
        "than that interval plus the upstream's publication lag. Unknown GPU names are "
        "upstream names not mapped to a canonical model (their rows are "
        "kept with gpu_model NULL and left out of the rental index)."
    )
    unknown = sorted({n for s in statuses for n in (s.unknown_gpu_names or [])})
    if unknown:
        with st.expander(f"Unknown GPU names ({len(unknown)})"):
            st.dataframe(pd.DataFrame({"gpu name as written upstream": unknown}), hide_index=True)


def _runs(ctx: frame.Frame) -> None:
    st.subheader("Run history (last 50)")
    runs = data.scrape_runs(ctx.path, ctx.version, 50)
    if runs.empty:
        st.info("No refresh has been recorded yet.")
        return
    st.dataframe(
        runs,
        hide_index=True,
        width="stretch",
        height=_height(min(len(runs), 20)),
        column_config={
            "run_id": st.column_config.TextColumn("run id"),
            "unknown_gpu_names": st.column_config.TextColumn("unknown GPU names"),
            "started_at": st.column_config.DatetimeColumn(
                "started (UTC)", format="YYYY-MM-DD HH:mm:ss"
            ),
            "finished_at": st.column_config.DatetimeColumn(
                "finished (UTC)", format="YYYY-MM-DD HH:mm:ss"
            ),
            "rows_written": st.column_config.NumberColumn("rows written", format="localized"),
        },
    )


def render() -> None:
    """The analyst's view of where every number comes from and how old it is."""
    ctx = frame.start("Data health")
    if ctx is None:
        return
    dataset = ctx.db.meta.get("dataset", "live")
    st.caption(f"Database `{ctx.path}` · dataset: {escape(dataset)}")
    try:
        _sources(ctx)
        _runs(ctx)
    except RigShiftError as exc:
        st.error(escape(exc.one_line()))


render()
