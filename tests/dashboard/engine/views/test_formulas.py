""" "How this is computed" text: every KPI present, numbers inserted when a result is given."""

from __future__ import annotations

from datetime import datetime

from dashboard.engine.economics import per_gpu as eco
from dashboard.engine.economics.site import SiteAssumptions, evaluate_site
from dashboard.engine.terms import CoinMarket, GpuAssumptions, GpuSpec, MarketSnapshot
from dashboard.engine.views.formulas import formulas

SPEC = GpuSpec("TEST", {"Etchash": 1e8}, {"Etchash": 250.0}, ai_power_w=300.0, idle_power_w=25.0)
COIN = CoinMarket("ETC", "Etchash", 1e14, 13.0, 2.56, 20.0, datetime(2025, 1, 1), "t")
MARKET = MarketSnapshot((COIN,), {"TEST": 0.3}, {}, 100_000.0, 1.2e14, 0.0, {})


def test_formulas_without_inputs_cover_every_kpi() -> None:
    keys = {"mining_net", "keep_net", "rental_net", "spread", "payback", "npv", "breakeven"}
    assert keys <= set(formulas())


def test_formulas_insert_result_numbers() -> None:
    res = eco.evaluate(SPEC, MARKET, GpuAssumptions(gpu_model="TEST"))
    text = formulas(res)
    assert f"**{res.spread_usd_day:,.2f} $/GPU/day**" in text["spread"]
    assert "best coin ETC" in text["mining_net"]


def test_formulas_insert_site_numbers() -> None:
    site = evaluate_site(MARKET, SiteAssumptions(btc_subsidy_btc=3.125))
    assert f"{site.hashprice_usd_per_ph_day:,.2f} $/PH/day" in formulas(site=site)["hashprice"]
