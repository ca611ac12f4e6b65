"""The Fleet page's chart: the gain from pivoting per GPU model. Pure: frames in, figures out.

Builders take the display tables from ``economics.fleet`` so the chart and its CSV download
show exactly the same numbers.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.engine.charts import theme
from dashboard.engine.charts.theme import EVENT_COLOR, GAIN_COLOR, LOSS_COLOR
from dashboard.engine.economics.fleet import GAIN, GPUS, MODEL

FLEET_GAIN_AXIS = "Gain from pivoting (fleet $/day)"


def fleet_gain_figure(table: pd.DataFrame) -> go.Figure:
    """Gain from pivoting per model (spread × GPUs, $/day), largest at the top."""
    labels = [f"{m} × {n:,}" for m, n in zip(table[MODEL], table[GPUS], strict=True)]
    gains = table[GAIN].astype(float)
    fig = go.Figure(
        go.Bar(
            x=gains,
            y=labels,
            orientation="h",
            name="gain from pivoting",
            marker_color=[GAIN_COLOR if g > 0 else LOSS_COLOR for g in gains],
            text=[f"${g:,.0f}/day" for g in gains],
            textposition="auto",
            hovertemplate="%{y}<br>gain from pivoting $%{x:,.2f}/day<extra></extra>",
        )
    )
    fig.add_vline(x=0, line={"color": EVENT_COLOR, "width": 1})
    theme.apply(fig, 120 + 40 * len(table), showlegend=False)
    fig.update_xaxes(title_text=FLEET_GAIN_AXIS, tickprefix="$")
    fig.update_yaxes(title_text="GPU model × count", autorange="reversed")
    return fig
