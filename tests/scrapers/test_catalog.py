"""docs/sources.md is the generated source catalogue, and lists every registered source."""

from __future__ import annotations

from scrapers.catalog import markdown
from scrapers.config import PROJECT_ROOT
from scrapers.sources import source_ids


def test_docs_match_the_registry() -> None:
    assert (PROJECT_ROOT / "docs" / "sources.md").read_text() == markdown()


def test_every_source_has_a_row() -> None:
    text = markdown()
    assert all(f"| `{sid}` |" in text for sid in source_ids())
