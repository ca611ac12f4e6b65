"""Small render helpers shared by pages: chart footers, money formatting, formula blocks."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pyarrow as pa
import streamlit as st
from pyarrow import ArrowException

from dashboard.engine.views.downloads import FORMATS, file_name, table_bytes
from dashboard.engine.views.formatting import as_of_text


def chart_footer(
    source: str,
    as_of: datetime | None,
    frame: pd.DataFrame,
    filename: str,
    key: str,
) -> None:
    """Source and "as of" caption plus CSV and Parquet downloads of exactly the charted data."""
    st.caption(f"Source: {source} · as of {as_of_text(as_of)}")
    download_buttons(frame, filename.rsplit(".", 1)[0], key=key, what="this chart")


def download_buttons(
    frame: pd.DataFrame, name: str, key: str | None = None, what: str = "this data"
) -> None:
    """CSV and Parquet downloads of exactly ``frame`` (the data shown), side by side.

    The bytes are built when someone clicks (the button holds a callable), not on every
    rerun. Parquet needs typed columns; a frame pyarrow cannot type (e.g. mixed objects from
    the SQL console) keeps its CSV button and says why Parquet is unavailable.
    """
    key = key or f"dl_{name}"
    row = st.container(horizontal=True, gap="small")
    for fmt, label in (("csv", "CSV"), ("parquet", "Parquet")):
        problem = parquet_problem(frame) if fmt == "parquet" else None
        if problem:
            row.caption(f"{label} unavailable: {problem}")
            continue
        row.download_button(
            f"{label} of {what}",
            data=lambda f=frame, x=fmt: table_bytes(f, x),
            file_name=file_name(name, fmt),
            mime=FORMATS[fmt],
            key=f"{key}_{fmt}",
            icon=":material/download:",
            on_click="ignore",
        )


def parquet_problem(frame: pd.DataFrame) -> str | None:
    """Why ``frame`` cannot be written as Parquet (one line), or None when it can.

    Only untyped (object or complex) columns or repeated column names can fail; for those,
    pyarrow's conversion (the first step of writing the file) is tried and its message kept.
    """
    untyped = [i for i, dtype in enumerate(frame.dtypes) if dtype.kind in "Oc"]
    if not untyped and not frame.columns.has_duplicates:
        return None
    # pyarrow converts column by column: the untyped ones are the ones that can fail.
    tried = frame if frame.columns.has_duplicates else frame.iloc[:, untyped]
    try:
        pa.Table.from_pandas(tried, preserve_index=False)
    except (ValueError, TypeError, ArrowException) as exc:
        return " ".join(str(exc).split())[:120]
    return None


def data_footer(
    source: str, as_of: datetime | None, frame: pd.DataFrame, name: str, key: str | None = None
) -> None:
    """The caption under a chart or table (source, "as of", rows) and its two downloads."""
    rows = f" · {len(frame):,} rows" if len(frame) != 1 else " · 1 row"
    st.caption(f"Source: {source} · as of {as_of_text(as_of)}{rows}")
    download_buttons(frame, name, key=key, what="the data shown")


def coming_soon(title: str, what: str) -> None:
    """A page that is not built yet: its title and what it will show (empty state first)."""
    from dashboard.ui import frame

    st.title(title)
    if not frame.require_data(frame.context()):
        return
    st.info(
        f"This page will show {what}. It is not built yet; Overview and Data health are.",
        icon=":material/construction:",
    )
