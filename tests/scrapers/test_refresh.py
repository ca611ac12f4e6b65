"""`rigshift refresh` / `rigshift status` end to end: real CLI, local HTTP, real DuckDB file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashboard.cli.main import main
from tests.support.local_http import LocalServer, Reply, point_cli
from tests.support.upstreams import (
    VAST_PATH,
    avoid_hour_rollover,
    counts,
    expected_vast_rates,
    rows,
    serve_vastai,
    serve_whattomine,
    vast_doc,
    vast_handler,
)

BOTH = ["--source", "vastai", "--source", "whattomine"]


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch, server: LocalServer, tmp_path: Path) -> str:
    """Environment pointing vastai and whattomine at the local server; returns the DB path."""
    path = str(tmp_path / "rigshift.duckdb")
    point_cli(
        monkeypatch,
        server.url,
        path,
        retries="1",
        backoff_s="0.01",
        timeout_s="2",
        connect_timeout_s="1",
    )
    serve_vastai(server)
    serve_whattomine(server)
    return path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process; returns exit code, stdout and stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_refresh_writes_one_row_per_offer(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "refresh", "--source", "vastai", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["ok"] is True
    assert [(s["source"], s["status"], s["rows_written"]) for s in doc["sources"]] == [
        ("vastai", "ok", 70)
    ]
    for label in ("on_demand", "spot"):
        stored = dict(
            rows(
                db,
                "SELECT offer_id, rate_usd_per_gpu_hour FROM gpu_rental_offers "
                "WHERE source = 'vastai' AND pricing_type = ?",
                [label],
            )
        )
        assert stored == pytest.approx(expected_vast_rates(label))


def test_refresh_stamps_lineage(
    db: str, server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "refresh", "--source", "vastai", "--quiet")[0] == 0
    found = rows(db, "SELECT DISTINCT source_url, parser_version FROM gpu_rental_offers")
    assert len(found) == 2  # one search URL per pricing type
    for url, version in found:
        assert url.startswith(f"{server.url}{VAST_PATH}?q=") and version == "1"
    assert rows(db, "SELECT count(*) FROM gpu_rental_offers WHERE fetched_at IS NULL") == [(0,)]


def test_status_shows_fresh_source(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "refresh", "--source", "vastai", "--quiet")[0] == 0
    code, out, _ = cli(capsys, "status", "--json")
    assert code == 0
    vast = next(s for s in json.loads(out)["sources"] if s["source"] == "vastai")
    assert vast["staleness"] == "fresh"
    assert vast["rows"] == 70
    assert vast["last_error"] is None


@pytest.mark.parametrize(
    ("broken", "cause"),
    [
        (Reply(b"upstream down", 500, "text/plain"), "HTTP 500 from 127.0.0.1"),
        (Reply(b'{"offers": [{"id": 1,'), "malformed JSON"),
    ],
    ids=["http500", "malformed-json"],
)
def test_failed_source_leaves_its_rows_and_others_commit(
    db: str, server: LocalServer, capsys: pytest.CaptureFixture[str], broken: Reply, cause: str
) -> None:
    """ACCEPTANCE: one source fails, the other commits; exit 1; one-line error logged."""
    assert cli(capsys, "refresh", *BOTH, "--quiet")[0] == 0
    before_vast = rows(db, "SELECT * FROM gpu_rental_offers ORDER BY ALL")
    before_counts = counts(db)

    server.route(VAST_PATH, broken)
    code, out, _ = cli(capsys, "refresh", *BOTH, "--force", "--json")

    assert code == 1
    result = {s["source"]: s for s in json.loads(out)["sources"]}
    assert result["whattomine"]["status"] == "ok" and result["whattomine"]["rows_written"] > 0
    assert result["vastai"]["status"] == "failed"
    assert rows(db, "SELECT * FROM gpu_rental_offers ORDER BY ALL") == before_vast
    assert counts(db) == before_counts
    [(error,)] = rows(db, "SELECT error FROM scrape_runs WHERE status = 'failed'")
    assert error.startswith("vastai: ") and cause in error and "\n" not in error
    [(committed,)] = rows(
        db,
        "SELECT count(*) FROM scrape_runs WHERE source = 'whattomine' AND status = 'ok'",
    )
    assert committed == 2


def test_failed_source_shows_stale_with_error(
    db: str, server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "refresh", "--source", "vastai", "--quiet")[0] == 0
    server.route(VAST_PATH, Reply(b"down", 503, "text/plain"))
    assert (
        cli(capsys, "refresh", "--source", "vastai", "--force", "--quiet")[0] == 4
    )  # every source attempted failed (issue 14)
    _, out, _ = cli(capsys, "status", "--json")
    vast = next(s for s in json.loads(out)["sources"] if s["source"] == "vastai")
    assert vast["staleness"] == "stale" and vast["rows"] == 70
    assert vast["last_error"].startswith("vastai: HTTP 503")


def test_rerun_in_same_hour_is_idempotent(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    avoid_hour_rollover()
    assert cli(capsys, "refresh", *BOTH, "--quiet")[0] == 0
    first = counts(db)
    runs = rows(db, "SELECT count(*) FROM scrape_runs")[0][0]
    assert cli(capsys, "refresh", *BOTH, "--force", "--quiet")[0] == 0
    assert counts(db) == first
    assert rows(db, "SELECT count(*) FROM scrape_runs")[0][0] == runs + 2
    assert rows(db, "SELECT count(*) FROM raw_payloads")[0][0] == 4  # same bodies, deduped


def test_second_run_within_min_interval_is_skipped(
    db: str, server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "refresh", "--source", "vastai", "--quiet")[0] == 0
    hits = server.hits(VAST_PATH)
    code, out, _ = cli(capsys, "refresh", "--source", "vastai", "--json")
    assert code == 0
    assert json.loads(out)["sources"][0]["status"] == "skipped"
    assert server.hits(VAST_PATH) == hits  # nothing fetched


def test_skip_is_reported_in_progress(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "refresh", "--source", "vastai", "--quiet")[0] == 0
    code, _, err = cli(capsys, "refresh", "--source", "vastai")
    assert code == 0
    assert "vastai: skipped" in err and "--force" in err


def test_unknown_source_is_a_usage_error(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "refresh", "--source", "nope")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "unknown source 'nope'" in err
    assert not Path(db).exists()  # rejected before any work


def test_changed_prices_replace_within_the_hour(
    db: str, server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    avoid_hour_rollover()
    assert cli(capsys, "refresh", "--source", "vastai", "--quiet")[0] == 0

    server.route(
        VAST_PATH, vast_handler(lambda label: Reply(json.dumps(vast_doc(label, 2.0)).encode()))
    )
    assert cli(capsys, "refresh", "--source", "vastai", "--force", "--quiet")[0] == 0
    stored = dict(
        rows(
            db,
            "SELECT offer_id, rate_usd_per_gpu_hour FROM gpu_rental_offers "
            "WHERE pricing_type = 'spot'",
        )
    )
    assert stored == pytest.approx(expected_vast_rates("spot", 2.0))
