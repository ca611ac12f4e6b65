"""Payloads for tests: recorded real-format samples and test-only quirk fixtures."""

from __future__ import annotations

from scrapers.config import SAMPLES_DIR
from tests.support.paths import FIXTURES


def sample(source: str, name: str) -> bytes:
    """A recorded real-format payload shipped in data/samples/<source>/<name>."""
    return (SAMPLES_DIR / source / name).read_bytes()


def fixture(source: str, name: str) -> bytes:
    """A test-only payload (quirks, broken layouts) from tests/fixtures/<source>/<name>."""
    return (FIXTURES / source / name).read_bytes()
