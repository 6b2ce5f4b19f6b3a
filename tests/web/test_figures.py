"""The web's figure cache: one computation per period, however many users arrive at once."""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any

import pytest

from tipdata.web import figures
from tipdata.web.figures import FigureCache


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def computations(monkeypatch: pytest.MonkeyPatch) -> list[tuple[date, date]]:
    """Replace the TIP computation by a slow one that records each call."""
    calls: list[tuple[date, date]] = []

    def slow_report(_db: Any, start: date, end: date, **_kwargs: Any) -> object:
        calls.append((start, end))
        time.sleep(0.2)
        return object()

    monkeypatch.setattr(figures, "tip_report", slow_report)
    return calls


def test_many_users_on_a_cold_cache_cost_one_computation(
    computations: list[tuple[date, date]],
) -> None:
    cache = FigureCache(clock=_Clock())
    results: list[object] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(cache.report(None, date(2008, 1, 1), date(2008, 12, 31)))  # type: ignore[arg-type]
        )
        for _ in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(computations) == 1
    assert len(results) == 20 and all(result is results[0] for result in results)


def test_an_expired_entry_is_computed_again_and_other_periods_apart(
    computations: list[tuple[date, date]],
) -> None:
    clock = _Clock()
    cache = FigureCache(seconds=300, clock=clock)
    first = cache.report(None, date(2008, 1, 1), date(2008, 12, 31))  # type: ignore[arg-type]
    clock.now = 299
    assert cache.report(None, date(2008, 1, 1), date(2008, 12, 31)) is first  # type: ignore[arg-type]
    cache.report(None, date(2007, 1, 1), date(2007, 12, 31))  # type: ignore[arg-type]
    clock.now = 301
    assert cache.report(None, date(2008, 1, 1), date(2008, 12, 31)) is not first  # type: ignore[arg-type]
    assert computations == [
        (date(2008, 1, 1), date(2008, 12, 31)),
        (date(2007, 1, 1), date(2007, 12, 31)),
        (date(2008, 1, 1), date(2008, 12, 31)),
    ]
