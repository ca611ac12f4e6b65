"""vast.ai's columnar parse: the same rows as the one-offer reference rule, quirks included."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pytest

from scrapers.config import Settings
from scrapers.sources.base import Context
from scrapers.sources.vastai import VastAi, parse_offer, parse_offers
from tests.support.payloads import sample
from tests.support.sources import parse_rows

CTX = Context(settings=Settings(), now=datetime(2026, 11, 1, 12, 7, tzinfo=UTC))


def reference(offers: list[Any], label: str = "on_demand") -> list[dict[str, Any]]:
    """The rows the scalar rule gives, NaN-free for comparison."""
    rows = (parse_offer(o, label, CTX) for o in offers if isinstance(o, dict))
    return [r for r in rows if r is not None]


def columnar(offers: list[Any], label: str = "on_demand") -> list[dict[str, Any]]:
    return parse_offers(offers, label, CTX).to_pylist()


def one(offer: dict[str, Any]) -> dict[str, Any]:
    [row] = columnar([offer])
    return row


BASE = {"id": 7, "num_gpus": 1, "dph_total": 0.5, "gpu_name": "RTX 4090", "gpu_ram": 24564}


@pytest.mark.parametrize("label", ["on_demand", "spot"])
def test_sample_rows_match_the_scalar_rule(label: str) -> None:
    offers = json.loads(sample("vastai", f"{label}.json"))["offers"]
    got = columnar(offers, label)
    assert got == reference(offers, label)
    assert len(got) == len(offers)


def test_parse_returns_one_arrow_table() -> None:
    # Its columns are the schema's: tests/scrapers/sources/test_contract.py checks every source's.
    body = sample("vastai", "spot.json")
    offers = parse_rows(VastAi(), VastAi().queries(CTX)[1], body, CTX)
    assert isinstance(offers, pa.Table)
    assert set(offers["pricing_type"].to_pylist()) == {"spot"}


def test_string_numbers_are_read() -> None:
    row = one({**BASE, "num_gpus": "2", "dph_total": "0.80", "gpu_ram": "24576"})
    assert row["num_gpus"] == 2
    assert row["rate_usd_per_gpu_hour"] == pytest.approx(0.40)
    assert row["gpu_ram_gb"] == pytest.approx(24.0)


def test_reliability_out_of_range_becomes_null() -> None:
    assert one({**BASE, "reliability2": 1233})["reliability"] is None
    assert one({**BASE, "reliability2": -0.1})["reliability"] is None
    assert one({**BASE, "reliability2": "0.97"})["reliability"] == pytest.approx(0.97)


@pytest.mark.parametrize(
    "broken",
    [
        {"num_gpus": None},
        {"num_gpus": 0},
        {"num_gpus": "n/a"},
        {"dph_total": None},
        {"dph_total": 0},
        {"dph_total": float("nan")},
        {"gpu_name": ""},
        {"gpu_name": None},
    ],
)
def test_offer_without_count_price_or_name_is_dropped(broken: dict[str, Any]) -> None:
    offer = {**BASE, **broken}
    for key, value in broken.items():
        if value is None:
            del offer[key]
    assert columnar([offer, BASE]) == reference([offer, BASE])
    assert len(columnar([offer, BASE])) == 1


def test_nulls_stay_null() -> None:
    row = one({**BASE, "gpu_ram": None, "geolocation": None, "reliability2": None})
    assert (row["gpu_ram_gb"], row["location"], row["reliability"]) == (None, None, None)
    assert row["gpu_model"] == "RTX 4090"


def test_memory_disambiguates_the_model() -> None:
    rows = columnar(
        [
            {**BASE, "id": 1, "gpu_name": "A100 PCIE", "gpu_ram": 40960},
            {**BASE, "id": 2, "gpu_name": "A100 PCIE", "gpu_ram": 81920},
        ]
    )
    assert [r["gpu_model"] for r in rows] == [
        r["gpu_model"]
        for r in reference(
            [{**BASE, "gpu_name": "A100 PCIE", "gpu_ram": m} for m in (40960, 81920)]
        )
    ]
    assert rows[0]["gpu_model"] != rows[1]["gpu_model"]


def test_offer_id_falls_back_like_the_scalar_rule() -> None:
    offers = [{**BASE, "id": 0, "ask_contract_id": 55}, {**BASE, "id": None, "bundle_id": "b9"}]
    assert [r["offer_id"] for r in columnar(offers)] == ["55", "b9"]


def test_non_dict_entries_are_skipped() -> None:
    assert len(columnar(["junk", None, [1], BASE])) == 1


def test_availability_uses_rentable_when_rented_is_not_a_bool() -> None:
    offers = [
        {**BASE, "rented": True},
        {**BASE, "rented": "no", "rentable": False},
        {**BASE},
    ]
    assert [r["available"] for r in columnar(offers)] == [False, False, True]
    assert columnar(offers) == reference(offers)


def test_location_is_the_country_code() -> None:
    assert one({**BASE, "geolocation": "Oslo, NO"})["location"] == "NO"
    assert one({**BASE, "geolocation": "Norway"})["location"] == "Norway"


def test_mixed_junk_matches_the_scalar_rule() -> None:
    offers = [
        {**BASE, "id": 1, "dph_total": "$1,2", "num_gpus": 1.9, "rentable": False},
        {**BASE, "id": 2, "gpu_name": 4090, "geolocation": 12, "num_gpus": True},
        {**BASE, "id": 3, "gpu_name": "Mystery GPU 9000", "reliability2": "n/a"},
        {**BASE, "id": 4, "dph_total": float("inf")},
    ]
    got, want = columnar(offers), reference(offers)
    assert [{k: _nan_free(v) for k, v in r.items()} for r in got] == [
        {k: _nan_free(v) for k, v in r.items()} for r in want
    ]


def test_empty_answer_gives_an_empty_table_with_every_column() -> None:
    table = parse_offers([], "on_demand", CTX)
    assert table.num_rows == 0
    assert "rate_usd_per_gpu_hour" in table.column_names


def _nan_free(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


def test_an_offer_without_any_id_has_a_null_id_in_both_rules() -> None:
    bare = {k: v for k, v in BASE.items() if k != "id"}
    assert one(bare)["offer_id"] is None
    assert reference([bare])[0]["offer_id"] is None
    assert one({**bare, "bundle_id": 9})["offer_id"] == "9"


def test_a_search_answering_no_usable_offer_fails() -> None:
    from scrapers.errors import EmptyDataError
    from scrapers.sources.base import Query

    query = Query(url="https://console.vast.ai/api/v0/bundles/", label="spot")
    with pytest.raises(EmptyDataError, match=r"0 offers parsed from the spot search \(3 entries\)"):
        parse_rows(VastAi(), query, {"offers": [1, "x", None]}, CTX)
