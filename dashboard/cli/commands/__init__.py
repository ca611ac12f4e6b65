"""CLI subcommands, one module each: ``register(subparsers)`` sets ``func(args, settings)``."""

from __future__ import annotations

from dashboard.cli.commands import (
    alerts,
    dashboard,
    demo,
    export,
    pivot,
    refresh,
    site,
    sql,
    status,
    synth,
)

COMMAND_MODULES = [refresh, status, demo, dashboard, sql, export, synth, pivot, site, alerts]
