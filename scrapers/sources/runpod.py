"""RunPod GPU cloud list prices: the GraphQL ``gpuTypes`` query (``POST /graphql``).

Every price is already USD per GPU-hour. A price of 0 or null means "not offered", and a
price is only real when the matching availability flag is true: the live API returns
placeholder prices such as ``communityPrice: 0.5`` beside ``communityCloud: false``, so each
offering is gated by ``secureCloud`` / ``communityCloud`` before it becomes a row.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from scrapers.errors import ParseError
from scrapers.gpu_models import canonical_gpu
from scrapers.http import Response
from scrapers.schema import GPU_RENTAL_OFFERS, Batch, Row
from scrapers.sources.base import Context, Query, Source, load_json, to_float

GRAPHQL_URL = "https://api.runpod.io/graphql"

GPU_TYPES_QUERY = (
    "query GpuTypes { gpuTypes { id displayName memoryInGb maxGpuCount secureCloud "
    "communityCloud securePrice communityPrice communitySpotPrice secureSpotPrice "
    "oneMonthPrice threeMonthPrice sixMonthPrice "
    "lowestPrice(input: {gpuCount: 1}) { minimumBidPrice uninterruptablePrice stockStatus } } }"
)

# (price field, offer suffix, pricing type, availability flag gating it). Month-term prices
# are secure-cloud commitments, so they are gated by secureCloud.
OFFERINGS: tuple[tuple[str, str, str, str], ...] = (
    ("securePrice", "secure", "on_demand", "secureCloud"),
    ("communityPrice", "community", "on_demand", "communityCloud"),
    ("secureSpotPrice", "secure_spot", "spot", "secureCloud"),
    ("communitySpotPrice", "community_spot", "spot", "communityCloud"),
    ("oneMonthPrice", "1_month", "reserved", "secureCloud"),
    ("threeMonthPrice", "3_month", "reserved", "secureCloud"),
    ("sixMonthPrice", "6_month", "reserved", "secureCloud"),
)

_STOCK_AVAILABLE = {"high": True, "medium": True, "low": True, "none": False, "out": False}


def stock_available(gpu: dict[str, Any]) -> bool | None:
    """Availability from ``lowestPrice.stockStatus`` (High/Medium/Low), None when not given."""
    lowest = gpu.get("lowestPrice")
    status = lowest.get("stockStatus") if isinstance(lowest, dict) else None
    if not isinstance(status, str) or not status.strip():
        return None
    return _STOCK_AVAILABLE.get(status.strip().lower())


def parse_gpu_type(gpu: dict[str, Any], ctx: Context) -> list[Row]:
    """One GPU type to one row per offering that is really offered."""
    type_id = gpu.get("id")
    if not type_id or not isinstance(type_id, str):
        return []
    memory_gb = to_float(gpu.get("memoryInGb"))
    if memory_gb is not None and memory_gb <= 0:
        memory_gb = None  # the catch-all "unknown" type reports 0 GB
    model = canonical_gpu(type_id, memory_gb) or canonical_gpu(gpu.get("displayName"), memory_gb)
    available = stock_available(gpu)
    rows: list[Row] = []
    for field, suffix, pricing_type, flag in OFFERINGS:
        price = to_float(gpu.get(field))
        if price is None or price <= 0 or gpu.get(flag) is not True:
            continue
        rows.append(
            {
                "offer_id": f"{type_id}|{suffix}",
                "pricing_type": pricing_type,
                "observed_at": ctx.snapshot_at,
                "gpu_name_raw": type_id,
                "gpu_model": model,
                "num_gpus": 1,
                "rate_usd_per_gpu_hour": price,
                "offer_rate_usd_per_hour": price,
                "gpu_ram_gb": memory_gb,
                "location": None,  # secure/community is a cloud tier, not a place
                "reliability": None,
                "available": available,
            }
        )
    return rows


class RunPod(Source):
    """RunPod secure and community cloud list prices per GPU type."""

    id = "runpod"
    kind = "rental"
    tables = (GPU_RENTAL_OFFERS,)
    title = "RunPod GPU cloud"
    base_url = "https://api.runpod.io"
    parser_version = "1"
    min_interval = timedelta(minutes=55)
    expected_interval = timedelta(hours=6)
    row_noun = "offers"

    def queries(self, ctx: Context) -> list[Query]:
        """One GraphQL POST for every GPU type."""
        key = ctx.settings.api_key(self.id)
        return [
            Query(
                url=GRAPHQL_URL,
                method="POST",
                json={"query": GPU_TYPES_QUERY},
                headers={"Authorization": f"Bearer {key}"} if key else None,
                label="gpu_types",
            )
        ]

    def parse(self, query: Query, response: Response, ctx: Context) -> Batch:
        """``data.gpuTypes[]`` to offer rows; a GraphQL ``errors`` array fails the source."""
        doc = load_json(response)
        if not isinstance(doc, dict):
            raise ParseError(f"RunPod answer is a {type(doc).__name__}, not an object")
        errors = doc.get("errors")
        if isinstance(errors, list) and errors:
            first = errors[0]
            message = first.get("message") if isinstance(first, dict) else first
            raise ParseError(f"RunPod GraphQL error: {' '.join(str(message).split())}")
        data = doc.get("data")
        gpu_types = data.get("gpuTypes") if isinstance(data, dict) else None
        if not isinstance(gpu_types, list):
            raise ParseError("RunPod answer has no data.gpuTypes list: layout changed?")
        rows: list[Row] = []
        for gpu in gpu_types:
            if isinstance(gpu, dict):
                rows.extend(parse_gpu_type(gpu, ctx))
        return {GPU_RENTAL_OFFERS.name: rows}
