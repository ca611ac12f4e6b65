"""The RigShift GPU rental index: per canonical model, day and pricing type.

For each (day, gpu_model, pricing_type) across every rental source: the median, a trimmed
median (values between the 10th and 90th percentile), p25, p75 and the offer count.
"""

from __future__ import annotations

from datetime import date


def rebuild_sql(days: list[date] | None = None) -> str:
    """SQL that recomputes the index for ``days`` (all days when None)."""
    where = "gpu_model IS NOT NULL"
    if days:
        listed = ", ".join(f"DATE '{d.isoformat()}'" for d in sorted(set(days)))
        where += f" AND CAST(observed_at AS DATE) IN ({listed})"
    return f"""
INSERT OR REPLACE INTO gpu_rental_index
WITH offers AS (
  SELECT CAST(observed_at AS DATE) AS day, gpu_model, pricing_type, source, offer_id,
         rate_usd_per_gpu_hour AS rate
  FROM gpu_rental_offers WHERE {where}
), bounds AS (
  SELECT day, gpu_model, pricing_type,
         quantile_cont(rate, 0.10) AS lo, quantile_cont(rate, 0.90) AS hi
  FROM offers GROUP BY ALL
)
SELECT o.day, o.gpu_model, o.pricing_type,
       median(o.rate),
       coalesce(median(o.rate) FILTER (WHERE o.rate BETWEEN b.lo AND b.hi), median(o.rate)),
       quantile_cont(o.rate, 0.25),
       quantile_cont(o.rate, 0.75),
       count(DISTINCT o.source || ':' || o.offer_id),
       string_agg(DISTINCT o.source, ',' ORDER BY o.source)
FROM offers o JOIN bounds b USING (day, gpu_model, pricing_type)
GROUP BY o.day, o.gpu_model, o.pricing_type
"""
