"""Downloads are exactly the data shown: CSV and Parquet bytes read back equal the query result."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from dashboard.engine.queries import market_page as ex
from dashboard.engine.queries.market_page import MarketFilters
from dashboard.engine.views.downloads import file_name, table_bytes
from scrapers.store import read_connection
from tests.support.market_store import build_market_store

FILTERS = MarketFilters(gpu_models=("RTX 3090",), sources=("alpha",))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made Market store."""
    return build_market_store(tmp_path_factory.mktemp("downloads") / "x.duckdb")


def _query(store: Path, name: str) -> pd.DataFrame:
    with read_connection(str(store)) as con:
        if name == "hardware":
            return ex.hardware_prices(con, FILTERS, {"RTX 3090": 1499.0}).frame
        return getattr(ex, name)(con, FILTERS).frame


QUERIES = ["coin_series", "rental_index_series", "provider_medians", "current_offers", "hardware"]


@pytest.mark.parametrize("name", QUERIES)
def test_parquet_round_trips_the_filtered_result(store: Path, name: str) -> None:
    shown = _query(store, name)
    back = pd.read_parquet(io.BytesIO(table_bytes(shown, "parquet")))
    pd.testing.assert_frame_equal(back, shown.reset_index(drop=True), check_dtype=False)


@pytest.mark.parametrize("name", QUERIES)
def test_csv_round_trips_the_filtered_result(store: Path, name: str) -> None:
    shown = _query(store, name)
    back = pd.read_csv(io.BytesIO(table_bytes(shown, "csv")))
    assert list(back.columns) == list(shown.columns)
    assert len(back) == len(shown)
    for column in shown.select_dtypes("number").columns:
        assert back[column].tolist() == pytest.approx(shown[column].tolist(), nan_ok=True)


def test_downloads_follow_the_filters(store: Path) -> None:
    offers = _query(store, "current_offers")
    back = pd.read_parquet(io.BytesIO(table_bytes(offers, "parquet")))
    assert set(back["source"]) == {"alpha"} and set(back["gpu_model"]) == {"RTX 3090"}


def test_empty_frame_downloads_keep_the_header() -> None:
    empty = pd.DataFrame(columns=["period", "coin"])
    assert table_bytes(empty, "csv").decode().strip() == "period,coin"
    assert list(pd.read_parquet(io.BytesIO(table_bytes(empty, "parquet"))).columns) == [
        "period",
        "coin",
    ]


def test_csv_has_no_index_column() -> None:
    frame = pd.DataFrame({"a": [1, 2]}, index=[10, 20])
    assert table_bytes(frame, "csv").decode().splitlines() == ["a", "1", "2"]


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown download format"):
        table_bytes(pd.DataFrame({"a": [1]}), "xlsx")


def test_file_names_are_safe() -> None:
    assert file_name("Rental index / per model", "parquet") == "rental_index___per_model.parquet"
    assert file_name("", "csv") == "data.csv"


def test_parquet_problem_names_what_pyarrow_cannot_type() -> None:
    from dashboard.ui.widgets import parquet_problem

    mixed = pd.DataFrame({"a": [1, "x", 2.5]})
    problem = parquet_problem(mixed)
    assert problem and "Could not convert 'x'" in problem
    with pytest.raises(Exception, match="Could not convert 'x'"):
        table_bytes(mixed, "parquet")
    assert "Duplicate column names" in str(
        parquet_problem(pd.DataFrame([[1, 2]], columns=["a"] * 2))
    )


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"day": pd.to_datetime(["2026-01-01"]), "usd": [1.5], "coin": ["BTC"]}),
        pd.DataFrame({"day": [pd.Timestamp("2026-01-01").date()], "rows": [3]}),
        pd.DataFrame(columns=["period", "coin"]),
    ],
)
def test_typed_frames_have_no_parquet_problem(frame: pd.DataFrame) -> None:
    from dashboard.ui.widgets import parquet_problem

    assert parquet_problem(frame) is None
    assert table_bytes(frame, "parquet")
