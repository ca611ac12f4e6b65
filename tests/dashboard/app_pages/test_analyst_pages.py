"""Market, Sustainability and SQL pages under AppTest: demo data, empty stores, extreme filters."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from scrapers.store import write_connection
from tests.support.app import open_page

PAGES = ["market", "sustainability", "sql"]
TABS = ["Coins", "Rental", "Hardware", "Energy"]


def _app(monkeypatch: pytest.MonkeyPatch, db: Path, page: str) -> AppTest:
    return open_page(monkeypatch, db, page)


def _tab(at: AppTest, name: str) -> AppTest:
    at.session_state["mx_view"] = name
    return at.run()


def _text(at: AppTest) -> str:
    kinds = ("markdown", "info", "error", "warning", "caption", "subheader")
    return "\n".join(str(e.value) for kind in kinds for e in at.get(kind))


def _downloads(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


# --- every page ------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_demo_data(monkeypatch: pytest.MonkeyPatch, demo_db: Path, page: str) -> None:
    at = _app(monkeypatch, demo_db, page)
    assert not at.exception
    assert at.title[0].value == page.title() if page != "sql" else at.title[0].value == "SQL"


# --- Market ----------------------------------------------------------------------------------


@pytest.mark.parametrize("tab", TABS)
def test_every_market_tab_charts_with_csv_and_parquet(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, tab: str
) -> None:
    at = _tab(_app(monkeypatch, demo_db, "market"), tab)
    assert not at.exception
    labels = _downloads(at)
    csv = [b for b in labels if b.startswith("CSV")]
    parquet = [b for b in labels if b.startswith("Parquet")]
    assert csv and len(csv) == len(parquet)
    assert any(c.value.startswith("Source:") and "as of" in c.value for c in at.caption)


def test_market_coins_show_units(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _app(monkeypatch, demo_db, "market")
    headers = [s.value for s in at.subheader]
    assert "BTC hashprice" in headers and "Mining revenue per MH/s by algorithm" in headers


def test_market_long_range_says_it_is_bucketed(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _app(monkeypatch, demo_db, "market")  # the demo spans ~6 years: weekly buckets
    assert "Daily data as weekly aggregates." in _text(at)


def test_market_future_dates_are_clamped_to_the_data(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    # The date widget's bounds are the stored data's (issue 12): a later range is clamped.
    at = _app(monkeypatch, demo_db, "market")
    widget = at.date_input(key="mx_dates")
    first, last = widget.min, widget.max
    at.session_state["mx_dates"] = (date(2090, 1, 1), date(2091, 1, 1))
    for tab in TABS:
        _tab(at, tab)
        assert not at.exception, tab
        assert all(first <= d <= last for d in at.date_input(key="mx_dates").value)


def test_market_filters_with_no_match_show_an_empty_state(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _tab(_app(monkeypatch, demo_db, "market"), "Energy")
    at.multiselect(key="mx_regions").set_value([]).run()
    at.multiselect(key="mx_sources").set_value(["vastai"]).run()
    assert not at.exception
    assert any("under the current filters" in i.value for i in at.info)


def test_market_single_day_renders(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _app(monkeypatch, demo_db, "market")
    at.date_input(key="mx_dates").set_value((date(2025, 6, 1), date(2025, 6, 1))).run()
    for tab in TABS:
        _tab(at, tab)
        assert not at.exception, tab


def test_market_model_filter_narrows_the_rental_download(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _app(monkeypatch, demo_db, "market")
    at.multiselect(key="mx_models").set_value(["RTX 3090"]).run()
    _tab(at, "Rental")
    assert not at.exception
    assert "models: RTX 3090" not in _text(at)  # data found: no empty state
    assert _downloads(at)


def test_market_empty_pricing_and_model_selection_renders(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _tab(_app(monkeypatch, demo_db, "market"), "Rental")
    at.multiselect(key="mx_pricing").set_value([]).run()
    at.multiselect(key="mx_models").set_value([]).run()
    assert not at.exception
    assert _downloads(at)  # nothing picked = everything


def test_market_coin_without_btc_explains_hashprice(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _app(monkeypatch, demo_db, "market")
    at.multiselect(key="mx_coins").set_value(["ETC"]).run()
    assert not at.exception
    assert any("add BTC" in i.value for i in at.info)


# --- Sustainability --------------------------------------------------------------------------


def test_sustainability_defaults_to_the_us_grid(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _app(monkeypatch, demo_db, "sustainability")
    assert at.selectbox(key="sus_region").value.region == "US"
    labels = [m.label for m in at.metric]
    assert "AI rental: kg CO2e per $ of revenue" in labels
    assert any(label.startswith("Mining") and "per GPU-day" in label for label in labels)
    assert len(at.get("download_button")) == 4  # table and chart, CSV and Parquet each


def test_sustainability_own_zero_carbon_grid(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _app(monkeypatch, demo_db, "sustainability")
    at.toggle(key="sus_own").set_value(True).run()
    at.number_input(key="sus_g").set_value(0.0).run()
    by_label = {m.label: m.value for m in at.metric}
    assert by_label["AI rental: kg CO2e per GPU-day"] == "0.00"


def test_sustainability_follows_the_sidebar_pue(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    at = _app(monkeypatch, demo_db, "sustainability")
    before = float(next(m.value for m in at.metric if m.label == "AI rental: kg CO2e per GPU-day"))
    at.number_input(key="pue").set_value(2.2).run()
    after = float(next(m.value for m in at.metric if m.label == "AI rental: kg CO2e per GPU-day"))
    assert after == pytest.approx(before * 2, rel=0.01)


def test_sustainability_without_carbon_data(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "nocarbon.duckdb"
    shutil.copy(demo_db, db)
    with write_connection(str(db)) as con:
        con.execute("DELETE FROM grid_carbon")
    at = _app(monkeypatch, db, "sustainability")
    assert not at.exception
    assert any("No grid carbon data" in i.value for i in at.info)


# --- SQL -------------------------------------------------------------------------------------


def _run_sql(at: AppTest, sql: str) -> AppTest:
    at.text_area(key="sql_text").set_value(sql)
    at.button(key="sql_run").click()
    return at.run()


def test_sql_refuses_drop_with_one_line(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _run_sql(_app(monkeypatch, demo_db, "sql"), "DROP TABLE x")
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("Query refused:")
    assert "\n" not in errors[0] and "Traceback" not in errors[0]


def test_sql_select_shows_a_table(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _run_sql(
        _app(monkeypatch, demo_db, "sql"),
        "SELECT coin, count(*) AS n FROM coin_network GROUP BY coin",
    )
    assert not at.exception and not at.error
    result = at.dataframe[0].value
    assert list(result.columns) == ["coin", "n"] and "BTC" in set(result["coin"])
    assert "row cap" in _text(at)
    assert [b for b in _downloads(at) if "this result" in b] == [
        "CSV of this result",
        "Parquet of this result",
    ]


def test_sql_row_cap_is_shown(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _app(monkeypatch, demo_db, "sql")
    at.number_input(key="sql_cap").set_value(5)
    at = _run_sql(at, "SELECT * FROM coin_network")
    assert len(at.dataframe[0].value) == 5
    assert any("row cap is 5" in w.value for w in at.warning)


def test_sql_syntax_error_is_one_line(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _run_sql(_app(monkeypatch, demo_db, "sql"), "SELEC nonsense FROM")
    assert not at.exception
    assert len(at.error) == 1 and "\n" not in at.error[0].value


def test_sql_example_button_runs_it(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _app(monkeypatch, demo_db, "sql")
    at.button(key="sql_example_4").click().run()  # failed refresh runs
    assert not at.exception
    assert "scrape_runs" in at.text_area(key="sql_text").value
    assert list(at.dataframe[0].value.columns) == ["started_at", "source", "error"]


def test_sql_documents_tables_and_columns(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _app(monkeypatch, demo_db, "sql")
    at.selectbox(key="sql_doc_table").select_index(1).run()
    docs = at.dataframe[-1].value
    assert list(docs.columns) == ["column", "type", "description"]
    assert "rate_usd_per_gpu_hour" in set(docs["column"])
