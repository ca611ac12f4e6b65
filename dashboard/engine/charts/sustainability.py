"""The Sustainability page's charts: grid carbon by year, and CO2 per dollar by region."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.engine.charts import theme
from dashboard.engine.charts.theme import MINING_COLOR, RENTAL_COLOR


def carbon_figure(frame: pd.DataFrame) -> go.Figure:
    """Grid carbon intensity per region by year."""
    fig = go.Figure()
    groups = list(frame.groupby(["region", "region_name"], sort=True, dropna=False))
    for i, ((region, name), group) in enumerate(groups):
        label = f"{region} · {name}" if isinstance(name, str) and name != region else str(region)
        fig.add_trace(
            go.Scatter(
                x=group["year"],
                y=group["carbon_g_per_kwh"],
                name=label,
                mode="lines+markers",
                line={"color": theme.color(i)},
            )
        )
    theme.apply(
        fig,
        380,
        series=len(groups),
        hovermode="x unified",
        xaxis_title="Year",
        yaxis_title="Grid carbon intensity (gCO2e/kWh)",
    )
    return fig.update_xaxes(dtick=1)


def footprint_by_region_figure(frame: pd.DataFrame) -> go.Figure:
    """kg CO2 per $ of revenue, mining vs rental, for every region's latest grid intensity."""
    fig = go.Figure()
    labels = [
        r if not isinstance(n, str) or n == r else f"{r} · {n}"
        for r, n in zip(frame["region"], frame["region_name"], strict=True)
    ]
    for column, name, color in (
        ("mining_kg_co2_per_usd", "Mining", MINING_COLOR),
        ("rental_kg_co2_per_usd", "AI rental", RENTAL_COLOR),
    ):
        fig.add_trace(
            go.Bar(y=labels, x=frame[column], name=name, orientation="h", marker_color=color)
        )
    return theme.apply(
        fig,
        120 + 24 * max(len(frame), 1),
        hovermode="y unified",
        barmode="group",
        xaxis_title="kg CO2e per $ of revenue",
        yaxis_title="Grid region (latest year)",
        yaxis_autorange="reversed",
    )
