"""Parsing helpers every source shares: JSON decoding, numbers as strings, unix times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scrapers.errors import ParseError
from scrapers.http import Response
from scrapers.sources.base import from_unix, load_json, to_float, to_int


def _response(body: bytes) -> Response:
    return Response(
        "https://api.example.com/v1/x?key=secret",
        200,
        body,
        "application/json",
        datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_load_json_decodes() -> None:
    assert load_json(_response(b'{"a": [1, 2.5, "3"]}')) == {"a": [1, 2.5, "3"]}


def test_load_json_accepts_nan_literals_some_apis_send() -> None:
    doc = load_json(_response(b'{"price": NaN}'))
    assert doc["price"] != doc["price"]  # NaN


def test_load_json_error_is_one_line_without_the_query_string() -> None:
    with pytest.raises(ParseError) as info:
        load_json(_response(b'{"a": [1,'))
    message = info.value.one_line()
    assert message.startswith("malformed JSON from api.example.com/v1/x (")
    assert "secret" not in message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7.2", 7.2),
        ("$1,299.99", 1299.99),
        ("12 %", 12.0),
        (3, 3.0),
        (None, None),
        ("", None),
        ("n/a", None),
        (True, None),
        ("abc", None),
        (float("nan"), None),
    ],
)
def test_to_float(raw: object, expected: float | None) -> None:
    assert to_float(raw) == expected


def test_to_int_truncates_numeric_strings() -> None:
    assert to_int("8") == 8 and to_int("x") is None


def test_from_unix_tells_seconds_from_milliseconds() -> None:
    seconds = from_unix(1_700_000_000)
    assert seconds == from_unix(1_700_000_000_000) == datetime(2023, 11, 14, 22, 13, 20)
