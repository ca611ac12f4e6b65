"""The demo dataset's illustrative daily history, rebuilt from dated public anchor figures.

``data/reference/anchors.csv`` holds one figure per row (series, date, value, unit, how to
interpolate, source URL, note). Between anchors a series moves log-linearly; before its first
and after its last anchor it is held flat. A small deterministic wiggle (seeded per series)
makes the charts look like market data; it fades to zero at every anchor date, so the history
passes exactly through the cited figures.

Coins are calibrated on an RTX 3090: each day's network hashrate is solved from the anchored
gross revenue of that card, so ``(h / nethash) x (86400 / block_time) x reward x price``
reproduces the anchor (e.g. $2.80/day on ETH on 2022-09-14, $0.33 on ETC the next day).
Every row says ``source = demo_history`` and points at the anchors file in its lineage.
"""

from __future__ import annotations

import csv
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from scrapers.checks import RANGES
from scrapers.config import REFERENCE_DIR
from scrapers.errors import EmptyDataError, SanityError
from scrapers.gpu_models import canonical_gpu
from scrapers.schema import TABLES_BY_NAME
from scrapers.units import BTC_DIFFICULTY_1_HASHES, btc_nethash_hs, cents_per_kwh_to_usd_per_kwh

SOURCE = "demo_history"
PARSER_VERSION = "demo-1"
ANCHORS_PATH = REFERENCE_DIR / "anchors.csv"
ANCHORS_URL = "reference://data/reference/anchors.csv"
HISTORY_START = date(2021, 1, 1)

# Coin -> (display name, algorithm): algorithm names as WhatToMine writes them.
COINS: dict[str, tuple[str, str]] = {
    "ETH": ("Ethereum", "Ethash"),
    "ETC": ("EthereumClassic", "Etchash"),
    "RVN": ("Ravencoin", "KawPow"),
    "ERG": ("Ergo", "Autolykos"),
}
RENTAL_MODELS = ("H100 SXM", "A100 80GB SXM", "RTX 4090", "RTX 3090")
RAM_GB = {"H100 SXM": 80.0, "A100 80GB SXM": 80.0, "RTX 4090": 24.0, "RTX 3090": 24.0}
# Five synthetic offers per model and day, spread +-15 % around the anchored median.
OFFER_SPREAD = (0.85, 0.925, 1.0, 1.075, 1.15)
STATE_NAMES = {
    "US": "United States",
    "US-TX": "Texas",
    "US-WA": "Washington",
    "US-GA": "Georgia",
    "US-NY": "New York",
    "US-ND": "North Dakota",
    "US-LA": "Louisiana",
    "US-OK": "Oklahoma",
}
CARBON_NAMES = {
    "US": "United States",
    "CA": "Canada",
    "DE": "Germany",
    "NO": "Norway",
    "KZ": "Kazakhstan",
    "CN": "China",
}


@dataclass(frozen=True)
class Anchor:
    """One dated public figure."""

    series: str
    day: date
    value: float
    unit: str
    interp: str  # log | step | const | check | end
    source_url: str
    note: str


Anchors = dict[str, list[Anchor]]


def load_anchors(path: Path = ANCHORS_PATH) -> Anchors:
    """Anchors grouped by series, each list sorted by date."""
    grouped: Anchors = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for n, rec in enumerate(csv.DictReader(fh), start=2):
            try:
                anchor = Anchor(
                    series=rec["series"].strip(),
                    day=date.fromisoformat(rec["date"].strip()),
                    value=float(rec["value"]),
                    unit=rec["unit"].strip(),
                    interp=rec["interp"].strip(),
                    source_url=rec["source_url"].strip(),
                    note=rec["note"].strip(),
                )
            except (KeyError, ValueError, AttributeError) as exc:
                raise ValueError(f"{path.name} line {n}: {exc}") from None
            if not anchor.source_url:
                raise ValueError(f"{path.name} line {n}: every anchor needs a source URL")
            grouped.setdefault(anchor.series, []).append(anchor)
    for rows in grouped.values():
        rows.sort(key=lambda a: a.day)
    return grouped


