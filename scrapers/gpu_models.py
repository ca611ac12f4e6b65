"""One canonical GPU model id across sources.

Upstreams spell the same card many ways (vast.ai ``RTX 4090``, RunPod ``NVIDIA GeForce RTX
4090``, Lambda ``gpu_1x_h100_pcie``, Newegg product titles). :func:`canonical_gpu` maps them
to one id such as ``RTX 4090`` or ``H100 SXM`` and returns ``None`` for names it does not
know, so callers keep the row and report the name instead of guessing.

Distinctions that matter for price: H100 SXM / PCIe / NVL; A100 40 GB / 80 GB and SXM /
PCIe; ``RTX A4000`` (Ampere) is not ``RTX 4000 Ada``; Ti and SUPER are separate models;
consumer cards sold in two memory sizes get a suffix for the non-original one (``RTX 3080
12GB``, ``RTX 4060 Ti 16GB``); laptop chips are not their desktop namesakes (``None``).

Ids are never invented: the rules only *propose* an id from a name's shape, and a proposal
that is not in :data:`KNOWN_MODELS` (the GPUs that exist) is ``None``, so "RTX 9999 Ultra"
is reported as unknown instead of being stored as a model "RTX 9999".
"""

from __future__ import annotations

import re
from functools import lru_cache

_NOISE = re.compile(
    r"\b(NVIDIA|GEFORCE|AMD|RADEON|INTEL|TESLA|QUADRO|GRAPHICS CARD|GPU|INSTINCT|OAM)\b|[®™()]"
)
# "8GB", "12G", "O24G" (ASUS part numbers); not "2.5G" or "15 Gbps".
_MEMORY = re.compile(r"(?<![\d.])(\d{1,3})\s*G(?:B)?\b")

# Datacentre parts first: their names embed digits that consumer rules would misread.
_DATACENTRE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bGH200\b"), "GH200"),
    (re.compile(r"\bGB200\b"), "GB200"),
    (re.compile(r"\bB200\b"), "B200"),
    (re.compile(r"\bH200\b.*\bNVL\b"), "H200 NVL"),
    (re.compile(r"\bH200\b"), "H200 SXM"),
    (re.compile(r"\bH100\b.*\bNVL\b"), "H100 NVL"),
    (re.compile(r"\bH100\b.*\bPCI"), "H100 PCIe"),
    (re.compile(r"\bH100\b"), "H100 SXM"),  # HBM3 / SXM5 / bare "H100" are the SXM part
    (re.compile(r"\bMI300X\b"), "MI300X"),
    (re.compile(r"\bMI250X?\b"), "MI250"),
    (re.compile(r"\bL40S\b"), "L40S"),
    (re.compile(r"\bL40\b"), "L40"),
    (re.compile(r"\bL4\b"), "L4"),
    (re.compile(r"\bA10G\b"), "A10G"),
    (re.compile(r"\bA10\b"), "A10"),
    (re.compile(r"\bA30\b"), "A30"),
    (re.compile(r"\bA40\b"), "A40"),
    (re.compile(r"\bT4\b"), "T4"),
    (re.compile(r"\bP100\b"), "P100"),
    (re.compile(r"\bP4\b"), "P4"),
)

_RTX_WORKSTATION = re.compile(r"\bRTX\s*(A\d{4})\b")  # RTX A4000 (Ampere workstation)
_RTX_ADA = re.compile(r"\bRTX\s*(\d{4})\s*(?:SFF\s*)?ADA\b|\bRTX\s*(\d{4})ADA\b")
_RTX_PRO = re.compile(r"\bRTX\s*PRO\s*(\d{4})\b")
_QUADRO_RTX = re.compile(r"^(?:Q\s+)?RTX\s*(\d{4})$")  # "Quadro RTX 6000" after noise removal
_CONSUMER = re.compile(r"\b(RTX|GTX|RX)\s*(\d{3,4})\s*(TI|SUPER|XTX|XT|GRE)?\s*(SUPER)?\b")
_ARC = re.compile(r"\bARC\s*([AB]\d{3})\b")
_CMP = re.compile(r"\bCMP\s*(\d{2,3})\s*HX\b")
_LAMBDA = re.compile(r"^GPU_(\d+)X_(.+)$")
_TITAN = re.compile(r"\bTITAN\s*(RTX|XP|V|X)\b")
_SUPER_SHORT = re.compile(r"\b(RTX\s*\d{4})S\b")  # "RTX 4080S" is the 4080 SUPER
_MOBILE = re.compile(r"\b(LAPTOP|MOBILE|MAX\s*Q)\b")

