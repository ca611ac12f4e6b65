"""Market figures: calendar time axes, a sane single day, currency axes without SI prefixes."""

from __future__ import annotations

import pandas as pd

from dashboard.engine.charts import market as xc
from dashboard.engine.charts import theme


def one_day(column: str = "price_usd_per_kwh") -> pd.DataFrame:
    """A single bucket of a single series."""
    return pd.DataFrame({"period": [pd.Timestamp("2025-11-30")], "s": ["a"], column: [0.1]})


def test_a_single_day_gets_a_day_either_side() -> None:
    fig = xc.line_figure(one_day(), "price_usd_per_kwh", ["s"], "Price (USD/kWh)", "day")
    low, high = fig.layout.xaxis.range
    assert pd.Timestamp(high) - pd.Timestamp(low) == pd.Timedelta(days=2)
    assert fig.layout.xaxis.dtick == 86_400_000  # whole days, never sub-second ticks


def test_monthly_buckets_are_labelled_by_month() -> None:
    fig = xc.line_figure(one_day(), "price_usd_per_kwh", ["s"], "Price (USD/kWh)", "month")
    assert fig.layout.xaxis.tickformat == "%b %Y"


def test_currency_axis_uses_a_dollar_format_not_si_prefixes() -> None:
    fig = xc.line_figure(
        one_day(), "price_usd_per_kwh", ["s"], "USD/kWh", "day", tickformat=theme.USD_PER_KWH
    )
    assert fig.layout.yaxis.tickformat == "$,.3f"
    assert "s" not in theme.USD_WIDE.replace("$", "")  # d3 "s" would mean SI prefixes


def test_the_index_band_has_a_dollar_axis_and_the_stable_line() -> None:
    frame = pd.DataFrame(
        {
            "period": pd.to_datetime(["2025-11-01", "2025-11-02"]),
            "gpu_model": ["RTX 4090"] * 2,
            "pricing_type": ["on_demand"] * 2,
            "index_usd_per_gpu_hour": [0.4, 0.5],
            "stable_usd_per_gpu_hour": [0.4, 0.41],
            "p25_usd_per_gpu_hour": [0.3, 0.4],
            "p75_usd_per_gpu_hour": [0.5, 0.6],
            "offer_count": [5, 6],
        }
    )
    fig = xc.rental_index_figure(frame, "day")
    assert fig.layout.yaxis.tickformat == theme.USD_PER_GPU_HOUR
    assert [t.name for t in fig.data] == [
        "RTX 4090 · on_demand p25–p75",
        "RTX 4090 · on_demand",
        "RTX 4090 · on_demand stable (verdict)",
    ]
    # The stable line toggles with its series' one legend entry.
    assert [t.showlegend for t in fig.data] == [False, None, False]


def _index_days(models: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": pd.to_datetime(["2025-11-01"] * models),
            "gpu_model": [f"GPU {i}" for i in range(models)],
            "pricing_type": ["on_demand"] * models,
            "index_usd_per_gpu_hour": [0.5] * models,
            "stable_usd_per_gpu_hour": [0.5] * models,
            "p25_usd_per_gpu_hour": [0.4] * models,
            "p75_usd_per_gpu_hour": [0.6] * models,
            "offer_count": [9] * models,
        }
    )


def test_bands_are_drawn_up_to_a_readable_number_of_series() -> None:
    def bands(models: int) -> int:
        fig = xc.rental_index_figure(_index_days(models), "day")
        return sum(t.fill == "toself" for t in fig.data)

    assert bands(xc.BANDS_UP_TO) == xc.BANDS_UP_TO
    assert bands(xc.BANDS_UP_TO + 1) == 0


def test_hardware_prices_can_use_a_log_axis() -> None:
    frame = pd.DataFrame(
        {
            "period": pd.to_datetime(["2025-11-01"] * 2),
            "gpu_model": ["RTX 3060", "H100 SXM"],
            "condition": ["used", "new"],
            "median_price_usd": [250.0, 30_000.0],
        }
    )
    fig = xc.line_figure(
        frame, "median_price_usd", ["gpu_model", "condition"], "USD", "day", log_y=True
    )
    assert fig.layout.yaxis.type == "log"
