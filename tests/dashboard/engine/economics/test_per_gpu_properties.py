"""Properties of the per-GPU economics that must hold for any valid input."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.engine.economics import per_gpu as eco
from dashboard.engine.terms import CoinMarket, GpuAssumptions, GpuSpec, MarketSnapshot

SPEC = GpuSpec("TEST", {"Etchash": 1e8}, {"Etchash": 250.0}, ai_power_w=300.0, idle_power_w=25.0)
COIN = CoinMarket("ETC", "Etchash", 1e14, 13.0, 2.56, 20.0, datetime(2025, 1, 1), "t")
MARKET = MarketSnapshot((COIN,), {"TEST": 0.3}, {}, None, None, None, {})

unit = st.floats(0.0, 1.0, allow_nan=False)
price = st.floats(0.0, 1.0, allow_nan=False)
rate = st.floats(0.0, 10.0, allow_nan=False)
pue = st.floats(1.0, 2.0, allow_nan=False)


def _a(**kw: float) -> GpuAssumptions:
    return GpuAssumptions(gpu_model="TEST", **kw)


@settings(max_examples=60, deadline=None)
@given(u1=unit, u2=unit, r=rate, fee=unit)
def test_more_utilization_never_lowers_rental_revenue(
    u1: float, u2: float, r: float, fee: float
) -> None:
    lo, hi = sorted((u1, u2))
    a = _a(platform_fee=fee)
    rev_lo = eco.rental_result(SPEC, r, replace(a, utilization=lo)).revenue_usd_day
    rev_hi = eco.rental_result(SPEC, r, replace(a, utilization=hi)).revenue_usd_day
    assert rev_hi >= rev_lo


@settings(max_examples=60, deadline=None)
@given(p1=price, p2=price, u=unit, r=rate, p_ue=pue)
def test_higher_power_price_never_raises_either_net(
    p1: float, p2: float, u: float, r: float, p_ue: float
) -> None:
    lo, hi = sorted((p1, p2))
    a = _a(utilization=u, pue=p_ue, rental_rate_usd_per_gpu_hour=r)
    cheap = eco.evaluate(SPEC, MARKET, replace(a, power_price_usd_per_kwh=lo))
    dear = eco.evaluate(SPEC, MARKET, replace(a, power_price_usd_per_kwh=hi))
    assert dear.mining.net_usd_day <= cheap.mining.net_usd_day + 1e-12
    assert dear.rental.net_usd_day <= cheap.rental.net_usd_day + 1e-12


@settings(max_examples=60, deadline=None)
@given(r1=rate, r2=rate)
def test_higher_rental_rate_never_lowers_spread(r1: float, r2: float) -> None:
    lo, hi = sorted((r1, r2))
    s_lo = eco.evaluate(SPEC, MARKET, _a(rental_rate_usd_per_gpu_hour=lo)).spread_usd_day
    s_hi = eco.evaluate(SPEC, MARKET, _a(rental_rate_usd_per_gpu_hour=hi)).spread_usd_day
    assert s_hi >= s_lo - 1e-12


@settings(max_examples=60, deadline=None)
@given(r=rate, p=price, u=unit)
def test_keep_net_is_never_negative(r: float, p: float, u: float) -> None:
    res = eco.evaluate(
        SPEC, MARKET, _a(rental_rate_usd_per_gpu_hour=r, power_price_usd_per_kwh=p, utilization=u)
    )
    assert res.keep_net_usd_day >= 0


@settings(max_examples=60, deadline=None)
@given(r=st.floats(0.01, 10.0), p=price)
def test_payback_exists_only_when_spread_positive(r: float, p: float) -> None:
    res = eco.evaluate(SPEC, MARKET, _a(rental_rate_usd_per_gpu_hour=r, power_price_usd_per_kwh=p))
    if res.payback_months is not None:
        assert res.spread_usd_day > 0 and res.payback_months <= res.assumptions.horizon_months


@settings(max_examples=60, deadline=None)
@given(p=price, u=st.floats(0.05, 1.0), fee=st.floats(0.0, 0.9))
def test_breakeven_rate_zeroes_the_spread(p: float, u: float, fee: float) -> None:
    a = _a(
        power_price_usd_per_kwh=p, utilization=u, platform_fee=fee, rental_rate_usd_per_gpu_hour=1.0
    )
    be = eco.evaluate(SPEC, MARKET, a).breakeven.rental_rate_usd_per_gpu_hour
    assert be is not None and be >= 0
    again = eco.evaluate(SPEC, MARKET, replace(a, rental_rate_usd_per_gpu_hour=be))
    assert abs(again.spread_usd_day) < 1e-9


@settings(max_examples=40, deadline=None)
@given(d=st.floats(0.0, 0.5), r=st.floats(0.0, 0.9))
def test_npv_falls_with_faster_rental_decline(d: float, r: float) -> None:
    a = _a(rental_rate_usd_per_gpu_hour=1.0, discount_rate=r)
    slow = eco.evaluate(SPEC, MARKET, replace(a, rental_decline=d)).npv_usd
    fast = eco.evaluate(SPEC, MARKET, replace(a, rental_decline=min(d + 0.2, 0.99))).npv_usd
    assert fast <= slow + 1e-9
