"""vast.ai marketplace: the public bundles search (``/api/v0/bundles/``).

``dph_total`` is USD per hour for the *whole* offer, so the per-GPU rate is
``dph_total / num_gpus``; ``gpu_ram`` is MB. Offers are snapshotted hourly.

An answer can hold hundreds of thousands of offers, so :meth:`VastAi.parse` builds columns
(:func:`parse_offers`, an Arrow table) instead of a dict per offer. :func:`parse_offer` is the
same rule for one offer and stays the reference the columnar path is tested against.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scrapers.errors import EmptyDataError, ParseError
from scrapers.gpu_models import canonical_gpu
from scrapers.http import Response
from scrapers.schema import GPU_RENTAL_OFFERS, Batch, Row
from scrapers.sources.base import Context, Query, Source, load_json, to_float, to_int
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
        "offer_id": _offer_id(offer),
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


def parse_offers(offers: list[Any], pricing_type: str, ctx: Context) -> pa.Table:
    """Every usable offer as one Arrow table: the rows :func:`parse_offer` gives, as columns.

    Numbers go through numpy when they already are numbers and through ``to_float`` when
    not (strings, junk); GPU names and locations are resolved once per distinct value.
    """
    offers = [o for o in offers if isinstance(o, dict)]
    num_gpus = np.trunc(_numbers([o.get("num_gpus") for o in offers]))
    dph_total = _numbers([o.get("dph_total") for o in offers])
    names = _texts([o.get("gpu_name") for o in offers])
    with np.errstate(invalid="ignore"):
        keep = (num_gpus >= 1) & (dph_total > 0) & np.fromiter(map(bool, names), bool, len(names))
    if not keep.all():  # usually every offer is usable: skip the copies
        rows = np.flatnonzero(keep)
        offers = [offers[i] for i in rows]
        names = [names[i] for i in rows]
        num_gpus, dph_total = num_gpus[rows], dph_total[rows]
    ram_gb = mb_to_gb(_numbers([o.get("gpu_ram") for o in offers]))
    reliability = _numbers([o.get("reliability2") for o in offers])
    with np.errstate(invalid="ignore"):
        reliability[(reliability < 0.0) | (reliability > 1.0)] = np.nan  # junk such as 1233
    count = len(offers)
    name_column = pa.array(names, pa.string())
    places = pa.array(_texts([o.get("geolocation") for o in offers]), pa.string())
    return pa.table(
        {
            "offer_id": _offer_ids(offers),
            "pricing_type": pa.repeat(pricing_type, count),
            "observed_at": pa.repeat(pa.scalar(ctx.snapshot_at, pa.timestamp("us")), count),
            "gpu_name_raw": name_column,
            "gpu_model": _models(name_column, ram_gb),
            "num_gpus": pa.array(num_gpus.astype(np.int64)),
            "rate_usd_per_gpu_hour": pa.array(dph_total / num_gpus),
            "offer_rate_usd_per_hour": pa.array(dph_total),
            "gpu_ram_gb": pa.array(ram_gb, from_pandas=True),
            "location": _per_distinct(places, location),
            "reliability": pa.array(reliability, from_pandas=True),
            "available": _available(offers),
        }
    )


def _numbers(values: list[Any]) -> np.ndarray:
    """Floats by :func:`to_float`'s rules, NaN where it gives None."""
    if set(map(type, values)) <= {int, float, type(None)}:
        out = np.array(values, dtype=np.float64)  # None becomes NaN
    else:  # strings or junk somewhere: the scalar rule, for exactly the same results
        out = np.array(
            [v if type(v) is float or type(v) is int else to_float(v) for v in values],
            dtype=np.float64,
        )
    out[~np.isfinite(out)] = np.nan
    return out


def _texts(values: list[Any]) -> list[str | None]:
    """Values as the scalar path reads names: ``str(value)`` when truthy, else None."""
    if set(map(type, values)) <= {str, type(None)}:
        return [v or None for v in values]
    return [str(v) if v else None for v in values]


