"""The RigShift GPU rental index: per canonical model, day and pricing type.

Method (docs/rental-index.md says why):

- **Available offers only.** An offer whose latest snapshot of the day says ``available =
  false`` (rented out, sold out) is listed but not priced. ``NULL`` (a source that does not
  report availability, e.g. a cloud list price) counts as available.
- **One observation per offer per day**, its latest snapshot of that day: sources are polled at
  different cadences and counting every snapshot would weight a source by its polling rate.
- **Estimator: the interquartile mean** (mean of the offers between the day's p25 and p75,
  both inclusive). Each offer counts once, whatever its GPU count (``gpu_count`` says how many
  GPUs stand behind the day). ``trimmed_median_usd_per_gpu_hour`` keeps its old name for the
  readers that use it and holds the same value as ``iqm_usd_per_gpu_hour``.
- **Minimum sample**: a day with fewer than :data:`MIN_OFFERS` available offers is flagged
  ``low_confidence``.
- **Source-mix-stable variant** (``stable_usd_per_gpu_hour``): a chain-linked index. The first
  day takes the interquartile mean; each next day moves it by the offer-weighted geometric mean
  of the day-on-day change of every source's median that is present on both days. A source
  joining (or leaving) therefore does not move the level; only price changes within sources
  do. When no source is on both days the chain falls back to the pooled change.

Beside the index, ``gpu_rental_source_daily`` keeps each source's median of the same available
offers plus how many were listed, so per-provider comparisons and availability shares read a
small table instead of the raw snapshots.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc

from scrapers.schema import GPU_RENTAL_OFFERS, Derived, Rows

MIN_OFFERS = 5

INDEX_DDL = """
CREATE TABLE IF NOT EXISTS gpu_rental_index (
  day DATE NOT NULL,
  gpu_model VARCHAR NOT NULL,
  pricing_type VARCHAR NOT NULL,
  median_usd_per_gpu_hour DOUBLE NOT NULL,
  trimmed_median_usd_per_gpu_hour DOUBLE NOT NULL,
  p25_usd_per_gpu_hour DOUBLE NOT NULL,
  p75_usd_per_gpu_hour DOUBLE NOT NULL,
  offer_count INTEGER NOT NULL,
  sources VARCHAR NOT NULL,
  iqm_usd_per_gpu_hour DOUBLE,
  stable_usd_per_gpu_hour DOUBLE,
  gpu_count INTEGER,
  source_mix VARCHAR,
  low_confidence BOOLEAN,
  PRIMARY KEY (day, gpu_model, pricing_type)
)"""

# Stores created before the defensible index (issue 12) gain its columns in place; the
# rebuild writes BY NAME, so the column order of an upgraded table does not matter.
MIGRATIONS = (
    "ALTER TABLE gpu_rental_index ADD COLUMN IF NOT EXISTS iqm_usd_per_gpu_hour DOUBLE",
    "ALTER TABLE gpu_rental_index ADD COLUMN IF NOT EXISTS stable_usd_per_gpu_hour DOUBLE",
    "ALTER TABLE gpu_rental_index ADD COLUMN IF NOT EXISTS gpu_count INTEGER",
    "ALTER TABLE gpu_rental_index ADD COLUMN IF NOT EXISTS source_mix VARCHAR",
    "ALTER TABLE gpu_rental_index ADD COLUMN IF NOT EXISTS low_confidence BOOLEAN",
    "ALTER TABLE gpu_rental_source_daily ADD COLUMN IF NOT EXISTS listed_count INTEGER",
    # A source whose every listed offer is rented out has a listed count but no price.
    "ALTER TABLE gpu_rental_source_daily ALTER COLUMN median_usd_per_gpu_hour DROP NOT NULL",
)

# Per-source daily medians, maintained beside the index so provider comparisons never scan
# the raw offers (tens of millions of rows at hourly snapshots).
SOURCE_DAILY_DDL = """
CREATE TABLE IF NOT EXISTS gpu_rental_source_daily (
  day DATE NOT NULL,
  source VARCHAR NOT NULL,
  gpu_model VARCHAR NOT NULL,
  pricing_type VARCHAR NOT NULL,
  median_usd_per_gpu_hour DOUBLE,
  offer_count INTEGER NOT NULL,
  listed_count INTEGER,
  PRIMARY KEY (day, source, gpu_model, pricing_type)
)"""


def daily_offers_sql(where: str) -> str:
    """SELECT of each offer's latest snapshot per day under ``where`` (all listed offers)."""
    return f"""
  SELECT CAST(observed_at AS DATE) AS day, gpu_model, pricing_type, source, offer_id,
         rate_usd_per_gpu_hour AS rate, num_gpus, coalesce(available, TRUE) AS available
  FROM gpu_rental_offers WHERE gpu_model IS NOT NULL AND ({where})
  QUALIFY row_number() OVER (
    PARTITION BY CAST(observed_at AS DATE), source, offer_id, pricing_type
    ORDER BY observed_at DESC
  ) = 1"""


