"""Lambda Cloud instance types: cents per instance-hour to USD per GPU-hour."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from scrapers.config import Settings
from scrapers.errors import ParseError
from scrapers.refresh import refresh
from scrapers.schema import Row
from scrapers.sources.base import Context
from scrapers.sources.lambdacloud import INSTANCE_TYPES_URL, LambdaCloud, gpu_memory_gb
from scrapers.store import read_connection
from tests.support.local_http import LocalServer
from tests.support.payloads import fixture, sample
from tests.support.sources import parse_rows

NOW = datetime(2025, 11, 3, 14, 37, tzinfo=UTC)
CTX = Context(settings=Settings(api_keys={"lambda": "secret_abc"}), now=NOW)
PATH = "/api/v1/instance-types"


def parse(body: bytes) -> dict[str, Row]:
    """Offer rows by offer id parsed from an instance-types body."""
    source = LambdaCloud()
    return {r["offer_id"]: r for r in parse_rows(source, source.queries(CTX)[0], body, CTX)}


@pytest.fixture(scope="module")
def offers() -> dict[str, Row]:
    """The sample's rows."""
    return parse(sample("lambda", "instance_types.json"))


def test_query_uses_basic_auth_with_key_as_user() -> None:
    query = LambdaCloud().queries(CTX)[0]
    assert query.url == INSTANCE_TYPES_URL
    assert query.label == "instance_types"
    scheme, token = query.headers["Authorization"].split()
    assert scheme == "Basic"
    assert base64.b64decode(token).decode() == "secret_abc:"


def test_source_requires_a_key() -> None:
    assert LambdaCloud.requires_key is True


def test_8x_h100_price_is_divided_by_100_and_by_gpus(offers: dict[str, Row]) -> None:
    row = offers["gpu_8x_h100_sxm5"]
    assert row["rate_usd_per_gpu_hour"] == pytest.approx(2.99)
    assert row["offer_rate_usd_per_hour"] == pytest.approx(23.92)
    assert row["num_gpus"] == 8


def test_single_gpu_rate_is_cents_over_100(offers: dict[str, Row]) -> None:
    assert offers["gpu_1x_a10"]["rate_usd_per_gpu_hour"] == pytest.approx(0.75)


def test_gpu_models_from_instance_ids(offers: dict[str, Row]) -> None:
    models = {k: r["gpu_model"] for k, r in offers.items()}
    assert models["gpu_1x_h100_pcie"] == "H100 PCIe"
    assert models["gpu_8x_h100_sxm5"] == "H100 SXM"
    assert models["gpu_1x_a100_sxm4"] == "A100 40GB SXM"
    assert models["gpu_8x_a100_80gb_sxm4"] == "A100 80GB SXM"
    assert models["gpu_1x_a6000"] == "RTX A6000"
    assert models["gpu_1x_gh200"] == "GH200"
    assert models["gpu_8x_b200_sxm6"] == "B200"


def test_gpu_name_raw_is_the_instance_type(offers: dict[str, Row]) -> None:
    assert all(k == r["gpu_name_raw"] for k, r in offers.items())


def test_memory_from_gpu_description(offers: dict[str, Row]) -> None:
    assert offers["gpu_8x_h100_sxm5"]["gpu_ram_gb"] == 80
    assert offers["gpu_1x_a6000"]["gpu_ram_gb"] == 48


def test_availability_and_first_region(offers: dict[str, Row]) -> None:
    assert offers["gpu_1x_h100_pcie"]["available"] is True
    assert offers["gpu_1x_h100_pcie"]["location"] == "us-west-1"
    assert offers["gpu_8x_b200_sxm6"]["available"] is False
    assert offers["gpu_8x_b200_sxm6"]["location"] is None


def test_all_on_demand_at_the_snapshot_hour(offers: dict[str, Row]) -> None:
    assert {r["pricing_type"] for r in offers.values()} == {"on_demand"}
    assert {r["observed_at"] for r in offers.values()} == {datetime(2025, 11, 3, 14)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("H100 (80 GB SXM5)", 80.0), ("GH200 (96 GB)", 96.0), ("Mystery GPU", None), (None, None)],
)
def test_gpu_memory_gb(text: str | None, expected: float | None) -> None:
    assert gpu_memory_gb(text) == expected


@pytest.fixture(scope="module")
def quirks() -> dict[str, Row]:
    """Rows from the quirks fixture."""
    return parse(fixture("lambda", "quirks.json"))


def test_cpu_only_types_are_skipped(quirks: dict[str, Row]) -> None:
    assert "cpu_4x_general" not in quirks


def test_string_numbers_are_parsed(quirks: dict[str, Row]) -> None:
    row = quirks["gpu_2x_h100_sxm5"]
    assert row["num_gpus"] == 2
    assert row["rate_usd_per_gpu_hour"] == pytest.approx(3.29)


def test_null_or_missing_regions_mean_unavailable(quirks: dict[str, Row]) -> None:
    assert quirks["gpu_2x_h100_sxm5"]["available"] is False
    assert quirks["gpu_1x_a100"]["available"] is False


def test_gpu_description_decides_the_form_factor(quirks: dict[str, Row]) -> None:
    assert quirks["gpu_1x_a100"]["gpu_model"] == "A100 40GB PCIe"
    assert quirks["gpu_1x_a100"]["gpu_ram_gb"] == 40


def test_missing_price_or_specs_are_skipped(quirks: dict[str, Row]) -> None:
    assert "gpu_1x_h100_pcie" not in quirks
    assert "gpu_1x_rtx6000" not in quirks


def test_unknown_instance_keeps_row_with_null_model(quirks: dict[str, Row]) -> None:
    assert quirks["gpu_4x_mystery"]["gpu_model"] is None
    assert quirks["gpu_4x_mystery"]["rate_usd_per_gpu_hour"] == pytest.approx(1.0)


def test_quirks_yield_exactly_the_usable_types(quirks: dict[str, Row]) -> None:
    assert set(quirks) == {"gpu_2x_h100_sxm5", "gpu_1x_a100", "gpu_4x_mystery"}


def test_error_body_raises_with_its_message() -> None:
    with pytest.raises(ParseError, match="API key was invalid"):
        parse(fixture("lambda", "invalid_key.json"))


def test_answer_without_data_raises() -> None:
    with pytest.raises(ParseError, match="no 'data' object"):
        parse(b'{"instance_types": []}')


def test_refresh_stores_per_gpu_rows(server: LocalServer, settings: Settings) -> None:
    server.route(PATH, sample("lambda", "instance_types.json"))
    [result] = refresh(settings, only=["lambda"], now=NOW)
    assert result.status == "ok", result.error
    [auth] = server.sent(PATH, "Authorization")
    assert auth and base64.b64decode(auth.split()[1]) == b"test-key:"
    with read_connection(settings.db_path) as con:
        rows = con.execute(
            "SELECT offer_id, rate_usd_per_gpu_hour, num_gpus, source FROM gpu_rental_offers "
            "ORDER BY offer_id"
        ).fetchall()
    assert len(rows) == 9
    h100 = next(r for r in rows if r[0] == "gpu_8x_h100_sxm5")
    assert h100[1:] == (pytest.approx(2.99), 8, "lambda")


def test_refresh_without_key_fails_before_fetching(server: LocalServer, settings: Settings) -> None:
    server.route(PATH, sample("lambda", "instance_types.json"))
    no_key = replace(settings, api_keys={})
    [result] = refresh(no_key, only=["lambda"], now=NOW)
    assert result.status == "failed"
    assert "RIGSHIFT_LAMBDA_API_KEY" in (result.error or "")
    assert server.hits(PATH) == 0
