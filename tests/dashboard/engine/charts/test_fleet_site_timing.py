"""charts.fleet, .site, .timing: every axis names its unit; the marks people look for exist."""

from __future__ import annotations

import pytest

from dashboard.engine.charts import fleet as fleet_charts
from dashboard.engine.charts import site as site_charts
from dashboard.engine.charts import theme
from dashboard.engine.charts import timing as timing_charts
from dashboard.engine.decision import Fleet, FleetLine, decide
from dashboard.engine.economics.fleet import default_rows, evaluate_fleet
from dashboard.engine.economics.sensitivity import tornado
from dashboard.engine.economics.site import SiteAssumptions, evaluate_site, place_against_deals
from dashboard.engine.economics.specs import load_deals
from dashboard.engine.views.site import bars_frame, deals_frame
from dashboard.engine.views.timing import fan_frame, options_frame, payback_curve_frame
from tests.support.markets import assumptions, market, specs

UNIT_MARKS = ("$", "%", "months", "(")


@pytest.fixture(scope="module")
def decision():  # noqa: ANN201
    fleet = Fleet((FleetLine("RTX 3090", 1),))
    return decide(fleet, specs(), market(), assumptions(), n_paths=1_000)


@pytest.fixture(scope="module")
def mc(decision):  # noqa: ANN001, ANN201
    return decision.mc


@pytest.fixture(scope="module")
def site():  # noqa: ANN201
    sa = SiteAssumptions(btc_price_usd=90_000, btc_difficulty=1.5e14, btc_subsidy_btc=3.125)
    return evaluate_site(market(), sa)


def _figures(decision, site):  # noqa: ANN001, ANN202
    mc = decision.mc
    fleet = evaluate_fleet(
        default_rows("RTX 3090", 10) + default_rows("H100 SXM", 4), specs(), market(), assumptions()
    ).table
    return {
        "fleet": fleet_charts.fleet_gain_figure(fleet),
        "site": site_charts.site_uses_figure(bars_frame(site)),
        "deals": site_charts.deals_figure(deals_frame(place_against_deals(site, load_deals()))),
        "fan": timing_charts.fan_figure(fan_frame(mc)),
        "payback": timing_charts.payback_curve_figure(payback_curve_frame(mc), 24, 12),
        "wait": timing_charts.wait_figure(options_frame(decision.fleet_outcome)),
        "tornado": timing_charts.tornado_figure(
            tornado(specs()["RTX 3090"], market(), assumptions())
        ),
    }


@pytest.mark.parametrize("name", ["fleet", "site", "deals", "fan", "payback", "wait", "tornado"])
def test_value_axis_carries_a_unit(decision, site, name: str) -> None:  # noqa: ANN001
    fig = _figures(decision, site)[name]
    titles = [fig.layout.xaxis.title.text or "", fig.layout.yaxis.title.text or ""]
    assert all(titles), titles
    assert any("$" in t or "%" in t for t in titles), titles
    assert any(any(mark in t for mark in UNIT_MARKS) for t in titles)


def test_site_axis_says_it_is_per_it_mw(site) -> None:  # noqa: ANN001
    fig = site_charts.site_uses_figure(bars_frame(site))
    assert "IT MW-year" in fig.layout.yaxis.title.text
    assert [t.name for t in fig.data] == ["revenue", "opex incl. power", "net"]


def test_fan_has_median_and_two_bands(mc) -> None:  # noqa: ANN001
    names = [t.name for t in timing_charts.fan_figure(fan_frame(mc)).data]
    assert "median" in names and "p5–p95" in names and "p25–p75" in names


def test_payback_curve_marks_the_horizon(mc) -> None:  # noqa: ANN001
    fig = timing_charts.payback_curve_figure(payback_curve_frame(mc), 24, 12)
    marks = {t.name: list(t.x) for t in fig.data if t.name != "P(payback ≤ N)"}
    assert marks == {"horizon (24 months)": [24, 24], "payback target (12 months)": [12, 12]}


def test_wait_chart_highlights_the_best_start(decision) -> None:  # noqa: ANN001
    wait = options_frame(decision.fleet_outcome)
    bar = timing_charts.wait_figure(wait).data[0]
    best = int(wait.index[wait["best"]][0])
    assert bar.marker.color[best] == theme.GAIN_COLOR
    assert "(best)" in bar.text[best]


def test_tornado_lists_inputs_widest_first() -> None:
    table = tornado(specs()["RTX 3090"], market(), assumptions())
    fig = timing_charts.tornado_figure(table)
    assert list(fig.data[0].y) == table["input"].tolist()
    assert fig.layout.yaxis.autorange == "reversed"


def test_deals_hover_carries_the_source_link(site) -> None:  # noqa: ANN001
    deals = deals_frame(place_against_deals(site, load_deals()))
    fig = site_charts.deals_figure(deals)
    deal_traces = [t for t in fig.data if t.name.startswith("deal")]
    urls = [row[0] for t in deal_traces for row in t.customdata]
    assert urls and all(u.startswith("http") for u in urls)
    assert any(t.name == "this site" for t in fig.data)
