"""The SQL console refuses or stops hostile queries and leaves the database unchanged."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dashboard.cli.main import main
from dashboard.engine.queries.sql_sandbox import (
    CHILD_DATA_LIMIT_MB,
    MAX_ROW_CAP,
    MAX_TIME_LIMIT_S,
    check_statement,
    run_query,
)
from scrapers.errors import QueryRefused
from scrapers.store import Store, table_counts, write_connection
from tests.support.paths import ROOT

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


def _run_in_child(db: str, sql: str, time_limit_s: float = 10.0) -> dict:
    """Run one query in a fresh interpreter; its one-line outcome and peak memory (kB)."""
    script = """
import json, resource, sys
from dashboard.engine.queries.sql_sandbox import run_query
from scrapers.errors import QueryRefused
try:
    run_query(sys.argv[1], sys.argv[2], time_limit_s=float(sys.argv[3]))
    message = "ok"
except QueryRefused as exc:
    message = exc.one_line()
hwm = next(ln for ln in open("/proc/self/status") if ln.startswith("VmHWM"))
print(json.dumps({
    "message": message,
    "self_kb": int(hwm.split()[1]),
    "worker_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
}))
"""
    done = subprocess.run(
        [sys.executable, "-c", script, db, sql, str(time_limit_s)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout)


# The whole process tree must stay far below what these queries would need unbounded
# (1 GB and 2 GB of result); the worker's kernel limit is CHILD_DATA_LIMIT_MB.
MEMORY_BOUND_KB = (CHILD_DATA_LIMIT_MB + 256) * 1024


def test_gigabyte_result_is_refused_with_bounded_memory(db: str) -> None:
    outcome = _run_in_child(db, "SELECT repeat('x', 1000000) AS s FROM range(1000)")
    assert "memory" in outcome["message"] or "larger than" in outcome["message"]
    assert outcome["worker_kb"] < MEMORY_BOUND_KB
    assert outcome["self_kb"] < 512 * 1024


def test_two_gigabyte_string_is_refused_with_bounded_memory(db: str) -> None:
    outcome = _run_in_child(db, "SELECT repeat('x', 2000000000) AS s")
    assert "memory" in outcome["message"]
    assert outcome["worker_kb"] < MEMORY_BOUND_KB
    assert outcome["self_kb"] < 512 * 1024


def test_result_over_byte_cap_is_refused_before_it_is_sent(db: str) -> None:
    with pytest.raises(QueryRefused, match="larger than 16 MB"):
        run_query(db, "SELECT repeat('x', 100000) AS s FROM range(1000)")


def test_read_blob_of_the_store_itself_is_refused(db: str) -> None:
    for sql in (
        f"SELECT size FROM read_blob('{db}')",
        f"SELECT content FROM read_text('{db}')",
        f"SELECT * FROM read_csv('{db}')",
        f"SELECT * FROM glob('{Path(db).parent}/*')",
    ):
        with pytest.raises(QueryRefused, match="file access is disabled"):
            run_query(db, sql)


def test_timestamptz_result_works(db: str) -> None:
    frame = run_query(db, "SELECT now() AS t").frame
    assert str(frame["t"].dt.tz) in {"UTC", "Etc/UTC"}


def test_duplicate_column_names_are_kept(db: str) -> None:
    assert list(run_query(db, "SELECT 1 AS a, 2 AS a").frame.columns) == ["a", "a_2"]


def test_pivot_is_a_query(db: str) -> None:
    frame = run_query(db, "PIVOT (SELECT 'k' AS name, 1 AS v) ON name USING sum(v)").frame
    assert frame.to_dict(orient="records") == [{"k": 1}]


@pytest.mark.parametrize(
    "flags",
    [
        ["--timeout", "-1"],
        ["--timeout", "nan"],
        ["--timeout", "inf"],
        ["--timeout", "1e308"],
        ["--timeout", "0"],
        ["--timeout", f"{MAX_TIME_LIMIT_S * 2:g}"],
        ["--max-rows", "-1"],
        ["--max-rows", "0"],
        ["--max-rows", "nan"],
        ["--max-rows", "inf"],
        ["--max-rows", "1e308"],
        ["--max-rows", str(MAX_ROW_CAP + 1)],
    ],
)
def test_cli_invalid_limit_exits_2_in_one_line(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys, flags: list[str]
) -> None:
    monkeypatch.setenv("RIGSHIFT_DB", db)
    assert main(["sql", "SELECT 1", *flags]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and flags[0] in captured.err
    assert captured.out == ""


def test_cli_reads_the_query_from_a_file(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("RIGSHIFT_DB", db)
    query = tmp_path / "q.sql"
    query.write_text("SELECT 42 AS answer;\n")
    assert main(["sql", "--file", str(query), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["answer", "42"]


@pytest.mark.parametrize("argv", [["sql", "-"], ["sql", "--file", "-"]])
def test_cli_reads_the_query_from_stdin(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys, argv: list[str]
) -> None:
    monkeypatch.setenv("RIGSHIFT_DB", db)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"SELECT 7 AS n")))
    assert main([*argv, "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "7"]


def test_cli_missing_query_file_is_one_line(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("RIGSHIFT_DB", db)
    assert main(["sql", "--file", str(tmp_path / "nope.sql")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read" in err


def test_cli_select_now_prints_json(db: str, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("RIGSHIFT_DB", db)
    assert main(["sql", "SELECT now() AS t, 'nan'::DOUBLE AS d", "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["t"].startswith("20") and row["d"] is None
