"""canonical_gpu: one model id for every upstream spelling, None for names it does not know."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from scrapers.config import Settings
from scrapers.gpu_models import KNOWN_MODELS, canonical_gpu
from scrapers.refresh import unknown_gpu_names
from scrapers.schema import GPU_RENTAL_OFFERS, Batch
from scrapers.sources.base import Context
from scrapers.sources.runpod import RunPod
from scrapers.units import mb_to_gb
from tests.support.payloads import sample
from tests.support.sources import parse_rows


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("RTX 4090", "RTX 4090"),
        ("RTX 3090", "RTX 3090"),
        ("RTX 3090 Ti", "RTX 3090 Ti"),
        ("RTX A4000", "RTX A4000"),
        ("RTX 4000Ada", "RTX 4000 Ada"),
        ("H100 SXM", "H100 SXM"),
        ("H100 PCIE", "H100 PCIe"),
        ("H100 NVL", "H100 NVL"),
        ("A100 SXM4", "A100 40GB SXM"),
        ("L40S", "L40S"),
        ("Titan Xp", "Titan Xp"),
        ("Q RTX 6000", "Quadro RTX 6000"),
        ("CMP 170HX", "CMP 170HX"),
    ],
)
def test_vastai_names(name: str, expected: str) -> None:
    assert canonical_gpu(name) == expected


@pytest.mark.parametrize(
    ("ram_mb", "expected"),
    [(40960, "A100 40GB PCIe"), (81920, "A100 80GB PCIe")],
)
def test_vastai_a100_pcie_size_comes_from_the_memory_hint(ram_mb: int, expected: str) -> None:
    assert canonical_gpu("A100 PCIE", mb_to_gb(ram_mb)) == expected


def test_vastai_a100_sxm4_with_80gb_hint_is_the_80gb_part() -> None:
    assert canonical_gpu("A100 SXM4", mb_to_gb(81920)) == "A100 80GB SXM"


def test_vastai_16380_mb_counts_as_16gb() -> None:
    assert canonical_gpu("RTX 4060 Ti", mb_to_gb(16380)) == "RTX 4060 Ti 16GB"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("NVIDIA H100 80GB HBM3", "H100 SXM"),
        ("NVIDIA H100 PCIe", "H100 PCIe"),
        ("NVIDIA H100 NVL", "H100 NVL"),
        ("NVIDIA H200", "H200 SXM"),
        ("NVIDIA H200 NVL", "H200 NVL"),
        ("NVIDIA B200", "B200"),
        ("NVIDIA A100-SXM4-80GB", "A100 80GB SXM"),
        ("NVIDIA A100 80GB PCIe", "A100 80GB PCIe"),
        ("NVIDIA GeForce RTX 4090", "RTX 4090"),
        ("NVIDIA GeForce RTX 4080 SUPER", "RTX 4080 SUPER"),
        ("NVIDIA GeForce RTX 3080 Ti", "RTX 3080 Ti"),
        ("NVIDIA RTX A4000", "RTX A4000"),
        ("NVIDIA RTX 4000 Ada Generation", "RTX 4000 Ada"),
        ("NVIDIA RTX 6000 Ada Generation", "RTX 6000 Ada"),
        ("NVIDIA RTX PRO 6000 Blackwell Workstation Edition", "RTX PRO 6000"),
        ("NVIDIA L40S", "L40S"),
        ("NVIDIA L40", "L40"),
        ("NVIDIA L4", "L4"),
        ("AMD Instinct MI300X OAM", "MI300X"),
        ("Tesla V100-SXM2-32GB", "V100 32GB"),
        ("Tesla V100-PCIE-16GB", "V100 16GB"),
    ],
)
def test_runpod_ids(name: str, expected: str) -> None:
    assert canonical_gpu(name) == expected


@pytest.mark.parametrize(
    ("name", "memory_gb", "expected"),
    [
        ("H100 SXM", 80, "H100 SXM"),
        ("A100 SXM", 80, "A100 80GB SXM"),
        ("A100 PCIe", 80, "A100 80GB PCIe"),
        ("RTX 4000 Ada", 20, "RTX 4000 Ada"),
        ("MI300X", 192, "MI300X"),
        ("V100 SXM2 32GB", 32, "V100 32GB"),
    ],
)
def test_runpod_display_names_with_memory(name: str, memory_gb: float, expected: str) -> None:
    assert canonical_gpu(name, memory_gb) == expected


def test_runpod_unknown_type_is_none() -> None:
    assert canonical_gpu("unknown", 0) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gpu_1x_h100_pcie", "H100 PCIe"),
        ("gpu_8x_h100_sxm5", "H100 SXM"),
        ("gpu_1x_a100_sxm4", "A100 40GB SXM"),
        ("gpu_8x_a100_80gb_sxm4", "A100 80GB SXM"),
        ("gpu_1x_a10", "A10"),
        ("gpu_1x_a6000", "RTX A6000"),
        ("gpu_1x_gh200", "GH200"),
        ("gpu_8x_b200_sxm6", "B200"),
        ("gpu_1x_rtx6000", "Quadro RTX 6000"),
    ],
)
def test_lambda_instance_ids(name: str, expected: str) -> None:
    assert canonical_gpu(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gpu_1x_a100", "A100 40GB PCIe"),
        ("gpu_4x_a100", "A100 40GB PCIe"),
        ("gpu_8x_a100", "A100 40GB SXM"),
    ],
)
def test_lambda_plain_a100_form_factor_follows_gpu_count(name: str, expected: str) -> None:
    assert canonical_gpu(name) == expected


def test_lambda_id_not_in_the_table_falls_back_to_generic_rules() -> None:
    assert canonical_gpu("gpu_8x_v100_n") == "V100 16GB"


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("H100 (80 GB SXM5)", "H100 SXM"),
        ("H100 (80 GB PCIe)", "H100 PCIe"),
        ("A100 (40 GB SXM4)", "A100 40GB SXM"),
        ("A100 (80 GB SXM4)", "A100 80GB SXM"),
        ("A10 (24 GB PCIe)", "A10"),
        ("RTX A6000 (48 GB)", "RTX A6000"),
        ("GH200 (96 GB)", "GH200"),
        ("B200 (180 GB SXM6)", "B200"),
    ],
)
def test_lambda_gpu_descriptions(description: str, expected: str) -> None:
    assert canonical_gpu(description) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("GeForce RTX 3090", "RTX 3090"),
        ("GeForce RTX 3060 12GB", "RTX 3060"),
        ("GeForce RTX 3080 12GB", "RTX 3080 12GB"),
        ("GeForce RTX 4060 Ti 16GB", "RTX 4060 Ti 16GB"),
        ("GeForce RTX 4070 Ti Super", "RTX 4070 Ti SUPER"),
        ("GeForce GTX 1660 Super", "GTX 1660 SUPER"),
        ("GeForce GTX 1660 Ti", "GTX 1660 Ti"),
        ("Radeon RX 7900 XTX", "RX 7900 XTX"),
        ("Radeon RX 7900 XT", "RX 7900 XT"),
        ("Radeon RX 7900 GRE", "RX 7900 GRE"),
        ("Radeon RX 5500 XT 8GB", "RX 5500 XT 8GB"),
        ("Radeon RX 5500 XT 4GB", "RX 5500 XT"),
        ("Intel Arc A770 16GB", "Arc A770"),
        ("Intel Arc A770 8GB", "Arc A770 8GB"),
        ("Intel Arc B580", "Arc B580"),
    ],
)
def test_tomshardware_names(name: str, expected: str) -> None:
    assert canonical_gpu(name) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "ASUS TUF Gaming GeForce RTX 4090 OC Edition Gaming Graphics Card (PCIe 4.0, "
            "24GB GDDR6X, HDMI 2.1a, DisplayPort 1.4a) TUF-RTX4090-O24G-GAMING",
            "RTX 4090",
        ),
        (
            "MSI Gaming GeForce RTX 3060 12GB 15 Gbps GDRR6 192-Bit HDMI/DP PCIe 4 Torx Twin "
            "Fan Ampere OC Graphics Card (RTX 3060 Ventus 2X 12G OC)",
            "RTX 3060",
        ),
        ("GIGABYTE GeForce RTX 3060 Gaming OC 8G (REV2.0) Graphics Card", "RTX 3060 8GB"),
        (
            "GIGABYTE GeForce RTX 4070 Ti SUPER WINDFORCE OC 16G Graphics Card, 16GB 256-bit "
            "GDDR6X, GV-N407TSWF3OC-16GD Video Card",
            "RTX 4070 Ti SUPER",
        ),
        (
            "XFX Speedster MERC310 AMD Radeon RX 7900XTX Black Gaming Graphics Card with 24GB",
            "RX 7900 XTX",
        ),
        ("PNY NVIDIA RTX A4000 16GB GDDR6 Graphics Card", "RTX A4000"),
        ("PNY NVIDIA RTX 4000 Ada Generation 20GB GDDR6 Graphics Card", "RTX 4000 Ada"),
        ("NVIDIA H100 Tensor Core GPU 80GB PCle 5.0", "H100 PCIe"),
        ("ZOTAC GAMING GeForce RTX 5090 Solid OC 32GB GDDR7", "RTX 5090"),
    ],
)
def test_newegg_titles(title: str, expected: str) -> None:
    assert canonical_gpu(title) == expected


def test_h100_variants_are_distinct() -> None:
    ids = {canonical_gpu(n) for n in ("H100 SXM", "H100 PCIe", "H100 NVL")}
    assert ids == {"H100 SXM", "H100 PCIe", "H100 NVL"}


def test_a100_sizes_and_forms_are_distinct() -> None:
    ids = {
        canonical_gpu("A100 PCIE", 40),
        canonical_gpu("A100 PCIE", 80),
        canonical_gpu("A100 SXM4", 40),
        canonical_gpu("A100 SXM4", 80),
    }
    assert len(ids) == 4


def test_rtx_a4000_is_not_rtx_4000_ada() -> None:
    assert canonical_gpu("RTX A4000") != canonical_gpu("RTX 4000 Ada")


def test_rtx_4000_without_ada_is_the_turing_quadro() -> None:
    assert canonical_gpu("Quadro RTX 4000") == "Quadro RTX 4000"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("RTX 4070", "RTX 4070 Ti"),
        ("RTX 4070 Ti", "RTX 4070 Ti SUPER"),
        ("RTX 4070", "RTX 4070 SUPER"),
        ("RTX 4080", "RTX 4080 SUPER"),
        ("RTX 3080", "RTX 3080 Ti"),
    ],
)
def test_ti_and_super_are_separate_models(a: str, b: str) -> None:
    assert canonical_gpu(a) != canonical_gpu(b)


def test_short_super_suffix() -> None:
    assert canonical_gpu("RTX 4080S") == "RTX 4080 SUPER"


def test_memory_hint_splits_rtx_3060_variants() -> None:
    assert canonical_gpu("RTX 3060", 12) == "RTX 3060"
    assert canonical_gpu("RTX 3060", 8) == "RTX 3060 8GB"


def test_memory_in_the_name_beats_the_hint() -> None:
    assert canonical_gpu("GeForce RTX 3080 12GB", 10) == "RTX 3080 12GB"


def test_laptop_chip_is_not_the_desktop_card() -> None:
    assert canonical_gpu("RTX 3060 Laptop GPU") is None


@pytest.mark.parametrize("name", [None, "", "   ", "unknown", "Matrox G200", "gpu_1x_zz9000"])
def test_unknown_names_are_none(name: str | None) -> None:
    assert canonical_gpu(name) is None


INVENTED = ["RTX 9999 Ultra", "NVIDIA GeForce GTX 1190", "AMD Radeon RX 8950 XTX", "H900 SXM"]


@pytest.mark.parametrize("name", INVENTED)
def test_invented_names_get_no_canonical_id(name: str) -> None:
    assert canonical_gpu(name) is None


def test_every_id_the_rules_return_is_a_known_model() -> None:
    assert canonical_gpu("RTX 4090") in KNOWN_MODELS
    assert "RTX 9999" not in KNOWN_MODELS


def _runpod_rows_with(names: list[str]) -> Batch:
    """The RunPod sample parsed with its first GPU types renamed to ``names``."""
    body = json.loads(sample("runpod", "gpu_types.json"))
    for gpu, name in zip(body["data"]["gpuTypes"], names, strict=False):
        gpu["id"] = gpu["displayName"] = name
    source = RunPod()
    ctx = Context(settings=Settings(), now=datetime(2025, 11, 3, 14, tzinfo=UTC))
    return {GPU_RENTAL_OFFERS.name: parse_rows(source, source.queries(ctx)[0], body, ctx)}


def test_invented_names_are_stored_with_null_id_and_reported_unknown() -> None:
    batch = _runpod_rows_with(INVENTED[:3])
    rows = [r for r in batch["gpu_rental_offers"] if r["gpu_name_raw"] in INVENTED]
    assert rows and all(r["gpu_model"] is None for r in rows)
    assert set(INVENTED[:3]) <= set(unknown_gpu_names(batch))


def test_known_names_beside_invented_ones_still_map() -> None:
    batch = _runpod_rows_with(["RTX 9999 Ultra"])
    models = {r["gpu_model"] for r in batch["gpu_rental_offers"]}
    assert {"H100 PCIe", None} <= models
