"""Plotly figures and small display tables for the app. Pure: no Streamlit, no I/O.

Every axis title names its unit; events and crossovers are drawn as named shapes and traces
so tests (and people) can find them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

MINING_COLOR = "#E8A33D"
RENTAL_COLOR = "#3D8BE8"
EVENT_COLOR = "#8A8F98"
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
                marker={"symbol": "diamond", "size": 11, "color": "#D64545", "line": {"width": 1}},
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
                font={"size": 11, "color": EVENT_COLOR},
                name=event.label,
            )
    fig.update_layout(
        xaxis_title="Date (UTC day)",
        xaxis_type="date",  # x0/dx traces carry no dates for plotly to detect the type from
        yaxis_title=MARGIN_AXIS_TITLE,
        yaxis_tickprefix="$",
        hovermode="x unified",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        height=420,
    )
    return fig


def crossover_frame(crossovers: Sequence[tuple[Any, str]]) -> pd.DataFrame:
    """Crossovers as a two-column table (day, direction)."""
    return pd.DataFrame(
        [(_as_timestamp(d).date(), str(k)) for d, k in crossovers], columns=["day", "direction"]
    )


def format_age(hours: float | None) -> str:
    """A compact human age such as ``45 min``, ``6.0 h`` or ``3.2 d``; ``never`` for None."""
    if hours is None:
        return "never"
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} d"


def freshness_frame(statuses: Sequence[Any]) -> pd.DataFrame:
    """One row per source and data kind: last success, age, expected interval, rows, state."""
    rows = [
        {
            "data kind": s.kind,
            "source": s.source,
            "title": s.title,
            "state": s.staleness,
            "last success (UTC)": s.last_success,
            "age": format_age(s.age_hours),
            "expected every (h)": s.expected_interval_hours,
            "rows": s.rows,
            "last status": s.last_status or "never run",
            "last error": s.last_error or "",
            "unknown GPU names": ", ".join(s.unknown_gpu_names or []),
        }
        for s in statuses
    ]
    columns = [
        "data kind",
        "source",
        "title",
        "state",
        "last success (UTC)",
        "age",
        "expected every (h)",
        "rows",
        "last status",
        "last error",
        "unknown GPU names",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["data kind", "source"], kind="stable").reset_index(drop=True)


def as_of_text(value: datetime | None) -> str:
    """``2024-05-01 12:00 UTC`` or ``unknown``."""
    if value is None or pd.isna(value):
        return "unknown"
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M UTC")
