"""The engine is importable without Streamlit: no module under dashboard/engine imports it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.paths import ROOT

ENGINE = ROOT / "dashboard" / "engine"
MODULES = sorted(ENGINE.rglob("*.py"))


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_engine_has_modules() -> None:
    assert any(p.name == "terms.py" for p in MODULES)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ENGINE)))
def test_engine_module_does_not_import_streamlit(path: Path) -> None:
    assert "streamlit" not in _imported_roots(path)
    assert 'import_module("streamlit' not in path.read_text(encoding="utf-8")
