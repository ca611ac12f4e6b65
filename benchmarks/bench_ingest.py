"""Ingest: parse and load 1,000,000 vast.ai-format offers; baseline row-by-row executemany.

"Ours" is what a refresh does once the answer is fetched: ``VastAi.parse`` (JSON decode and
the columnar parse), ``stamp`` (lineage) and ``run_source`` (sanity checks, unknown-name
report, one-transaction INSERT OR REPLACE, rental-index rebuild for the day) into an
existing store file.

The baseline inserts the same rows one statement per row (``executemany``) into the same
schema, already parsed (so it is flattered). It is measured on a slice and scaled linearly
to the full count (stated in the result): a full row-by-row run would take hours. The
previous dict-per-row path (``parse_offer`` per offer, pandas frame, upsert) is measured on
a slice the same way, for reference.
"""

from __future__ import annotations

import json
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.common import spread
from scrapers.config import Settings
from scrapers.http import Response
from scrapers.refresh import run_source, stamp
from scrapers.schema import GPU_RENTAL_OFFERS
from scrapers.sources.base import Context, load_json
from scrapers.sources.vastai import VastAi, parse_offer
from scrapers.store import Store, rows_to_frame, upsert, write_connection

NAMES = ["RTX 3090", "RTX 4090", "H100 SXM", "A100 SXM4", "RTX A4000", "L40S", "RTX 3080"]
NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
URL = "https://console.vast.ai/api/v0/bundles/"


def offers_payload(n: int, seed: int = 1) -> bytes:
    """A vast.ai bundles answer with ``n`` offers (the fields the parser reads, plus a few)."""
    rnd = random.Random(seed)
    offers = []
    for i in range(n):
        gpus = rnd.choice((1, 1, 2, 4, 8))
        offers.append(
            {
                "id": 10_000_000 + i,
                "num_gpus": gpus,
                "gpu_name": rnd.choice(NAMES),
                "gpu_ram": 24576,
                "dph_total": round(rnd.uniform(0.1, 3.0) * gpus, 6),
                "reliability2": round(rnd.uniform(0.9, 1.0), 6),
                "geolocation": "Texas, US",
                "rentable": True,
                "rented": False,
                "verified": True,
                "cpu_cores": 32,
                "inet_up": 800.0,
                "inet_down": 900.0,
                "disk_space": 200.0,
            }
        )
    return json.dumps({"offers": offers}).encode()


def _fresh_store(folder: Path, counter: Callable[[], int]) -> Store:
    store = Store(str(folder / f"ingest{counter()}.duckdb"))
    store.init()
    return store


def _drop(store: Store) -> None:
    for suffix in ("", ".wal"):
        Path(store.db_path + suffix).unlink(missing_ok=True)


