"""The Market page's charts: series over time, the rental index band and current offers.

Every axis title names its unit. Series come pre-aggregated (``queries.market_page``), so
plain SVG scatter traces stay well under the point counts where browsers slow down.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboard.engine.charts import theme
from dashboard.engine.charts.theme import USD_OFFER, USD_PER_GPU_HOUR

HEIGHT = 380
OFFER_TICKS = [0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50]
RESOLUTION_LABEL = {"day": "day", "week": "week (mean)", "month": "month (mean)"}
_TICKS = {"day": "%b %d, %Y", "week": "%b %d, %Y", "month": "%b %Y"}


def time_axis(fig: go.Figure, periods: pd.Series, resolution: str) -> go.Figure:
    """Calendar tick labels; a single point gets a day either side, not sub-second ticks."""
    values = pd.to_datetime(pd.Series(periods)).dropna().unique()
    fig.update_xaxes(tickformat=_TICKS.get(resolution, "%b %d, %Y"))
    if len(values) == 1:
        only = pd.Timestamp(values[0])
        fig.update_xaxes(
            range=[only - pd.Timedelta(days=1), only + pd.Timedelta(days=1)],
            dtick=86_400_000,
        )
    return fig


def time_axis_title(resolution: str) -> str:
    """``Date (UTC, per week (mean))`` style x-axis title."""
    return f"Date (UTC, per {RESOLUTION_LABEL.get(resolution, resolution)})"


def _label(row: pd.Series, columns: Sequence[str]) -> str:
    return " · ".join(str(row[c]) for c in columns)


def line_figure(
    frame: pd.DataFrame,
    y: str,
    series: Sequence[str],
    y_title: str,
    resolution: str = "day",
    x: str = "period",
    log_y: bool = False,
    tickformat: str | None = None,
    dash_by: str | None = None,
) -> go.Figure:
    """One line per distinct combination of ``series`` columns; NaN values leave gaps."""
    fig = go.Figure()
    data = frame.dropna(subset=[y])
    groups = list(data.groupby(list(series), sort=True))
    # Dashed variants (used, spot) share their solid sibling's colour.
    keys = [c for c in series if c != dash_by]
    palette: dict[tuple, int] = {}
    for i, (_, group) in enumerate(groups):
        first = group.iloc[0]
        i = palette.setdefault(tuple(first[k] for k in keys), len(palette))
        dash = "dash" if dash_by and str(first[dash_by]) in {"used", "spot"} else "solid"
        fig.add_trace(
            go.Scatter(
                x=group[x],
                y=group[y],
                name=_label(first, series),
                mode="lines+markers" if len(group) < 40 else "lines",
                line={"dash": dash, "color": theme.color(i)},
            )
        )
    theme.apply(
        fig,
        HEIGHT,
        series=len(groups),
        hovermode="x unified",
        xaxis_title=time_axis_title(resolution) if x == "period" else x.replace("_", " "),
        yaxis_title=y_title,
        yaxis_type="log" if log_y else "linear",
    )
    if tickformat:
        fig.update_yaxes(tickformat=tickformat)
    if x == "period":
        time_axis(fig, data[x], resolution)
    return fig


# Past this many series the p25–p75 bands overlap into one wash (and cost the browser a trace
# each): the index lines are drawn without them.
BANDS_UP_TO = theme.SIDE_LEGEND_AFTER
INDEX_SERIES = ["gpu_model", "pricing_type"]  # one line (and band) per model and pricing type


def index_series_count(frame: pd.DataFrame) -> int:
    """How many index series (lines) :func:`rental_index_figure` draws for ``frame``."""
    return frame.groupby(INDEX_SERIES).ngroups


def rental_index_figure(frame: pd.DataFrame, resolution: str = "day") -> go.Figure:
    """The rental index per model and pricing type, with its p25–p75 band up to BANDS_UP_TO series.

    The dotted source-mix-stable line shares its series' legend entry (one click hides both).
    """
    fig = go.Figure()
    groups = list(frame.groupby(INDEX_SERIES, sort=True))
    bands = len(groups) <= BANDS_UP_TO
    for i, ((model, pricing), group) in enumerate(groups):
        name = f"{model} · {pricing}"
        if bands:
            fig.add_trace(
                go.Scatter(
                    x=pd.concat([group["period"], group["period"][::-1]]),
                    y=pd.concat(
                        [group["p75_usd_per_gpu_hour"], group["p25_usd_per_gpu_hour"][::-1]]
                    ),
                    fill="toself",
                    fillcolor=theme.color(i, 0.18),
                    line={"width": 0},
                    name=f"{name} p25–p75",
                    legendgroup=name,
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
        fig.add_trace(
            go.Scatter(
                x=group["period"],
                y=group["index_usd_per_gpu_hour"],
                name=name,
                legendgroup=name,
                mode="lines+markers" if len(group) < 40 else "lines",
                line={"color": theme.color(i)},
                customdata=group[["p25_usd_per_gpu_hour", "p75_usd_per_gpu_hour", "offer_count"]],
                hovertemplate="%{y:$.3f}/GPU-h (p25 %{customdata[0]:$.3f}, "
                "p75 %{customdata[1]:$.3f}, %{customdata[2]:.0f} offers)",
            )
        )
        if "stable_usd_per_gpu_hour" in group:
            fig.add_trace(
                go.Scatter(
                    x=group["period"],
                    y=group["stable_usd_per_gpu_hour"],
                    name=f"{name} stable (verdict)",
                    legendgroup=name,
                    showlegend=False,
                    mode="lines",
                    line={"color": theme.color(i), "dash": "dot"},
                    hovertemplate="stable %{y:$.3f}/GPU-h",
                )
            )
    theme.apply(
        fig,
        HEIGHT,
        series=len(groups),
        hovermode="x unified",
        xaxis_title=time_axis_title(resolution),
        yaxis_title="Rental index ($/GPU-hour)",
        yaxis_tickformat=USD_PER_GPU_HOUR,
    )
    return time_axis(fig, frame["period"], resolution)


def offers_figure(frame: pd.DataFrame) -> go.Figure:
    """Every current offer's $/GPU-hour per model (box and points), one colour per source."""
    fig = go.Figure()
    for source, group in frame.groupby("source", sort=True):
        fig.add_trace(
            go.Box(
                x=group["gpu_model"],
                y=group["rate_usd_per_gpu_hour"],
                name=str(source),
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                marker={"size": 4, "opacity": 0.6},
                customdata=group[["pricing_type", "num_gpus"]],
                hovertemplate="%{x}: %{y:$.3f}/GPU-h<br>%{customdata[0]}, "
                "%{customdata[1]} GPU(s)<extra>%{fullData.name}</extra>",
            )
        )
    theme.apply(
        fig,
        440,
        hovermode="closest",
        boxmode="group",
        xaxis_title="GPU model",
        yaxis_title="Offer rate ($/GPU-hour, log)",
        yaxis_type="log",
    )
    fig.update_yaxes(tickvals=OFFER_TICKS, tickformat=USD_OFFER, minor={"showgrid": False})
    return fig
