"""The demo store the app tests run against, built with the real ``rigshift demo`` builder."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from benchmarks.browser_actions import app_pages
from scrapers.config import Settings
from scrapers.demo import build_demo

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
# Every page of the app's router, in menu order (read from dashboard/app.py's PAGES).
PAGES = [name for _url, name in app_pages()]


def build_app_store(path: Path) -> Path:
    """Build the demo dataset at ``path`` (offline, from bundled payloads) and return the path."""
    build_demo(Settings(db_path=str(path)), progress=None)
    return path


def page_text(at: AppTest) -> str:
    """All markdown, info, error, warning and caption text an AppTest page shows."""
    parts = [
        e.value
        for kind in ("markdown", "text", "info", "error", "warning", "caption")
        for e in at.get(kind)
    ]
    return "\n".join(str(p) for p in parts)
