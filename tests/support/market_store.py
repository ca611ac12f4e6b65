"""A tiny hand-made store for the Market page tests: every number here is easy to check by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from scrapers.rental_index import MIN_OFFERS, rebuild_sql
from scrapers.schema import (
    COIN_NETWORK,
    ENERGY_PRICES,
    GPU_HARDWARE_PRICES,
    GPU_RENTAL_OFFERS,
    GRID_CARBON,
    Table,
)
from scrapers.store import rows_to_frame, upsert, write_connection

FIRST_DAY = date(2024, 1, 1)
COIN_DAYS = 10
LINEAGE = {"source_url": "test://", "fetched_at": datetime(2025, 1, 1), "parser_version": "t"}
SNAPSHOTS = (datetime(2024, 1, 5, 12), datetime(2024, 1, 6, 12))


def write_rows(path: Path, table: Table, rows: list[dict[str, Any]]) -> None:
    """Upsert ``rows`` (lineage added) into ``table`` of the store at ``path``."""
    with write_connection(str(path)) as con:
        upsert(con, table, rows_to_frame(table, [{**LINEAGE, **r} for r in rows]))


def coin_rows(days: int = COIN_DAYS, first: date = FIRST_DAY) -> list[dict[str, Any]]:
    """BTC from difficulty only; RVN with its own nethash; XMR priced in BTC only."""
    rows: list[dict[str, Any]] = []
    for i in range(days):
        t = datetime.combine(first + timedelta(days=i), datetime.min.time())
        rows += [
            {
                "source": "chain",
                "coin": "BTC",
                "observed_at": t,
                "algorithm": "SHA-256",
                "difficulty": 1e14,
                "block_time_s": 600.0,
                "block_reward_coins": 3.125,
                "price_usd": 100_000.0 + i,
            },
            {
                "source": "chain",
                "coin": "RVN",
                "observed_at": t,
                "algorithm": "KawPow",
                "nethash_hs": 1e12,
                "block_time_s": 60.0,
                "block_reward_coins": 10.0,
                "price_usd": 2.0,
            },
            {
                "source": "pool",
                "coin": "XMR",
                "observed_at": t,
                "algorithm": "RandomX",
                "nethash_hs": 5e9,
                "block_time_s": 120.0,
                "block_reward_coins": 0.6,
                "price_btc": 0.002,
            },
        ]
    return rows


def offer_rows() -> list[dict[str, Any]]:
    """Two snapshots of two sources; the later snapshot's rates are +0.10."""
    rows: list[dict[str, Any]] = []
    for k, t in enumerate(SNAPSHOTS):
        bump = 0.10 * k
        for source, model, rates in (
            ("alpha", "RTX 3090", (0.20, 0.30, 0.40)),
            ("alpha", "RTX 4090", (0.50,)),
            ("beta", "RTX 3090", (0.25, 0.35)),
        ):
            for j, rate in enumerate(rates):
                rows.append(
                    {
                        "source": source,
                        "offer_id": f"{model}-{j}",
                        "pricing_type": "on_demand",
                        "observed_at": t,
                        "gpu_name_raw": model,
                        "gpu_model": model,
                        "num_gpus": 1,
                        "rate_usd_per_gpu_hour": round(rate + bump, 4),
                    }
                )
    rows.append(  # unknown GPU names never reach the Market page
        {
            "source": "alpha",
            "offer_id": "mystery",
            "pricing_type": "on_demand",
            "observed_at": SNAPSHOTS[-1],
            "gpu_name_raw": "Mystery GPU",
            "gpu_model": None,
            "num_gpus": 1,
            "rate_usd_per_gpu_hour": 9.99,
        }
    )
    return rows


INDEX_ROWS = [
    # day, model, pricing, median, trimmed, p25, p75, offers
    (date(2024, 1, 5), "RTX 3090", "on_demand", 0.30, 0.30, 0.25, 0.35, 5),
    (date(2024, 1, 6), "RTX 3090", "on_demand", 0.40, 0.40, 0.35, 0.45, 7),
    (date(2024, 1, 6), "RTX 3090", "spot", 0.20, 0.20, 0.15, 0.25, 3),
    (date(2024, 1, 6), "RTX 4090", "on_demand", 0.60, 0.60, 0.60, 0.60, 1),
]


def build_market_store(path: Path) -> Path:
    """Coins, offers, the rental index, hardware, energy and carbon rows at ``path``."""
    write_rows(path, COIN_NETWORK, coin_rows())
    write_rows(path, GPU_RENTAL_OFFERS, offer_rows())
    write_rows(
        path,
        GPU_HARDWARE_PRICES,
        [
            {
                "source": "shop",
                "item_id": f"{cond}-{i}",
                "observed_at": datetime(2024, 1, 1),
                "title": "RTX 3090",
                "gpu_model": "RTX 3090",
                "condition": cond,
                "price_usd": price,
            }
            for i, (cond, price) in enumerate(
                [
                    ("new", 1500.0),
                    ("new", 1700.0),
                    ("used", 700.0),
                    ("used", 800.0),
                    ("used", 900.0),
                ]
            )
        ],
    )
    write_rows(
        path,
        ENERGY_PRICES,
        [
            {
                "source": "eia",
                "region": region,
                "sector": "industrial",
                "period": "month",
                "period_start": date(2024, month, 1),
                "price_usd_per_kwh": price,
                "price_native": price * 100,
                "native_unit": "USc/kWh",
            }
            for region, month, price in [
                ("US-TX", 1, 0.06),
                ("US-TX", 2, 0.08),
                ("US-WA", 1, 0.05),
            ]
        ],
    )
    write_rows(
        path,
        GRID_CARBON,
        [
            {"source": "carbon", "region": r, "year": y, "carbon_g_per_kwh": g, "region_name": n}
            for r, n, y, g in [
                ("US", "United States", 2023, 380.0),
                ("US", "United States", 2024, 370.0),
                ("NO", "Norway", 2024, 30.0),
            ]
        ],
    )
    with write_connection(str(path)) as con:
        # The real rebuild fills the per-source daily medians; the index gets hand-made rows.
        con.execute(rebuild_sql())
        con.execute("DELETE FROM gpu_rental_index")
        # The estimator and the stable chain equal the hand-made index value here.
        con.executemany(
            "INSERT INTO gpu_rental_index (day, gpu_model, pricing_type, "
            "median_usd_per_gpu_hour, trimmed_median_usd_per_gpu_hour, p25_usd_per_gpu_hour, "
            "p75_usd_per_gpu_hour, offer_count, sources, iqm_usd_per_gpu_hour, "
            "stable_usd_per_gpu_hour, low_confidence) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'alpha', ?, ?, ?)",
            [(*r, r[4], r[4], r[7] < MIN_OFFERS) for r in INDEX_ROWS],
        )
    return path
