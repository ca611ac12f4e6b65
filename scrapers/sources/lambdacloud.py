"""Lambda Cloud on-demand list prices: ``GET /api/v1/instance-types`` (API key required).

``price_cents_per_hour`` is US **cents** per **instance** per hour, so the per-GPU rate is
``cents / 100 / specs.gpus``. Instance ids such as ``gpu_8x_h100_sxm5`` name the GPU, and
``regions_with_capacity_available`` tells whether any region can launch one right now.
"""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from typing import Any

from scrapers.errors import ParseError
from scrapers.gpu_models import canonical_gpu
from scrapers.http import Response
from scrapers.schema import GPU_RENTAL_OFFERS, Batch, Row
from scrapers.sources.base import Context, Query, Source, load_json, to_float, to_int
from scrapers.units import cents_to_usd

INSTANCE_TYPES_URL = "https://cloud.lambdalabs.com/api/v1/instance-types"
_GPU_MEMORY = re.compile(r"\(\s*(\d+(?:\.\d+)?)\s*GB\b", re.IGNORECASE)


def basic_auth(key: str) -> dict[str, str]:
    """HTTP Basic header with the key as user name and an empty password (Lambda's scheme)."""
    token = base64.b64encode(f"{key}:".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}


def gpu_memory_gb(description: Any) -> float | None:
    """GB per GPU from a ``gpu_description`` such as "H100 (80 GB SXM5)"."""
    match = _GPU_MEMORY.search(str(description or ""))
    return float(match.group(1)) if match else None


def parse_instance_type(entry: dict[str, Any], ctx: Context) -> Row | None:
    """One ``data`` entry to a row, or None for CPU-only types and missing prices."""
    itype = entry.get("instance_type")
    if not isinstance(itype, dict):
        return None
    name = itype.get("name")
    specs = itype.get("specs") if isinstance(itype.get("specs"), dict) else {}
    gpus = to_int(specs.get("gpus"))
    cents = to_float(itype.get("price_cents_per_hour"))
    if not name or not gpus or gpus < 1 or cents is None or cents <= 0:
        return None
    memory_gb = gpu_memory_gb(itype.get("gpu_description"))
    regions = entry.get("regions_with_capacity_available")
    regions = regions if isinstance(regions, list) else []
    first = regions[0] if regions and isinstance(regions[0], dict) else {}
    instance_usd = cents_to_usd(cents)
    return {
        "offer_id": str(name),
        "pricing_type": "on_demand",
        "observed_at": ctx.snapshot_at,
        "gpu_name_raw": str(name),
        # The description names the form factor ("A100 (40 GB PCIe)"); the id may not.
        "gpu_model": canonical_gpu(itype.get("gpu_description"), memory_gb)
        or canonical_gpu(str(name), memory_gb),
        "num_gpus": gpus,
        "rate_usd_per_gpu_hour": instance_usd / gpus,
        "offer_rate_usd_per_hour": instance_usd,
        "gpu_ram_gb": memory_gb,
        "location": first.get("name") or None,
        "reliability": None,
        "available": bool(regions),
    }


class LambdaCloud(Source):
    """Lambda Cloud on-demand instance prices."""

    id = "lambda"
    kind = "rental"
    tables = (GPU_RENTAL_OFFERS,)
    title = "Lambda Cloud"
    base_url = "https://cloud.lambdalabs.com"
    parser_version = "1"
    min_interval = timedelta(minutes=55)
    expected_interval = timedelta(hours=6)
    requires_key = True
    row_noun = "offers"

    def queries(self, ctx: Context) -> list[Query]:
        """One request for every instance type."""
        key = ctx.settings.api_key(self.id)
        return [
            Query(
                url=INSTANCE_TYPES_URL,
                headers=basic_auth(key) if key else None,
                label="instance_types",
            )
        ]

    def parse(self, query: Query, response: Response, ctx: Context) -> Batch:
        """``data.{name}.instance_type`` to one row per GPU instance type."""
        doc = load_json(response)
        data = doc.get("data") if isinstance(doc, dict) else None
        if not isinstance(data, dict):
            error = doc.get("error") if isinstance(doc, dict) else None
            if isinstance(error, dict) and error.get("message"):
                raise ParseError(f"Lambda API error: {' '.join(str(error['message']).split())}")
            raise ParseError("Lambda answer has no 'data' object: layout changed?")
        parsed = [parse_instance_type(e, ctx) for e in data.values() if isinstance(e, dict)]
        return {GPU_RENTAL_OFFERS.name: [r for r in parsed if r is not None]}
