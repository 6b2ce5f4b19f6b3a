"""Under pytest-xdist the slow modules are handed out first (``tests/conftest.py``)."""

from __future__ import annotations

import pytest


def test_loadscope_keeps_the_order_that_hands_out_slow_modules_first(
    pytestconfig: pytest.Config,
) -> None:
    # pytest-xdist's default would sort the modules by their number of tests instead,
    # sending the slow modules (few tests each) among the last.
    assert pytestconfig.option.loadscopereorder is False
