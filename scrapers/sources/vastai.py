"""vast.ai marketplace: the public bundles search (``/api/v0/bundles/``).

``dph_total`` is USD per hour for the *whole* offer, so the per-GPU rate is
``dph_total / num_gpus``; ``gpu_ram`` is MB. Offers are snapshotted hourly.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from scrapers.errors import ParseError
from scrapers.gpu_models import canonical_gpu
from scrapers.http import Response
from scrapers.sources.base import Context, Query, Source, load_json, to_float, to_int
from scrapers.store import Batch, Row
from scrapers.units import mb_to_gb

SEARCH_URL = "https://console.vast.ai/api/v0/bundles/"
_COUNTRY_SUFFIX = re.compile(r",\s*([A-Z]{2})\s*$")

# vast.ai's search `type`: on-demand asks, interruptible bids, reserved contracts.
PRICING_TYPES = {"on-demand": "on_demand", "bid": "spot", "reserved": "reserved"}


def search_query(pricing: str = "on-demand", limit: int = 1000) -> dict[str, Any]:
    """The search filter: verified, rentable offers of any GPU, cheapest first."""
    return {
        "verified": {"eq": True},
        "external": {"eq": False},
        "rentable": {"eq": True},
        "order": [["dph_total", "asc"]],
        "type": pricing,
        "limit": limit,
    }


def location(geolocation: Any) -> str | None:
    """Two-letter country code from "City, CC", else the free text as given."""
    if not geolocation:
        return None
    text = str(geolocation).strip()
    match = _COUNTRY_SUFFIX.search(text)
    return match.group(1) if match else text


def parse_offer(offer: dict[str, Any], pricing_type: str, ctx: Context) -> Row | None:
    """One offer to a row, or None when it has no usable price or GPU count."""
    num_gpus = to_int(offer.get("num_gpus"))
    dph_total = to_float(offer.get("dph_total"))
    name = offer.get("gpu_name")
    if not num_gpus or num_gpus < 1 or dph_total is None or dph_total <= 0 or not name:
        return None
    ram_mb = to_float(offer.get("gpu_ram"))
    ram_gb = mb_to_gb(ram_mb) if ram_mb is not None else None
    reliability = to_float(offer.get("reliability2"))
    if reliability is not None and not 0.0 <= reliability <= 1.0:
        reliability = None  # the upstream occasionally sends junk such as 1233
    rented = offer.get("rented")
    return {
        "offer_id": str(offer.get("id") or offer.get("ask_contract_id") or offer.get("bundle_id")),
        "pricing_type": pricing_type,
        "observed_at": ctx.snapshot_at,
        "gpu_name_raw": str(name),
        "gpu_model": canonical_gpu(str(name), ram_gb),
        "num_gpus": num_gpus,
        "rate_usd_per_gpu_hour": dph_total / num_gpus,
        "offer_rate_usd_per_hour": dph_total,
        "gpu_ram_gb": ram_gb,
        "location": location(offer.get("geolocation")),
        "reliability": reliability,
        "available": (not rented)
        if isinstance(rented, bool)
        else bool(offer.get("rentable", True)),
    }


class VastAi(Source):
    """vast.ai GPU marketplace offers."""

    id = "vastai"
    kind = "rental"
    title = "vast.ai marketplace"
    base_url = "https://console.vast.ai"
    parser_version = "1"
    min_interval = timedelta(minutes=55)
    expected_interval = timedelta(hours=6)
    row_noun = "offers"

    def queries(self, ctx: Context) -> list[Query]:
        """One search per pricing type."""
        return [
            Query(
                url=SEARCH_URL,
                params={"q": json.dumps(search_query(upstream), separators=(",", ":"))},
                headers=_auth(ctx),
                label=ours,
            )
            for upstream, ours in PRICING_TYPES.items()
            if upstream != "reserved"  # reserved asks mirror on-demand ones with a discount
        ]

    def parse(self, query: Query, response: Response, ctx: Context) -> Batch:
        """Offers to rows, one per offer, per-GPU prices."""
        doc = load_json(response)
        offers = doc.get("offers") if isinstance(doc, dict) else None
        if not isinstance(offers, list):
            raise ParseError(f"vast.ai answer has no 'offers' list (keys: {_keys(doc)})")
        parsed = [parse_offer(o, query.label, ctx) for o in offers if isinstance(o, dict)]
        return {"gpu_rental_offers": [r for r in parsed if r is not None]}


def _auth(ctx: Context) -> dict[str, str] | None:
    key = ctx.settings.api_key("vastai")
    return {"Authorization": f"Bearer {key}"} if key else None


def _keys(doc: Any) -> str:
    return ", ".join(list(doc)[:5]) if isinstance(doc, dict) else type(doc).__name__
