"""The Streamlit app under AppTest: every page runs on the demo store, edge inputs and no store."""

from __future__ import annotations

import shutil
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from scrapers.store import RunRecord, Store, utcnow
from tests.support.app import PAGES, OpenApp
from tests.support.app import page_text as _text

OVERVIEW_METRICS = (
    "Mining net · ",
    "Rental net ($/GPU/day)",
    "Spread ($/GPU/day)",
    "Payback of conversion (months)",
    "Expected NPV of pivoting now vs never",
)


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_demo_data(open_app: OpenApp, demo_db: Path, page: str) -> None:
    at = open_app(demo_db, page)
    assert not at.exception
    assert at.title, f"{page} shows no title"


@pytest.mark.parametrize("page", PAGES)
def test_demo_badge_on_every_page(open_app: OpenApp, demo_db: Path, page: str) -> None:
    at = open_app(demo_db, page)
    assert any("DEMO DATA" in w.value for w in at.warning)


def test_overview_shows_the_five_kpis(open_app: OpenApp, demo_db: Path) -> None:
    at = open_app(demo_db)
    labels = [m.label for m in at.metric]
    for expected in OVERVIEW_METRICS:
        assert any(label.startswith(expected) for label in labels), (expected, labels)


def test_overview_mining_label_names_the_coin(open_app: OpenApp, demo_db: Path) -> None:
    at = open_app(demo_db)
    label = next(m.label for m in at.metric if m.label.startswith("Mining net"))
    coin = label.removeprefix("Mining net · ").split(" (")[0]
    assert coin and coin != "no mineable coin"


def test_overview_money_values_are_dollars(open_app: OpenApp, demo_db: Path) -> None:
    at = open_app(demo_db)
    by_label = {m.label: m.value for m in at.metric}
    assert by_label["Rental net ($/GPU/day)"].lstrip("−").startswith("$")
    assert by_label["Spread ($/GPU/day)"].lstrip("−").startswith("$")


def test_overview_describes_the_default_fleet(open_app: OpenApp, demo_db: Path) -> None:
    at = open_app(demo_db)
    assert "1,000 × RTX 3090 at $0.060/kWh" in _text(at)
    assert "70% rental utilization" in _text(at)


def test_overview_has_verdict_and_explainer(open_app: OpenApp, demo_db: Path) -> None:
    at = open_app(demo_db)
    assert "Verdict:" in _text(at)
    assert any(e.label == "How this is computed" for e in at.expander)


def test_overview_chart_has_source_and_download(open_app: OpenApp, demo_db: Path) -> None:
    at = open_app(demo_db)
    assert any(c.value.startswith("Source:") and "as of" in c.value for c in at.caption)
    assert at.get("download_button")


@pytest.mark.parametrize(
    ("key", "value"),
    [("utilization_pct", 0.0), ("utilization_pct", 100.0), ("power_price", 10.0)],
)
def test_overview_edge_inputs(open_app: OpenApp, demo_db: Path, key: str, value: float) -> None:
    at = open_app(demo_db)
    at.number_input(key=key).set_value(value).run()
    assert not at.exception
    assert any(m.label.startswith("Spread") for m in at.metric)


def test_huge_power_price_means_no_payback(open_app: OpenApp, demo_db: Path) -> None:
    at = open_app(demo_db)
    at.number_input(key="power_price").set_value(9.0).run()
    payback = next(m for m in at.metric if m.label.startswith("Payback"))
    assert payback.value == "never within the horizon"


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("power_price", 1e308, "power price ($/kWh) must be between 0 and 10"),
        ("fleet_count", 100_000_000_000, "fleet size (GPUs) must be between 1 and 10,000,000"),
        ("capex_per_gpu", -1.0, "conversion capex must not be negative"),
    ],
)
def test_absurd_sidebar_value_is_invalid_and_nothing_is_computed(
    open_app: OpenApp, demo_db: Path, key: str, value: float, fragment: str
) -> None:
    # Issue 14: the typed value is the one judged (no stale value behind the numbers).
    at = open_app(demo_db)
    at.number_input(key=key).set_value(value).run()
    assert not at.exception
    assert any(fragment in e.value for e in at.error), [e.value for e in at.error]
    assert not at.metric


