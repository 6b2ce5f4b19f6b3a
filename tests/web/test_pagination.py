"""Cursors are opaque and checked; pages cut at the limit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tipdata.store.base import MAX_INTEGER
from tipdata.web.errors import BadCursor
from tipdata.web.pagination import PageParams, decode_cursor, encode_cursor, page_after


@given(st.integers(min_value=0, max_value=MAX_INTEGER))
def test_cursor_round_trip(key: int) -> None:
    assert decode_cursor(encode_cursor(key)) == key


@given(st.integers(min_value=MAX_INTEGER + 1, max_value=10**40))
def test_a_cursor_beyond_any_stored_key_is_refused(key: int) -> None:
    """Review finding 10: a cursor of 2**63 was a 500 (the driver could not bind it)."""
    with pytest.raises(BadCursor):
        decode_cursor(encode_cursor(key))


@pytest.mark.parametrize("cursor", ["abc", "MTI", "azE6eA", "!!!!", "azE6LTE"])
def test_foreign_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(BadCursor):
        decode_cursor(cursor)


def test_pages_walk_a_list_newest_first() -> None:
    items = list(range(10, 0, -1))
    seen, cursor = [], None
    while True:
        page = page_after(items, PageParams(limit=3, cursor=cursor), key=lambda i: i)
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == items
