"""Stored FX rates: annual-average USD per EUR from ``data/reference/fx_usd_per_eur.csv``.

The table is typed from the ECB reference-rate page (cited per row); rows whose ``note`` says
"approximate" are estimates. Years outside the table use the nearest year's rate, so a new
year works before its average is typed in; the rate used is stored on every converted row.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from scrapers.config import REFERENCE_DIR
from scrapers.errors import ConfigError

FX_FILE = REFERENCE_DIR / "fx_usd_per_eur.csv"


@cache
def usd_per_eur_table(path: Path = FX_FILE) -> dict[int, float]:
    """Year -> USD per 1 EUR, as typed in the reference table."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            table = {int(r["year"]): float(r["usd_per_eur"]) for r in csv.DictReader(fh)}
    except (OSError, KeyError, ValueError) as exc:
        raise ConfigError(f"FX table {path} is unreadable: {exc}") from None
    if not table:
        raise ConfigError(f"FX table {path} has no rows")
    return table


def usd_per_eur(year: int, path: Path = FX_FILE) -> float:
    """USD per EUR for ``year`` (the nearest tabled year when it is outside the table)."""
    table = usd_per_eur_table(path)
    if year in table:
        return table[year]
    nearest = min(table, key=lambda y: (abs(y - year), -y))
    return table[nearest]
