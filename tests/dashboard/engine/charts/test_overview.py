"""The pure figure builders: units on axes, crossovers marked, market events drawn."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from dashboard.engine.charts import overview as charts
from dashboard.engine.views.freshness import freshness_frame
from scrapers.status import SourceStatus


def _history(start: str = "2022-09-10", days: int = 600) -> pd.DataFrame:
    day = pd.date_range(start, periods=days, freq="D")
    return pd.DataFrame(
        {
            "day": day.date,
            "mining_net_usd_day": [1.5 - i * 0.01 for i in range(days)],
            "rental_net_usd_day": [0.5] * days,
            "best_coin": ["ETC"] * days,
        }
    )


def _trace(fig, name: str):
    return next(t for t in fig.data if t.name == name)


def test_margin_axis_titles_carry_units() -> None:
    fig = charts.margin_history_figure(_history())
    assert "$/GPU/day" in fig.layout.yaxis.title.text
    assert "UTC day" in fig.layout.xaxis.title.text


def test_margin_figure_has_both_margins() -> None:
    fig = charts.margin_history_figure(_history())
    names = {t.name for t in fig.data}
    assert {"Mining net (best coin)", "Rental net"} <= names


def test_crossover_marked_at_rental_value() -> None:
    history = _history()
    fig = charts.margin_history_figure(history, [(date(2022, 12, 19), "rental_above")])
    marker = _trace(fig, "Crossover")
    assert marker.mode == "markers"
    assert list(marker.y) == [0.5]
    assert marker.text == ("rental above",)


def test_crossover_outside_history_is_skipped() -> None:
    fig = charts.margin_history_figure(_history(), [(date(2030, 1, 1), "rental_above")])
    assert len(_trace(fig, "Crossover").x) == 0


def test_events_in_range_are_drawn() -> None:
    fig = charts.margin_history_figure(_history())
    shapes = {s.name for s in fig.layout.shapes}
    labels = {a.text for a in fig.layout.annotations}
    assert {"ETH proof-of-stake switch", "BTC halving"} <= shapes
    assert {"ETH proof-of-stake switch", "BTC halving"} <= labels


def test_events_outside_range_do_not_stretch_axis() -> None:
    fig = charts.margin_history_figure(_history("2025-01-01", 30))
    assert not {a.text for a in fig.layout.annotations} & {"BTC halving"}


def test_empty_history_builds_a_figure() -> None:
    empty = _history().iloc[0:0]
    fig = charts.margin_history_figure(empty, [(date(2024, 1, 1), "x")])
    assert fig.layout.yaxis.title.text == charts.MARGIN_AXIS_TITLE


def test_freshness_frame_one_row_per_source_sorted_by_kind() -> None:
    def status(source: str, kind: str, staleness: str) -> SourceStatus:
        return SourceStatus(
            source=source,
            kind=kind,
            title=source,
            last_success=datetime(2024, 1, 1),
            last_run=datetime(2024, 1, 1),
            last_status="ok",
            last_error=None,
            rows=3,
            age_hours=2.0,
            expected_interval_hours=6.0,
            staleness=staleness,
            unknown_gpu_names=["RTX 9999"],
        )

    frame = freshness_frame([status("vastai", "rental", "fresh"), status("w", "coins", "stale")])
    assert list(frame["data kind"]) == ["coins", "rental"]
    assert frame.loc[1, "unknown GPU names"] == "RTX 9999"
    assert frame.loc[0, "age"] == "2.0 h"


def test_consecutive_days_travel_as_first_day_and_step() -> None:
    trace = _trace(charts.margin_history_figure(_history("2025-01-01", 30)), "Rental net")
    assert trace.x is None
    assert trace.x0 == "2025-01-01"
    assert trace.dx == charts.DAY_MS


def test_days_with_gaps_keep_their_dates() -> None:
    history = _history("2025-01-01", 30).drop(index=[3, 4]).reset_index(drop=True)
    trace = _trace(charts.margin_history_figure(history), "Rental net")
    assert len(trace.x) == 28
    assert trace.x[3] == "2025-01-06"


def test_margins_travel_as_float32() -> None:
    trace = _trace(charts.margin_history_figure(_history()), "Mining net (best coin)")
    assert trace.y.dtype == "float32"
    assert abs(float(trace.y[0]) - 1.5) < 1e-6
