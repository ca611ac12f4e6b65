"""RigShift scrapers: upstream sources -> normalised rows -> DuckDB store."""

__version__ = "0.1.0"
