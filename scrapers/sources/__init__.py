"""The registry of upstream sources, one module each."""

from __future__ import annotations

from importlib import import_module

from scrapers.errors import ConfigError
from scrapers.sources.base import Source

# id -> "module:Class". Ids are lower-case and name the RIGSHIFT_<ID>_* settings.
REGISTRY: dict[str, str] = {
    "whattomine": "scrapers.sources.whattomine:WhatToMine",
    "mempool": "scrapers.sources.mempool:Mempool",
    "coingecko": "scrapers.sources.coingecko:CoinGecko",
    "coinmetrics": "scrapers.sources.coinmetrics:CoinMetrics",
    "vastai": "scrapers.sources.vastai:VastAi",
    "runpod": "scrapers.sources.runpod:RunPod",
    "lambda": "scrapers.sources.lambdacloud:LambdaCloud",
    "tomshardware": "scrapers.sources.tomshardware:TomsHardware",
    "newegg": "scrapers.sources.newegg:Newegg",
    "eia": "scrapers.sources.eia:Eia",
    "ember": "scrapers.sources.ember:Ember",
    "carbon": "scrapers.sources.carbon:Carbon",
    "braiins": "scrapers.sources.braiins:Braiins",
    "entsoe": "scrapers.sources.entsoe:Entsoe",
}


def source_ids() -> list[str]:
    """Every registered source id, in refresh order."""
    return list(REGISTRY)


def get_source(source_id: str) -> Source:
    """An instance of the source registered as ``source_id``."""
    target = REGISTRY.get(source_id)
    if target is None:
        raise ConfigError(f"unknown source {source_id!r}; known: {', '.join(REGISTRY)}")
    module_name, class_name = target.split(":")
    cls = getattr(import_module(module_name), class_name)
    return cls()
