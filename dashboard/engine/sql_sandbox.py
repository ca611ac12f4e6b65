"""A read-only, sandboxed SQL console over the store.

Layers, each enough on its own for some attacks and together for all we know of:
1. one statement only, and only a query (SELECT / WITH / VALUES / DESCRIBE / SHOW / EXPLAIN);
2. the connection is read-only with file access, extensions and configuration changes
   disabled (:data:`scrapers.store.READ_CONFIG`), so ``read_csv('/etc/passwd')``, ``COPY``,
   ``ATTACH``, ``INSTALL``/``LOAD`` and ``SET`` fail inside DuckDB too;
3. a row cap and a time limit (the query is interrupted when it runs too long).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import duckdb
import pandas as pd

from scrapers.errors import QueryRefused
from scrapers.store import read_connection

DEFAULT_ROW_CAP = 10_000
DEFAULT_TIME_LIMIT_S = 10.0
ALLOWED_TYPES = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
_READ_ONLY_PREFIXES = ("describe", "show", "summarize", "from", "pivot", "unpivot")


@dataclass(frozen=True)
class QueryResult:
    """Rows of a sandboxed query, capped."""

    frame: pd.DataFrame
    truncated: bool
    row_cap: int


def check_statement(sql: str) -> str:
    """The single read-only statement in ``sql``, or QueryRefused saying why not."""
    text = sql.strip().rstrip(";").strip()
    if not text:
        raise QueryRefused("empty query: write one SELECT statement")
    try:
        statements = duckdb.extract_statements(text)
    except duckdb.Error as exc:
        raise QueryRefused(f"syntax error: {_first_line(exc)}") from None
    if len(statements) != 1:
        raise QueryRefused(
            f"one statement at a time, got {len(statements)}: the console runs a single query"
        )
    stype = statements[0].type
    if stype not in ALLOWED_TYPES and not text.lower().startswith(_READ_ONLY_PREFIXES):
        name = str(stype).split(".")[-1]
        raise QueryRefused(f"{name} statements are not allowed: the console is read-only")
    return text


def run_query(
    db_path: str,
    sql: str,
    row_cap: int = DEFAULT_ROW_CAP,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> QueryResult:
    """Run one read-only query with a row cap and time limit; QueryRefused on any problem."""
    text = check_statement(sql)
    with read_connection(db_path) as con:
        timer = threading.Timer(time_limit_s, con.interrupt)
        timer.start()
        try:
            cursor = con.execute(text)
            if cursor.description is None:
                return QueryResult(pd.DataFrame(), False, row_cap)
            columns = [d[0] for d in cursor.description]
            rows = cursor.fetchmany(row_cap + 1)
        except duckdb.InterruptException:
            raise QueryRefused(
                f"stopped after {time_limit_s:g} s: the time limit; narrow the query"
            ) from None
        except duckdb.Error as exc:
            raise QueryRefused(_first_line(exc)) from None
        finally:
            timer.cancel()
    truncated = len(rows) > row_cap
    frame = pd.DataFrame(rows[:row_cap], columns=columns)
    return QueryResult(frame, truncated, row_cap)


def _first_line(exc: Exception) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__
