"""Documentation of the store for the SQL console: every table, its columns, example queries.

Data tables describe themselves (scrapers.schema); support tables are documented here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from scrapers.schema import DATA_TABLES, LINEAGE_COLUMNS, SUPPORT_DDL
from scrapers.store import DERIVED_TABLES

LINEAGE_DESCRIPTIONS = {
    "source_url": "the upstream URL the row was parsed from",
    "fetched_at": "UTC time the payload was fetched",
    "parser_version": "version of the parser that produced the row",
}

SUPPORT_TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "gpu_rental_index": (
        "The RigShift rental index: daily per model and pricing type, pooled over sources.",
        {
            "day": "UTC day",
            "gpu_model": "canonical GPU model id",
            "pricing_type": "on_demand | spot | reserved",
            "median_usd_per_gpu_hour": "median offer, USD per GPU-hour",
            "trimmed_median_usd_per_gpu_hour": "old name, same value as iqm_usd_per_gpu_hour",
            "p25_usd_per_gpu_hour": "25th percentile offer, USD per GPU-hour",
            "p75_usd_per_gpu_hour": "75th percentile offer, USD per GPU-hour",
            "offer_count": "offers behind the day's value",
            "sources": "comma-separated source ids that contributed",
            "iqm_usd_per_gpu_hour": "interquartile mean of available offers (the index value)",
            "stable_usd_per_gpu_hour": "chain-linked, source-mix-stable index (the verdict's)",
            "gpu_count": "GPUs behind the day's available offers",
            "source_mix": "available offers per source, e.g. 'runpod 3, vastai 9'",
            "low_confidence": "fewer available offers than the minimum sample (5)",
        },
    ),
    "scrape_runs": (
        "The refresh log: one row per source per refresh run.",
        {
            "run_id": "id shared by every source in one refresh",
            "source": "source id",
            "started_at": "UTC start",
            "finished_at": "UTC end",
            "status": "ok | failed | skipped | running",
            "rows_written": "rows upserted",
            "error": "one-line error when it failed",
            "unknown_gpu_names": "upstream GPU names not mapped to a canonical model",
        },
    ),
    "raw_payloads": (
        "Index of the raw upstream payloads kept on disk (to re-run parsers).",
        {
            "source": "source id",
            "sha256": "content hash",
            "url": "fetched URL",
            "fetched_at": "UTC fetch time",
            "content_type": "HTTP content type",
            "bytes": "payload size",
            "path": "gzip file on disk",
        },
    ),
    "store_meta": (
        "Store-level settings such as the schema version and dataset (demo or live).",
        {"key": "setting name", "value": "setting value"},
    ),
}


@dataclass(frozen=True)
class TableDoc:
    """One table: what it holds and its columns (name, SQL type, description)."""

    name: str
    description: str
    columns: tuple[tuple[str, str, str], ...]

    def frame(self) -> pd.DataFrame:
        """The columns as a three-column table."""
        return pd.DataFrame(list(self.columns), columns=["column", "type", "description"])


def _ddl_columns(ddl: str) -> tuple[str, list[tuple[str, str]]]:
    name = re.search(r"CREATE TABLE IF NOT EXISTS (\w+)", ddl)
    columns = []
    for line in ddl.splitlines()[1:]:
        match = re.match(r"\s+(\w+)\s+([A-Z]+(?:\[\])?)", line)
        if match and match.group(1) != "PRIMARY":
            columns.append((match.group(1), match.group(2)))
    return (name.group(1) if name else ""), columns


def table_docs() -> list[TableDoc]:
    """Every table in the store, data tables first."""
    docs = [
        TableDoc(
            t.name,
            t.description,
            tuple((n, typ.split()[0], d) for n, typ, d in t.columns)
            + tuple((n, typ.split()[0], LINEAGE_DESCRIPTIONS[n]) for n, typ in LINEAGE_COLUMNS),
        )
        for t in DATA_TABLES
    ]
    derived = [ddl for d in DERIVED_TABLES for ddl in d.ddl]
    for ddl in (*SUPPORT_DDL, *derived):
        name, columns = _ddl_columns(ddl)
        description, notes = SUPPORT_TABLES.get(name, ("", {}))
        docs.append(
            TableDoc(name, description, tuple((c, typ, notes.get(c, "")) for c, typ in columns))
        )
    return docs


EXAMPLES: dict[str, str] = {
    "Latest on-demand rental index per model": """\
SELECT gpu_model, day, round(trimmed_median_usd_per_gpu_hour, 3) AS usd_per_gpu_hour,
       offer_count, sources
FROM gpu_rental_index
WHERE pricing_type = 'on_demand'
QUALIFY row_number() OVER (PARTITION BY gpu_model ORDER BY day DESC) = 1
ORDER BY usd_per_gpu_hour DESC""",
    "Offers per source in its latest snapshot": """\
WITH latest AS (SELECT source, max(observed_at) AS observed_at
                FROM gpu_rental_offers GROUP BY source)
SELECT source, observed_at, count(*) AS offers,
       round(median(rate_usd_per_gpu_hour), 3) AS median_usd_per_gpu_hour
FROM gpu_rental_offers JOIN latest USING (source, observed_at)
GROUP BY ALL ORDER BY offers DESC""",
    "Monthly BTC price and difficulty": """\
SELECT date_trunc('month', observed_at) AS month,
       round(avg(price_usd)) AS btc_usd, avg(difficulty) AS difficulty
FROM coin_network WHERE coin = 'BTC'
GROUP BY ALL ORDER BY month""",
    "Latest industrial power price by region": """\
SELECT region, arg_max(price_usd_per_kwh, period_start) AS usd_per_kwh,
       max(period_start) AS month, arg_max(source, period_start) AS source
FROM energy_prices WHERE sector = 'industrial'
GROUP BY region ORDER BY usd_per_kwh""",
    "Failed refresh runs": """\
SELECT started_at, source, error
FROM scrape_runs WHERE status = 'failed'
ORDER BY started_at DESC LIMIT 20""",
}
