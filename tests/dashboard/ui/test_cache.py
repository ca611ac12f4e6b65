"""The app's one cache wrapper: keyed by file and version (and minute), failures never cached."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import streamlit as st

from dashboard.ui.cache import SAMPLED_ROWS, cached, data_version, shared
from tests.support.paths import ROOT

DASHBOARD = ROOT / "dashboard"
calls: list[str] = []


@pytest.fixture(autouse=True)
def _fresh() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()
    calls.clear()


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "x.duckdb")
    with duckdb.connect(path) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS n")
    return path


@cached(4)
def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    calls.append("count")
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


@cached(4)
def _total(con: duckdb.DuckDBPyConnection, table: str) -> int:
    calls.append("total")
    return int(con.execute(f"SELECT sum(n) FROM {table}").fetchone()[0])


def test_a_read_runs_once_per_version_and_arguments(db: str) -> None:
    version = data_version(db)
    assert _count(db, version, "t") == 1
    assert _count(db, version, "t") == 1
    assert calls == ["count"]


def test_every_read_has_its_own_cache(db: str) -> None:
    with duckdb.connect(db) as con:
        con.execute("INSERT INTO t VALUES (41)")
    version = data_version(db)
    assert (_count(db, version, "t"), _total(db, version, "t")) == (2, 42)
    assert calls == ["count", "total"]


def test_a_new_version_of_the_file_is_read_again(db: str) -> None:
    before = data_version(db)
    assert _count(db, before, "t") == 1
    with duckdb.connect(db) as con:
        con.execute("INSERT INTO t VALUES (2)")
    after = data_version(db)
    assert after != before
    assert _count(db, after, "t") == 2
    assert calls == ["count", "count"]


def test_a_failure_is_never_cached(db: str) -> None:
    version = data_version(db)
    with pytest.raises(duckdb.Error):
        _count(db, version, "later")
    with duckdb.connect(db) as con:
        con.execute("CREATE TABLE later AS SELECT 1 AS n")
    # The same version key as the failed call: only a stored result could answer it.
    assert _count(db, version, "later") == 1


@cached(4, connect=False, per_minute=True)
def _age(path: str, version: tuple[int, ...], now: datetime) -> datetime:
    calls.append("age")
    return now


def test_per_minute_reads_follow_the_clock(monkeypatch: pytest.MonkeyPatch, db: str) -> None:
    import scrapers.status

    t0 = datetime(2026, 1, 1, 12, 0, 10, tzinfo=UTC)
    clock = iter([t0, t0 + timedelta(seconds=30), t0 + timedelta(minutes=1)])
    monkeypatch.setattr(scrapers.status, "now", lambda: next(clock))
    version = data_version(db)
    first, same, later = (_age(db, version) for _ in range(3))
    assert first == same == t0.replace(second=0)
    assert later == t0.replace(second=0) + timedelta(minutes=1)
    assert calls == ["age", "age"]


@shared(4)
def _built(frame: pd.DataFrame, title: str) -> dict[str, object]:
    calls.append("built")
    return {"title": title, "total": int(frame["n"].sum())}


def test_a_shared_value_is_built_once_and_handed_out_uncopied() -> None:
    first = _built(pd.DataFrame({"n": [1, 2]}), "t")
    again = _built(pd.DataFrame({"n": [1, 2]}), "t")
    assert again is first
    assert calls == ["built"]


def test_new_data_builds_a_new_shared_value() -> None:
    assert _built(pd.DataFrame({"n": [1, 2]}), "t")["total"] == 3
    assert _built(pd.DataFrame({"n": [1, 5]}), "t")["total"] == 6
    assert _built(pd.DataFrame({"m": [1, 5]}).rename(columns={"m": "n"}), "u")["title"] == "u"
    assert calls == ["built"] * 3


def test_a_frame_streamlit_would_sample_is_built_afresh() -> None:
    big = pd.DataFrame({"n": range(SAMPLED_ROWS)})
    assert _built(big, "t") is not _built(big, "t")
    assert calls == ["built", "built"]


@pytest.mark.parametrize("name", ["cache_data", "cache_resource"])
def test_only_the_cache_module_uses_streamlit_caches(name: str) -> None:
    users = [
        p.relative_to(DASHBOARD).as_posix()
        for p in DASHBOARD.rglob("*.py")
        if re.search(rf"\b{name}\b", p.read_text(encoding="utf-8"))
    ]
    assert users == ["ui/cache.py"]
