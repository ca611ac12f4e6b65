"""RigShift Streamlit entry: page config, the shared frame (sidebar inputs, banners), routing."""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run dashboard/app.py` puts dashboard/ on sys.path, not the repo root.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from dashboard.ui import data, frame  # noqa: E402

st.set_page_config(page_title="RigShift", page_icon=":material/swap_horiz:", layout="wide")

PAGES = [
    st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("app_pages/fleet.py", title="Fleet", icon=":material/memory:"),
    st.Page("app_pages/site.py", title="Site", icon=":material/factory:"),
    st.Page("app_pages/timing.py", title="Timing", icon=":material/schedule:"),
    st.Page("app_pages/scenarios.py", title="Scenarios", icon=":material/compare_arrows:"),
    st.Page("app_pages/market.py", title="Market", icon=":material/show_chart:"),
    st.Page("app_pages/sustainability.py", title="Sustainability", icon=":material/eco:"),
    st.Page("app_pages/data_health.py", title="Data health", icon=":material/monitor_heart:"),
    st.Page("app_pages/sql.py", title="SQL", icon=":material/terminal:"),
]

page = st.navigation(PAGES)
try:
    frame.render()
    page.run()
except data.READ_ERRORS as exc:  # the store broke mid-run (truncated, locked, foreign): one line
    st.error(data.read_error_message(exc), icon=":material/error:")
