"""Parquet export round-trips: DuckDB reads it back with hive partitioning, same counts."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from dashboard.cli.main import main
from scrapers.store import RunRecord, Store

NOW = datetime(2026, 11, 1, 12)


def _offer(source: str, offer_id: str, day: int, rate: float) -> dict:
    return {
        "source": source,
        "offer_id": offer_id,
        "pricing_type": "on_demand",
        "observed_at": datetime(2026, 10, day),
        "gpu_name_raw": "RTX 3090",
        "gpu_model": "RTX 3090",
        "num_gpus": 1,
        "rate_usd_per_gpu_hour": rate,
        "source_url": f"https://{source}.example/x",
        "fetched_at": NOW,
        "parser_version": "1",
    }


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A store with offers from two sources over two months."""
    path = str(tmp_path / "export.duckdb")
    store = Store(path)
    store.init()
    rows = [_offer("vastai", f"v{i}", 1 + i % 28, 0.2 + i / 100) for i in range(30)]
    rows += [_offer("runpod", f"r{i}", 1 + i % 5, 0.3) for i in range(5)]
    store.write_source({"gpu_rental_offers": rows}, RunRecord("r1", "vastai", NOW))
    return path


def test_export_round_trip_counts(db: str, tmp_path: Path) -> None:
    from scrapers.export import export_parquet

    out = tmp_path / "pq"
    counts = export_parquet(db, out)
    con = duckdb.connect()
    back = con.execute(
        f"SELECT count(*) FROM read_parquet('{out}/gpu_rental_offers/**/*.parquet', "
        "hive_partitioning = true)"
    ).fetchone()[0]
    assert back == counts["gpu_rental_offers"] == 35


def test_export_partitions_by_source_and_month(db: str, tmp_path: Path) -> None:
    from scrapers.export import export_parquet

    out = tmp_path / "pq"
    export_parquet(db, out)
    assert (out / "gpu_rental_offers" / "source=vastai" / "month=2026-10").is_dir()


def test_export_aggregates_match(db: str, tmp_path: Path) -> None:
    from scrapers.export import export_parquet

    out = tmp_path / "pq"
    export_parquet(db, out)
    query = "SELECT source, round(avg(rate_usd_per_gpu_hour), 6) FROM {} GROUP BY 1 ORDER BY 1"
    con = duckdb.connect()
    exported = con.execute(
        query.format(
            f"read_parquet('{out}/gpu_rental_offers/**/*.parquet', hive_partitioning = true)"
        )
    ).fetchall()
    con.close()
    src = duckdb.connect(db, read_only=True)
    original = src.execute(query.format("gpu_rental_offers")).fetchall()
    src.close()
    assert exported == original


def test_export_writes_schema_file(db: str, tmp_path: Path) -> None:
    from scrapers.export import export_parquet

    export_parquet(db, tmp_path / "pq")
    schema = json.loads((tmp_path / "pq" / "schema.json").read_text())
    assert schema["tables"]["gpu_rental_offers"]["natural_key"] == [
        "source",
        "offer_id",
        "pricing_type",
        "observed_at",
    ]


def test_reexport_replaces_files(db: str, tmp_path: Path) -> None:
    from scrapers.export import export_parquet

    out = tmp_path / "pq"
    export_parquet(db, out)
    export_parquet(db, out)
    con = duckdb.connect()
    n = con.execute(
        f"SELECT count(*) FROM read_parquet('{out}/gpu_rental_offers/**/*.parquet')"
    ).fetchone()[0]
    assert n == 35


def test_cli_export(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("RIGSHIFT_DB", db)
    assert main(["export", "--parquet", str(tmp_path / "cli"), "--quiet"]) == 0
    assert "gpu_rental_offers" in capsys.readouterr().out


def test_export_round_trip_on_the_small_synthetic_store(tmp_path: Path) -> None:
    from scrapers.export import export_parquet
    from scrapers.synth import build_synthetic

    db = tmp_path / "small.duckdb"
    counts = build_synthetic(db, "small", seed=3)
    export_parquet(str(db), tmp_path / "pq")
    con = duckdb.connect()
    for table in ("gpu_rental_offers", "coin_network", "energy_prices", "gpu_rental_index"):
        back = con.execute(
            f"SELECT count(*) FROM read_parquet('{tmp_path}/pq/{table}/**/*.parquet', "
            "hive_partitioning = true)"
        ).fetchone()[0]
        assert back == counts[table], table
    exported = con.execute(
        f"SELECT gpu_model, round(median(rate_usd_per_gpu_hour), 9) FROM read_parquet("
        f"'{tmp_path}/pq/gpu_rental_offers/**/*.parquet', hive_partitioning = true) "
        "GROUP BY 1 ORDER BY 1"
    ).fetchall()
    con.close()
    src = duckdb.connect(str(db), read_only=True)
    original = src.execute(
        "SELECT gpu_model, round(median(rate_usd_per_gpu_hour), 9) FROM gpu_rental_offers "
        "GROUP BY 1 ORDER BY 1"
    ).fetchall()
    src.close()
    assert exported == original
