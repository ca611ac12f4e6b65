"""Site view: three uses of one MW of IT load, against hand numbers."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from dashboard.engine.economics.site import (
    SiteAssumptions,
    btc_subsidy_btc,
    evaluate_site,
    hashprice_usd_per_ph_day,
    place_against_deals,
)
from dashboard.engine.economics.specs import load_deals
from dashboard.engine.terms import MarketSnapshot
from scrapers.errors import ConfigError

# difficulty chosen so the network is exactly 1000 EH/s = 1e6 PH/s
DIFF = 1e21 * 600 / 2**32
MARKET = MarketSnapshot((), {"H100 SXM": 2.0}, {}, 100_000.0, DIFF, 0.0, {})
SA = SiteAssumptions(mw_it=10, pue=1.2, power_price_usd_per_kwh=0.05, btc_subsidy_btc=3.125)


def test_hashprice_formula() -> None:
    # 144 x 3.125 x 100,000 / 1e6 PH/s = 45 $/PH/day (economics.md: 450 x price / PH)
    assert hashprice_usd_per_ph_day(100_000, DIFF, 3.125) == pytest.approx(45.0)


def test_hashprice_includes_fees() -> None:
    assert hashprice_usd_per_ph_day(100_000, DIFF, 3.125, 0.125) == pytest.approx(46.8)


def test_subsidy_by_date() -> None:
    assert btc_subsidy_btc(date(2024, 4, 20)) == 3.125
    assert btc_subsidy_btc(date(2024, 4, 19)) == 6.25
    assert btc_subsidy_btc(date(2010, 1, 1)) == 50.0


def test_mining_revenue_per_mw() -> None:
    site = evaluate_site(MARKET, SA)
    # 20 J/TH -> 50 PH/s per MW; 45 x 50 x 365.25
    assert site.use("btc_mining").revenue_usd_per_mw_year == pytest.approx(45 * 50 * 365.25)


def test_power_is_billed_on_grid_mw() -> None:
    site = evaluate_site(MARKET, SA)
    # 1000 kW x 1.2 x 8766 h x 0.05
    assert site.use("btc_mining").power_cost_usd_per_mw_year == pytest.approx(
        1000 * 1.2 * 8766 * 0.05
    )
    assert site.grid_mw == pytest.approx(12.0)


def test_gpu_cloud_revenue_uses_index_rate() -> None:
    site = evaluate_site(MARKET, SA)
    gpus = 1e6 / SA.all_in_w_per_gpu
    assert site.rental_rate_source == "rental index"
    assert site.use("gpu_cloud").revenue_usd_per_mw_year == pytest.approx(gpus * 2.0 * 8766 * 0.70)


def test_gpu_cloud_fallback_rate_is_labelled() -> None:
    site = evaluate_site(replace(MARKET, rental_rates_usd_per_gpu_hour={}), SA)
    assert site.rental_rate_source == "fallback default"


def test_colocation_rent_and_pass_through() -> None:
    site = evaluate_site(MARKET, SA)
    colo = site.use("colocation")
    assert colo.revenue_usd_per_mw_year - colo.power_cost_usd_per_mw_year == pytest.approx(
        1_800_000
    )
    assert colo.net_usd_per_mw_year == pytest.approx(1_800_000 * 0.85)


def test_colocation_without_pass_through_pays_power() -> None:
    colo = evaluate_site(MARKET, replace(SA, colo_power_pass_through=False)).use("colocation")
    assert colo.net_usd_per_mw_year == pytest.approx(1_800_000 * 0.85 - 1000 * 1.2 * 8766 * 0.05)


def test_payback_years_is_capex_over_net() -> None:
    colo = evaluate_site(MARKET, SA).use("colocation")
    assert colo.payback_years == pytest.approx(10_700_000 / colo.net_usd_per_mw_year)


def test_payback_none_when_net_not_positive() -> None:
    site = evaluate_site(MARKET, replace(SA, power_price_usd_per_kwh=0.5))
    assert site.use("btc_mining").payback_years is None


def test_totals_scale_with_mw() -> None:
    site = evaluate_site(MARKET, SA)
    assert site.totals["colocation"]["net_usd_year"] == pytest.approx(
        10 * site.use("colocation").net_usd_per_mw_year
    )


def test_missing_btc_price_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="BTC price"):
        evaluate_site(replace(MARKET, btc_price_usd=None), SA)


def test_invalid_site_inputs_one_line_each() -> None:
    with pytest.raises(ConfigError) as info:
        evaluate_site(MARKET, replace(SA, mw_it=0, pue=0.8, utilization=2))
    assert len(str(info.value).splitlines()) == 3


def test_place_against_deals_sorted_with_site_rows() -> None:
    frame = place_against_deals(evaluate_site(MARKET, SA), load_deals())
    assert (frame["kind"] == "this site").sum() == 3
    assert frame["usd_per_mw_year"].is_monotonic_decreasing
    colo = frame[frame["label"] == "this site: colocation"].iloc[0]
    assert colo["usd_per_mw_year"] == pytest.approx(1_800_000)
    assert 0 <= colo["share_of_colocation_deals_below"] <= 1


def test_gpu_cloud_payback_uses_the_rental_decline() -> None:
    # Issue 10: the site payback walks the same forward model as the fleet decision.
    flat = evaluate_site(MARKET, replace(SA, rental_decline=0.0)).use("gpu_cloud")
    falling = evaluate_site(MARKET, replace(SA, rental_decline=0.2)).use("gpu_cloud")
    assert flat.payback_years == pytest.approx(flat.capex_usd_per_mw / flat.net_usd_per_mw_year)
    assert falling.payback_years is None or falling.payback_years > flat.payback_years


def test_forward_site_payback_by_hand() -> None:
    from dashboard.engine.economics.site import forward_payback_years

    # 1.2M revenue a year, no opex, no growth: 100k a month, 1.5M capex -> 15 months.
    assert forward_payback_years(1.5e6, 1.2e6, 0.0, 0.0, 0.0) == pytest.approx(1.25, rel=1e-9)
    assert forward_payback_years(1e12, 1.2e6, 0.0, 0.0, 0.0) is None


@pytest.mark.parametrize("field", ["mw_it", "power_price_usd_per_kwh", "pue"])
def test_non_finite_site_inputs_are_one_line(field: str) -> None:
    with pytest.raises(ConfigError) as info:
        evaluate_site(MARKET, replace(SA, **{field: float("nan")}))
    assert "finite" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("mw_it", "IT load (MW)"),
        ("power_price_usd_per_kwh", "power price ($/kWh)"),
        ("asic_efficiency_j_per_th", "asic efficiency (J/TH)"),
        ("colo_rent_usd_per_kw_month", "colo rent ($/kW-month)"),
    ],
)
def test_a_bad_site_input_is_named_with_its_unit(field: str, label: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(label)):
        evaluate_site(MARKET, replace(SA, **{field: float("inf")}))
