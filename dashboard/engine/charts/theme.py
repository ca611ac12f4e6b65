"""The one chart theme: colours, fonts, margins, legends and currency tick formats.

Every figure (the app's pages and the board memo) takes its look from here;
``.streamlit/config.toml`` repeats the app colours because Streamlit reads them from there
(a test keeps the two equal).
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from plotly.colors import hex_to_rgb, qualitative

# What the app's frame is drawn in (mirrored in .streamlit/config.toml's [theme]).
TEXT_COLOR = "#1B1F24"
BACKGROUND_COLOR = "#FFFFFF"
SECONDARY_BACKGROUND_COLOR = "#F3F5F8"

# The two uses of a GPU, and what gets drawn against them.
MINING_COLOR = "#E8A33D"
RENTAL_COLOR = "#3D8BE8"  # also the app's primary colour
EVENT_COLOR = "#8A8F98"  # market events, zero lines, horizons
GAIN_COLOR = "#2E9E6A"
LOSS_COLOR = "#D64545"
SITE_COLOR = "#7B4FD6"
CLOUD_COLOR = "#1F4E8C"
NEUTRAL_COLOR = "#A9B4C2"
BAND_FILL = {"outer": "rgba(61,139,232,0.15)", "inner": "rgba(61,139,232,0.35)"}
# 24 distinct colours: a short palette repeats once a chart has many series.
COLORWAY = qualitative.Dark24

# Small text drawn on a plot (event labels, "no effect" notes).
NOTE_FONT = {"size": 11, "color": EVENT_COLOR}
# The memo's static images are read on paper, at a larger base size.
MEMO_FONT = {"size": 14}

# Currency axes: d3 formats, never SI prefixes on small amounts ("100µ"). Wide-range (log)
# axes keep up to six significant digits so $0.0001 and $100,000 both read as dollars.
USD_PER_GPU_HOUR = "$,.2f"
USD_WIDE = "$,.6~g"
USD_PER_CARD = "$,.0f"
USD_PER_KWH = "$,.3f"
USD_OFFER = "$,.2~f"
# Millions of dollars per MW-year: "$1.2M" reads better than "$1,200,000".
USD_LARGE = "~s"

MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}
LEGEND_TOP = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0}
# Past this many series a top legend pushes the plot down: put it on the right, scrollable.
SIDE_LEGEND_AFTER = 6
LEGEND_SIDE = {
    "orientation": "v",
    "x": 1.02,
    "xanchor": "left",
    "y": 1,
    "yanchor": "top",
    "font": {"size": 11},
}


def color(i: int, alpha: float | None = None) -> str:
    """The ``i``-th series colour, optionally as ``rgba`` with ``alpha``."""
    value = COLORWAY[i % len(COLORWAY)]
    if alpha is None:
        return value
    r, g, b = hex_to_rgb(value)
    return f"rgba({r}, {g}, {b}, {alpha})"


def apply(fig: go.Figure, height: int, series: int = 0, **layout: Any) -> go.Figure:
    """Give ``fig`` the theme's margins, legend and palette; a long legend moves to the side."""
    fig.update_layout(margin=MARGIN, height=height, legend=LEGEND_TOP, colorway=COLORWAY, **layout)
    if series > SIDE_LEGEND_AFTER:
        fig.update_layout(legend=LEGEND_SIDE, margin={**MARGIN, "t": 20})
    return fig
