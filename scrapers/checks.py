"""Drift and sanity checks on parsed rows, run before anything is written.

A parse that yields no rows, or values outside plausible ranges, usually means the upstream
changed its layout or units. The source then fails with a message saying what looked wrong;
its earlier rows stay and it shows as stale.

Plausible ranges (inclusive), per column:

| column | range | why |
|---|---|---|
| rate_usd_per_gpu_hour | 0.001 – 150 | B200 lists near $6/h; $150 means per-offer or cents |
| price_usd (hardware) | 10 – 500,000 | below $10 is a box or a part; above, a server |
| price_usd_per_kwh | -0.5 – 5 | wholesale can dip below zero; $5/kWh is a unit slip |
| carbon_g_per_kwh | 0 – 2,000 | lignite is ~1,100 g/kWh |
| nethash_hs | 1 – 1e25 | BTC is ~1e21 H/s |
| difficulty | 0 – 1e25 | |
| block_time_s | 0.05 – 10,000 | Kaspa ~0.1 s; BTC 600 s |
| price_usd (coins) | 0 – 10,000,000 | |
| block_reward_coins | 0 – 1e9 | |
| hashprice_usd_per_ph_day | 1 – 10,000 | ~$40–110/PH/day in 2024–25; ~$1,000 in 2016 |
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from scrapers.errors import EmptyDataError, SanityError
from scrapers.schema import Rows, row_count

RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "gpu_rental_offers": {"rate_usd_per_gpu_hour": (0.001, 150.0), "num_gpus": (1, 1024)},
    "gpu_hardware_prices": {"price_usd": (10.0, 500_000.0)},
    "energy_prices": {"price_usd_per_kwh": (-0.5, 5.0)},
    "grid_carbon": {"carbon_g_per_kwh": (0.0, 2000.0)},
    "btc_hashprice": {"hashprice_usd_per_ph_day": (1.0, 10_000.0)},
    "coin_network": {
        "nethash_hs": (1.0, 1e25),
        "difficulty": (0.0, 1e25),
        "block_time_s": (0.05, 10_000.0),
        "price_usd": (0.0, 10_000_000.0),
        "block_reward_coins": (0.0, 1e9),
    },
}


def check_batch(source_id: str, batch: Mapping[str, Rows], noun: str = "rows") -> None:
    """Raise when ``batch`` is empty or holds implausible values (dict rows or Arrow tables)."""
    total = sum(row_count(r) for r in batch.values())
    if total == 0:
        raise EmptyDataError(f"0 {noun} parsed: layout changed or empty result?")
    for table, table_rows in batch.items():
        for column, (low, high) in RANGES.get(table, {}).items():
            bad = out_of_range(table_rows, column, low, high)
            if bad:
                raise SanityError(
                    f"{len(bad)} of {row_count(table_rows)} {noun} have {column} outside "
                    f"{low:g}..{high:g} (e.g. {bad[0]:g}): units or layout changed?"
                )


def out_of_range(rows: Rows, column: str, low: float, high: float) -> list[float]:
    """Non-null values of ``column`` outside ``low..high`` (NaN counts as outside)."""
    if not isinstance(rows, pa.Table):
        return [
            r[column]
            for r in rows
            if r.get(column) is not None and not low <= float(r[column]) <= high
        ]
    if column not in rows.column_names:
        return []
    values = rows[column].cast(pa.float64())
    outside = pc.or_(pc.or_(pc.less(values, low), pc.greater(values, high)), pc.is_nan(values))
    return pc.filter(values, outside).to_pylist()
