"""mempool.space: Bitcoin network hashrate, difficulty and block time (no key).

- ``/api/v1/mining/hashrate/<period>`` → ``{"hashrates": [{"timestamp": s, "avgHashrate": H/s}],
  "difficulty": [{"time": s, "height", "difficulty", "adjustment"}], "currentHashrate",
  "currentDifficulty"}``. ``hashrates`` are daily averages; ``difficulty`` lists retargets only,
  so a day's difficulty is the one in effect at the end of that day (a step function).
- ``/api/v1/difficulty-adjustment`` → progress of the current epoch; ``timeAvg``,
  ``remainingTime`` and ``estimatedRetargetDate`` are **milliseconds**.

Daily rows carry the 600 s target block time. The snapshot row (at ``ctx.snapshot_at``) carries
the measured average block time of the current epoch (``timeAvg``) and the block subsidy at
the current height (fees excluded); it has no hashrate or difficulty, since that endpoint gives
neither, so readers take the latest non-null value per column. When the daily list lacks
today, a refresh writes a provisional row for today from ``currentHashrate`` and
``currentDifficulty``; mempool's daily average replaces it later under the same key.
Days before the first retarget in the window are left out rather than written without a
difficulty, because an upsert would otherwise blank what a backfill stored for them.

No silent fill-ins: a retarget point's time is read under each name mempool is known to use
(``time`` as documented, ``timestamp`` as in answers recorded since, the same name the
``hashrates`` points use); a point with none of them, or without ``difficulty``, or a
hashrate point without ``timestamp``/``avgHashrate``, fails the parse with a one-line error
naming the field, instead of reading as "no retargets" and stamping today's difficulty on
every day. A present key with a null value is a gap upstream and is skipped.
"""

from __future__ import annotations

import bisect
from datetime import date, datetime, timedelta
from typing import Any

from scrapers.errors import ParseError
from scrapers.http import Response
from scrapers.schema import COIN_NETWORK, Batch, Row
from scrapers.sources.base import (
    Context,
    Query,
    Source,
    day_start,
    from_unix,
    load_json,
    require,
    to_float,
    to_int,
)
from scrapers.units import BTC_TARGET_BLOCK_TIME_S

ADJUSTMENT_URL = "https://mempool.space/api/v1/difficulty-adjustment"
HASHRATE_URL = "https://mempool.space/api/v1/mining/hashrate/{period}"
COIN = {"coin": "BTC", "coin_name": "Bitcoin", "algorithm": "SHA-256"}
HALVING_INTERVAL = 210_000
INITIAL_SUBSIDY_BTC = 50.0
# mempool's "3y" window; an earlier --since needs the "all" window.
THREE_YEARS = timedelta(days=3 * 365)


def block_subsidy_btc(height: int) -> float:
    """New coins per block at ``height``: 50 BTC halved every 210,000 blocks."""
    halvings = height // HALVING_INTERVAL
    return 0.0 if halvings >= 64 else INITIAL_SUBSIDY_BTC / 2**halvings


def ms_to_seconds(value: Any) -> float | None:
    """A duration mempool sends in ms; values under 10,000 are taken as already in seconds."""
    number = to_float(value)
    if number is None or number <= 0:
        return None
    # A Bitcoin block never averages 10,000 s over an epoch, but 10,000 ms is 10 s: so the
    # magnitude tells the unit apart should the upstream ever switch.
    return number / 1000.0 if number > 10_000 else number


# Every name a retarget point's time has been seen under, documented name first.
RETARGET_TIME_KEYS = ("time", "timestamp")


def _field(point: dict[str, Any], names: tuple[str, ...], where: str) -> Any:
    """The value under the first of ``names`` present; a loud error when none is."""
    for name in names:
        if name in point:
            return point[name]
    keys = ", ".join(sorted(map(str, point))[:8]) or "none"
    raise ParseError(
        f"{where}: a point has no {' or '.join(repr(n) for n in names)} field "
        f"(its fields: {keys}): layout changed?"
    )


def difficulty_steps(points: Any) -> list[tuple[datetime, float]]:
    """Retarget points as (time, difficulty), sorted; null values skipped, renamed keys fail."""
    where = "mempool hashrate answer 'difficulty'"
    if not isinstance(points, list):
        raise ParseError(f"{where} is not a list: layout changed?")
    steps = []
    for point in points:
        if not isinstance(point, dict):
            continue
        when = from_unix(_field(point, RETARGET_TIME_KEYS, where))
        value = to_float(_field(point, ("difficulty",), where))
        if when is not None and value is not None and value > 0:
            steps.append((when, value))
    return sorted(steps)


