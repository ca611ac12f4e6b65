"""Read-only store queries that feed the engine: latest market state and daily margin history.

Every function takes an open DuckDB connection (the caller opens it short-lived, read-only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import numpy as np
import pandas as pd

from dashboard.engine.economics.per_gpu import (
    coin_revenue_usd_day,
    hashrate_for_algo,
    keep_net,
    rental_power_w,
    rental_revenue_usd_day,
)
from dashboard.engine.economics.specs import algo_key, apply_overrides
from dashboard.engine.terms import CoinMarket, GpuAssumptions, GpuSpec, MarketSnapshot
from scrapers.errors import ConfigError
from scrapers.units import BTC_TARGET_BLOCK_TIME_S, btc_nethash_hs, power_cost_usd_per_day

# Bitcoin-style nBits difficulty (H = D x 2^32 / T): economics.md §1.1.
_BTC_STYLE_ALGOS = {"sha256", "kawpow"}
# Conventions differ between sources for these: use only an upstream nethash.
_NO_DERIVE_ALGOS = {"kheavyhash"}

# Sources report different columns at different times (prices from one, difficulty from
# another), so a coin's state is each column's latest non-null value, not one row.
COIN_VALUE_COLUMNS = (
    "algorithm",
    "nethash_hs",
    "difficulty",
    "block_time_s",
    "block_reward_coins",
    "price_usd",
    "price_btc",
)


def latest_values_sql(columns: tuple[str, ...] = COIN_VALUE_COLUMNS) -> str:
    """SELECT items giving each column's latest non-null value (by observed_at) in a group."""
    return ",\n  ".join(
        f"arg_max({c}, observed_at) FILTER (WHERE {c} IS NOT NULL) AS {c}" for c in columns
    )


_LATEST_COINS_SQL = f"""
SELECT coin,
  {latest_values_sql()},
  max(observed_at) AS observed_at,
  arg_max(source, observed_at) AS source
FROM coin_network GROUP BY coin ORDER BY coin
"""


def derive_nethash_hs(coin: str, algorithm: str | None, nethash_hs, difficulty, block_time_s):  # noqa: ANN001, ANN201 - floats or arrays
    """Upstream nethash when given, else derived from difficulty by the coin's convention."""
    key = algo_key(algorithm) if algorithm else ("sha256" if coin == "BTC" else "")
    if key in _NO_DERIVE_ALGOS:
        derived = np.nan
    elif key in _BTC_STYLE_ALGOS:
        derived = btc_nethash_hs(difficulty, block_time_s)
    else:
        derived = difficulty / block_time_s
    if isinstance(nethash_hs, pd.Series):
        return nethash_hs.where(nethash_hs.notna(), derived)
    if nethash_hs is not None and not pd.isna(nethash_hs):
        return nethash_hs
    return derived


def _ok(*values: object) -> bool:
    return all(v is not None and not pd.isna(v) for v in values)


def _btc_price_usd(con: duckdb.DuckDBPyConnection) -> float | None:
    row = con.execute(
        "SELECT price_usd FROM coin_network WHERE coin = 'BTC' AND price_usd IS NOT NULL "
        "ORDER BY observed_at DESC LIMIT 1"
    ).fetchone()
    return float(row[0]) if row else None


# A coin whose newest row is this much older than the newest coin row is dead or no longer
# tracked (ETH after 2022-09-15): it is not "current", and history does not carry it forward.
MAX_CARRY_DAYS = 14


def load_market(con: duckdb.DuckDBPyConnection) -> MarketSnapshot:
    """The latest coin states, rental index rates, resale prices and as-of times."""
    frame = con.execute(_LATEST_COINS_SQL).df()
    if not frame.empty:
        newest = frame["observed_at"].max()
        frame = frame[frame["observed_at"] >= newest - pd.Timedelta(days=MAX_CARRY_DAYS)]
    btc_usd = _btc_price_usd(con)
    coins: list[CoinMarket] = []
    btc_difficulty = btc_reward = None
    for r in frame.itertuples(index=False):
        algorithm = r.algorithm if _ok(r.algorithm) else ("SHA-256" if r.coin == "BTC" else None)
        block_time = r.block_time_s
        if not _ok(block_time) and r.coin == "BTC":
            block_time = BTC_TARGET_BLOCK_TIME_S
        price = r.price_usd
        if not _ok(price) and _ok(r.price_btc, btc_usd):
            price = r.price_btc * btc_usd
        if r.coin == "BTC":
            btc_difficulty = float(r.difficulty) if _ok(r.difficulty) else None
            btc_reward = float(r.block_reward_coins) if _ok(r.block_reward_coins) else None
        nethash = (
            derive_nethash_hs(r.coin, algorithm, r.nethash_hs, r.difficulty, block_time)
            if _ok(block_time) and (_ok(r.nethash_hs) or _ok(r.difficulty))
            else None
        )
        if not _ok(nethash, block_time, r.block_reward_coins, price) or nethash <= 0:
            continue  # a coin missing a needed number cannot be priced: skip it
        coins.append(
            CoinMarket(
                coin=r.coin,
                algorithm=algorithm or "",
                nethash_hs=float(nethash),
                block_time_s=float(block_time),
                block_reward_coins=float(r.block_reward_coins),
                price_usd=float(price),
                observed_at=r.observed_at.to_pydatetime(),
                source=r.source,
            )
        )
    fees = None
    if btc_reward is not None:
        from dashboard.engine.economics.site import (
            btc_subsidy_btc,  # site imports market: avoid a cycle
        )

        fees = max(
            btc_reward - btc_subsidy_btc(_as_date(_max_time(con, "coin_network", "observed_at"))),
            0.0,
        )
    return MarketSnapshot(
        coins=tuple(coins),
        rental_rates_usd_per_gpu_hour=latest_rental_rates(con),
        resale_usd=latest_resale(con),
        btc_price_usd=btc_usd,
        btc_difficulty=btc_difficulty,
        btc_fees_per_block_btc=fees,
        as_of={
            "coins": _max_time(con, "coin_network", "observed_at"),
            "rental": _max_time(con, "gpu_rental_index", "day"),
            "hardware": _max_time(con, "gpu_hardware_prices", "observed_at"),
            "energy": _max_time(con, "energy_prices", "period_start"),
        },
        is_demo=is_demo(con),
    )


