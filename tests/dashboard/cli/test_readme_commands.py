"""The README's command table lists every CLI command, and nothing the CLI lacks."""

from __future__ import annotations

import re

from dashboard.cli.main import build_parser
from tests.support.paths import ROOT

README = ROOT / "README.md"


def _cli_commands() -> set[str]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]  # argparse keeps them here
    return set(sub.choices)


def _table_commands() -> set[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Command line", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `rigshift ([a-z]+)", section, flags=re.M))


def test_every_cli_command_is_in_the_readme_table() -> None:
    assert _cli_commands() - _table_commands() == set()


def test_the_readme_table_names_no_missing_command() -> None:
    assert _table_commands() - _cli_commands() == set()