def daily_hashrates(points: Any) -> dict[date, float]:
    """Daily average hashrate (H/s) by UTC day."""
    if not isinstance(points, list):
        raise ParseError("mempool hashrate answer: 'hashrates' is not a list: layout changed?")
    where = "mempool hashrate answer 'hashrates'"
    days: dict[date, float] = {}
    for point in points:
        if not isinstance(point, dict):
            continue
        when = from_unix(_field(point, ("timestamp",), where))
        value = to_float(_field(point, ("avgHashrate",), where))
        if when is not None and value is not None and value > 0:
            days[when.date()] = value
    return days


def difficulty_at(steps: list[tuple[datetime, float]], moment: datetime) -> float | None:
    """The difficulty in effect at ``moment`` (the latest retarget at or before it)."""
    index = bisect.bisect_right([t for t, _ in steps], moment)
    return steps[index - 1][1] if index else None


def parse_hashrate(doc: Any, ctx: Context) -> list[Row]:
    """Daily rows: average hashrate with the difficulty in effect at the day's end."""
    where = "mempool hashrate answer"
    hashrates = daily_hashrates(require(doc, "hashrates", where))
    steps = difficulty_steps(require(doc, "difficulty", where))
    current_difficulty = to_float(doc.get("currentDifficulty"))
    if not steps and current_difficulty:
        # No retarget inside the window: the current difficulty held throughout it.
        steps = [(datetime.min, current_difficulty)]
    rows: list[Row] = []
    for day, nethash in sorted(hashrates.items()):
        if ctx.backfill and ctx.since and day < ctx.since:
            continue
        difficulty = difficulty_at(steps, day_start(day) + timedelta(days=1, microseconds=-1))
        if difficulty is None:
            continue
        rows.append(_row(day_start(day), nethash, difficulty, BTC_TARGET_BLOCK_TIME_S))
    today = ctx.snapshot_at.date()
    current_hashrate = to_float(doc.get("currentHashrate"))
    if not ctx.backfill and today not in hashrates and current_hashrate and current_difficulty:
        # Provisional row for today, replaced once mempool publishes the day's average.
        rows.append(
            _row(day_start(today), current_hashrate, current_difficulty, BTC_TARGET_BLOCK_TIME_S)
        )
    return rows


def parse_adjustment(doc: Any, ctx: Context) -> list[Row]:
    """One snapshot row: the current epoch's average block time and the block subsidy."""
    where = "mempool difficulty-adjustment answer"
    block_time_s = ms_to_seconds(require(doc, "timeAvg", where))
    if block_time_s is None:
        raise ParseError(f"{where}: 'timeAvg' is not a positive number of ms")
    next_height = to_int(doc.get("nextRetargetHeight"))
    remaining = to_int(doc.get("remainingBlocks"))
    reward = None
    if next_height is not None and remaining is not None and next_height >= remaining:
        reward = block_subsidy_btc(next_height - remaining)
    row = _row(
        ctx.snapshot_at,
        to_float(doc.get("currentHashrate")),
        to_float(doc.get("difficulty")),
        block_time_s,
    )
    row["block_reward_coins"] = reward
    return [row]


def _row(
    observed_at: datetime, nethash: float | None, difficulty: float | None, block_time_s: float
) -> Row:
    return {
        **COIN,
        "observed_at": observed_at,
        "nethash_hs": nethash,
        "difficulty": difficulty,
        "block_time_s": float(block_time_s),
    }


class Mempool(Source):
    """mempool.space Bitcoin mining statistics."""

    id = "mempool"
    kind = "coins"
    tables = (COIN_NETWORK,)
    title = "mempool.space (Bitcoin network)"
    base_url = "https://mempool.space"
    parser_version = "1"
    min_interval = timedelta(minutes=30)
    expected_interval = timedelta(days=1)
    row_noun = "network readings"
    request_interval_s = 10.0  # the public instance answers 429 above ~1 request per 10 s

    def queries(self, ctx: Context) -> list[Query]:
        """Last month of daily hashrate and difficulty, plus the current epoch's progress."""
        return [
            Query(url=HASHRATE_URL.format(period="1m"), label="hashrate_1m"),
            Query(url=ADJUSTMENT_URL, label="difficulty_adjustment"),
        ]

    def history_queries(self, ctx: Context) -> list[Query]:
        """Three years of daily hashrate (every year when --since reaches further back)."""
        period = "3y"
        if ctx.since is not None and ctx.since < ctx.now.date() - THREE_YEARS:
            period = "all"
        return [
            Query(
                url=HASHRATE_URL.format(period=period),
                label="hashrate_3y",
                extra={"period": period},
            )
        ]

    def parse(self, query: Query, response: Response, ctx: Context) -> Batch:
        """Rows for ``coin_network`` from either endpoint."""
        doc = load_json(response)
        if not isinstance(doc, dict):
            raise ParseError(f"mempool answer is a {type(doc).__name__}, expected an object")
        if query.label == "difficulty_adjustment":
            return {COIN_NETWORK.name: parse_adjustment(doc, ctx)}
        return {COIN_NETWORK.name: parse_hashrate(doc, ctx)}