def pooled_sql(offers: str) -> str:
    """SELECT of the pooled index columns (stable left NULL) from a daily-offers relation."""
    return f"""
  WITH o AS (SELECT * FROM {offers} WHERE available), bounds AS (
    SELECT day, gpu_model, pricing_type,
           quantile_cont(rate, 0.25) AS lo, quantile_cont(rate, 0.75) AS hi
    FROM o GROUP BY ALL
  ), mix AS (
    SELECT day, gpu_model, pricing_type,
           string_agg(source || ' ' || n, ', ' ORDER BY source) AS source_mix
    FROM (SELECT day, gpu_model, pricing_type, source, count(*) AS n FROM o GROUP BY ALL)
    GROUP BY ALL
  )
  SELECT o.day, o.gpu_model, o.pricing_type,
         median(o.rate) AS median_usd_per_gpu_hour,
         coalesce(avg(o.rate) FILTER (WHERE o.rate BETWEEN b.lo AND b.hi), median(o.rate))
           AS trimmed_median_usd_per_gpu_hour,
         any_value(b.lo) AS p25_usd_per_gpu_hour,
         any_value(b.hi) AS p75_usd_per_gpu_hour,
         count(*) AS offer_count,
         string_agg(DISTINCT o.source, ',' ORDER BY o.source) AS sources,
         coalesce(avg(o.rate) FILTER (WHERE o.rate BETWEEN b.lo AND b.hi), median(o.rate))
           AS iqm_usd_per_gpu_hour,
         CAST(NULL AS DOUBLE) AS stable_usd_per_gpu_hour,
         CAST(sum(o.num_gpus) AS INTEGER) AS gpu_count,
         any_value(m.source_mix) AS source_mix,
         count(*) < {MIN_OFFERS} AS low_confidence
  FROM o JOIN bounds b USING (day, gpu_model, pricing_type)
  JOIN mix m USING (day, gpu_model, pricing_type)
  GROUP BY o.day, o.gpu_model, o.pricing_type"""


def source_daily_sql(offers: str) -> str:
    """SELECT of per-source medians of available offers, and listed counts, per day."""
    return f"""
  SELECT day, source, gpu_model, pricing_type,
         median(rate) FILTER (WHERE available) AS median_usd_per_gpu_hour,
         count(*) FILTER (WHERE available) AS offer_count,
         count(*) AS listed_count
  FROM {offers} GROUP BY ALL"""


