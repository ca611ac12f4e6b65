"""The dependency rule: ``scrapers`` (the writers) never import ``dashboard``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.paths import ROOT

SCRAPERS = ROOT / "scrapers"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "path", sorted(SCRAPERS.rglob("*.py")), ids=lambda p: str(p.relative_to(SCRAPERS))
)
def test_scrapers_never_import_dashboard(path: Path) -> None:
    bad = sorted(
        n for n in _imported_modules(path) if n == "dashboard" or n.startswith("dashboard.")
    )
    assert not bad, f"{path.relative_to(SCRAPERS.parent)} imports {bad}"


def test_the_rule_sees_a_lazy_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from dashboard.engine import market\n", encoding="utf-8")
    assert "dashboard.engine" in _imported_modules(module)
