"""The RigShift GPU rental index: per canonical model, day and pricing type.

For each (day, gpu_model, pricing_type) across every rental source: the median, a trimmed
median (values between the 10th and 90th percentile), p25, p75 and the offer count.

Each offer counts once per day, at its latest snapshot of that day: sources are snapshotted
at different cadences (vast.ai hourly, others a few times a day), and counting every
snapshot would weight a source by how often it is polled rather than by how many offers it
has. Offers whose GPU name is unknown (``gpu_model`` NULL) are left out.

Beside the index, ``gpu_rental_source_daily`` keeps the same once-per-day offers' median per
source, so per-provider comparisons read a small table instead of the raw snapshots.
"""

from __future__ import annotations

from datetime import date


def rebuild_sql(days: list[date] | None = None) -> str:
    """SQL that recomputes the index for ``days`` (all days when None).

    The days' old index rows are deleted first, so a model that no longer has offers on a
    day (say, after a re-parse mapped its name elsewhere) does not linger. Run it inside the
    writer's transaction.
    """
    if days:
        listed = ", ".join(f"DATE '{d.isoformat()}'" for d in sorted(set(days)))
        day_filter = f" WHERE day IN ({listed})"
        where = f"gpu_model IS NOT NULL AND CAST(observed_at AS DATE) IN ({listed})"
    else:
        day_filter = ""
        where = "gpu_model IS NOT NULL"
    return f"""
DELETE FROM gpu_rental_index{day_filter};
DELETE FROM gpu_rental_source_daily{day_filter};
CREATE OR REPLACE TEMP TABLE _daily_offers AS
  SELECT CAST(observed_at AS DATE) AS day, gpu_model, pricing_type, source, offer_id,
         rate_usd_per_gpu_hour AS rate
  FROM gpu_rental_offers WHERE {where}
  QUALIFY row_number() OVER (
    PARTITION BY CAST(observed_at AS DATE), source, offer_id, pricing_type
    ORDER BY observed_at DESC
  ) = 1;
INSERT OR REPLACE INTO gpu_rental_source_daily
SELECT day, source, gpu_model, pricing_type, median(rate), count(*)
FROM _daily_offers GROUP BY ALL;
INSERT OR REPLACE INTO gpu_rental_index
WITH offers AS (SELECT * FROM _daily_offers), bounds AS (
  SELECT day, gpu_model, pricing_type,
         quantile_cont(rate, 0.10) AS lo, quantile_cont(rate, 0.90) AS hi
  FROM offers GROUP BY ALL
)
SELECT o.day, o.gpu_model, o.pricing_type,
       median(o.rate),
       coalesce(median(o.rate) FILTER (WHERE o.rate BETWEEN b.lo AND b.hi), median(o.rate)),
       quantile_cont(o.rate, 0.25),
       quantile_cont(o.rate, 0.75),
       count(*),
       string_agg(DISTINCT o.source, ',' ORDER BY o.source)
FROM offers o JOIN bounds b USING (day, gpu_model, pricing_type)
GROUP BY o.day, o.gpu_model, o.pricing_type;
DROP TABLE _daily_offers
"""