def run(n: int = 1_000_000, baseline_rows: int = 2_000, repeats: int = 3) -> dict[str, Any]:
    """Measure our ingest of ``n`` offers against row-by-row inserts (same run)."""
    started = time.perf_counter()
    body = offers_payload(n)
    payload_s = time.perf_counter() - started
    source = VastAi()
    ctx = Context(settings=Settings(), now=NOW)
    query = source.queries(ctx)[0]
    response = Response(URL, 200, body, "application/json", NOW)
    tmp = Path(tempfile.mkdtemp(prefix="rigshift-bench-ingest-"))
    numbers = iter(range(1_000_000))
    counter = lambda: next(numbers)  # noqa: E731
    phases: dict[str, list[float]] = {"parse_s": [], "write_s": []}
    totals: list[float] = []
    cpu: list[float] = []  # process CPU time: less sensitive than wall time to a busy machine
    try:
        for _ in range(repeats):
            store = _fresh_store(tmp, counter)
            cpu_start = time.process_time()
            start = time.perf_counter()
            batch: dict[str, Any] = {}
            stamp(source, source.parse(query, response, ctx), URL, NOW, batch)
            parsed = time.perf_counter()
            done = run_source(source, ctx, store, "bench", lambda b=batch: (b, []))
            end = time.perf_counter()
            if done.status != "ok" or done.rows_written != n:
                raise RuntimeError(f"ingest failed: {done}")
            totals.append(end - start)
            cpu.append(time.process_time() - cpu_start)
            phases["parse_s"].append(parsed - start)
            phases["write_s"].append(end - parsed)
            _drop(store)
        json_s = _time(lambda: load_json(response))
        base_s = _row_by_row(tmp, counter, body, baseline_rows, ctx) * (n / baseline_rows)
        dict_rows = min(n, 100_000)
        dict_s = _dict_path(tmp, counter, body, dict_rows, ctx) * (n / dict_rows)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ours = spread(totals)
    return {
        "name": f"ingest {n:,} vast.ai offers",
        "rows": n,
        "payload_mb": round(len(body) / 1e6, 1),
        "payload_build_s": payload_s,
        "ours": ours,
        "phases_median_s": {
            "json_decode_s": json_s,
            **{k: statistics.median(v) for k, v in phases.items()},
        },
        "seconds_per_million": ours["median_s"] * 1_000_000 / n,
        "cpu_s_median": statistics.median(cpu),
        "baseline": {
            "what": "row-by-row executemany of pre-parsed rows",
            "measured_rows": baseline_rows,
            "scaled_s": base_s,
            "note": f"measured on {baseline_rows:,} rows and scaled linearly to {n:,}",
        },
        "dict_path": {
            "what": "previous path: parse_offer per offer, dict rows, pandas frame, upsert",
            "measured_rows": dict_rows,
            "scaled_s": dict_s,
        },
        "speedup": base_s / ours["median_s"],
        "speedup_vs_dict_path": dict_s / ours["median_s"],
        "targets": {"speedup_min": 50, "seconds_per_million_max": 10},
    }


def _time(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _stamped_dicts(body: bytes, rows: int, ctx: Context) -> list[dict[str, Any]]:
    offers = json.loads(body)["offers"][:rows]
    lineage = {"source": "vastai", "source_url": URL, "fetched_at": NOW, "parser_version": "1"}
    parsed = (parse_offer(o, "on_demand", ctx) for o in offers)
    return [{**lineage, **r} for r in parsed if r is not None]


def _row_by_row(
    tmp: Path, counter: Callable[[], int], body: bytes, rows: int, ctx: Context
) -> float:
    frame = rows_to_frame(GPU_RENTAL_OFFERS, _stamped_dicts(body, rows, ctx))
    tuples = list(frame.itertuples(index=False, name=None))
    cols = ", ".join(GPU_RENTAL_OFFERS.column_names)
    marks = ", ".join("?" for _ in GPU_RENTAL_OFFERS.column_names)
    db = str(tmp / f"base{counter()}.duckdb")
    with write_connection(db) as con:
        start = time.perf_counter()
        con.executemany(f"INSERT INTO gpu_rental_offers ({cols}) VALUES ({marks})", tuples)
        return time.perf_counter() - start


def _dict_path(
    tmp: Path, counter: Callable[[], int], body: bytes, rows: int, ctx: Context
) -> float:
    """The dict-per-row path this module replaced: scalar parse, pandas frame, upsert."""
    sliced = json.dumps({"offers": json.loads(body)["offers"][:rows]}).encode()
    db = str(tmp / f"dict{counter()}.duckdb")
    Store(db).init()
    start = time.perf_counter()
    rows_ = _stamped_dicts(sliced, rows, ctx)
    with write_connection(db) as con:
        con.execute("BEGIN TRANSACTION")
        upsert(con, GPU_RENTAL_OFFERS, rows_to_frame(GPU_RENTAL_OFFERS, rows_))
        con.execute("COMMIT")
    return time.perf_counter() - start


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, default=str))
