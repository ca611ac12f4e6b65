"""The registry of upstream sources, one module each."""

from __future__ import annotations

from scrapers.errors import ConfigError
from scrapers.sources.base import Source
from scrapers.sources.braiins import Braiins
from scrapers.sources.carbon import Carbon
from scrapers.sources.coingecko import CoinGecko
from scrapers.sources.coinmetrics import CoinMetrics
from scrapers.sources.eia import Eia
from scrapers.sources.ember import Ember
from scrapers.sources.entsoe import Entsoe
from scrapers.sources.lambdacloud import LambdaCloud
from scrapers.sources.mempool import Mempool
from scrapers.sources.newegg import Newegg
from scrapers.sources.runpod import RunPod
from scrapers.sources.tomshardware import TomsHardware
from scrapers.sources.vastai import VastAi
from scrapers.sources.whattomine import WhatToMine

# id -> class, in refresh order. Ids are lower-case and name the RIGSHIFT_<ID>_* settings.
REGISTRY: dict[str, type[Source]] = {
    cls.id: cls
    for cls in (
        WhatToMine,
        Mempool,
        CoinGecko,
        CoinMetrics,
        VastAi,
        RunPod,
        LambdaCloud,
        TomsHardware,
        Newegg,
        Eia,
        Ember,
        Carbon,
        Braiins,
        Entsoe,
    )
}


def source_ids() -> list[str]:
    """Every registered source id, in refresh order."""
    return list(REGISTRY)


def get_source(source_id: str) -> Source:
    """An instance of the source registered as ``source_id``."""
    cls = REGISTRY.get(source_id)
    if cls is None:
        raise ConfigError(f"unknown source {source_id!r}; known: {', '.join(REGISTRY)}")
    return cls()
