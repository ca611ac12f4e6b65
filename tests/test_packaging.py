"""The wheel ships every code package: a new subpackage is never left out of a real install."""

from __future__ import annotations

import tomllib

from setuptools import find_packages

from tests.support.paths import ROOT


def test_every_code_package_is_installed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    found = set(find_packages(str(ROOT), include=include))
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("dashboard", "scrapers")
        for p in (ROOT / top).rglob("__init__.py")
    }
    assert found == on_disk
