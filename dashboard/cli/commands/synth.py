"""``rigshift synth --scale {small,large} --out PATH``: a deterministic synthetic store."""

from __future__ import annotations

import argparse
from pathlib import Path

from dashboard.cli.commands.output import print_table, progress_printer
from scrapers.config import Settings


def register(sub: argparse._SubParsersAction) -> None:
    """Add the synth subcommand."""
    p = sub.add_parser("synth", help="generate a synthetic store for benchmarks (labelled)")
    p.add_argument("--scale", choices=["small", "large"], default="small")
    p.add_argument("--out", required=True, metavar="PATH", help="database file to write")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Generate and print row counts."""
    from scrapers.synth import build_synthetic

    counts = build_synthetic(
        Path(args.out), args.scale, args.seed, progress=progress_printer(args.quiet)
    )
    print_table(["table", "rows"], sorted(counts.items()))
    return 0
