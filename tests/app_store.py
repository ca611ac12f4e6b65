"""The demo store the app tests run against, built with the real ``rigshift demo`` builder."""

from __future__ import annotations

from pathlib import Path

from scrapers.config import Settings
from scrapers.demo import build_demo


def build_app_store(path: Path) -> Path:
    """Build the demo dataset at ``path`` (offline, from bundled payloads) and return the path."""
    build_demo(Settings(db_path=str(path)), progress=None)
    return path
