"""data/reference/hpc_deals.csv: one row per contract, derived columns that agree, sources."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.engine.economics.specs import HPC_DEALS_CSV, load_deals

DEALS = pd.read_csv(HPC_DEALS_CSV, dtype={"announced": str})


def test_no_row_is_a_cumulative_total() -> None:
    assert not DEALS["cumulative"].any()


def test_each_contract_appears_once() -> None:
    assert not DEALS.duplicated(["company", "counterparty", "announced"]).any()


@pytest.mark.parametrize(
    ("company", "counterparty"),
    [
        ("Cipher Mining", "Amazon Web Services"),
        ("Galaxy Digital", "CoreWeave"),
        ("Hut 8", "undisclosed investment-grade hyperscaler"),
        ("Applied Digital", "US investment-grade hyperscaler"),
        ("TeraWulf", "Fluidstack CB-5 (Google backstop)"),
        ("Riot Platforms", "AMD"),
    ],
)
def test_the_2025_2026_deals_are_listed(company: str, counterparty: str) -> None:
    assert ((DEALS["company"] == company) & (DEALS["counterparty"] == counterparty)).any()


def test_per_kw_month_agrees_with_per_mw_year() -> None:
    per_mw_year = load_deals()["usd_per_mw_year"]
    assert DEALS["usd_per_kw_month"].to_numpy() == pytest.approx(
        (per_mw_year / 1000 / 12).to_numpy(), abs=0.01
    )


def test_every_row_says_what_kind_of_source_it_cites() -> None:
    kinds = DEALS["source_kind"].str.split(" ").str[0]
    assert set(kinds) <= {"filing", "company", "secondary"}
    assert (DEALS["source_url"].str.startswith("https://")).all()


def test_the_core_scientific_rows_add_up_to_the_cumulative_figure() -> None:
    corz = DEALS[DEALS["company"] == "Core Scientific"]
    assert corz["mw_it"].sum() == 500 and corz["total_value_usd"].sum() == 8.7e9
