"""dashboard.engine.decision: the one model chain, by hand and by property (no store)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.engine.decision import Fleet, FleetLine, decide, gpu_class, parse_fleet
from dashboard.engine.economics.per_gpu import evaluate
from dashboard.engine.economics.verdict import (
    BORDERLINE,
    KEEP_MINING,
    PIVOT_NOW,
    SELL_OR_SWITCH_OFF,
    is_wait,
)
from scrapers.errors import ConfigError
from scrapers.units import DAYS_PER_MONTH
from tests.support.markets import assumptions, market, specs

# A flat forward model, so every month's cash flow is the same number F.
FLAT = {"rental_decline": 0.0, "difficulty_growth": 0.0, "btc_price_drift": 0.0}


def _decide(fleet: Fleet | None = None, **changes: object):  # noqa: ANN202
    a = assumptions(**changes)
    fleet = fleet or Fleet.single(a.gpu_model, a.count)
    return decide(fleet, specs(), market(), a, n_paths=50, zero_volatility=True)


def test_start_options_are_calendar_aligned_by_hand() -> None:
    d = _decide(**FLAT, discount_rate=0.12, horizon_months=24, terminal_value_usd=100.0)
    md = d.models[0]
    a = md.assumptions
    flow = md.result.spread_usd_day * DAYS_PER_MONTH  # the same every month (flat model)
    upfront = a.conversion_capex_usd  # no transition cost

    def disc(m: int) -> float:
        return 1.12 ** (-m / 12)

    for k in (0, 3, 6, 12):
        # Months 1..k keep mining (0 vs never), then the spread; capex paid at month k.
        by_hand = (
            sum(flow * disc(m) for m in range(k + 1, 25)) - upfront * disc(k) + 100.0 * disc(24)
        )
        assert md.per_gpu.option(k).expected_npv_usd == pytest.approx(by_hand, rel=1e-9)
    assert md.per_gpu.option(None).expected_npv_usd == 0.0


def test_terminal_value_adds_its_discounted_amount_to_every_start() -> None:
    base = _decide(**FLAT, terminal_value_usd=0.0).models[0].per_gpu
    more = _decide(**FLAT, terminal_value_usd=250.0).models[0].per_gpu
    for k in (0, 3, 6, 12):
        gain = more.option(k).expected_npv_usd - base.option(k).expected_npv_usd
        assert gain == pytest.approx(250.0 * 1.12 ** (-24 / 12), rel=1e-9)


def test_zero_volatility_simulation_equals_the_deterministic_npv() -> None:
    md = _decide().models[0]
    assert md.per_gpu.option(0).expected_npv_usd == pytest.approx(md.result.npv_usd, rel=1e-9)


def test_fleet_totals_are_the_sum_of_the_lines() -> None:
    fleet = Fleet((FleetLine("RTX 3090", 300), FleetLine("H100 SXM", 20)))
    d = _decide(fleet, transition_cost_usd=32_000.0)
    for k in (0, 3, 6, 12):
        total = sum(md.per_gpu.option(k).expected_npv_usd * md.line.count for md in d.models)
        assert d.fleet_outcome.option(k).expected_npv_usd == pytest.approx(total, rel=1e-9)
    # The transition cost is shared by GPU count: 100 $/GPU on every line.
    assert d.fleet_outcome.upfront_usd == pytest.approx(300 * 700 + 20 * 4100 + 0, rel=1e-9)


def test_conversion_capex_defaults_by_class() -> None:
    d = _decide(Fleet((FleetLine("RTX 3090", 10), FleetLine("H100 SXM", 10))))
    assert d.model("RTX 3090").assumptions.conversion_capex_usd == 600.0
    assert d.model("H100 SXM").assumptions.conversion_capex_usd == 4000.0
    assert gpu_class("A100 80GB SXM") == "datacenter" and gpu_class("RTX 4090") == "consumer"


def test_a_fleet_line_override_beats_the_class_default() -> None:
    d = _decide(Fleet((FleetLine("H100 SXM", 10, 9000.0), FleetLine("RTX 3090", 5))))
    assert d.model("H100 SXM").assumptions.conversion_capex_usd == 9000.0


def test_per_model_verdicts_sit_beside_the_fleet_verdict() -> None:
    # Cheap coin: the 3090 has nothing to mine for; H100s rent well.
    fleet = Fleet((FleetLine("H100 SXM", 50), FleetLine("RTX 3090", 500)))
    d = _decide(fleet)
    assert d.model("H100 SXM").per_gpu.verdict.label == PIVOT_NOW
    assert {md.per_gpu.verdict.label for md in d.models} <= {
        PIVOT_NOW,
        BORDERLINE,
        KEEP_MINING,
        SELL_OR_SWITCH_OFF,
    } | {md.per_gpu.verdict.label for md in d.models if is_wait(md.per_gpu.verdict.label)}


def test_losing_fleet_is_sell_or_switch_off_with_resale() -> None:
    d = _decide(rental_rate_usd_per_gpu_hour=0.01, power_price_usd_per_kwh=0.5)
    assert d.verdict.label == SELL_OR_SWITCH_OFF
    assert "resale $70,000" in d.verdict.reason


def test_payback_target_miss_is_borderline_and_says_by_how_much() -> None:
    d = _decide(**FLAT, payback_target_months=1)
    assert d.verdict.label == BORDERLINE
    assert "misses the 1-month target by" in d.verdict.reason


def test_parse_fleet_reads_models_counts_and_capex() -> None:
    fleet = parse_fleet("H100 SXM:200, RTX 4090=500:900")
    assert fleet.lines == (FleetLine("H100 SXM", 200), FleetLine("RTX 4090", 500, 900.0))
    assert parse_fleet(fleet.to_text()) == fleet


@pytest.mark.parametrize(
    "text", ["RTX 3090", "RTX 3090:inf", "RTX 3090:100000000000", "A:1,A:2", "X:1:1e308"]
)
def test_parse_fleet_refuses_bad_items_in_one_line(text: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_fleet(text)
    assert "\n" not in str(err.value)


inputs = st.fixed_dictionaries(
    {
        "power_price_usd_per_kwh": st.floats(0.0, 0.4),
        "utilization": st.floats(0.02, 1.0),
        "conversion_capex_usd": st.floats(0.0, 5000.0),
        "rental_decline": st.floats(-1.0, 0.9),
        "difficulty_growth": st.floats(-0.5, 3.0),
        "discount_rate": st.floats(0.0, 1.0),
        "fixed_opex_usd_per_gpu_month": st.floats(0.0, 50.0),
        "horizon_months": st.integers(1, 60),
        "payback_target_months": st.floats(1.0, 60.0),
    }
)


@settings(max_examples=60, deadline=None)
@given(changes=inputs, h100=st.integers(0, 50))
def test_wait_never_has_a_negative_expected_npv(changes: dict, h100: int) -> None:
    lines = (FleetLine("RTX 3090", 100),) + ((FleetLine("H100 SXM", h100),) if h100 else ())
    a = assumptions(**changes)
    d = decide(Fleet(lines), specs(), market(), a, n_paths=200)
    for o in (d.fleet_outcome, *(md.per_gpu for md in d.models)):
        best = max(o.options, key=lambda x: x.expected_npv_usd)
        if is_wait(o.verdict.label):
            month = int(o.verdict.label.rsplit(" ", 1)[1])
            assert o.option(month).expected_npv_usd > 0
        if o.verdict.label in (PIVOT_NOW, BORDERLINE):
            assert o.option(0).expected_npv_usd > 0 and o.option(0) == best
        if o.verdict.label in (KEEP_MINING, SELL_OR_SWITCH_OFF):
            assert all(x.expected_npv_usd <= 0 for x in o.options if x.start_month is not None)


@settings(max_examples=60, deadline=None)
@given(changes=inputs)
def test_payback_within_horizon_exactly_when_the_zero_vol_median_path_pays_back(
    changes: dict,
) -> None:
    a = assumptions(**changes)
    d = decide(
        Fleet.single("RTX 3090", 100), specs(), market(), a, n_paths=20, zero_volatility=True
    )
    o, mc = d.fleet_outcome, d.mc
    median = mc.median_payback_months()
    assert (o.payback_months is not None) == (median is not None)
    if median is not None:
        assert o.payback_months == pytest.approx(median, rel=1e-9, abs=1e-9)
        assert o.payback_months <= a.horizon_months


@settings(max_examples=40, deadline=None)
@given(changes=inputs)
def test_the_decision_uses_the_economics_of_the_same_forward_model(changes: dict) -> None:
    a = assumptions(**changes)
    d = decide(
        Fleet.single("RTX 3090", 100), specs(), market(), a, n_paths=20, zero_volatility=True
    )
    result = evaluate(specs()["RTX 3090"], market(), replace(a, count=100))
    assert d.models[0].per_gpu.payback_months == result.payback_months
    assert np.isclose(d.models[0].per_gpu.npv_usd, result.npv_usd)


def test_start_options_frame_keeps_integer_months_and_downloads_as_parquet() -> None:
    import io

    from dashboard.engine.views.timing import options_frame

    d = _decide()
    frame = options_frame(d.fleet_outcome, d.fleet.total_count)
    assert str(frame["start month"].dtype) == "Int64"
    assert frame.loc[frame["pivot"] == "never", "start month"].isna().all()
    frame.to_parquet(io.BytesIO())  # the Parquet download of the chart's data
