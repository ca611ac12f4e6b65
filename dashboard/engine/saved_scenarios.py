"""Named scenarios in ``<db dir>/scenarios.json``: ``{"scenarios": {name: {param: value}}}``.

A file (not session state) so a scenario saved by the CFO is there for the board meeting on
another machine pointed at the same data directory; values are the URL parameters of
:mod:`dashboard.engine.scenario`, so a saved scenario is exactly a link.
"""

from __future__ import annotations

from pathlib import Path

from dashboard.engine.jsonfile import locked, read_json, write_json_atomic
from dashboard.engine.scenario import PARAM_NAMES
from scrapers.errors import ConfigError

MAX_NAME_LENGTH = 60


def load_scenarios(path: Path) -> dict[str, dict[str, str]]:
    """Saved scenarios by name (empty when there is no file)."""
    doc = read_json(path, {"scenarios": {}})
    scenarios = doc.get("scenarios") if isinstance(doc, dict) else None
    if not isinstance(scenarios, dict):
        raise ConfigError(f"{path}: expected an object with a 'scenarios' object")
    return {
        str(name): {str(k): str(v) for k, v in params.items() if k in PARAM_NAMES}
        for name, params in scenarios.items()
        if isinstance(params, dict)
    }


def clean_name(name: str) -> str:
    """The name trimmed; ConfigError when empty or too long."""
    text = " ".join(name.split())
    if not text:
        raise ConfigError("give the scenario a name")
    if len(text) > MAX_NAME_LENGTH:
        raise ConfigError(f"scenario names are at most {MAX_NAME_LENGTH} characters")
    return text


def save_scenario(path: Path, name: str, params: dict[str, str]) -> str:
    """Save (or overwrite) ``name``; returns the cleaned name."""
    name = clean_name(name)
    with locked(path):
        scenarios = load_scenarios(path)
        scenarios[name] = {k: v for k, v in params.items() if k in PARAM_NAMES}
        write_json_atomic(path, {"scenarios": scenarios})
    return name


def delete_scenario(path: Path, name: str) -> bool:
    """Remove ``name``; False when it was not saved."""
    with locked(path):
        scenarios = load_scenarios(path)
        if scenarios.pop(name, None) is None:
            return False
        write_json_atomic(path, {"scenarios": scenarios})
    return True
