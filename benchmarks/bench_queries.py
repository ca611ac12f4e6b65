"""Dashboard queries on a store: every engine query the pages run, warm, and pandas baselines.

Each query is timed as a page pays for it: open a short-lived read-only connection, run the
real engine function, close. One warm-up call, then the median of ``repeats``.

Baselines compute the same answer with pandas from the raw ``gpu_rental_offers`` rows loaded
through DuckDB ``.df()`` (only the needed columns). The load is timed once and added to each
baseline's compute time (median of ``repeats``); when the table is larger than
``baseline_max_rows`` the newest rows are loaded instead and the time is scaled linearly to
the full table (stated in the result).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.common import measure
from dashboard.engine.economics.specs import load_gpu_specs
from dashboard.engine.queries import snapshot as market
from dashboard.engine.terms import GpuAssumptions
from scrapers import status
from scrapers.store import read_connection

TARGET_S = 0.200

# The Data health page's run-history query (dashboard/ui/data.py scrape_runs) and the
# banner's last-refresh failures: SQL inside the cached loaders, repeated here verbatim.
SCRAPE_RUNS_SQL = """
SELECT run_id, source, started_at, finished_at, status, rows_written, error,
       array_to_string(unknown_gpu_names, ', ') AS unknown_gpu_names
FROM scrape_runs ORDER BY started_at DESC, source LIMIT 50
"""
LAST_FAILURES_SQL = """
WITH last AS (SELECT arg_max(run_id, started_at) AS run_id FROM scrape_runs)
SELECT source FROM scrape_runs JOIN last USING (run_id)
WHERE status = 'failed' ORDER BY source
"""


def _queries(db: str) -> dict[str, Callable[[Any], Any]]:
    """name -> fn(con): the queries the pages run, with the pages' default inputs."""
    specs = load_gpu_specs()
    spec = specs.get("RTX 3090") or next(iter(specs.values()))
    a = GpuAssumptions()
    out: dict[str, Callable[[Any], Any]] = {
        "market.load_market": market.load_market,
        "market.margin_history (RTX 3090)": lambda c: market.margin_history(c, spec, a),
        "market.power_price_for_region": lambda c: market.power_price_for_region(c, "US-TX"),
        "status.source_statuses": status.source_statuses,
        "data health: scrape_runs": lambda c: c.execute(SCRAPE_RUNS_SQL).df(),
        "data health: last refresh failures": lambda c: c.execute(LAST_FAILURES_SQL).fetchall(),
    }
    out.update(_market_page_queries(db))
    return out


def _market_page_queries(db: str) -> dict[str, Callable[[Any], Any]]:
    try:
        from dashboard.engine.queries import market_page
    except ImportError:  # the Market page queries are optional in older trees
        return {}
    with read_connection(db) as con:
        opts = market_page.filter_options(con)
    # The Market page's defaults: the whole stored span, on-demand pricing for rentals.
    f = market_page.MarketFilters(start=opts.first_day, end=opts.last_day)
    rental = replace(f, pricing_types=("on_demand",))
    found: dict[str, Callable[[Any], Any]] = {
        "market_page.filter_options": market_page.filter_options,
        "market_page.coin_series": lambda c: market_page.coin_series(c, f),
        "market_page.rental_index": lambda c: market_page.rental_index_series(c, rental),
        "market_page.provider_medians": lambda c: market_page.provider_medians(c, rental),
        "market_page.current_offers": lambda c: market_page.current_offers(c, rental),
        "market_page.hardware_prices": lambda c: market_page.hardware_prices(c, f, {}),
        "market_page.energy_prices": lambda c: market_page.energy_prices(c, f),
        "market_page.grid_carbon": lambda c: market_page.grid_carbon(c, f),
    }
    if hasattr(market_page, "carbon_choices"):
        found["market_page.carbon_choices"] = market_page.carbon_choices
    return found


def _timed(db: str, fn: Callable[[Any], Any], repeats: int) -> dict[str, float]:
    def once() -> None:
        with read_connection(db) as con:
            fn(con)

    return measure(once, repeats=repeats, warmup=1)


def run(db: str, repeats: int = 5, baseline_max_rows: int = 30_000_000) -> dict[str, Any]:
    """Time every page query on ``db`` and the pandas baselines; returns the figures."""
    results: dict[str, Any] = {}
    for name, fn in _queries(db).items():
        try:
            results[name] = {**_timed(db, fn, repeats), "target_s": TARGET_S}
        except Exception as exc:  # report a broken query instead of losing the whole section
            results[name] = {"error": f"{type(exc).__name__}: {' '.join(str(exc).split())}"}
    baselines = _baselines(db, repeats=max(1, min(repeats, 3)), max_rows=baseline_max_rows)
    for name, base in baselines["by_query"].items():
        if name in results and "median_s" in results[name]:
            results[name]["baseline"] = base
            results[name]["ratio"] = base["total_s"] / results[name]["median_s"]
    return {"store": db, "repeats": repeats, "queries": results, "baseline_load": baselines}


