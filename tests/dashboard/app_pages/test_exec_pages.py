"""Fleet, Site and Timing under AppTest: demo data, edge inputs, bad inputs, no data."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.support.app import open_page
from tests.support.app import page_text as _text
from tests.support.paths import APP

EXEC_PAGES = ["fleet", "site", "timing"]
KEY_METRICS = {
    "fleet": ("Pivot gain (fleet $/day)", "Fleet payback (months)", "Fleet NPV"),
    "site": ("Hashprice ($/PH/day)", "Net ($/IT MW-yr)", "Capex ($/IT MW)", "Payback (years)"),
    "timing": ("P(payback ≤ 24 months)", "Expected NPV now vs never ($/GPU)", "Best start"),
}


def _app(
    monkeypatch: pytest.MonkeyPatch,
    db: Path,
    page: str,
    fleet_rows: list[dict[str, object]] | None = None,
) -> AppTest:
    state = None if fleet_rows is None else {"fleet_rows": fleet_rows}
    return open_page(monkeypatch, db, page, state=state)


def _labels(at: AppTest) -> list[str]:
    return [m.label for m in at.metric]


def _set(at: AppTest, key: str, value: object) -> AppTest:
    if key == "site_power_price":  # the site's own price is an opt-in over the sidebar's
        at.checkbox(key="site_own_power").check().run()
    at.number_input(key=key).set_value(value).run()
    return at


@pytest.mark.parametrize("page", EXEC_PAGES)
def test_page_renders_its_key_metrics(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, page: str
) -> None:
    at = _app(monkeypatch, demo_db, page)
    assert not at.exception
    assert at.title[0].value == page.capitalize()
    labels = _labels(at)
    for expected in KEY_METRICS[page]:
        assert any(label.startswith(expected) for label in labels), (expected, labels)


@pytest.mark.parametrize("page", EXEC_PAGES)
def test_every_chart_has_source_as_of_and_download(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, page: str
) -> None:
    at = _app(monkeypatch, demo_db, page)
    footers = [c.value for c in at.caption if c.value.startswith("Source:")]
    assert footers and all(" · as of " in f for f in footers)
    assert len(at.get("download_button")) >= len(footers)
    assert len(at.get("plotly_chart")) >= 1
    assert any(e.label == "How this is computed" for e in at.expander)


@pytest.mark.parametrize(
    ("key", "value"),
    [("power_price", 1.0), ("utilization_pct", 100.0), ("fleet_count", 1)],
)
@pytest.mark.parametrize("page", ["fleet", "timing"])
def test_extreme_sidebar_inputs_still_render(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, page: str, key: str, value: float
) -> None:
    at = _set(_app(monkeypatch, demo_db, page), key, value)
    assert not at.exception
    assert not at.error
    assert at.metric


# Fleet


def test_fleet_defaults_to_the_sidebar_model_and_count(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _app(monkeypatch, demo_db, "fleet")
    per_gpu, whole = at.dataframe[1].value, at.dataframe[2].value  # [0] is the editor
    assert per_gpu["GPU model"].tolist() == ["RTX 3090"]
    assert whole["GPU model"].tolist() == ["RTX 3090", "Fleet total"]
    assert whole["GPUs"].tolist() == [1000, 1000]
    assert next(m.value for m in at.metric if m.label == "GPUs priced") == "1,000"


def test_fleet_sorts_models_by_gain(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    rows = [{"model": "RTX 3080", "count": 10}, {"model": "RTX 4090", "count": 500}]
    at = _app(monkeypatch, demo_db, "fleet", rows)
    assert at.dataframe[1].value["GPU model"].tolist() == ["RTX 4090", "RTX 3080"]
    assert at.dataframe[2].value["GPU model"].tolist() == ["RTX 4090", "RTX 3080", "Fleet total"]


def test_fleet_unknown_model_asks_for_its_figures(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    rows = [{"model": "RTX 3090", "count": 10}, {"model": "RTX 2080 Super", "count": 40}]
    at = _app(monkeypatch, demo_db, "fleet", rows)
    assert not at.exception
    prompts = [w.value for w in at.warning if "not in the reference GPU table" in w.value]
    assert prompts and "hashrate" in prompts[0] and "mining power (W)" in prompts[0]
    assert at.metric  # the known row is still priced


def test_fleet_zero_hashrate_is_a_one_line_error(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _app(monkeypatch, demo_db, "fleet", [{"model": "RTX 3090", "count": 5, "hashrate": 0}])
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("hashrate must be positive" in e and "\n" not in e for e in errors), errors


def test_empty_fleet_is_a_plain_message(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _app(monkeypatch, demo_db, "fleet", [])
    assert not at.exception
    assert any("fleet is empty" in i.value for i in at.info)
    assert not at.metric


def test_fleet_tables_split_per_gpu_and_whole_fleet(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _app(monkeypatch, demo_db, "fleet")
    per_gpu, whole = at.dataframe[1].value.columns, at.dataframe[2].value.columns
    assert all("fleet" not in c for c in per_gpu)
    assert "NPV (fleet $)" in whole and "gain from pivoting (fleet $/day)" in whole
    # two tables and the chart, each as CSV and Parquet
    labels = [b.proto.label for b in at.get("download_button")]
    assert len(labels) == 6 and sum("Parquet" in label for label in labels) == 3


# Site


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("site_mw_it", -5.0, "IT load must be positive"),
        ("site_pue", 0.9, "PUE must be at least 1"),
        ("site_utilization_pct", 150.0, "utilization must be between 0 and 1"),
        ("site_power_price", -0.01, "power price must not be negative"),
        ("site_asic_j_th", 0.0, "ASIC efficiency must be positive"),
    ],
)
def test_site_bad_input_is_a_one_line_error(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, key: str, value: float, message: str
) -> None:
    at = _set(_app(monkeypatch, demo_db, "site"), key, value)
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any(message in e and "\n" not in e for e in errors), errors
    assert not at.metric


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("site_power_price", 1.0),
        ("site_utilization_pct", 100.0),
        ("site_mw_it", 1000.0),
        ("site_utilization_pct", 0.0),
    ],
)
def test_site_extreme_inputs_still_render(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, key: str, value: float
) -> None:
    at = _set(_app(monkeypatch, demo_db, "site"), key, value)
    assert not at.exception
    assert not at.error
    assert sum(m.label == "Net ($/IT MW-yr)" for m in at.metric) == 3


def test_site_says_which_numbers_are_per_it_and_grid_mw(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _set(_app(monkeypatch, demo_db, "site"), "site_pue", 1.5)
    grid = next(m.value for m in at.metric if m.label.startswith("Grid MW"))
    assert grid == "15.00 MW"
    assert "per MW of IT load" in _text(at)
    table = at.dataframe[0].value
    units = set(table.loc[table["measure"] == "net", "unit"])
    assert units == {"$/IT MW-yr", "$/grid MW-yr"}


def test_site_places_the_deals_with_source_links(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _app(monkeypatch, demo_db, "site")
    deals = at.dataframe[1].value
    assert (deals["kind"] == "this site").sum() == 3
    assert deals.loc[deals["kind"] == "deal", "source"].str.startswith("http").all()


def test_site_hashprice_is_dollars_per_ph_day(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _app(monkeypatch, demo_db, "site")
    value = next(m.value for m in at.metric if m.label == "Hashprice ($/PH/day)")
    assert value.startswith("$") and float(value[1:].replace(",", "")) > 0


# Timing


def test_timing_breakeven_panel_has_three_values(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _app(monkeypatch, demo_db, "timing")
    labels = _labels(at)
    for expected in ("Rental rate ($/GPU-hour)", "Utilization (%)", "Power price ($/kWh)"):
        assert expected in labels


def test_timing_breakeven_says_none_when_none_exists(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _set(_app(monkeypatch, demo_db, "timing"), "utilization_pct", 0.0)
    assert not at.exception
    rate = next(m.value for m in at.metric if m.label == "Rental rate ($/GPU-hour)")
    assert rate == "none"


def test_timing_shows_revenue_stability_for_both_uses(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _app(monkeypatch, demo_db, "timing")
    labels = _labels(at)
    assert "Mining net: coefficient of variation" in labels
    assert "Rental net: coefficient of variation" in labels


def test_timing_is_reproducible(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    first = {m.label: m.value for m in _app(monkeypatch, demo_db, "timing").metric}
    st.cache_data.clear()
    second = {m.label: m.value for m in _app(monkeypatch, demo_db, "timing").metric}
    assert first == second


def test_timing_invalid_sidebar_input_is_one_line(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _set(_app(monkeypatch, demo_db, "timing"), "pue", 0.5)
    assert not at.exception
    assert any("PUE must be at least 1" in e.value for e in at.error)
    assert not at.metric


def test_site_takes_the_sidebar_power_price(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _app(monkeypatch, demo_db, "site")
    at.number_input(key="power_price").set_value(0.041).run()
    assert any("Sidebar power price: $0.041/kWh" in c.value for c in at.caption)


def test_site_inputs_travel_in_the_link(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    monkeypatch.setenv("RIGSHIFT_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["site_mw"] = "25"
    at.run()
    at.switch_page("app_pages/site.py").run()
    assert not at.exception
    assert at.number_input(key="site_mw_it").value == 25.0
    assert at.query_params["site_mw"] in ("25", ["25"])


def test_site_url_nan_is_a_warning_not_a_number(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    monkeypatch.setenv("RIGSHIFT_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["site_mw"] = "nan"
    at.run()
    at.switch_page("app_pages/site.py").run()
    assert not at.exception
    assert any("site_mw='nan' is not a finite number" in w.value for w in at.warning)
