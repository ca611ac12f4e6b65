"""RunPod GraphQL gpuTypes: list prices per GPU type and tier, gated by availability flags."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from scrapers.config import Settings
from scrapers.errors import ParseError
from scrapers.refresh import refresh
from scrapers.schema import Row
from scrapers.sources.base import Context
from scrapers.sources.runpod import GRAPHQL_URL, RunPod
from scrapers.store import read_connection
from tests.support.local_http import LocalServer
from tests.support.payloads import fixture, sample
from tests.support.sources import parse_rows

NOW = datetime(2025, 11, 3, 14, 37, tzinfo=UTC)
CTX = Context(settings=Settings(), now=NOW)


def parse(body: bytes) -> list[Row]:
    """Offer rows parsed from a GraphQL body."""
    source = RunPod()
    return parse_rows(source, source.queries(CTX)[0], body, CTX)


def by_offer(rows: list[Row]) -> dict[str, Row]:
    """Rows keyed by offer id."""
    return {r["offer_id"]: r for r in rows}


@pytest.fixture(scope="module")
def offers() -> dict[str, Row]:
    """The sample's rows by offer id."""
    return by_offer(parse(sample("runpod", "gpu_types.json")))


def test_query_is_a_graphql_post_for_gpu_types() -> None:
    query = RunPod().queries(CTX)[0]
    assert query.method == "POST"
    assert query.url == GRAPHQL_URL
    assert query.label == "gpu_types"
    assert "gpuTypes" in query.json["query"]
    assert "lowestPrice(input: {gpuCount: 1})" in query.json["query"]


def test_query_sends_bearer_key_when_configured() -> None:
    ctx = Context(settings=Settings(api_keys={"runpod": "rp-key"}), now=NOW)
    assert RunPod().queries(ctx)[0].headers == {"Authorization": "Bearer rp-key"}


def test_query_has_no_auth_header_without_key() -> None:
    assert RunPod().queries(CTX)[0].headers is None


def test_sample_h100_sxm_secure_on_demand(offers: dict[str, Row]) -> None:
    row = offers["NVIDIA H100 80GB HBM3|secure"]
    assert row["pricing_type"] == "on_demand"
    assert row["rate_usd_per_gpu_hour"] == pytest.approx(2.99)
    assert row["gpu_model"] == "H100 SXM"
    assert row["gpu_ram_gb"] == 80
    assert row["num_gpus"] == 1


def test_sample_h100_sxm_has_every_tier(offers: dict[str, Row]) -> None:
    tiers = {k.split("|")[1]: v["pricing_type"] for k, v in offers.items() if "H100 80GB" in k}
    assert tiers == {
        "secure": "on_demand",
        "community": "on_demand",
        "secure_spot": "spot",
        "community_spot": "spot",
        "3_month": "reserved",
        "6_month": "reserved",
    }


def test_null_month_price_is_not_an_offer(offers: dict[str, Row]) -> None:
    assert "NVIDIA H100 80GB HBM3|1_month" not in offers


def test_h100_variants_map_to_distinct_models(offers: dict[str, Row]) -> None:
    assert offers["NVIDIA H100 PCIe|secure"]["gpu_model"] == "H100 PCIe"
    assert offers["NVIDIA H100 NVL|secure"]["gpu_model"] == "H100 NVL"


def test_a100_variants_map_to_80gb_parts(offers: dict[str, Row]) -> None:
    assert offers["NVIDIA A100-SXM4-80GB|secure"]["gpu_model"] == "A100 80GB SXM"
    assert offers["NVIDIA A100 80GB PCIe|secure"]["gpu_model"] == "A100 80GB PCIe"


def test_rtx_a4000_and_4000_ada_stay_apart(offers: dict[str, Row]) -> None:
    assert offers["NVIDIA RTX A4000|secure"]["gpu_model"] == "RTX A4000"
    assert offers["NVIDIA RTX 4000 Ada Generation|secure"]["gpu_model"] == "RTX 4000 Ada"


def test_mi300x_placeholder_community_price_is_dropped(offers: dict[str, Row]) -> None:
    mi300 = {k for k in offers if k.startswith("AMD Instinct MI300X")}
    assert "AMD Instinct MI300X OAM|community" not in mi300
    assert "AMD Instinct MI300X OAM|secure" in mi300


def test_secure_price_zero_with_secure_cloud_false_is_dropped(offers: dict[str, Row]) -> None:
    rtx3080 = {k.split("|")[1] for k in offers if k.startswith("NVIDIA GeForce RTX 3080|")}
    assert rtx3080 == {"community", "community_spot"}


def test_unknown_type_yields_no_rows(offers: dict[str, Row]) -> None:
    assert not any(k.startswith("unknown|") for k in offers)


def test_tier_is_not_a_location(offers: dict[str, Row]) -> None:
    assert {r["location"] for r in offers.values()} == {None}