_LAMBDA_IDS = {
    "H100_PCIE": "H100 PCIe",
    "H100_SXM5": "H100 SXM",
    "H100_NVL": "H100 NVL",
    "GH200": "GH200",
    "B200_SXM6": "B200",
    "A100_SXM4": "A100 40GB SXM",
    "A100_PCIE": "A100 40GB PCIe",
    "A100_80GB_SXM4": "A100 80GB SXM",
    "A100_80GB_PCIE": "A100 80GB PCIe",
    "A10": "A10",
    "A6000": "RTX A6000",
    "RTX6000": "Quadro RTX 6000",
    "V100": "V100 16GB",
}

# Consumer models sold with two memory sizes at clearly different prices. The bare id is the
# original configuration; the other size gets a suffix (Tom's HW and retailers list both).
_MEMORY_VARIANTS: dict[str, dict[int, str]] = {
    "GTX 1060": {3: "GTX 1060 3GB"},
    "RTX 2060": {12: "RTX 2060 12GB"},
    "RTX 3060": {8: "RTX 3060 8GB"},
    "RTX 3080": {12: "RTX 3080 12GB"},
    "RTX 4060 Ti": {16: "RTX 4060 Ti 16GB"},
    "RTX 5060 Ti": {16: "RTX 5060 Ti 16GB"},
    "RX 5500 XT": {8: "RX 5500 XT 8GB"},
    "RX 9060 XT": {16: "RX 9060 XT 16GB"},
    "Arc A770": {8: "Arc A770 8GB"},
}


def _family(prefix: str, names: str) -> frozenset[str]:
    return frozenset(f"{prefix} {n}" for n in names.split(","))


# Every model id the rules may return. Add a GPU here when it launches; until then its
# listings are kept with gpu_model NULL and reported as unknown names.
KNOWN_MODELS: frozenset[str] = (
    _family(
        "GTX",
        "750,750 Ti,950,960,970,980,980 Ti,1050,1050 Ti,1060,1060 3GB,1070,1070 Ti,1080,"
        "1080 Ti,1630,1650,1650 SUPER,1660,1660 SUPER,1660 Ti",
    )
    | _family(
        "RTX",
        "2060,2060 12GB,2060 SUPER,2070,2070 SUPER,2080,2080 SUPER,2080 Ti,"
        "3050,3060,3060 8GB,3060 Ti,3070,3070 Ti,3080,3080 12GB,3080 Ti,3090,3090 Ti,"
        "4060,4060 Ti,4060 Ti 16GB,4070,4070 SUPER,4070 Ti,4070 Ti SUPER,4080,4080 SUPER,4090,"
        "5050,5060,5060 Ti,5060 Ti 16GB,5070,5070 Ti,5080,5090,"
        "A2000,A4000,A4500,A5000,A5500,A6000,"
        "2000 Ada,4000 Ada,4500 Ada,5000 Ada,6000 Ada,"
        "PRO 4000,PRO 4500,PRO 5000,PRO 6000",
    )
    | _family("Quadro RTX", "4000,5000,6000,8000")
    | _family("Titan", "X,Xp,V,RTX")
    | _family("CMP", "30HX,40HX,50HX,70HX,90HX,170HX")
    | _family(
        "RX",
        "470,480,550,560,570,580,590,5500 XT,5500 XT 8GB,5600 XT,5700,5700 XT,"
        "6400,6500 XT,6600,6600 XT,6650 XT,6700,6700 XT,6750 XT,6800,6800 XT,6900 XT,6950 XT,"
        "7600,7600 XT,7700 XT,7800 XT,7900 GRE,7900 XT,7900 XTX,9060 XT,9060 XT 16GB,9070,"
        "9070 XT",
    )
    | _family("Arc", "A310,A380,A580,A750,A770,A770 8GB,B570,B580")
    | frozenset(model for _, model in _DATACENTRE)
    | frozenset(_LAMBDA_IDS.values())
    | _family("A100", "40GB SXM,40GB PCIe,80GB SXM,80GB PCIe")
    | _family("V100", "16GB,32GB")
)


