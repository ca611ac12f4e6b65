"""SQL console: one read-only query at a time over the store, with the schema beside it."""

from __future__ import annotations

import streamlit as st

from dashboard.engine.queries.sql_docs import EXAMPLES, table_docs
from dashboard.engine.queries.sql_sandbox import (
    DEFAULT_ROW_CAP,
    DEFAULT_TIME_LIMIT_S,
    MAX_ROW_CAP,
    RESULT_BYTE_CAP,
)
from dashboard.ui import data, frame
from dashboard.ui.safe_text import escape
from dashboard.ui.widgets import download_buttons
from scrapers.errors import QueryRefused, RigShiftError

TEXT_KEY = "sql_text"
LAST_KEY = "sql_last"
DEFAULT_SQL = next(iter(EXAMPLES.values()))


def _use_example(sql: str) -> None:
    st.session_state[TEXT_KEY] = sql
    st.session_state[LAST_KEY] = sql


def _console(ctx: frame.Frame) -> None:
    # First visit: show the first example and its result, so the page is never blank.
    st.session_state.setdefault(TEXT_KEY, DEFAULT_SQL)
    st.session_state.setdefault(LAST_KEY, DEFAULT_SQL)
    with st.form("sql_form", border=True):
        st.text_area(
            "Query (one read-only statement: SELECT, WITH, DESCRIBE, SHOW, EXPLAIN)",
            height=180,
            key=TEXT_KEY,
        )
        cols = st.columns([1, 1, 3], vertical_alignment="bottom")
        cap = cols[0].number_input(
            "Row cap",
            min_value=1,
            max_value=MAX_ROW_CAP,
            value=DEFAULT_ROW_CAP,
            step=1000,
            key="sql_cap",
        )
        submitted = cols[1].form_submit_button("Run query", type="primary", key="sql_run")
        cols[2].caption(
            f"Read-only, no file or network access; results up to "
            f"{RESULT_BYTE_CAP // (1024 * 1024)} MB, stopped after "
            f"{DEFAULT_TIME_LIMIT_S:g} s. Ctrl+Enter runs."
        )
    if submitted:
        st.session_state[LAST_KEY] = st.session_state[TEXT_KEY]
    sql = st.session_state.get(LAST_KEY)
    if not sql:
        st.caption("Write a query and press **Run query**, or load an example on the right.")
        return
    try:
        result = data.sql_query(ctx.path, ctx.version, sql, int(cap))
    except QueryRefused as exc:
        # The message may quote the query (a syntax error near ...): never Markdown.
        st.error(f"Query refused: {escape(exc.one_line())}", icon=":material/block:")
        return
    except RigShiftError as exc:
        st.error(escape(exc.one_line()))
        return
    rows = len(result.frame)
    if result.truncated:
        st.warning(
            f"Showing the first {rows:,} rows: the row cap is {result.row_cap:,}. "
            "Add a LIMIT or aggregate, or raise the cap.",
            icon=":material/content_cut:",
        )
    else:
        st.caption(f"{rows:,} row(s) · row cap {result.row_cap:,}")
    if result.frame.columns.empty:
        st.info("The statement returned no columns.")
        return
    st.dataframe(result.frame, hide_index=True, width="stretch", height=min(38 + 35 * rows, 560))
    download_buttons(result.frame, "query_result", key="dl_sql", what="this result")


def _docs() -> None:
    st.subheader("Tables and columns")
    docs = table_docs()
    picked = st.selectbox(
        "Table",
        docs,
        format_func=lambda d: d.name,
        key="sql_doc_table",
        label_visibility="collapsed",
    )
    st.caption(picked.description)
    columns = picked.frame()
    st.dataframe(
        columns,
        hide_index=True,
        width="stretch",
        height=38 + 35 * len(columns),
        column_config={
            "column": st.column_config.TextColumn(width="small"),
            "type": st.column_config.TextColumn(width="small"),
            "description": st.column_config.TextColumn(width="large"),
        },
    )
    with st.expander("All tables"):
        for doc in docs:
            st.markdown(f"**`{doc.name}`**: {doc.description}")
    st.subheader("Examples")
    for i, (title, sql) in enumerate(EXAMPLES.items()):
        st.button(
            title,
            key=f"sql_example_{i}",
            on_click=_use_example,
            args=(sql,),
            icon=":material/play_arrow:",
            width="stretch",
        )


def render() -> None:
    """A read-only SQL console with the schema documentation beside it."""
    ctx = frame.start("SQL")
    if ctx is None:
        return
    left, right = st.columns([5, 4], gap="large")
    with left:
        _console(ctx)
    with right:
        _docs()


render()
