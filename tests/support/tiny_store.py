"""Tiny real DuckDB stores for engine tests: coin rows, rental index rows, prices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scrapers.store import RunRecord, Store

T0 = datetime(2025, 5, 1, 12)
_LINEAGE = {"source_url": "http://127.0.0.1/test", "parser_version": "test"}


def coin(coin: str, observed_at: datetime = T0, source: str = "whattomine", **values: Any) -> dict:
    """A coin_network row."""
    return {"source": source, "coin": coin, "observed_at": observed_at, **values}


def offer(
    model: str, rate: float, observed_at: datetime = T0, offer_id: str = "1", **kw: Any
) -> dict:
    """A gpu_rental_offers row (on-demand unless pricing_type is given)."""
    row = {
        "source": "vastai",
        "offer_id": offer_id,
        "pricing_type": "on_demand",
        "observed_at": observed_at,
        "gpu_name_raw": model,
        "gpu_model": model,
        "num_gpus": 1,
        "rate_usd_per_gpu_hour": rate,
    }
    row.update(kw)
    return row


def write(
    db_path: str, source: str = "test", meta: dict[str, str] | None = None, **tables: list[dict]
) -> None:
    """Write rows (with lineage) into the store at ``db_path``; it rebuilds the rental index."""
    batch = {
        name: [{**_LINEAGE, "fetched_at": r.get("observed_at", T0), **r} for r in rows]
        for name, rows in tables.items()
    }
    store = Store(db_path)
    store.write_source(batch, RunRecord(f"run-{source}-{len(batch)}", source, T0))
    if meta:
        store.set_meta(meta)