@lru_cache(maxsize=4096)  # a snapshot repeats a few dozen names thousands of times
def canonical_gpu(name: str | None, memory_gb: float | None = None) -> str | None:
    """Canonical model id for an upstream GPU name, or ``None`` when it is not recognised.

    ``memory_gb`` disambiguates names that omit it (vast.ai ``A100 PCIE`` comes in 40 and
    80 GB versions). Only ids in :data:`KNOWN_MODELS` are returned.
    """
    model = _propose(name, memory_gb)
    return model if model in KNOWN_MODELS else None


def _propose(name: str | None, memory_gb: float | None) -> str | None:
    """The id a name's shape suggests, known or not (``canonical_gpu`` checks it)."""
    if not name or not name.strip():
        return None
    upper = name.strip().upper()

    lam = _LAMBDA.match(upper)
    if lam:
        count, rest = int(lam.group(1)), lam.group(2)
        if rest == "A100":  # Lambda's plain 1x/2x/4x A100 are 40 GB PCIe; the 8x is SXM4
            return "A100 40GB SXM" if count == 8 else "A100 40GB PCIe"
        known = _LAMBDA_IDS.get(rest)
        # Newer Lambda ids (e.g. gpu_8x_v100_n) fall through to the generic rules.
        return known or canonical_gpu(rest.replace("_", " "), memory_gb)

    # "PCle" (lower-case L) is a common typo for PCIe in retail titles.
    text = upper.replace("-", " ").replace("_", " ").replace("PCLE", "PCIE")
    is_quadro = "QUADRO" in text
    text = " ".join(_NOISE.sub(" ", text).split())
    text = _SUPER_SHORT.sub(r"\1 SUPER", text)

    if re.search(r"\bA100", text):
        return _a100(text, memory_gb)
    if re.search(r"\bV100\b", text):
        mem = _memory(text, memory_gb)
        return "V100 32GB" if mem and mem >= 30 else "V100 16GB"
    for pattern, model in _DATACENTRE:
        if pattern.search(text):
            return model
    if m := _RTX_PRO.search(text):
        return f"RTX PRO {m.group(1)}"
    if m := _RTX_ADA.search(text):
        return f"RTX {m.group(1) or m.group(2)} Ada"
    if m := _RTX_WORKSTATION.search(text):
        return f"RTX {m.group(1)}"
    if m := _CMP.search(text):
        return f"CMP {m.group(1)}HX"
    if m := _TITAN.search(text):
        return "Titan Xp" if m.group(1) == "XP" else f"Titan {m.group(1)}"
    if m := _ARC.search(text):
        return _variant(f"Arc {m.group(1)}", text, memory_gb)
    if (is_quadro or text.startswith("Q ")) and (m := _QUADRO_RTX.match(text)):
        return f"Quadro RTX {m.group(1)}"
    if _MOBILE.search(text):
        return None  # laptop chips share desktop names but not their speed or price
    if m := _CONSUMER.search(text):
        family, number, suffix, super_ = m.groups()
        if family == "RTX" and number in {"6000", "8000", "5000", "4000"} and not suffix:
            return f"Quadro RTX {number}"
        parts = [family, number]
        if suffix:
            parts.append("Ti" if suffix == "TI" else suffix)
        if super_ and suffix != "SUPER":
            parts.append("SUPER")
        return _variant(" ".join(parts), text, memory_gb)
    return None


def _variant(model: str, text: str, memory_gb: float | None) -> str:
    variants = _MEMORY_VARIANTS.get(model)
    if not variants:
        return model
    mem = _memory(text, memory_gb)
    if mem is None:
        return model
    for size, name in variants.items():
        if abs(mem - size) < 1:  # vast.ai reports 16380 MB for a 16 GB card
            return name
    return model


def _memory(text: str, hint: float | None) -> float | None:
    m = _MEMORY.search(text)
    if m:
        return float(m.group(1))
    return hint


def _a100(text: str, memory_gb: float | None) -> str:
    mem = _memory(text, memory_gb)
    size = "80GB" if mem is not None and mem > 45 else "40GB"
    form = "PCIe" if "PCI" in text else "SXM"
    return f"A100 {size} {form}"