def _as_date(value: datetime | None) -> date:
    return value.date() if value else date.today()


def _max_time(con: duckdb.DuckDBPyConnection, table: str, column: str) -> datetime | None:
    value = con.execute(f"SELECT max({column}) FROM {table}").fetchone()[0]  # type: ignore[index]
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day)


def is_demo(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the store holds the bundled demo dataset."""
    row = con.execute("SELECT value FROM store_meta WHERE key = 'dataset'").fetchone()
    return bool(row) and row[0] == "demo"


def latest_rental_rates(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Per model: the on-demand source-mix-stable index on that model's latest index day."""
    rows = con.execute(
        """
        SELECT gpu_model, arg_max(stable_usd_per_gpu_hour, day)
        FROM gpu_rental_index WHERE pricing_type = 'on_demand' GROUP BY gpu_model
        """
    ).fetchall()
    return {model: float(rate) for model, rate in rows}


def latest_resale(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Per model: the median used price at that model's latest observation time."""
    rows = con.execute(
        """
        WITH used AS (
          SELECT gpu_model, observed_at, price_usd FROM gpu_hardware_prices
          WHERE condition = 'used' AND gpu_model IS NOT NULL
        ), latest AS (SELECT gpu_model, max(observed_at) AS t FROM used GROUP BY gpu_model)
        SELECT u.gpu_model, median(u.price_usd)
        FROM used u JOIN latest l ON u.gpu_model = l.gpu_model AND u.observed_at = l.t
        GROUP BY u.gpu_model
        """
    ).fetchall()
    return {model: float(price) for model, price in rows}


def _daily_coins(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    frame = con.execute(
        f"""
        SELECT CAST(observed_at AS DATE) AS day, coin, {latest_values_sql()}
        FROM coin_network GROUP BY ALL ORDER BY coin, day
        """
    ).df()
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def _rental_series(con: duckdb.DuckDBPyConnection, gpu_model: str) -> pd.Series:
    frame = con.execute(
        """
        SELECT day, stable_usd_per_gpu_hour AS rate FROM gpu_rental_index
        WHERE gpu_model = ? AND pricing_type = 'on_demand' ORDER BY day
        """,
        [gpu_model],
    ).df()
    return pd.Series(frame["rate"].to_numpy(), index=pd.to_datetime(frame["day"]), dtype=float)


HISTORY_COLUMNS = [
    "day",
    "mining_net_usd_day",
    "rental_net_usd_day",
    "best_coin",
    "mining_revenue_usd_day",
    "rental_rate_usd_per_gpu_hour",
]


@dataclass(frozen=True)
class HistoryInputs:
    """The stored series a margin history is computed from: they depend on the GPU model only,
    so a new power price, fee or utilization recomputes the margins without a query."""

    coins: pd.DataFrame  # one row per coin and day (latest values of the day)
    rental: pd.Series  # day -> source-mix-stable on-demand index, $/GPU-hour


def history_inputs(con: duckdb.DuckDBPyConnection, gpu_model: str) -> HistoryInputs:
    """The daily coin network state and ``gpu_model``'s rental index, as stored."""
    return HistoryInputs(_daily_coins(con), _rental_series(con, gpu_model))


def margin_history(
    con: duckdb.DuckDBPyConnection, spec: GpuSpec, a: GpuAssumptions
) -> pd.DataFrame:
    """Daily mining net (best coin) and rental net per GPU, on days where both are known."""
    return margins_from(history_inputs(con, spec.gpu_model), spec, a)


def margins_from(inputs: HistoryInputs, spec: GpuSpec, a: GpuAssumptions) -> pd.DataFrame:
    """:func:`margin_history` from already-read series (pure; no store access)."""
    spec = apply_overrides(spec, a)
    rental, coins = inputs.rental, inputs.coins
    if rental.empty or coins.empty:
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    # A full daily calendar, so the carry-forward limit below counts days, not rows.
    days = pd.date_range(
        min(coins["day"].min(), rental.index.min()),
        max(coins["day"].max(), rental.index.max()),
        freq="D",
    )

    btc = coins[coins["coin"] == "BTC"].set_index("day")["price_usd"]
    btc_usd = btc.reindex(days).ffill()

    nets: dict[str, pd.Series] = {}
    revenues: dict[str, pd.Series] = {}
    for coin, group in coins.groupby("coin"):
        algorithm = group["algorithm"].dropna()
        algorithm = algorithm.iloc[-1] if len(algorithm) else ("SHA-256" if coin == "BTC" else None)
        match = hashrate_for_algo(spec, algorithm or "")
        if match is None:
            continue
        hashrate, power_w = match
        g = group.set_index("day").reindex(days).ffill(limit=MAX_CARRY_DAYS)
        price = g["price_usd"].where(g["price_usd"].notna(), g["price_btc"] * btc_usd)
        nethash = derive_nethash_hs(
            coin, algorithm, g["nethash_hs"], g["difficulty"], g["block_time_s"]
        )
        revenue = coin_revenue_usd_day(
            hashrate, nethash, g["block_time_s"], g["block_reward_coins"], price, a.pool_fee
        )
        cost = power_cost_usd_per_day(power_w, a.power_price_usd_per_kwh, a.pue)
        revenue = revenue.replace([np.inf, -np.inf], np.nan)
        revenues[coin] = revenue
        nets[coin] = revenue - cost
    if not nets:
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    table = pd.DataFrame(nets, index=days)
    known = table.notna().any(axis=1)
    best_coin = table[known].idxmax(axis=1).reindex(days)
    mining_net = table.max(axis=1)
    revenue_table = pd.DataFrame(revenues, index=days)
    best_revenue = pd.Series(np.nan, index=days)
    for coin in table.columns:
        best_revenue = best_revenue.where(best_coin != coin, revenue_table[coin])

    rate = rental.reindex(days).ffill()
    rental_cost = power_cost_usd_per_day(
        rental_power_w(spec, a.utilization), a.power_price_usd_per_kwh, a.pue
    )
    rental_net = rental_revenue_usd_day(rate, a.utilization, a.platform_fee) - rental_cost
    out = pd.DataFrame(
        {
            "day": days.date,
            "mining_net_usd_day": mining_net.to_numpy(),
            "rental_net_usd_day": rental_net.to_numpy(),
            "best_coin": best_coin.to_numpy(),
            "mining_revenue_usd_day": best_revenue.to_numpy(),
            "rental_rate_usd_per_gpu_hour": rate.to_numpy(),
        }
    )
    both = out["mining_net_usd_day"].notna() & out["rental_net_usd_day"].notna()
    return out[both].reset_index(drop=True)


def crossovers(history: pd.DataFrame) -> list[tuple[date, str]]:
    """Days where the spread (rental - max(mining, 0)) changes sign, with the new leader."""
    if history.empty:
        return []
    keep = history["mining_net_usd_day"].clip(lower=0)
    spread = (history["rental_net_usd_day"] - keep).to_numpy()
    positive = spread > 0
    out: list[tuple[date, str]] = []
    for i in range(1, len(spread)):
        if positive[i] != positive[i - 1]:
            direction = "rental_ahead" if positive[i] else "mining_ahead"
            out.append((history["day"].iloc[i], direction))
    return out


def power_price_for_region(
    con: duckdb.DuckDBPyConnection, region: str
) -> tuple[float, date] | None:
    """Latest EIA industrial price (USD/kWh) and its period start for a region like "US-TX"."""
    row = con.execute(
        """
        SELECT price_usd_per_kwh, period_start FROM energy_prices
        WHERE source = 'eia' AND sector = 'industrial' AND upper(region) = upper(?)
        ORDER BY period_start DESC, period LIMIT 1
        """,
        [region.strip()],
    ).fetchone()
    if row is None:
        return None
    return float(row[0]), row[1]


def industrial_price_regions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Regions (US states as US-XX, and US) with a stored EIA industrial price."""
    rows = con.execute(
        "SELECT DISTINCT region FROM energy_prices "
        "WHERE source = 'eia' AND sector = 'industrial' ORDER BY region"
    ).fetchall()
    return [r[0] for r in rows]


def require_power_price(con: duckdb.DuckDBPyConnection, region: str) -> tuple[float, date]:
    """:func:`power_price_for_region`, or a one-line ConfigError when the store has none."""
    found = power_price_for_region(con, region)
    if found is None:
        raise ConfigError(f"no EIA industrial price for region {region!r} in the store")
    return found


def keep_net_series(history: pd.DataFrame) -> pd.Series:
    """max(mining net, 0) per day."""
    return history["mining_net_usd_day"].map(keep_net)