def stable_sql(source_daily: str, pooled: str) -> str:
    """SELECT (day, gpu_model, pricing_type, stable_usd_per_gpu_hour): the chain-linked index.

    ``source_daily`` needs day, gpu_model, pricing_type, source, median_usd_per_gpu_hour and
    offer_count; ``pooled`` needs day, gpu_model, pricing_type and iqm_usd_per_gpu_hour.
    """
    return f"""
  WITH src AS (
    SELECT day, gpu_model, pricing_type, source, median_usd_per_gpu_hour AS rate,
           offer_count AS n
    FROM {source_daily} WHERE median_usd_per_gpu_hour > 0 AND offer_count > 0
  ), days AS (
    SELECT day, gpu_model, pricing_type, iqm_usd_per_gpu_hour AS pooled,
           lag(day) OVER w AS prev_day, lag(iqm_usd_per_gpu_hour) OVER w AS prev_pooled
    FROM {pooled}
    WINDOW w AS (PARTITION BY gpu_model, pricing_type ORDER BY day)
  ), links AS (
    SELECT d.day, d.gpu_model, d.pricing_type,
           sum(least(c.n, p.n) * ln(c.rate / p.rate)) / sum(least(c.n, p.n)) AS link
    FROM days d
    JOIN src c ON c.day = d.day AND c.gpu_model = d.gpu_model
      AND c.pricing_type = d.pricing_type
    JOIN src p ON p.day = d.prev_day AND p.gpu_model = d.gpu_model
      AND p.pricing_type = d.pricing_type AND p.source = c.source
    GROUP BY ALL
  ), chained AS (
    SELECT d.day, d.gpu_model, d.pricing_type, d.pooled,
           CASE WHEN d.prev_day IS NULL THEN 0
                ELSE coalesce(l.link, ln(d.pooled / nullif(d.prev_pooled, 0)), 0) END AS link
    FROM days d LEFT JOIN links l USING (day, gpu_model, pricing_type)
  )
  SELECT day, gpu_model, pricing_type,
         first_value(pooled) OVER w * exp(sum(link) OVER w) AS stable_usd_per_gpu_hour
  FROM chained
  WINDOW w AS (PARTITION BY gpu_model, pricing_type ORDER BY day
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"""


def rebuild_sql(days: list[date] | None = None) -> str:
    """SQL that recomputes the index for ``days`` (all days when None).

    The days' old index rows are deleted first, so a model that no longer has offers on a
    day (say, after a re-parse mapped its name elsewhere) does not linger. The chain-linked
    column is then recomputed over the whole (small) index, since every later day depends on
    the rebuilt ones. Run it inside the writer's transaction.
    """
    if days:
        listed = ", ".join(f"DATE '{d.isoformat()}'" for d in sorted(set(days)))
        day_filter = f" WHERE day IN ({listed})"
        where = f"CAST(observed_at AS DATE) IN ({listed})"
    else:
        day_filter = ""
        where = "TRUE"
    return f"""
DELETE FROM gpu_rental_index{day_filter};
DELETE FROM gpu_rental_source_daily{day_filter};
CREATE OR REPLACE TEMP TABLE _daily_offers AS {daily_offers_sql(where)};
INSERT OR REPLACE INTO gpu_rental_source_daily BY NAME {source_daily_sql("_daily_offers")};
INSERT OR REPLACE INTO gpu_rental_index BY NAME {pooled_sql("_daily_offers")};
CREATE OR REPLACE TEMP TABLE _stable AS
  {stable_sql("gpu_rental_source_daily", "gpu_rental_index")};
UPDATE gpu_rental_index AS i SET stable_usd_per_gpu_hour = s.stable_usd_per_gpu_hour
  FROM _stable s
  WHERE i.day = s.day AND i.gpu_model = s.gpu_model AND i.pricing_type = s.pricing_type;
DROP TABLE _stable;
DROP TABLE _daily_offers
"""


def snapshot_days(rows: Rows) -> list[date]:
    """The distinct UTC days of ``observed_at`` in rental offer rows, sorted."""
    if isinstance(rows, pa.Table):
        days = pc.unique(rows["observed_at"].cast(pa.timestamp("us")).cast(pa.date32()))
        return sorted(days.to_pylist())
    return sorted({r["observed_at"].date() for r in rows})


def rebuild_for(written: Mapping[str, Rows] | None) -> str:
    """SQL that recomputes the days ``written`` holds offers for (every day when None)."""
    if written is None:
        return rebuild_sql()
    return rebuild_sql(snapshot_days(written[GPU_RENTAL_OFFERS.name]))


# What the store needs to create these tables and keep them current after offers are written.
RENTAL_INDEX = Derived(
    tables=("gpu_rental_index", "gpu_rental_source_daily"),
    inputs=(GPU_RENTAL_OFFERS.name,),
    # One entry per table: the upgrade statements run right after the CREATE they amend.
    ddl=(INDEX_DDL, ";\n".join((SOURCE_DAILY_DDL, *MIGRATIONS))),
    rebuild=rebuild_for,
)
