"""``rigshift backfill``: history endpoints through the CLI, idempotent re-runs, clean skips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashboard.cli.main import main
from scrapers.store import read_connection
from tests.support.local_http import LocalServer
from tests.support.payloads import sample

HASHRATE_3Y = "/api/v1/mining/hashrate/3y"


@pytest.fixture
def db(server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temp database with mempool pointed at the local server (through the environment)."""
    path = tmp_path / "rigshift.duckdb"
    monkeypatch.setenv("RIGSHIFT_DB", str(path))
    monkeypatch.setenv("RIGSHIFT_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("RIGSHIFT_MEMPOOL_BASE_URL", server.url)
    monkeypatch.setenv("RIGSHIFT_HTTP_MIN_INTERVAL_S", "0")
    monkeypatch.setenv("RIGSHIFT_HTTP_RETRIES", "0")
    server.route(HASHRATE_3Y, sample("mempool", "hashrate_3y.json"))
    return path


def btc_days(path: Path) -> tuple[int, str]:
    with read_connection(str(path)) as con:
        [(count, first)] = con.execute(
            "SELECT count(*), min(observed_at)::DATE::VARCHAR FROM coin_network "
            "WHERE source = 'mempool' AND coin = 'BTC'"
        ).fetchall()
    return count, first


def test_backfill_exits_0_and_writes_history_from_since(db: Path):
    assert main(["backfill", "--source", "mempool", "--since", "2024-01-01", "--quiet"]) == 0
    count, first = btc_days(db)
    assert count > 600
    assert first == "2024-01-01"


def test_backfill_asks_the_history_endpoint(db: Path, server: LocalServer):
    main(["backfill", "--source", "mempool", "--since", "2024-01-01", "--quiet"])
    assert server.hits(HASHRATE_3Y) == 1
    assert server.hits("/api/v1/difficulty-adjustment") == 0


def test_backfill_twice_leaves_counts_unchanged(db: Path):
    args = ["backfill", "--source", "mempool", "--since", "2024-01-01", "--quiet"]
    assert main(args) == 0
    before = btc_days(db)
    assert main(args) == 0
    assert btc_days(db) == before


def test_backfill_records_an_ok_run(db: Path):
    main(["backfill", "--source", "mempool", "--since", "2024-01-01", "--quiet"])
    with read_connection(str(db)) as con:
        [(status, rows)] = con.execute(
            "SELECT status, rows_written FROM scrape_runs WHERE source = 'mempool'"
        ).fetchall()
    assert status == "ok" and rows > 600


def test_source_without_history_is_skipped_not_failed(db: Path, capsys: pytest.CaptureFixture):
    assert main(["backfill", "--source", "vastai", "--json"]) == 0
    [result] = json.loads(capsys.readouterr().out)["sources"]
    assert (result["source"], result["status"], result["error"]) == ("vastai", "skipped", None)


def test_skip_says_why(db: Path, capsys: pytest.CaptureFixture):
    main(["backfill", "--source", "vastai", "--source", "mempool"])
    err = capsys.readouterr().err
    assert "vastai: skipped, no history endpoint" in err
    assert "mempool: ok" in err


def test_bad_since_is_a_usage_error(db: Path):
    assert main(["backfill", "--source", "mempool", "--since", "01/01/2024"]) == 2
