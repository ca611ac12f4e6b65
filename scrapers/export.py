"""Export every table as Hive-partitioned Parquet plus a schema file, for other engines.

Layout: ``DIR/<table>/source=<id>/month=<YYYY-MM>/data_0.parquet`` where a table has a source
and a date; support tables without them are written as ``DIR/<table>/data.parquet``.
``DIR/schema.json`` lists columns, types, descriptions and natural keys.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from scrapers.errors import StoreBusy, StoreError
from scrapers.schema import DATA_TABLES, LINEAGE_COLUMNS
from scrapers.store import WRITE_CONFIG

# table -> SQL expression of the date used for the month partition
DATE_COLUMNS = {
    "coin_network": "observed_at",
    "gpu_rental_offers": "observed_at",
    "gpu_hardware_prices": "observed_at",
    "energy_prices": "period_start",
    "grid_carbon": "make_date(year, 1, 1)",
    "btc_hashprice": "observed_at",
    "scrape_runs": "started_at",
    "gpu_rental_index": "day",
    "gpu_rental_source_daily": "day",
}
SUPPORT_TABLES = (
    "scrape_runs",
    "gpu_rental_index",
    "gpu_rental_source_daily",
    "raw_payloads",
    "store_meta",
)
# How each support table is partitioned (data tables: source and month).
SUPPORT_PARTITIONS = {
    "scrape_runs": ["source", "month"],
    "gpu_rental_source_daily": ["source", "month"],
    "gpu_rental_index": ["month"],
}


def _attach(db_path: str, wait_s: float = 30.0) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:", config=dict(WRITE_CONFIG))  # no extension downloads
    deadline = time.monotonic() + wait_s
    while True:
        try:
            con.execute(f"ATTACH '{db_path}' AS store (READ_ONLY)")
            con.execute("USE store")
            return con
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise StoreError(f"cannot open database {db_path}: {exc}") from None
            if time.monotonic() > deadline:
                raise StoreBusy(f"database {db_path} stayed locked for {wait_s:.0f} s") from None
            time.sleep(0.1)


def export_parquet(
    db_path: str, out_dir: Path, progress: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Write every table under ``out_dir``; returns row counts per table."""
    say = progress or (lambda _m: None)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    con = _attach(db_path)
    try:
        present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        for table in [t.name for t in DATA_TABLES] + list(SUPPORT_TABLES):
            if table not in present:
                continue
            target = out_dir / table
            if target.exists():
                shutil.rmtree(target)  # a re-export replaces, never mixes, old files
            n = int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
            counts[table] = n
            date_expr = DATE_COLUMNS.get(table)
            columns = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
            if date_expr and "source" in columns and n:
                con.execute(
                    f"COPY (SELECT *, strftime({date_expr}, '%Y-%m') AS month FROM {table}) "
                    f"TO '{target}' (FORMAT parquet, PARTITION_BY (source, month))"
                )
            elif date_expr and n:
                con.execute(
                    f"COPY (SELECT *, strftime({date_expr}, '%Y-%m') AS month FROM {table}) "
                    f"TO '{target}' (FORMAT parquet, PARTITION_BY (month))"
                )
            else:
                target.mkdir(parents=True)
                con.execute(f"COPY {table} TO '{target / 'data.parquet'}' (FORMAT parquet)")
            say(f"{table}: {n} rows")
        (out_dir / "schema.json").write_text(json.dumps(_schema_doc(counts), indent=2))
    finally:
        con.close()
    return counts


def _schema_doc(counts: dict[str, int]) -> dict[str, object]:
    tables = {}
    for t in DATA_TABLES:
        tables[t.name] = {
            "description": t.description,
            "natural_key": list(t.key),
            "partitioning": ["source", "month"],
            "rows": counts.get(t.name, 0),
            "columns": [
                {"name": n, "type": ty.replace(" NOT NULL", ""), "description": d}
                for n, ty, d in t.columns
            ]
            + [
                {"name": n, "type": ty.replace(" NOT NULL", ""), "description": "lineage"}
                for n, ty in LINEAGE_COLUMNS
            ],
        }
    for name in SUPPORT_TABLES:
        tables[name] = {
            "rows": counts.get(name, 0),
            "partitioning": SUPPORT_PARTITIONS.get(name, []),
        }
    return {
        "format": "parquet, hive partitioning",
        "read_with": "read_parquet('DIR/<table>/**/*.parquet', hive_partitioning = true)",
        "tables": tables,
    }
