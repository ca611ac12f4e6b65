"""A deterministic synthetic store at scale, shaped like the real sources and labelled synthetic.

``large``: hourly snapshots of ~1,000 rental offers over 3 years (~26 M offer rows), daily coin
and BTC data, monthly energy prices per region, weekly hardware prices. ``small``: the same
shape over 30 days with 200 offers per snapshot. Rows are generated inside DuckDB from
``hash(seed, ...)`` so the same seed always gives the same store.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from scrapers.errors import ConfigError
from scrapers.store import WRITE_CONFIG, ensure_schema, rebuild_derived


@dataclass(frozen=True)
class Scale:
    """How much to generate."""

    days: int
    offers_per_snapshot: int


SCALES = {"small": Scale(days=30, offers_per_snapshot=200), "large": Scale(1095, 1000)}

# model, base $/GPU-h, share of offers, annual drift of the rate
MODELS = [
    ("RTX 3090", 0.26, 0.22, -0.15),
    ("RTX 4090", 0.45, 0.25, -0.12),
    ("RTX 3080", 0.12, 0.08, -0.15),
    ("RTX A4000", 0.14, 0.06, -0.10),
    ("A100 80GB SXM", 1.20, 0.12, -0.20),
    ("H100 SXM", 2.10, 0.15, -0.25),
    ("H100 PCIe", 1.70, 0.05, -0.25),
    ("L40S", 0.75, 0.07, -0.15),
]
COINS = [  # coin, algorithm, nethash H/s, block time s, reward, price USD
    ("BTC", "SHA-256", 1.0e21, 600.0, 3.2, 90_000.0),
    ("ETC", "Etchash", 1.8e14, 13.0, 2.56, 15.0),
    ("RVN", "KawPow", 6.0e12, 60.0, 2500.0, 0.012),
    ("ERG", "Autolykos", 2.0e13, 120.0, 6.0, 0.9),
]
REGIONS = ["US-TX", "US-WA", "US-GA", "US-NY", "US-ND", "US", "DE", "NO", "SE", "IS"]


def _rand(seed: int, *parts: str) -> str:
    """SQL for a deterministic uniform [0, 1) from the seed and row expressions."""
    args = ", ".join((str(seed), *parts))
    return f"(hash({args}) % 1000000) / 1000000.0"


def build_synthetic(
    out: Path,
    scale: str = "small",
    seed: int = 42,
    end: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write a synthetic store to ``out`` (replaced atomically); returns row counts."""
    if scale not in SCALES:
        raise ConfigError(f"--scale must be one of {', '.join(SCALES)}, got {scale!r}")
    say = progress or (lambda _m: None)
    sc = SCALES[scale]
    end = end or date(2026, 11, 1)
    start = end - timedelta(days=sc.days)
    tmp = out.with_name(out.name + ".building")
    for p in (tmp, Path(str(tmp) + ".wal")):
        p.unlink(missing_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(tmp), config=dict(WRITE_CONFIG))  # no extension downloads
    try:
        ensure_schema(con)
        lineage = (
            f"'synthetic://seed/{seed}' AS source_url, TIMESTAMP '{end}' AS fetched_at, "
            "'synth-1' AS parser_version"
        )
        models = " UNION ALL ".join(
            f"SELECT {i} AS m, '{name}' AS model, {rate} AS base, {share} AS share, "
            f"{drift} AS drift"
            for i, (name, rate, share, drift) in enumerate(MODELS)
        )
        say(f"rental offers: {sc.days} days x 24 h x {sc.offers_per_snapshot} offers")
        con.execute(f"""
            CREATE TEMP TABLE models AS
            SELECT *, sum(share) OVER (ORDER BY m) - share AS lo, sum(share) OVER (ORDER BY m) AS hi
            FROM ({models})
        """)
        con.execute(f"""
            CREATE TEMP TABLE offers AS
            SELECT o.range AS k, m.model, m.base, m.drift,
                   1 + CAST(floor({_rand(seed, "o.range", "'gpus'")} * 3) AS INT) AS num_gpus,
                   0.7 + 0.6 * {_rand(seed, "o.range", "'level'")} AS level
            FROM range({sc.offers_per_snapshot}) o
            JOIN models m ON {_rand(seed, "o.range", "'model'")} * (SELECT max(hi) FROM models)
                 BETWEEN m.lo AND m.hi - 1e-12
        """)
        con.execute(f"""
            INSERT INTO gpu_rental_offers BY NAME
            SELECT 'vastai' AS source, CAST(o.k AS VARCHAR) AS offer_id,
                   'on_demand' AS pricing_type,
                   TIMESTAMP '{start}' + INTERVAL (h.range) HOUR AS observed_at,
                   o.model AS gpu_name_raw, o.model AS gpu_model, o.num_gpus,
                   rate AS rate_usd_per_gpu_hour, rate * o.num_gpus AS offer_rate_usd_per_hour,
                   24.0 AS gpu_ram_gb, 'US' AS location, 0.99 AS reliability,
                   {_rand(seed, "o.k", "h.range", "'r'")} > 0.3 AS available, {lineage}
            FROM offers o, range({sc.days * 24}) h,
                 LATERAL (SELECT o.base * o.level * pow(1 + o.drift, h.range / 8766.0)
                          * (0.95 + 0.1 * {_rand(seed, "o.k", "h.range")}) AS rate)
        """)
        say("coins, energy, hardware")
        coins = " UNION ALL ".join(
            f"SELECT '{c}' AS coin, '{a}' AS algorithm, {n} AS n, {bt} AS bt, {r} AS r, {p} AS p"
            for c, a, n, bt, r, p in COINS
        )
        con.execute(f"""
            INSERT INTO coin_network BY NAME
            SELECT 'coinmetrics' AS source, c.coin,
                   DATE '{start}' + INTERVAL (d.range) DAY AS observed_at,
                   c.coin AS coin_name, c.algorithm,
                   CASE WHEN c.coin = 'BTC' THEN c.n * pow(1.4, d.range / 365.25) * 600 / 4294967296
                        ELSE c.n * c.bt END AS difficulty,
                   c.n * pow(1.4, d.range / 365.25) AS nethash_hs, c.bt AS block_time_s,
                   c.r AS block_reward_coins,
                   c.p * (0.8 + 0.4 * {_rand(seed, "d.range", "c.coin")}) AS price_usd,
                   NULL AS price_btc, NULL AS difficulty_24h, NULL AS block_reward_24h_coins,
                   NULL AS price_btc_24h, {lineage}
            FROM ({coins}) c, range({sc.days}) d
        """)
        regions = ", ".join(f"('{r}')" for r in REGIONS)
        con.execute(f"""
            INSERT INTO energy_prices BY NAME
            SELECT 'eia' AS source, r.region AS region, 'industrial' AS sector, 'month' AS period,
                   date_trunc('month', DATE '{start}') + INTERVAL (m.range) MONTH AS period_start,
                   (5 + 6 * {_rand(seed, "r.region", "m.range")}) / 100 AS price_usd_per_kwh,
                   5 + 6 * {_rand(seed, "r.region", "m.range")} AS price_native,
                   'USc/kWh' AS native_unit, NULL AS usd_per_native_currency,
                   r.region AS region_name, {lineage}
            FROM (VALUES {regions}) r(region), range({sc.days // 30 + 1}) m
        """)
        con.execute(f"""
            INSERT INTO gpu_hardware_prices BY NAME
            SELECT 'tomshardware' AS source, m.model || '|' || w.range AS item_id,
                   TIMESTAMP '{start}' + INTERVAL (w.range * 7) DAY AS observed_at,
                   m.model AS title, m.model AS gpu_model, 'used' AS condition,
                   m.base * 3000 * (0.9 + 0.2 * {_rand(seed, "m.m", "w.range")}) AS price_usd,
                   100 AS quantity, NULL AS url, {lineage}
            FROM models m, range({sc.days // 7 + 1}) w
        """)
        say("rental index")
        rebuild_derived(con)  # the rows went in as SQL, not through the store's writes
        con.execute(
            "INSERT OR REPLACE INTO store_meta VALUES ('dataset', 'synthetic'), "
            f"('synthetic_scale', '{scale}'), ('synthetic_seed', '{seed}')"
        )
        counts = {
            t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]
            for t in (
                "gpu_rental_offers",
                "coin_network",
                "energy_prices",
                "gpu_hardware_prices",
                "gpu_rental_index",
            )
        }
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, out)
    Path(str(out) + ".wal").unlink(missing_ok=True)
    return counts
