"""AppTest: scenario links, the Scenarios page, the memo buttons and recent alerts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.engine.saved_scenarios import load_scenarios, save_scenario
from scrapers.config import Settings
from scrapers.store import Store
from tests.support.app import open_page

LINK = {
    "gpu": "RTX 3090",
    "n": "400",
    "price": "0.045",
    "util": "55",
    "fee": "20",
    "capex": "900",
    "horizon": "36",
}
BY_HAND = {
    "fleet_count": 400,
    "power_price": 0.045,
    "utilization_pct": 55.0,
    "platform_fee_pct": 20.0,
    "capex_per_gpu": 900.0,
    "horizon_months": 36,
}


@pytest.fixture
def own_db(demo_db: Path, tmp_path: Path) -> Path:
    """A private copy, for tests that write files beside the database."""
    db = tmp_path / "rigshift.duckdb"
    shutil.copy(demo_db, db)
    return db


def _app(monkeypatch: pytest.MonkeyPatch, db: Path, params: dict | None = None) -> AppTest:
    return open_page(monkeypatch, db, params=params)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_scenario_link_reproduces_inputs_set_by_hand(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    linked = _app(monkeypatch, demo_db, LINK)
    st.cache_data.clear()
    by_hand = _app(monkeypatch, demo_db)
    for key, value in BY_HAND.items():
        by_hand.number_input(key=key).set_value(value)
    by_hand.run()
    assert not linked.exception and not by_hand.exception
    assert len(_metrics(linked)) == 6
    assert _metrics(linked) == _metrics(by_hand)
    assert "400 × RTX 3090 at $0.045/kWh" in " ".join(c.value for c in linked.caption)


def test_link_sets_the_sidebar_widgets(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _app(monkeypatch, demo_db, LINK)
    assert at.number_input(key="fleet_count").value == 400
    assert at.number_input(key="utilization_pct").value == 55.0
    assert at.number_input(key="horizon_months").value == 36


def test_bad_link_value_warns_once_and_uses_default(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _app(monkeypatch, demo_db, {"pue": "abc", "n": "300"})
    warnings = [w.value for w in at.warning if "Link ignored" in w.value]
    assert len(warnings) == 1 and "pue='abc'" in warnings[0] and "\n" not in warnings[0]
    assert at.number_input(key="pue").value == pytest.approx(1.10)
    assert at.number_input(key="fleet_count").value == 300
    assert not at.exception


def test_inputs_are_written_to_the_url(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _app(monkeypatch, demo_db)
    assert at.query_params["price"] in ("0.06", ["0.06"])
    at.number_input(key="power_price").set_value(0.05).run()
    value = at.query_params["price"]
    assert (value[-1] if isinstance(value, list) else value) == "0.05"


def test_copy_link_hint_in_sidebar(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _app(monkeypatch, demo_db)
    assert any(e.label == "Copy link to this view" for e in at.sidebar.expander)
    assert any("gpu=RTX+3090" in t.value for t in at.sidebar.text)


def test_overview_offers_the_board_memo(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _app(monkeypatch, demo_db)
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Board memo (PDF)" in labels and "Board memo (HTML)" in labels


def test_scenarios_page_defaults(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _app(monkeypatch, demo_db)
    at.switch_page("app_pages/scenarios.py").run()
    assert not at.exception
    assert at.title[0].value == "Scenarios"
    table = at.dataframe[0].value
    assert list(table["scenario"]) == ["(current sidebar)"]
    assert table.loc[0, "verdict"] in {"Pivot now", "Wait", "Keep mining", "Sell or switch off"}
    assert any("No saved scenarios yet" in i.value for i in at.info)


def test_scenarios_page_on_empty_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    Store(str(db)).init()
    at = _app(monkeypatch, db)
    at.switch_page("app_pages/scenarios.py").run()
    assert not at.exception
    text = " ".join(str(e.value) for e in [*at.info, *at.markdown])
    assert "database is empty" in text and "rigshift demo" in text


def test_save_and_compare_scenarios(monkeypatch: pytest.MonkeyPatch, own_db: Path) -> None:
    path = Settings(db_path=str(own_db)).scenarios_path
    save_scenario(path, "Cheap power", {"gpu": "RTX 3090", "price": "0.03"})
    at = _app(monkeypatch, own_db, {"n": "500"})
    at.switch_page("app_pages/scenarios.py").run()
    at.text_input(key="scenario_name").input("Board base case")
    at.button[0].click().run()
    assert not at.exception
    saved = load_scenarios(path)
    assert set(saved) == {"Cheap power", "Board base case"}
    assert saved["Board base case"]["n"] == "500"
    table = at.dataframe[0].value
    assert list(table["scenario"]) == ["(current sidebar)", "Board base case", "Cheap power"]
    cheap = table.set_index("scenario").loc["Cheap power"]
    current = table.set_index("scenario").loc["(current sidebar)"]
    assert cheap["mining net ($/GPU/day)"] != current["mining net ($/GPU/day)"]


def test_overview_lists_recent_alerts(monkeypatch: pytest.MonkeyPatch, own_db: Path) -> None:
    log = Settings(db_path=str(own_db)).alerts_log_path
    entry = {"rule_id": "3090-week", "message": "RTX 3090 rental index +50.0%"}
    log.write_text(json.dumps({**entry, "fired_at": "2026-10-01T12:00:00"}) + "\n")
    at = _app(monkeypatch, own_db)
    assert any("3090-week: RTX 3090 rental index +50.0%" in m.value for m in at.markdown)
