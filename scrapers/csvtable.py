"""CSV tables picked by header name, so upstream column order and extra columns never matter."""

from __future__ import annotations

import csv
import io

from scrapers.errors import ParseError


def select_columns(text: str, columns: dict[str, str], where: str) -> list[dict[str, str]]:
    """Rows keyed by our names; ``columns`` maps our name -> upstream header (case-insensitive).

    Raises ParseError naming the missing headers when the layout changed.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if not header:
        raise ParseError(f"{where}: empty file")
    index = {name.strip().lower(): i for i, name in enumerate(header)}
    missing = [col for col in columns.values() if col.lower() not in index]
    if missing:
        raise ParseError(f"{where}: missing column(s) {', '.join(missing)}: layout changed?")
    picks = {ours: index[theirs.lower()] for ours, theirs in columns.items()}
    width = max(picks.values())
    return [
        {ours: line[i].strip() for ours, i in picks.items()} for line in reader if len(line) > width
    ]
