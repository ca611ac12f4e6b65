"""Read-only store queries: the market snapshot, the Market page's series, the SQL console."""
