"""A source's parser fed a body as the answer to one of its queries, with no HTTP in between."""

from __future__ import annotations

import json

from scrapers.http import Response
from scrapers.schema import Rows
from scrapers.sources.base import Context, Query, Source


def parse_rows(source: Source, query: Query, body: bytes | str | object, ctx: Context) -> Rows:
    """The rows of ``source``'s one table parsed from ``body`` (bytes, text or a JSON document)."""
    if isinstance(body, bytes):
        raw = body
    elif isinstance(body, str):
        raw = body.encode()
    else:
        raw = json.dumps(body).encode()
    # Parsers read the body and the URL (error messages name its host and path), nothing else.
    response = Response(query.url, 200, raw, "", ctx.now)
    [table] = source.tables
    return source.parse(query, response, ctx)[table.name]
