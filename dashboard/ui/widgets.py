"""Small render helpers shared by pages: chart footers, money formatting, formula blocks."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard.engine.charts import as_of_text


def usd(value: float | None, digits: int = 2, suffix: str = "") -> str:
    """``$1,234.56`` (or ``−$3.10``) with an optional unit suffix; ``n/a`` for None."""
    if value is None or pd.isna(value):
        return "n/a"
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.{digits}f}{suffix}"


def chart_footer(
    source: str, as_of: datetime | None, frame: pd.DataFrame, filename: str, key: str
) -> None:
    """Source and "as of" caption plus a CSV download of exactly the charted data."""
    st.caption(f"Source: {source} · as of {as_of_text(as_of)}")
    st.download_button(
        "Download CSV of this chart",
        frame.to_csv(index=False).encode(),
        file_name=filename,
        mime="text/csv",
        key=key,
        icon=":material/download:",
    )


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
