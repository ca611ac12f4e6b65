"""views.timing and views.site: the small tables the Timing and Site pages show."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from dashboard.engine.decision import Fleet, FleetLine, decide
from dashboard.engine.economics.per_gpu import evaluate
from dashboard.engine.economics.site import SiteAssumptions, evaluate_site, place_against_deals
from dashboard.engine.economics.specs import load_deals
from dashboard.engine.terms import Breakeven
from dashboard.engine.views.site import bars_frame, deals_frame, uses_frame
from dashboard.engine.views.timing import (
    breakeven_frame,
    fan_frame,
    options_frame,
    payback_curve_frame,
    revenue_stability,
    start_label,
)
from tests.support.markets import assumptions, market, specs


def _result(**changes: object):  # noqa: ANN202
    return evaluate(specs()["RTX 3090"], market(), assumptions(**changes))


def _history(mining: np.ndarray, rental: np.ndarray, start: str = "2025-01-01") -> pd.DataFrame:
    days = pd.date_range(start, periods=len(mining), freq="D")
    return pd.DataFrame(
        {
            "day": days.date,
            "mining_net_usd_day": mining,
            "rental_net_usd_day": rental,
            "best_coin": "TST",
            "mining_revenue_usd_day": mining + 1.0,
            "rental_rate_usd_per_gpu_hour": rental / 10 + 0.2,
        }
    )


def _decide(n_paths: int, seed: int = 0, history: pd.DataFrame | None = None):  # noqa: ANN202
    histories = {} if history is None else {"RTX 3090": history}
    fleet = Fleet((FleetLine("RTX 3090", 1),))
    return decide(fleet, specs(), market(), assumptions(), histories, n_paths=n_paths, seed=seed)


@pytest.fixture(scope="module")
def decision():  # noqa: ANN201
    return _decide(2_000, seed=3)


@pytest.fixture(scope="module")
def mc(decision):  # noqa: ANN001, ANN201
    return decision.mc


def test_simulation_is_reproducible_with_a_seed() -> None:
    one, two = _decide(500, seed=7).mc, _decide(500, seed=7).mc
    assert np.array_equal(one.npv_usd, two.npv_usd)
    assert "default volatility" in one.volatility_source


def test_simulation_uses_stored_history_when_there_is_enough() -> None:
    rng = np.random.default_rng(0)
    hist = _history(1 + rng.normal(0, 0.1, 400), 3 + rng.normal(0, 0.1, 400))
    assert _decide(500, history=hist).mc.volatility_source.startswith("history")


def test_fan_bands_are_ordered(mc) -> None:  # noqa: ANN001
    fan = fan_frame(mc)
    assert list(fan.columns) == ["month"] + [f"p{p} ($/GPU)" for p in (5, 25, 50, 75, 95)]
    assert len(fan) == mc.months
    assert (fan["p5 ($/GPU)"] <= fan["p50 ($/GPU)"]).all()
    assert (fan["p50 ($/GPU)"] <= fan["p95 ($/GPU)"]).all()


def test_payback_curve_is_a_non_decreasing_percentage(mc) -> None:  # noqa: ANN001
    curve = payback_curve_frame(mc)["P(payback ≤ N months) (%)"]
    assert curve.is_monotonic_increasing
    assert 0 <= curve.min() and curve.max() <= 100


def test_options_frame_flags_exactly_one_best_start(decision) -> None:  # noqa: ANN001
    wait = options_frame(decision.fleet_outcome)
    assert wait["pivot"].tolist() == ["now", "in 3 months", "in 6 months", "in 12 months", "never"]
    assert wait["best"].sum() == 1
    best = wait.loc[wait["best"], "expected NPV ($/GPU)"].iloc[0]
    assert best == wait["expected NPV ($/GPU)"].max()


def test_start_label() -> None:
    assert start_label(0) == "now" and start_label(6) == "in 6 months"


def test_breakeven_frame_marks_missing_values_as_none() -> None:
    result = replace(_result(), breakeven=Breakeven(None, 0.5, None))
    frame = breakeven_frame(result).set_index("input")
    assert not frame.loc["rental rate", "break-even exists"]
    assert math.isnan(frame.loc["power price", "break-even"])
    assert frame.loc["rental utilization", "break-even"] == pytest.approx(50.0)


def test_stability_of_a_constant_series_is_zero() -> None:
    hist = _history(np.full(100, 2.0), np.full(100, 3.0))
    table = revenue_stability(hist).set_index("series")
    assert table.loc["mining net", "coefficient of variation"] == 0.0


def test_stability_is_std_over_absolute_mean() -> None:
    mining = np.tile([1.0, 3.0], 50)  # mean 2, std 1
    hist = _history(mining, np.full(100, 3.0))
    row = revenue_stability(hist).set_index("series").loc["mining net"]
    assert row["coefficient of variation"] == pytest.approx(0.5)


def test_stability_uses_only_the_last_year() -> None:
    mining = np.concatenate([np.full(400, 100.0), np.full(365, 2.0)])
    hist = _history(mining, np.full(765, 3.0), start="2023-01-01")
    row = revenue_stability(hist).set_index("series").loc["mining net"]
    assert row["days"] == 365 and row["mean ($/GPU/day)"] == pytest.approx(2.0)


def test_stability_needs_thirty_days_and_a_non_zero_mean() -> None:
    short = revenue_stability(_history(np.full(10, 2.0), np.full(10, 3.0)))
    assert short["coefficient of variation"].isna().all()
    near_zero = revenue_stability(_history(np.tile([0.001, -0.001], 50), np.full(100, 3.0)))
    assert math.isnan(near_zero.set_index("series").loc["mining net", "coefficient of variation"])


def test_stability_of_no_history_is_empty() -> None:
    assert revenue_stability(pd.DataFrame()).empty


def _site():  # noqa: ANN202
    sa = SiteAssumptions(btc_price_usd=90_000, btc_difficulty=1.5e14, btc_subsidy_btc=3.125)
    return evaluate_site(market(), sa)


def test_uses_frame_divides_net_by_pue_for_grid_mw() -> None:
    site = _site()
    table = uses_frame(site)
    assert list(table.columns) == [
        "measure",
        "unit",
        "BTC self-mining",
        "GPU cloud (own GPUs)",
        "Colocation lease",
    ]
    grid = table[(table["measure"] == "net") & (table["unit"] == "$/grid MW-yr")].iloc[0]
    assert grid.iloc[2:].tolist() == pytest.approx(
        [round(u.net_usd_per_mw_year / 1.2) for u in site.uses]
    )


def test_uses_frame_totals_scale_with_it_mw() -> None:
    site = _site()
    table = uses_frame(site).set_index("measure")
    assert table.loc["site net"].iloc[1:].tolist() == pytest.approx(
        [round(u.net_usd_per_mw_year * 10) for u in site.uses]
    )


def test_uses_frame_payback_is_nan_when_net_is_negative() -> None:
    sa = SiteAssumptions(
        btc_price_usd=90_000, btc_difficulty=1.5e14, btc_subsidy_btc=3.125, mw_it=1.0
    )
    site = evaluate_site(market(), replace(sa, power_price_usd_per_kwh=1.0))
    payback = uses_frame(site).set_index("measure").loc["payback"]
    assert math.isnan(payback["BTC self-mining"])


def test_bars_frame_has_three_measures_per_use() -> None:
    bars = bars_frame(_site())
    assert len(bars) == 9
    assert set(bars["measure"]) == {"revenue", "opex incl. power", "net"}


def test_deals_frame_labels_are_unique_and_sources_kept() -> None:
    deals = deals_frame(place_against_deals(_site(), load_deals()))
    assert deals["label"].is_unique
    assert (deals.loc[deals["kind"] == "deal", "source"].str.startswith("http")).all()
    assert (deals["kind"] == "this site").sum() == 3
