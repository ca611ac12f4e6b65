"""Plotly figures for the Fleet, Site and Timing pages. Pure: no Streamlit, no I/O.

Every axis title names its unit. Builders take the small display tables from
``fleet``/``site_view``/``timing``/``sensitivity`` so the chart and its CSV download show
exactly the same numbers.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.engine.charts.overview import EVENT_COLOR, MINING_COLOR, RENTAL_COLOR
from dashboard.engine.economics.fleet import GAIN, GPUS, MODEL

GAIN_COLOR = "#2E9E6A"
LOSS_COLOR = "#D64545"
SITE_COLOR = "#7B4FD6"
DEAL_COLORS = {"colocation lease": RENTAL_COLOR, "GPU cloud": "#1F4E8C"}
MEASURE_COLORS = {"revenue": RENTAL_COLOR, "opex incl. power": MINING_COLOR, "net": GAIN_COLOR}
BAND_FILL = {"outer": "rgba(61,139,232,0.15)", "inner": "rgba(61,139,232,0.35)"}

FLEET_GAIN_AXIS = "Gain from pivoting (fleet $/day)"
SITE_AXIS = "$ per IT MW-year (MW of IT load)"
DEALS_AXIS = "Revenue, $ per IT MW-year"
MONTHS_AXIS = "Months after pivoting"
FAN_AXIS = "Cumulative spread net of conversion cost ($/GPU)"
PAYBACK_AXIS = "P(payback ≤ N months) (%)"
WAIT_AXIS = "Expected NPV over the horizon ($/GPU)"
TORNADO_AXIS = "NPV over the horizon ($/GPU)"


def _layout(fig: go.Figure, height: int, **kwargs: object) -> go.Figure:
    fig.update_layout(
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        height=height,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        **kwargs,
    )
    return fig


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
    _layout(fig, 120 + 40 * len(table), showlegend=False)
    fig.update_xaxes(title_text=FLEET_GAIN_AXIS, tickprefix="$")
    fig.update_yaxes(title_text="GPU model × count", autorange="reversed")
    return fig


def site_uses_figure(bars: pd.DataFrame) -> go.Figure:
    """Revenue, opex and net per IT MW-year for each use of the site, grouped."""
    fig = go.Figure()
    for measure, group in bars.groupby("measure", sort=False):
        fig.add_trace(
            go.Bar(
                x=group["use"],
                y=group["$/IT MW-yr"],
                name=str(measure),
                marker_color=MEASURE_COLORS.get(str(measure)),
                hovertemplate="%{x}<br>"
                + str(measure)
                + " $%{y:,.0f} per IT MW-year<extra></extra>",
            )
        )
    _layout(fig, 420, barmode="group")
    fig.update_yaxes(title_text=SITE_AXIS, tickprefix="$", tickformat="~s")
    fig.update_xaxes(title_text="Use of the site")
    return fig


def deals_figure(deals: pd.DataFrame) -> go.Figure:
    """Each public deal's $/MW-year and this site's three uses, highest at the top."""
    fig = go.Figure()
    ordered = deals.sort_values("$/IT MW-yr", ascending=True)
    # One legend entry for this site's three uses, one per deal type.
    legend = ordered["deal type"].where(ordered["kind"] != "this site", "this site")
    for entry, group in ordered.groupby(legend, sort=False):
        mine = entry == "this site"
        name = "this site" if mine else f"deal: {entry}"
        deal_type = group["deal type"].iloc[0]
        fig.add_trace(
            go.Bar(
                x=group["$/IT MW-yr"],
                y=group["label"],
                orientation="h",
                name=name,
                marker_color=SITE_COLOR if mine else DEAL_COLORS.get(str(deal_type), RENTAL_COLOR),
                customdata=group[["source", "announced"]].fillna("").to_numpy(),
                text=[f"${v / 1e6:,.2f}M" for v in group["$/IT MW-yr"]],
                textposition="auto",
                hovertemplate="%{y}<br>$%{x:,.0f} per IT MW-year"
                + ("" if mine else "<br>announced %{customdata[1]}<br>%{customdata[0]}")
                + "<extra></extra>",
            )
        )
    _layout(fig, 140 + 34 * len(deals))
    fig.update_xaxes(title_text=DEALS_AXIS, tickprefix="$", tickformat="~s")
    fig.update_yaxes(
        title_text="Deal (company → counterparty) or this site",
        categoryorder="array",
        categoryarray=ordered["label"].tolist(),
    )
    return fig


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
    _layout(fig, 420, hovermode="x unified")
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
    _layout(fig, 380)
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
            marker_color=[GAIN_COLOR if b else "#A9B4C2" for b in best],
            text=[
                f"${v:,.0f}" + (" (best)" if b else "") for v, b in zip(values, best, strict=True)
            ],
            textposition="auto",
            name="expected NPV",
            hovertemplate="pivot %{x}<br>expected NPV $%{y:,.0f}/GPU<extra></extra>",
        )
    )
    fig.add_hline(y=0, line={"color": EVENT_COLOR, "width": 1, "dash": "dot"})
    _layout(fig, 360, showlegend=False)
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
                font={"size": 11, "color": EVENT_COLOR},
            )
    _layout(fig, 120 + 38 * len(tornado), barmode="overlay")
    fig.update_xaxes(title_text=TORNADO_AXIS, tickprefix="$")
    fig.update_yaxes(title_text="Input (one at a time)", autorange="reversed")
    return fig
