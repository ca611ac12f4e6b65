"""Helpers that make a LocalServer behave like real upstreams (vast.ai, WhatToMine)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import duckdb

from scrapers.schema import DATA_TABLES
from tests.support.local_http import LocalServer, Reply
from tests.support.payloads import sample

VAST_PATH = "/api/v0/bundles/"
# vast.ai's search `type` in the `q` JSON -> our sample label
VAST_TYPES = {"on-demand": "on_demand", "bid": "spot"}


def vast_type(h: BaseHTTPRequestHandler) -> str:
    """Our pricing label for a bundles request, read from its ``q`` JSON."""
    q = parse_qs(urlsplit(h.path).query).get("q", ["{}"])[0]
    return VAST_TYPES[json.loads(q)["type"]]


def vast_doc(label: str, price_factor: float = 1.0) -> dict:
    """The recorded sample for ``label`` with every ``dph_total`` scaled by ``price_factor``."""
    doc = json.loads(sample("vastai", f"{label}.json"))
    for offer in doc["offers"]:
        offer["dph_total"] = round(offer["dph_total"] * price_factor, 6)
    return doc


def vast_handler(
    reply: Callable[[str], Reply | None] | None = None,
) -> Callable[[BaseHTTPRequestHandler], Reply | None]:
    """A bundles handler answering each pricing type with its sample (or ``reply(label)``)."""

    def handle(h: BaseHTTPRequestHandler) -> Reply | None:
        label = vast_type(h)
        if reply is not None:
            return reply(label)
        return Reply(sample("vastai", f"{label}.json"))

    return handle


def serve_vastai(server: LocalServer) -> None:
    """Answer vast.ai searches with the recorded samples."""
    server.route(VAST_PATH, vast_handler())


def serve_whattomine(server: LocalServer) -> None:
    """Answer WhatToMine's coins.json and asic.json with the recorded samples."""
    server.route("/coins.json", sample("whattomine", "coins.json"))
    server.route("/asic.json", sample("whattomine", "asic.json"))


def expected_vast_rates(label: str, price_factor: float = 1.0) -> dict[str, float]:
    """offer id -> dph_total / num_gpus, computed straight from the sample JSON."""
    return {
        str(o["id"]): o["dph_total"] / o["num_gpus"]
        for o in vast_doc(label, price_factor)["offers"]
    }


def counts(db_path: str) -> dict[str, int]:
    """Row count of every data table."""
    with duckdb.connect(db_path, read_only=True) as con:
        return {
            t.name: con.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0] for t in DATA_TABLES
        }


def rows(db_path: str, sql: str, params: list | None = None) -> list[tuple]:
    """The result of one read-only query."""
    with duckdb.connect(db_path, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def avoid_hour_rollover(margin_s: int = 30) -> None:
    """Sleep past the top of the hour when it is near: snapshot keys change there (UTC)."""
    now = datetime.now(UTC)
    left = 3600 - (now.minute * 60 + now.second)
    if left <= margin_s:
        time.sleep(left + 1)
