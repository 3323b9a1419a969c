from __future__ import annotations

import base64

import pytest

from shared.errors import BadRequest
from shared.pagination import decode_cursor, encode_cursor


def test_a_cursor_round_trips_a_key() -> None:
    key = {"pk": "TEAM#t1", "sk": "JOB#01J"}

    assert decode_cursor(encode_cursor(key)) == key


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!!",
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        base64.urlsafe_b64encode(b'{"pk": 3}').decode(),
        base64.urlsafe_b64encode(b"{broken").decode(),
    ],
)
def test_a_malformed_cursor_is_a_bad_request(cursor: str) -> None:
    with pytest.raises(BadRequest):
        decode_cursor(cursor)