def day_range(start: date, end: date) -> np.ndarray:
    """Every day from ``start`` to ``end`` inclusive as ``datetime64[D]``."""
    return np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1, dtype="datetime64[D]")


def month_range(start: date, end: date) -> np.ndarray:
    """The first day of every month from ``start``'s month to ``end``'s month."""
    months = np.arange(
        np.datetime64(start, "M"), np.datetime64(end, "M") + 1, dtype="datetime64[M]"
    )
    return months.astype("datetime64[D]")


def curve(anchors: list[Anchor], days: np.ndarray) -> np.ndarray:
    """The anchored series on ``days``: log-linear, step or constant, flat beyond the ends."""
    x = days.astype("int64")
    ax = np.array([np.datetime64(a.day, "D").astype("int64") for a in anchors])
    ay = np.array([a.value for a in anchors], dtype=float)
    kind = anchors[0].interp
    if kind == "const":
        return np.full(len(days), ay[0])
    if kind == "step":
        return ay[np.clip(np.searchsorted(ax, x, side="right") - 1, 0, len(ay) - 1)]
    return np.exp(np.interp(x, ax, np.log(ay)))


def wiggle(name: str, days: np.ndarray, anchors: list[Anchor], sigma: float) -> np.ndarray:
    """A seeded, autocorrelated multiplicative wiggle that is exactly 1 on anchor dates."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    shocks = rng.normal(0.0, 1.0, len(days))
    phi = 0.9  # day-to-day persistence, so the wiggle drifts rather than jitters
    walk = np.empty(len(days))
    level = 0.0
    for i, shock in enumerate(shocks):
        level = phi * level + np.sqrt(1 - phi**2) * shock
        walk[i] = level
    x = days.astype("int64")
    ax = np.array([np.datetime64(a.day, "D").astype("int64") for a in anchors])
    distance = np.min(np.abs(x[:, None] - ax[None, :]), axis=1)
    fade = 1.0 - np.exp(-distance / 10.0)
    return np.exp(sigma * walk * fade)


def series(anchors: Anchors, name: str, days: np.ndarray, sigma: float = 0.0) -> np.ndarray:
    """Anchored values of ``name`` on ``days``, with the seeded wiggle when ``sigma`` > 0."""
    rows = anchors.get(name)
    if not rows:
        raise KeyError(f"anchors.csv has no series {name!r}")
    values = curve(rows, days)
    return values * wiggle(name, days, rows, sigma) if sigma else values


def end_day(anchors: Anchors, name: str, default: date) -> date:
    """The ``end.<name>`` anchor date, else ``default``."""
    rows = anchors.get(f"end.{name}")
    return rows[-1].day if rows else default


def _timestamps(days: np.ndarray) -> pd.Series:
    return pd.Series(days.astype("datetime64[ns]"))


def _lineage(frame: pd.DataFrame, fetched_at: datetime) -> pd.DataFrame:
    frame["source"] = SOURCE
    frame["source_url"] = ANCHORS_URL
    frame["fetched_at"] = fetched_at
    frame["parser_version"] = PARSER_VERSION
    return frame


def coin_frame(anchors: Anchors, today: date) -> pd.DataFrame:
    """Daily ``coin_network`` rows: BTC plus the GPU coins calibrated on an RTX 3090."""
    days = day_range(HISTORY_START, today)
    btc_price = series(anchors, "BTC.price_usd", days, 0.03)
    difficulty = series(anchors, "BTC.difficulty", days, 0.01)
    reward = series(anchors, "BTC.subsidy_btc", days) + series(anchors, "BTC.fees_btc", days, 0.2)
    frames = [
        pd.DataFrame(
            {
                "coin": "BTC",
                "observed_at": _timestamps(days),
                "coin_name": "Bitcoin",
                "algorithm": "SHA-256",
                "difficulty": difficulty,
                "nethash_hs": btc_nethash_hs(difficulty),
                "block_time_s": 600.0,
                "block_reward_coins": reward,
                "price_usd": btc_price,
                "price_btc": 1.0,
            }
        )
    ]
    btc_by_day = dict(zip(days.tolist(), btc_price, strict=True))
    for coin, (coin_name, algorithm) in COINS.items():
        coin_days = day_range(HISTORY_START, min(today, end_day(anchors, coin, today)))
        hashrate_hs = series(anchors, f"rtx3090.hashrate.{algorithm}", coin_days)
        block_time_s = series(anchors, f"{coin}.block_time_s", coin_days)
        block_reward = series(anchors, f"{coin}.block_reward_coins", coin_days)
        price = series(anchors, f"{coin}.price_usd", coin_days, 0.03)
        revenue = series(anchors, f"{coin}.rtx3090_gross_usd_day", coin_days, 0.03)
        # Solve the network hashrate that gives the anchored RTX 3090 revenue.
        nethash = hashrate_hs * 86_400 / block_time_s * block_reward * price / revenue
        if algorithm == "KawPow":  # Bitcoin-style nBits difficulty
            coin_difficulty = nethash * block_time_s / BTC_DIFFICULTY_1_HASHES
        else:  # Ethash/Etchash/Autolykos: difficulty = expected hashes per block
            coin_difficulty = nethash * block_time_s
        btc = np.array([btc_by_day[d] for d in coin_days.tolist()])
        frames.append(
            pd.DataFrame(
                {
                    "coin": coin,
                    "observed_at": _timestamps(coin_days),
                    "coin_name": coin_name,
                    "algorithm": algorithm,
                    "difficulty": coin_difficulty,
                    "nethash_hs": nethash,
                    "block_time_s": block_time_s,
                    "block_reward_coins": block_reward,
                    "price_usd": price,
                    "price_btc": price / btc,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def rental_frame(anchors: Anchors, today: date) -> pd.DataFrame:
    """Daily synthetic on-demand offers: five per model and day around the anchored median."""
    frames = []
    for model in RENTAL_MODELS:
        name = f"rent.{model}"
        start = anchors[name][0].day
        days = day_range(max(start, HISTORY_START), today)
        median = series(anchors, name, days, 0.04)
        slug = model.lower().replace(" ", "-")
        for n, spread in enumerate(OFFER_SPREAD, start=1):
            jitter = wiggle(f"{name}#{n}", days, anchors[name], 0.02)
            rate = median * spread * jitter
            frames.append(
                pd.DataFrame(
                    {
                        "offer_id": f"demo-{slug}-{n}",
                        "pricing_type": "on_demand",
                        "observed_at": _timestamps(days),
                        "gpu_name_raw": model,
                        "gpu_model": canonical_gpu(model, RAM_GB[model]),
                        "num_gpus": 1,
                        "rate_usd_per_gpu_hour": rate,
                        "offer_rate_usd_per_hour": rate,
                        "gpu_ram_gb": RAM_GB[model],
                        "location": None,
                        "reliability": None,
                        "available": True,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def hardware_frame(anchors: Anchors, today: date) -> pd.DataFrame:
    """Monthly used (and a few new) card prices following the anchored crash and recovery."""
    frames = []
    for name in sorted(n for n in anchors if n.startswith(("used.", "new."))):
        condition, model = name.split(".", 1)
        start = max(anchors[name][0].day, HISTORY_START)
        months = month_range(start, min(today, end_day(anchors, name, today)))
        price = series(anchors, name, months, 0.03)
        slug = model.lower().replace(" ", "-")
        frames.append(
            pd.DataFrame(
                {
                    "item_id": f"demo-{condition}-{slug}",
                    "observed_at": _timestamps(months),
                    "title": f"{model} ({condition}, illustrative)",
                    "gpu_model": canonical_gpu(model),
                    "condition": condition,
                    "price_usd": price,
                    "quantity": None,
                    "url": None,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def energy_frame(anchors: Anchors, today: date) -> pd.DataFrame:
    """Monthly industrial prices for the US and a few states up to last month."""
    last_month = (np.datetime64(today, "M") - 1).astype("datetime64[D]")
    months = month_range(HISTORY_START, last_month.astype(date))
    us = series(anchors, "power.US", months, 0.015)
    month_index = (months.astype("datetime64[M]").astype("int64") % 12) + 1
    # Industrial tariffs peak in summer; the sine averages to zero over a year.
    season = 1 + 0.04 * np.sin(2 * np.pi * (month_index - 4) / 12)
    frames = []
    for region, region_name in STATE_NAMES.items():
        if region == "US":
            cents = us * season
        else:
            rows = anchors[f"power.{region}"]
            us_at = {
                a.day: float(curve(anchors["power.US"], day_range(a.day, a.day))[0]) for a in rows
            }
            ratio = [
                Anchor(a.series, a.day, a.value / us_at[a.day], "", "log", a.source_url, "")
                for a in rows
            ]
            cents = us * curve(ratio, months) * season * wiggle(region, months, rows, 0.015)
        frames.append(
            pd.DataFrame(
                {
                    "region": region,
                    "sector": "industrial",
                    "period": "month",
                    "period_start": months.astype("datetime64[ns]"),
                    "price_usd_per_kwh": cents_per_kwh_to_usd_per_kwh(cents),
                    "price_native": cents,
                    "native_unit": "USc/kWh",
                    "usd_per_native_currency": None,
                    "region_name": region_name,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def carbon_frame(anchors: Anchors, today: date) -> pd.DataFrame:
    """Yearly grid carbon intensity for a few regions (used only without a carbon sample)."""
    years = list(range(HISTORY_START.year, today.year + 1))
    records = []
    for region, region_name in CARBON_NAMES.items():
        rows = anchors[f"carbon.{region}"]
        mids = np.array([np.datetime64(date(y, 7, 1), "D") for y in years])
        for year, value in zip(years, curve(rows, mids), strict=True):
            records.append(
                {
                    "region": region,
                    "year": year,
                    "carbon_g_per_kwh": float(value),
                    "region_name": region_name,
                }
            )
    return pd.DataFrame.from_records(records)


def build_history(
    today: date, fetched_at: datetime, include_carbon: bool, anchors: Anchors | None = None
) -> dict[str, pd.DataFrame]:
    """Every history table as a frame with exactly the table's columns, lineage included."""
    anchors = anchors or load_anchors()
    frames = {
        "coin_network": coin_frame(anchors, today),
        "gpu_rental_offers": rental_frame(anchors, today),
        "gpu_hardware_prices": hardware_frame(anchors, today),
        "energy_prices": energy_frame(anchors, today),
    }
    if include_carbon:
        frames["grid_carbon"] = carbon_frame(anchors, today)
    out = {}
    for name, frame in frames.items():
        frame = _lineage(frame, fetched_at)
        for column, sqltype, _ in TABLES_BY_NAME[name].columns:
            if sqltype.startswith("DATE"):
                frame[column] = pd.to_datetime(frame[column]).dt.date
        out[name] = frame.reindex(columns=list(TABLES_BY_NAME[name].column_names))
    return out


def check_frames(frames: dict[str, pd.DataFrame]) -> None:
    """The sanity ranges of :mod:`scrapers.checks`, vectorised for the history frames."""
    for name, frame in frames.items():
        if frame.empty:
            raise EmptyDataError(f"demo history built no {name} rows")
        for column, (low, high) in RANGES.get(name, {}).items():
            values = pd.to_numeric(frame[column]).dropna()
            bad = values[(values < low) | (values > high)]
            if len(bad):
                raise SanityError(
                    f"demo history: {len(bad)} {name} rows have {column} outside "
                    f"{low:g}..{high:g} (e.g. {bad.iloc[0]:g}): check anchors.csv"
                )