def test_invalid_input_is_a_one_line_error(open_app: OpenApp, demo_db: Path) -> None:
    at = open_app(demo_db)
    at.number_input(key="pue").set_value(0.5).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("PUE must be at least 1" in e and "\n" not in e for e in errors), errors
    assert not at.metric


@pytest.mark.parametrize("page", PAGES)
def test_missing_database_explains_how_to_load(
    open_app: OpenApp, tmp_path: Path, page: str
) -> None:
    at = open_app(tmp_path / "nothing-here.duckdb", page)
    assert not at.exception
    assert "rigshift demo" in _text(at) and "rigshift refresh" in _text(at)


@pytest.mark.parametrize("page", PAGES)
def test_empty_database_explains_how_to_load(open_app: OpenApp, tmp_path: Path, page: str) -> None:
    db = tmp_path / "empty.duckdb"
    Store(str(db)).init()
    at = open_app(db, page)
    assert not at.exception
    assert "database is empty" in _text(at)
    assert "rigshift demo" in _text(at) and "rigshift refresh" in _text(at)
    assert not any("DEMO DATA" in w.value for w in at.warning)


def test_data_health_lists_sources_and_runs(open_app: OpenApp, demo_db: Path) -> None:
    at = open_app(demo_db, "data_health")
    assert [m.label for m in at.metric] == ["Sources", "Fresh", "Stale", "Never loaded"]
    assert int(at.metric[0].value) >= 1
    assert len(at.dataframe) >= 2  # sources, run history
    assert "run_id" in at.dataframe[-1].value.columns


def test_data_health_flags_a_failed_source(
    open_app: OpenApp, demo_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "failed.duckdb"
    shutil.copy(demo_db, db)
    now = utcnow() + timedelta(minutes=1)
    Store(str(db)).record_run(
        RunRecord(uuid.uuid4().hex, "vastai", now, now, "failed", 0, "HTTP 503 from vast.ai")
    )
    at = open_app(db, "data_health")
    assert any("vastai" in e.value and "last refresh" in e.value for e in at.error)
    assert any("HTTP 503" in e.value for e in at.error)


def test_new_data_shows_without_restart(open_app: OpenApp, demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "grows.duckdb"
    shutil.copy(demo_db, db)
    at = open_app(db, "data_health")
    runs_before = len(at.dataframe[-1].value)
    now = utcnow()
    Store(str(db)).record_run(RunRecord(uuid.uuid4().hex, "eia", now, now, "ok", 0))
    at.run()
    assert len(at.dataframe[-1].value) == min(runs_before + 1, 50)


def test_power_price_from_an_eia_state(open_app: OpenApp, demo_db: Path) -> None:
    at = open_app(demo_db)
    assert "US-TX" in at.selectbox(key="power_region").options
    at.selectbox(key="power_region").set_value("US-TX").run()
    price = at.number_input(key="power_price").value
    assert 0.03 < price < 0.15 and price != 0.06  # Texas industrial USD/kWh, not the default
    assert any("EIA industrial price, US-TX" in c.value for c in at.sidebar.caption)


def test_overview_warns_when_a_verdict_input_is_stale(
    open_app: OpenApp, demo_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "stale.duckdb"
    shutil.copy(demo_db, db)
    store = Store(str(db))
    store.set_meta({"dataset": "live"})  # demo data is exempt: its age means nothing
    now = utcnow() + timedelta(minutes=1)
    store.record_run(
        RunRecord(uuid.uuid4().hex, "vastai", now, now, "failed", 0, "vastai: HTTP 503")
    )
    at = open_app(db)
    stale = [w.value for w in at.warning if "Stale inputs" in w.value]
    assert stale and "vastai (rental)" in stale[0] and "HTTP 503" in stale[0]


def test_overview_has_no_stale_warning_on_demo_data(
    open_app: OpenApp, demo_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "old-demo.duckdb"
    shutil.copy(demo_db, db)
    now = utcnow() + timedelta(minutes=1)
    Store(str(db)).record_run(
        RunRecord(uuid.uuid4().hex, "vastai", now, now, "failed", 0, "vastai: HTTP 503")
    )
    at = open_app(db)
    assert not [w for w in at.warning if "Stale inputs" in w.value]
