"""Where things are: the project root, the app entry point, test-only payloads."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard" / "app.py")
FIXTURES = ROOT / "tests" / "fixtures"