# --- pandas baselines ----------------------------------------------------------------------

_OFFER_COLUMNS = (
    "observed_at, source, offer_id, pricing_type, gpu_model, rate_usd_per_gpu_hour, "
    "num_gpus, location"
)


def _load_offers(db: str, max_rows: int) -> tuple[pd.DataFrame, float, int]:
    with read_connection(db) as con:
        total = int(con.execute("SELECT count(*) FROM gpu_rental_offers").fetchone()[0])  # type: ignore[index]
        start = time.perf_counter()
        if total <= max_rows:
            frame = con.execute(f"SELECT {_OFFER_COLUMNS} FROM gpu_rental_offers").df()
        else:
            frame = con.execute(
                f"SELECT {_OFFER_COLUMNS} FROM gpu_rental_offers ORDER BY observed_at DESC LIMIT ?",
                [max_rows],
            ).df()
        return frame, time.perf_counter() - start, total


def _latest_rates_pandas(offers: pd.DataFrame) -> dict[str, float]:
    """latest_rental_rates from raw offers: per model, trimmed median on its latest day."""
    on = offers[(offers["pricing_type"] == "on_demand") & offers["gpu_model"].notna()]
    day = on["observed_at"].dt.floor("D")
    on = on.assign(day=day).sort_values("observed_at")
    latest_day = on.groupby("gpu_model")["day"].transform("max")
    last = on[on["day"] == latest_day].drop_duplicates(
        ["day", "source", "offer_id", "pricing_type"], keep="last"
    )
    out = {}
    for model, group in last.groupby("gpu_model"):
        rates = group["rate_usd_per_gpu_hour"].to_numpy()
        lo, hi = np.quantile(rates, [0.1, 0.9])
        kept = rates[(rates >= lo) & (rates <= hi)]
        out[str(model)] = float(np.median(kept if len(kept) else rates))
    return out


def _current_offers_pandas(offers: pd.DataFrame) -> pd.DataFrame:
    """current_offers from raw offers: every row of each source's latest snapshot."""
    on = offers[(offers["pricing_type"] == "on_demand") & offers["gpu_model"].notna()]
    latest = on.groupby("source")["observed_at"].transform("max")
    return on[on["observed_at"] == latest].sort_values(
        ["gpu_model", "source", "rate_usd_per_gpu_hour"]
    )


def _provider_medians_pandas(offers: pd.DataFrame) -> pd.DataFrame:
    """provider_medians from raw offers: weekly median per source, model and pricing type."""
    on = offers[(offers["pricing_type"] == "on_demand") & offers["gpu_model"].notna()]
    period = on["observed_at"].dt.to_period("W").dt.start_time
    return (
        on.assign(period=period)
        .groupby(["source", "gpu_model", "pricing_type", "period"])["rate_usd_per_gpu_hour"]
        .agg(["median", "count"])
    )


def _status_counts_pandas(offers: pd.DataFrame) -> pd.Series:
    return offers.groupby("source").size()


BASELINES: dict[str, Callable[[pd.DataFrame], Any]] = {
    "market.load_market": _latest_rates_pandas,
    "market_page.current_offers": _current_offers_pandas,
    "market_page.provider_medians": _provider_medians_pandas,
    "status.source_statuses": _status_counts_pandas,
}


def _baselines(db: str, repeats: int, max_rows: int) -> dict[str, Any]:
    offers, load_s, total = _load_offers(db, max_rows)
    loaded = len(offers)
    scale = total / loaded if loaded else 1.0
    by_query: dict[str, Any] = {}
    for name, fn in BASELINES.items():
        compute = measure(lambda fn=fn, df=offers: fn(df), repeats=repeats, warmup=0)
        by_query[name] = {
            "what": f"pandas from raw gpu_rental_offers ({fn.__doc__ or fn.__name__})".strip(),
            "load_s": load_s * scale,
            "compute_median_s": compute["median_s"] * scale,
            "total_s": (load_s + compute["median_s"]) * scale,
            "rows_loaded": loaded,
            "scaled_from_slice": loaded < total,
        }
    memory_mb = float(offers.memory_usage(deep=True).sum()) / 1e6
    del offers
    gc.collect()
    return {
        "rows_total": total,
        "rows_loaded": loaded,
        "load_s": load_s,
        "frame_mb": memory_mb,
        "note": (
            "load timed once; compute median of "
            f"{repeats}; {'scaled linearly from a slice' if loaded < total else 'full table'}"
        ),
        "by_query": by_query,
    }
