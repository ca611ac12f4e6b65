"""Monte Carlo: reproducible, and equal to the deterministic model at zero volatility."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from dashboard.engine.economics import per_gpu as eco
from dashboard.engine.economics.montecarlo import drift_from_returns, monthly_log_returns, simulate
from dashboard.engine.terms import CoinMarket, GpuAssumptions, GpuSpec, MarketSnapshot

SPEC = GpuSpec("TEST", {"Etchash": 1e8}, {"Etchash": 250.0}, ai_power_w=300.0, idle_power_w=25.0)
COIN = CoinMarket("ETC", "Etchash", 1e14, 13.0, 2.56, 40.0, datetime(2025, 1, 1), "t")
MARKET = MarketSnapshot((COIN,), {}, {}, None, None, None, {})
A = GpuAssumptions(
    gpu_model="TEST", count=10, rental_rate_usd_per_gpu_hour=0.35, transition_cost_usd=1000.0
)
ZERO = np.zeros(12)


def _result(**kw: float):  # noqa: ANN202
    return eco.evaluate(SPEC, MARKET, replace(A, **kw))


def test_zero_volatility_npv_equals_deterministic_with_drift() -> None:
    res = _result(rental_decline=0.3, difficulty_growth=0.2, discount_rate=0.1)
    mc = simulate(res, ZERO, ZERO, n_paths=50, months=A.horizon_months, seed=1)
    assert np.allclose(mc.npv_usd, res.npv_usd)


def test_zero_volatility_payback_equals_deterministic_without_drift() -> None:
    res = _result(rental_decline=0.0, difficulty_growth=0.0)
    mc = simulate(res, ZERO, ZERO, n_paths=20, months=A.horizon_months, seed=1)
    assert res.payback_months is not None
    assert np.allclose(mc.payback_months, res.payback_months)


def test_zero_volatility_bands_collapse() -> None:
    mc = simulate(_result(), ZERO, ZERO, n_paths=20, seed=3)
    assert np.allclose(mc.cumulative_bands[5], mc.cumulative_bands[95])


def test_same_seed_same_paths() -> None:
    res = _result()
    r = np.array([0.1, -0.2, 0.05, 0.0, 0.3])
    one = simulate(res, r, r[:4], n_paths=200, seed=7)
    two = simulate(res, r, r[:4], n_paths=200, seed=7)
    assert np.array_equal(one.npv_usd, two.npv_usd)


def test_different_seed_different_paths() -> None:
    res = _result()
    one = simulate(res, None, None, n_paths=200, seed=1)
    two = simulate(res, None, None, n_paths=200, seed=2)
    assert not np.array_equal(one.npv_usd, two.npv_usd)


def test_no_history_uses_default_volatility_and_says_so() -> None:
    mc = simulate(_result(), None, np.array([]), n_paths=100, seed=0)
    assert mc.volatility_source.startswith("default volatility")
    assert mc.notes and "default monthly volatility" in mc.notes[0]


def test_history_source_is_reported() -> None:
    r = np.array([0.1, -0.1, 0.05])
    assert simulate(_result(), r, r, n_paths=10, seed=0).volatility_source.startswith("history")


def test_bands_are_ordered() -> None:
    mc = simulate(_result(), None, None, n_paths=500, seed=0)
    b = mc.cumulative_bands
    assert np.all(b[5] <= b[25]) and np.all(b[25] <= b[50]) and np.all(b[75] <= b[95])


def test_payback_probability_is_non_decreasing() -> None:
    mc = simulate(_result(), None, None, n_paths=500, seed=0)
    assert np.all(np.diff(mc.p_payback_by_month) >= 0)
    assert mc.p_payback_within(mc.months) == pytest.approx(mc.p_payback_by_month[-1])


def test_value_of_waiting_now_equals_expected_npv() -> None:
    mc = simulate(_result(), None, None, n_paths=300, seed=0)
    assert set(mc.expected_npv_by_start) == {0, 3, 6, 12}
    assert mc.expected_npv_by_start[0] == pytest.approx(mc.expected_npv_usd)


def test_waiting_wins_when_rental_rises_and_mining_now_pays() -> None:
    # Mining beats renting now, rental rates triple a year: the first months lose money.
    res = _result(rental_rate_usd_per_gpu_hour=0.03, rental_decline=-2.0, discount_rate=0.0)
    assert res.spread_usd_day < 0
    mc = simulate(res, ZERO, ZERO, n_paths=5, months=24, seed=0)
    assert mc.best_start_month() != 0


def test_monthly_log_returns_from_daily_series() -> None:
    days = pd.date_range("2025-01-01", "2025-03-31", freq="D")
    values = np.where(days.month == 1, 1.0, np.where(days.month == 2, 2.0, 4.0))
    out = monthly_log_returns(pd.Series(values, index=days))
    assert np.allclose(out, [np.log(2), np.log(2)])


def test_monthly_log_returns_skip_gaps() -> None:
    idx = pd.to_datetime(["2025-01-15", "2025-03-15", "2025-04-15"])
    out = monthly_log_returns(pd.Series([1.0, 2.0, 3.0], index=idx))
    assert np.allclose(out, [np.log(1.5)])


def test_monthly_log_returns_empty() -> None:
    assert monthly_log_returns(pd.Series([], dtype=float)).size == 0


def test_drift_from_returns() -> None:
    d = drift_from_returns(np.full(6, np.log(0.99)), np.full(6, np.log(0.98)))
    assert d["difficulty_growth"] == pytest.approx(0.99**-12 - 1)
    assert d["rental_decline"] == pytest.approx(1 - 0.98**12)


def test_bands_match_numpy_percentile() -> None:
    from dashboard.engine.economics.montecarlo import _row_percentiles

    x = np.random.default_rng(0).normal(size=(4, 101))
    assert np.allclose(_row_percentiles(x, (5, 50, 95)), np.percentile(x, (5, 50, 95), axis=1))
