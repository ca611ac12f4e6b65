"""The Overview's chart: mining vs rental net margin per GPU per day, with market events.

Every axis title names its unit; events and crossovers are drawn as named shapes and traces
so tests (and people) can find them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.engine.charts import theme
from dashboard.engine.charts.theme import EVENT_COLOR, LOSS_COLOR, MINING_COLOR, RENTAL_COLOR

MARGIN_AXIS_TITLE = "Net margin ($/GPU/day)"


@dataclass(frozen=True)
class MarketEvent:
    """A dated market event drawn as a vertical line on history charts."""

    day: date
    label: str


DEFAULT_EVENTS: tuple[MarketEvent, ...] = (
    MarketEvent(date(2022, 9, 15), "ETH proof-of-stake switch"),
    MarketEvent(date(2024, 4, 20), "BTC halving"),
)


def _as_timestamp(value: Any) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


DAY_MS = 86_400_000


def daily_x(days: pd.Series) -> dict[str, Any]:
    """Scatter x arguments for UTC days: ``x0``/``dx`` when they are consecutive, else dates.

    A figure travels to the browser as JSON, where each ISO timestamp costs ~23 bytes per
    point per trace; consecutive days need only the first day and a one-day step.
    """
    if len(days) > 2:
        step = days.diff().dropna()
        if (step == pd.Timedelta(days=1)).all():
            return {"x0": days.iloc[0].strftime("%Y-%m-%d"), "dx": DAY_MS}
    return {"x": days.dt.strftime("%Y-%m-%d") if len(days) else days}


def light_values(values: Any) -> Any:
    """A float column as float32: half the bytes on the wire, ~7 significant digits kept."""
    return np.asarray(pd.to_numeric(values, errors="coerce"), dtype="float32")


def margin_history_figure(
    history: pd.DataFrame,
    crossovers: Sequence[tuple[Any, str]] = (),
    events: Iterable[MarketEvent] = DEFAULT_EVENTS,
) -> go.Figure:
    """Mining vs rental net margin per GPU per day, with crossovers and market events.

    Events outside the charted date range are skipped so they never stretch the axis.
    """
    fig = go.Figure()
    days = pd.to_datetime(history["day"]) if not history.empty else pd.Series(dtype="object")
    coin = history["best_coin"] if "best_coin" in history else None
    x = daily_x(days.dt.normalize()) if not history.empty else {"x": days}
    fig.add_trace(
        go.Scatter(
            **x,
            y=light_values(history["mining_net_usd_day"]),
            name="Mining net (best coin)",
            mode="lines",
            line={"color": MINING_COLOR, "width": 2},
            customdata=coin,
            hovertemplate="%{x|%Y-%m-%d}<br>mining net $%{y:.2f}/GPU/day"
            + ("<br>best coin %{customdata}" if coin is not None else "")
            + "<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            **x,
            y=light_values(history["rental_net_usd_day"]),
            name="Rental net",
            mode="lines",
            line={"color": RENTAL_COLOR, "width": 2},
            hovertemplate="%{x|%Y-%m-%d}<br>rental net $%{y:.2f}/GPU/day<extra></extra>",
        )
    )
    if crossovers and not history.empty:
        by_day = history.assign(_day=days.dt.normalize()).set_index("_day")
        xs, ys, labels = [], [], []
        for day, direction in crossovers:
            ts = _as_timestamp(day)
            if ts not in by_day.index:
                continue
            row = by_day.loc[ts]
            if isinstance(row, pd.DataFrame):
                row = row.iloc[-1]
            xs.append(ts)
            ys.append(float(row["rental_net_usd_day"]))
            labels.append(str(direction).replace("_", " "))
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                name="Crossover",
                mode="markers",
                marker={"symbol": "diamond", "size": 11, "color": LOSS_COLOR, "line": {"width": 1}},
                text=labels,
                hovertemplate="%{x|%Y-%m-%d}<br>crossover: %{text}<extra></extra>",
            )
        )
    fig.add_hline(y=0, line={"color": EVENT_COLOR, "width": 1, "dash": "dot"}, name="switch off")
    if not history.empty:
        first, last = days.min().normalize(), days.max().normalize()
        for event in events:
            ts = _as_timestamp(event.day)
            if not first <= ts <= last:
                continue
            fig.add_shape(
                type="line",
                x0=ts,
                x1=ts,
                y0=0,
                y1=1,
                yref="paper",
                line={"color": EVENT_COLOR, "width": 1, "dash": "dash"},
                name=event.label,
            )
            fig.add_annotation(
                x=ts,
                y=1,
                yref="paper",
                text=event.label,
                showarrow=False,
                xanchor="left",
                yanchor="top",
                font=theme.NOTE_FONT,
                name=event.label,
            )
    return theme.apply(
        fig,
        420,
        xaxis_title="Date (UTC day)",
        xaxis_type="date",  # x0/dx traces carry no dates for plotly to detect the type from
        yaxis_title=MARGIN_AXIS_TITLE,
        yaxis_tickprefix="$",
        hovermode="x unified",
    )
