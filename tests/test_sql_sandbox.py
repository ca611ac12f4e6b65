"""The SQL console refuses or stops hostile queries and leaves the database unchanged."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dashboard.cli.main import main
from dashboard.engine.sql_sandbox import check_statement, run_query
from scrapers.errors import QueryRefused
from scrapers.store import Store, table_counts, write_connection

HOSTILE = [
    "DROP TABLE scrape_runs",
    "DELETE FROM store_meta",
    "UPDATE store_meta SET value = 'x'",
    "INSERT INTO store_meta VALUES ('a', 'b')",
    "CREATE TABLE evil (a INT)",
    "ALTER TABLE store_meta ADD COLUMN x INT",
    "COPY store_meta TO '/tmp/rigshift_leak.csv'",
    "COPY (SELECT 1) TO '/tmp/rigshift_leak.parquet' (FORMAT parquet)",
    "EXPORT DATABASE '/tmp/rigshift_export'",
    "ATTACH '/tmp/rigshift_other.duckdb' AS other",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM read_parquet('/tmp/*.parquet')",
    "SELECT * FROM 'https://example.com/data.csv'",
    "SET enable_external_access = true",
    "SET threads = 64",
    "PRAGMA enable_profiling",
    "SELECT 1; DROP TABLE store_meta",
    "SELECT 1; SELECT 2",
    "CALL pragma_database_size()",
    "CHECKPOINT",
    "VACUUM",
    "SELECT count(*) FROM range(100000000) a, range(100000000) b",
    "",
    "SELEC nonsense",
]


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A small store with the schema and one meta row."""
    path = str(tmp_path / "sandbox.duckdb")
    Store(path).init()
    Store(path).set_meta({"dataset": "test"})
    return path


def _snapshot(path: str) -> tuple[dict[str, int], list[tuple]]:
    with write_connection(path) as con:
        return table_counts(con), con.execute("SELECT * FROM store_meta ORDER BY 1").fetchall()


@pytest.mark.parametrize("sql", HOSTILE)
def test_hostile_query_is_refused_and_changes_nothing(db: str, sql: str) -> None:
    before = _snapshot(db)
    with pytest.raises(QueryRefused) as info:
        run_query(db, sql, time_limit_s=1.0)
    assert "\n" not in info.value.one_line()
    assert _snapshot(db) == before
    assert not Path("/tmp/rigshift_leak.csv").exists()


def test_hostile_list_is_at_least_twenty() -> None:
    assert len(HOSTILE) >= 20


def test_select_returns_rows(db: str) -> None:
    result = run_query(db, "SELECT key, value FROM store_meta WHERE key = 'dataset'")
    assert result.frame.to_dict(orient="records") == [{"key": "dataset", "value": "test"}]


def test_analytic_query_with_cte_and_window(db: str) -> None:
    sql = """
        WITH s AS (SELECT range AS x FROM range(10))
        SELECT x, sum(x) OVER (ORDER BY x) AS running FROM s ORDER BY x
    """
    frame = run_query(db, sql).frame
    assert frame["running"].iloc[-1] == 45


def test_row_cap_truncates(db: str) -> None:
    result = run_query(db, "SELECT * FROM range(50)", row_cap=10)
    assert len(result.frame) == 10 and result.truncated


def test_describe_is_allowed(db: str) -> None:
    assert not run_query(db, "DESCRIBE scrape_runs").frame.empty


def test_trailing_semicolon_is_fine() -> None:
    assert check_statement("SELECT 1;") == "SELECT 1"


def test_time_limit_message(db: str) -> None:
    with pytest.raises(QueryRefused, match="time limit"):
        run_query(db, "SELECT count(*) FROM range(1000000000) a, range(1000) b", time_limit_s=0.2)


def test_cli_sql_csv(db: str, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("RIGSHIFT_DB", db)
    assert main(["sql", "SELECT value FROM store_meta WHERE key='dataset'", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["value", "test"]


def test_cli_sql_refusal_is_one_line(db: str, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("RIGSHIFT_DB", db)
    assert main(["sql", "DROP TABLE store_meta"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "read-only" in err


def test_database_still_opens_read_write_afterwards(db: str) -> None:
    run_query(db, "SELECT 1")
    con = duckdb.connect(db)
    assert con.execute("SELECT count(*) FROM store_meta").fetchone()[0] >= 1
    con.close()
