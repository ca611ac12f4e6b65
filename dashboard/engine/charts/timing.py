"""The Timing and Scenarios pages' charts: the Monte Carlo fan, P(payback), start options and
the sensitivity tornado. Pure: the display tables from ``views.timing`` and
``economics.sensitivity`` in, figures out.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.engine.charts import theme
from dashboard.engine.charts.theme import (
    BAND_FILL,
    EVENT_COLOR,
    GAIN_COLOR,
    MINING_COLOR,
    NEUTRAL_COLOR,
    RENTAL_COLOR,
)

MONTHS_AXIS = "Months after pivoting"


FAN_AXIS = "Cumulative spread net of conversion cost ($/GPU)"


PAYBACK_AXIS = "P(payback ≤ N months) (%)"


WAIT_AXIS = "Expected NPV over the horizon ($/GPU)"


TORNADO_AXIS = "NPV over the horizon ($/GPU)"


def fan_figure(fan: pd.DataFrame) -> go.Figure:
    """Median cumulative spread with p25–p75 and p5–p95 bands, per GPU, net of conversion."""
    x = fan["month"]
    fig = go.Figure()
    for lo, hi, band, name in (
        ("p5 ($/GPU)", "p95 ($/GPU)", "outer", "p5–p95"),
        ("p25 ($/GPU)", "p75 ($/GPU)", "inner", "p25–p75"),
    ):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=fan[lo],
                mode="lines",
                line={"width": 0},
                showlegend=False,
                hoverinfo="skip",
                name=f"{name} low",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=fan[hi],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=BAND_FILL[band],
                name=name,
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=fan["p50 ($/GPU)"],
            mode="lines",
            name="median",
            line={"color": RENTAL_COLOR, "width": 2},
            hovertemplate="month %{x}<br>median $%{y:,.0f}/GPU<extra></extra>",
        )
    )
    fig.add_hline(y=0, line={"color": EVENT_COLOR, "width": 1, "dash": "dot"})
    theme.apply(fig, 420, hovermode="x unified")
    fig.update_xaxes(title_text=MONTHS_AXIS)
    fig.update_yaxes(title_text=FAN_AXIS, tickprefix="$")
    return fig


def payback_curve_figure(
    curve: pd.DataFrame, horizon_months: int, target_months: float | None = None
) -> go.Figure:
    """P(payback ≤ N months) against N, with the horizon (and payback target) marked."""
    fig = go.Figure(
        go.Scatter(
            x=curve["months N"],
            y=curve["P(payback ≤ N months) (%)"],
            mode="lines+markers",
            name="P(payback ≤ N)",
            line={"color": RENTAL_COLOR, "width": 2},
            marker={"size": 4},
            hovertemplate="N = %{x} months<br>P(payback ≤ N) %{y:.1f}%<extra></extra>",
        )
    )
    # Marks are legend entries, not text on the plot: labels there collide on narrow charts.
    marks = [(horizon_months, f"horizon ({horizon_months} months)", "dash")]
    if target_months is not None and target_months != horizon_months:
        marks.append((target_months, f"payback target ({target_months:g} months)", "dot"))
    for x, label, dash in marks:
        fig.add_trace(
            go.Scatter(
                x=[x, x],
                y=[0, 100],
                mode="lines",
                name=label,
                line={"color": EVENT_COLOR, "width": 1.5, "dash": dash},
                hoverinfo="skip",
            )
        )
    theme.apply(fig, 380)
    fig.update_xaxes(title_text="Months after pivoting (N)", range=[0, max(horizon_months, 1) + 1])
    fig.update_yaxes(title_text=PAYBACK_AXIS, range=[0, 105], ticksuffix="%")
    return fig


def wait_figure(wait: pd.DataFrame) -> go.Figure:
    """Expected NPV of pivoting now vs in 3/6/12 months; the best start highlighted."""
    best = wait["best"].astype(bool)
    values = wait["expected NPV ($/GPU)"].astype(float)
    fig = go.Figure(
        go.Bar(
            x=wait["pivot"],
            y=values,
            marker_color=[GAIN_COLOR if b else NEUTRAL_COLOR for b in best],
            text=[
                f"${v:,.0f}" + (" (best)" if b else "") for v, b in zip(values, best, strict=True)
            ],
            textposition="auto",
            name="expected NPV",
            hovertemplate="pivot %{x}<br>expected NPV $%{y:,.0f}/GPU<extra></extra>",
        )
    )
    fig.add_hline(y=0, line={"color": EVENT_COLOR, "width": 1, "dash": "dot"})
    theme.apply(fig, 360, showlegend=False)
    fig.update_xaxes(title_text="When to pivot")
    fig.update_yaxes(title_text=WAIT_AXIS, tickprefix="$")
    return fig


def tornado_figure(tornado: pd.DataFrame) -> go.Figure:
    """Per-GPU NPV at each input's low and high value around the base NPV, widest at the top."""
    if tornado.empty:
        base = 0.0
    else:
        base = float(tornado["base NPV ($/GPU)"].iloc[0])
    labels = tornado["input"]
    fig = go.Figure()
    for column, name, color in (
        ("NPV at low ($/GPU)", "input at its low value", MINING_COLOR),
        ("NPV at high ($/GPU)", "input at its high value", RENTAL_COLOR),
    ):
        values = tornado[column].astype(float)
        fig.add_trace(
            go.Bar(
                x=values - base,
                base=base,
                y=labels,
                orientation="h",
                name=name,
                marker_color=color,
                customdata=list(zip(tornado["range"], values, strict=True)),
                hovertemplate="%{y}: %{customdata[0]}<br>NPV $%{customdata[1]:,.0f}/GPU"
                "<extra></extra>",
            )
        )
    fig.add_vline(
        x=base,
        line={"color": EVENT_COLOR, "width": 1},
        annotation_text=f"base ${base:,.0f}/GPU",
        annotation_position="top",
    )
    # A zero-width bar is invisible: say so, or the row looks like missing data.
    for label, swing in zip(labels, tornado["swing ($/GPU)"], strict=True):
        if abs(float(swing)) < 0.5:
            fig.add_annotation(
                x=base,
                y=label,
                text="no effect at these inputs",
                showarrow=False,
                xanchor="left",
                xshift=6,
                font=theme.NOTE_FONT,
            )
    theme.apply(fig, 120 + 38 * len(tornado), barmode="overlay")
    fig.update_xaxes(title_text=TORNADO_AXIS, tickprefix="$")
    fig.update_yaxes(title_text="Input (one at a time)", autorange="reversed")
    return fig
