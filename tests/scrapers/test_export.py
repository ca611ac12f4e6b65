"""Parquet export round-trips: DuckDB reads it back with hive partitioning, same counts."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from dashboard.cli.main import main
from tests.support.tiny_store import offer, write

OCTOBER = datetime(2026, 10, 1)


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A store with 30 vastai and 5 runpod offers, every one in October 2026."""
    path = str(tmp_path / "export.duckdb")
    rows = [
        offer("RTX 3090", 0.2 + i / 100, OCTOBER + timedelta(days=i % 28), f"v{i}")
        for i in range(30)
    ]
    rows += [
        offer("RTX 3090", 0.3, OCTOBER + timedelta(days=i % 5), f"r{i}", source="runpod")
        for i in range(5)
    ]
    write(path, "vastai", gpu_rental_offers=rows)
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
