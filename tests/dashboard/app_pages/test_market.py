"""The Market page under AppTest: the "which price?" panel, views in the URL, energy split."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from dashboard.engine.views.downloads import table_bytes
from tests.support.app import open_page


def _market(monkeypatch: pytest.MonkeyPatch, db: Path, **params: str) -> AppTest:
    return open_page(monkeypatch, db, "market", params=params)


def _rental(monkeypatch: pytest.MonkeyPatch, db: Path) -> AppTest:
    at = _market(monkeypatch, db)
    at.session_state["mx_view"] = "Rental"
    return at.run()


def _which_price(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "used_by_verdict" in d.value.columns)


def test_which_price_panel_lists_every_source_and_tier(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _rental(monkeypatch, demo_db)
    assert not at.exception
    assert "Which price?" in [s.value for s in at.subheader]
    table = _which_price(at)
    tiers = set(zip(table["source"], table["offering"], strict=True))
    assert {("vastai", "on-demand"), ("runpod", "secure"), ("runpod", "community")} <= tiers


def test_which_price_panel_marks_the_row_the_verdict_uses(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    table = _which_price(_rental(monkeypatch, demo_db))
    used = table[table["used_by_verdict"]]
    assert used["source"].tolist() == ["RigShift stable index"]


def _deferred_downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """Every download callable the app registers (built on click), by its file id."""
    registered: dict[str, object] = {}
    add = MediaFileManager.add_deferred

    def record(self: MediaFileManager, data_callable, *args, **kwargs) -> str:  # noqa: ANN001
        file_id = add(self, data_callable, *args, **kwargs)
        registered[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return registered


def test_which_price_csv_is_exactly_the_table_shown(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    downloads = _deferred_downloads(monkeypatch)
    at = _rental(monkeypatch, demo_db)
    shown = _which_price(at)
    [csv] = [b for b in at.get("download_button") if b.proto.id.endswith("dl_which_price_csv")]
    # The bytes are built on click: the button's callable gives exactly the table shown.
    assert downloads[csv.proto.deferred_file_id]() == table_bytes(shown, "csv")


def test_which_price_follows_the_model_picked(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _rental(monkeypatch, demo_db)
    at.selectbox(key="mx_wp_model").set_value("RTX 3090").run()
    assert not at.exception
    assert "RTX 3090:" in " ".join(c.value for c in at.caption)


def test_only_the_chosen_view_runs(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _market(monkeypatch, demo_db)
    headers = [s.value for s in at.subheader]
    assert "Network hashrate" in headers and "RigShift rental index" not in headers


def test_a_link_opens_its_view_and_filters(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _market(monkeypatch, demo_db, view="Rental", models="RTX 3090,Not A GPU", buckets="month")
    assert not at.exception
    assert at.session_state["mx_view"] == "Rental"
    assert at.multiselect(key="mx_models").value == ["RTX 3090"]  # unknown values dropped
    assert at.selectbox(key="mx_res").value == "month"


def test_the_url_follows_the_view_and_filters(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _market(monkeypatch, demo_db)
    at.session_state["mx_view"] = "Hardware"
    at.multiselect(key="mx_models").set_value(["RTX 3090"]).run()
    assert at.query_params["view"] == "Hardware"
    assert at.query_params["models"] == "RTX 3090"


def test_a_bad_date_in_the_link_is_a_warning_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _market(monkeypatch, demo_db, **{"from": "last tuesday"})
    assert not at.exception
    assert any("not YYYY-MM-DD" in w.value for w in at.warning)


def test_energy_defaults_to_retail_and_splits_wholesale(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _market(monkeypatch, demo_db, view="Energy")
    captions = " ".join(c.value for c in at.caption)
    assert "retail by sector (EIA)" in captions
    at.session_state["mx_energy_kind"] = "Wholesale"
    at.run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "wholesale" in captions and "retail by sector" not in captions


def test_the_rental_index_explains_its_method(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _rental(monkeypatch, demo_db)
    text = " ".join(e.value for e in at.get("markdown"))
    assert "interquartile mean" in text and "chain-linked" in text
