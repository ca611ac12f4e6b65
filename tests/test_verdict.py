"""The verdict table from the product notes, one rule per test."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import numpy as np

from dashboard.engine import economics as eco
from dashboard.engine.model import CoinMarket, GpuAssumptions, GpuSpec, MarketSnapshot
from dashboard.engine.montecarlo import simulate
from dashboard.engine.verdict import KEEP_MINING, PIVOT_NOW, SELL_OR_SWITCH_OFF, WAIT, verdict

SPEC = GpuSpec("TEST", {"Etchash": 1e8}, {"Etchash": 250.0}, ai_power_w=300.0, idle_power_w=25.0)
A = GpuAssumptions(
    gpu_model="TEST", count=100, conversion_capex_usd=300.0, rental_rate_usd_per_gpu_hour=0.30
)
ZERO = np.zeros(6)


def _res(coin_price: float = 20.0, resale: dict | None = None, **kw):  # noqa: ANN202
    coin = CoinMarket("ETC", "Etchash", 1e14, 13.0, 2.56, coin_price, datetime(2025, 1, 1), "t")
    market = MarketSnapshot((coin,), {}, resale or {}, None, None, None, {})
    return eco.evaluate(SPEC, market, replace(A, **kw))


def test_pivot_now_names_spread_and_payback() -> None:
    res = _res()
    v = verdict(res, simulate(res, ZERO, ZERO, n_paths=10, seed=0))
    assert v.label == PIVOT_NOW
    assert f"${res.spread_usd_day:,.2f}/GPU/day" in v.reason
    assert "100% chance of payback within 24 months" in v.reason


def test_pivot_now_without_simulation_says_so() -> None:
    v = verdict(_res(), None)
    assert v.label == PIVOT_NOW and "no risk simulation" in v.reason


def test_wait_when_payback_beyond_target() -> None:
    v = verdict(_res(conversion_capex_usd=5000.0), None)
    assert v.label == WAIT and "exceeds the 12-month target" in v.reason


def test_wait_when_payback_probability_low() -> None:
    res = _res(
        rental_rate_usd_per_gpu_hour=0.08, conversion_capex_usd=100.0, payback_target_months=120
    )
    mc = simulate(
        res, np.array([1.0, -1.0, 1.5, -1.5]), np.array([0.8, -0.8, 0.9]), n_paths=400, seed=0
    )
    v = verdict(res, mc)
    assert res.spread_usd_day > 0
    assert mc.p_payback_within(24) < 0.7
    assert v.label == WAIT and "chance of payback" in v.reason


def test_wait_names_the_better_month() -> None:
    # A thin spread and a 100 %/yr discount rate: paying the capex a year later is worth more
    # than the year's small spread, so a later pivot month has the higher expected NPV.
    res = _res(rental_rate_usd_per_gpu_hour=0.0315, discount_rate=1.0, rental_decline=0.0)
    mc = simulate(res, ZERO, ZERO, n_paths=5, seed=0)
    assert res.spread_usd_day > 0
    assert mc.best_start_month() == 12
    v = verdict(res, mc)
    assert v.label == WAIT and "pivoting in 12 months has a higher expected NPV" in v.reason


def test_keep_mining_when_mining_wins() -> None:
    v = verdict(_res(coin_price=400.0), None)
    assert v.label == KEEP_MINING
    assert "break even" in v.reason


def test_sell_or_switch_off_shows_resale() -> None:
    v = verdict(
        _res(coin_price=1.0, rental_rate_usd_per_gpu_hour=0.01, resale={"TEST": 650.0}), None
    )
    assert v.label == SELL_OR_SWITCH_OFF
    assert "$650.00/GPU" in v.reason and "$65,000.00 fleet" in v.reason