def test_stock_status_sets_availability(offers: dict[str, Row]) -> None:
    assert offers["NVIDIA H100 NVL|secure"]["available"] is True  # "Low" is still in stock
    assert offers["NVIDIA GeForce RTX 3080|community"]["available"] is None  # no lowestPrice


def test_observed_at_is_the_snapshot_hour(offers: dict[str, Row]) -> None:
    assert {r["observed_at"] for r in offers.values()} == {datetime(2025, 11, 3, 14)}


def test_every_sample_rate_is_positive_per_gpu_hour(offers: dict[str, Row]) -> None:
    assert all(0 < r["rate_usd_per_gpu_hour"] < 10 for r in offers.values())
    assert all(r["offer_rate_usd_per_hour"] == r["rate_usd_per_gpu_hour"] for r in offers.values())


@pytest.fixture(scope="module")
def quirks() -> dict[str, Row]:
    """Rows from the quirks fixture by offer id."""
    return by_offer(parse(fixture("runpod", "quirks.json")))


def test_string_prices_and_memory_are_numbers(quirks: dict[str, Row]) -> None:
    row = quirks["NVIDIA GeForce RTX 4090|secure"]
    assert row["rate_usd_per_gpu_hour"] == pytest.approx(0.69)
    assert row["gpu_ram_gb"] == 24


def test_null_zero_and_empty_prices_are_not_offers(quirks: dict[str, Row]) -> None:
    tiers = {k.split("|")[1] for k in quirks if k.startswith("NVIDIA GeForce RTX 4090|")}
    assert tiers == {"secure", "3_month"}


def test_placeholder_with_community_false_is_dropped(quirks: dict[str, Row]) -> None:
    tiers = {k.split("|")[1] for k in quirks if k.startswith("NVIDIA RTX 2000 Ada")}
    assert tiers == {"secure", "secure_spot"}


def test_placeholder_with_secure_false_drops_secure_and_month_terms(
    quirks: dict[str, Row],
) -> None:
    tiers = {k.split("|")[1] for k in quirks if k.startswith("NVIDIA GeForce RTX 4070 Ti|")}
    assert tiers == {"community", "community_spot"}


def test_missing_availability_flag_means_not_offered(quirks: dict[str, Row]) -> None:
    assert set(k for k in quirks if k.startswith("NVIDIA A40|")) == {"NVIDIA A40|community"}


def test_unknown_name_keeps_row_with_null_model(quirks: dict[str, Row]) -> None:
    row = quirks["Quantum Flux 9000|secure"]
    assert row["gpu_model"] is None
    assert row["gpu_name_raw"] == "Quantum Flux 9000"


def test_entries_without_id_or_not_objects_are_skipped(quirks: dict[str, Row]) -> None:
    assert all(r["gpu_name_raw"] for r in quirks.values())
    assert len(quirks) == 2 + 2 + 2 + 1 + 1


def test_graphql_errors_raise_with_first_message() -> None:
    with pytest.raises(ParseError, match="Something went wrong"):
        parse(fixture("runpod", "graphql_error.json"))


def test_missing_gpu_types_raises() -> None:
    with pytest.raises(ParseError, match="data.gpuTypes"):
        parse(fixture("runpod", "no_gpu_types.json"))


def test_malformed_json_raises() -> None:
    with pytest.raises(ParseError, match="malformed JSON"):
        parse(b'{"data": {"gpuTypes": [')


def test_refresh_posts_query_and_stores_rows(server: LocalServer, settings: Settings) -> None:
    server.route("/graphql", sample("runpod", "gpu_types.json"))
    [result] = refresh(settings, only=["runpod"], now=NOW)
    assert result.status == "ok", result.error
    method, _, body = next(r for r in server.requests if r[1].startswith("/graphql"))
    assert method == "POST"
    assert "gpuTypes" in json.loads(body)["query"]
    assert server.sent("/graphql", "Authorization") == ["Bearer test-key"]
    with read_connection(settings.db_path) as con:
        stored = con.execute(
            "SELECT rate_usd_per_gpu_hour, gpu_model, source, source_url FROM gpu_rental_offers "
            "WHERE offer_id = 'NVIDIA GeForce RTX 4090|community'"
        ).fetchone()
        count = con.execute("SELECT count(*) FROM gpu_rental_offers").fetchone()[0]
        index = con.execute(
            "SELECT median_usd_per_gpu_hour FROM gpu_rental_index "
            "WHERE gpu_model = 'H100 SXM' AND pricing_type = 'on_demand'"
        ).fetchone()
    assert stored[:3] == (pytest.approx(0.34), "RTX 4090", "runpod")
    assert stored[3].endswith("/graphql")
    assert count == len(parse(sample("runpod", "gpu_types.json")))
    assert index[0] == pytest.approx((2.99 + 2.69) / 2)


def test_refresh_fails_cleanly_on_graphql_error(server: LocalServer, settings: Settings) -> None:
    server.route("/graphql", fixture("runpod", "graphql_error.json"))
    [result] = refresh(settings, only=["runpod"], now=NOW)
    assert result.status == "failed"
    assert "Something went wrong" in (result.error or "")