def _per_distinct(values: pa.Array, fn: Callable[[str], str | None]) -> pa.Array:
    """``fn`` applied once per distinct non-null value, spread back (nulls stay null)."""
    encoded = values.dictionary_encode()
    mapped = pa.array([fn(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return pa.DictionaryArray.from_arrays(encoded.indices, mapped).dictionary_decode()


def _models(names: pa.Array, ram_gb: np.ndarray) -> pa.Array:
    """canonical_gpu per offer, computed once per distinct (name, memory) pair."""
    encoded = names.dictionary_encode()
    name_codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    ram_codes, ram_uniques = pd.factorize(ram_gb, use_na_sentinel=False)
    width = max(len(ram_uniques), 1)
    pair_codes, pairs = pd.factorize(name_codes * width + ram_codes)
    known = encoded.dictionary.to_pylist()
    models = []
    for pair in pairs:
        ram = float(ram_uniques[pair % width])
        models.append(canonical_gpu(known[pair // width], None if ram != ram else ram))
    return pa.DictionaryArray.from_arrays(
        pa.array(pair_codes, pa.int64()), pa.array(models, pa.string())
    ).dictionary_decode()


def _offer_id(offer: dict[str, Any]) -> str | None:
    """The first truthy of id, ask_contract_id, bundle_id; None (refused) when none is set.

    ``str(None)`` here once made every id-less offer the one offer "None".
    """
    found = offer.get("id") or offer.get("ask_contract_id") or offer.get("bundle_id")
    return None if found is None or found == "" else str(found)


def _offer_ids(offers: list[dict[str, Any]]) -> pa.Array:
    ids = [o.get("id") for o in offers]
    if not all(ids):  # the scalar rule: the first truthy of id, ask_contract_id, bundle_id
        return pa.array([_offer_id(o) for o in offers], pa.string())
    if set(map(type, ids)) <= {int}:
        try:  # numpy first: pa.array() on a list of ints is several times slower
            return pa.array(np.array(ids, dtype=np.int64)).cast(pa.string())
        except OverflowError:
            pass  # ids beyond 64 bits: the scalar rule below
    return pa.array([str(i) for i in ids], pa.string())


def _available(offers: list[dict[str, Any]]) -> pa.Array:
    rented = [o.get("rented") for o in offers]
    if set(map(type, rented)) <= {bool}:
        return pc.invert(pa.array(np.array(rented, dtype=bool)))
    return pa.array(
        [
            (not r) if isinstance(r, bool) else bool(o.get("rentable", True))
            for r, o in zip(rented, offers, strict=True)
        ],
        pa.bool_(),
    )


class VastAi(Source):
    """vast.ai GPU marketplace offers."""

    id = "vastai"
    kind = "rental"
    tables = (GPU_RENTAL_OFFERS,)
    title = "vast.ai marketplace"
    base_url = "https://console.vast.ai"
    parser_version = "1"
    min_interval = timedelta(minutes=55)
    expected_interval = timedelta(hours=6)
    row_noun = "offers"
    request_interval_s = 60.0  # at most one bundles search per minute

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
        """Offers to rows (one columnar table), one per usable offer, per-GPU prices."""
        doc = load_json(response)
        offers = doc.get("offers") if isinstance(doc, dict) else None
        if not isinstance(offers, list):
            raise ParseError(f"vast.ai answer has no 'offers' list (keys: {_keys(doc)})")
        table = parse_offers(offers, query.label, ctx)
        if table.num_rows == 0:
            # Every search is expected to find offers: an empty (or all-junk) answer for
            # one pricing type is an upstream fault, not a market with nothing for rent.
            raise EmptyDataError(
                f"0 offers parsed from the {query.label} search ({len(offers)} entries): "
                "layout changed or empty result?"
            )
        return {GPU_RENTAL_OFFERS.name: table}


def _auth(ctx: Context) -> dict[str, str] | None:
    key = ctx.settings.api_key("vastai")
    return {"Authorization": f"Bearer {key}"} if key else None


def _keys(doc: Any) -> str:
    return ", ".join(list(doc)[:5]) if isinstance(doc, dict) else type(doc).__name__
