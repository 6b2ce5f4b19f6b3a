"""The web's figure cache: one computation per period, however many users arrive at once;
an LRU bounded in entries and time, keyed on the data version (imports, linkage runs)."""

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


def _same(_db: object) -> int:
    return 0


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
    cache = FigureCache(clock=_Clock(), version=_same)
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
    cache = FigureCache(seconds=300, clock=clock, version=_same)
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


def test_the_cache_keeps_at_most_its_bound_dropping_the_least_recently_used(
    computations: list[tuple[date, date]],
) -> None:
    cache = FigureCache(clock=_Clock(), version=_same, max_entries=2)
    years = [(date(y, 1, 1), date(y, 12, 31)) for y in (2006, 2007, 2008)]
    cache.report(None, *years[0])  # type: ignore[arg-type]
    cache.report(None, *years[1])  # type: ignore[arg-type]
    cache.report(None, *years[0])  # type: ignore[arg-type]  # 2006 used again: 2007 is oldest
    cache.report(None, *years[2])  # type: ignore[arg-type]  # drops 2007
    assert len(cache) == 2
    cache.report(None, *years[0])  # type: ignore[arg-type]  # still there
    cache.report(None, *years[1])  # type: ignore[arg-type]  # computed again
    assert computations == [years[0], years[1], years[2], years[1]]


def test_a_new_data_version_computes_afresh(computations: list[tuple[date, date]]) -> None:
    version = [1]
    cache = FigureCache(clock=_Clock(), version=lambda _db: version[0])
    first = cache.report(None, date(2008, 1, 1), date(2008, 12, 31))  # type: ignore[arg-type]
    assert cache.report(None, date(2008, 1, 1), date(2008, 12, 31)) is first  # type: ignore[arg-type]
    version[0] = 2  # an import or a linkage run
    assert cache.report(None, date(2008, 1, 1), date(2008, 12, 31)) is not first  # type: ignore[arg-type]
    assert len(computations) == 2


def test_other_national_figures_are_kept_per_period_name_and_data_version() -> None:
    clock, version = _Clock(), [0]
    cache = FigureCache(seconds=60, clock=clock, version=lambda _db: version[0])
    calls: list[str] = []

    def compute(name: str) -> object:
        calls.append(name)
        return [name, len(calls)]

    year = (date(2008, 1, 1), date(2008, 12, 31))
    first = cache.national(None, *year, "indicators", lambda: compute("a"))  # type: ignore[arg-type]
    again = cache.national(None, *year, "indicators", lambda: compute("b"))  # type: ignore[arg-type]
    assert again is first and calls == ["a"]
    cache.national(None, *year, "other", lambda: compute("c"))  # type: ignore[arg-type]
    version[0] = 1  # an import: computed afresh
    cache.national(None, *year, "indicators", lambda: compute("d"))  # type: ignore[arg-type]
    clock.now = 61  # expired
    cache.national(None, *year, "other", lambda: compute("e"))  # type: ignore[arg-type]
    assert calls == ["a", "c", "d", "e"]


def test_a_file_is_made_once_from_the_kept_report_and_afresh_with_new_data(
    computations: list[tuple[date, date]],
) -> None:
    version = [0]
    cache = FigureCache(clock=_Clock(), version=lambda _db: version[0])
    year = (date(2008, 1, 1), date(2008, 12, 31))
    made: list[object] = []

    def make(report: object) -> bytes:
        made.append(report)
        return f"file {len(made)}".encode()

    first = cache.report_file(None, *year, "csv", make)  # type: ignore[arg-type]
    assert made == [cache.report(None, *year)]  # type: ignore[arg-type]  # from the kept report
    assert cache.report_file(None, *year, "csv", make) is first  # type: ignore[arg-type]
    cache.report_file(None, *year, "xlsx", make)  # type: ignore[arg-type]  # another file
    version[0] = 1  # an import: the report and its files are made afresh
    assert cache.report_file(None, *year, "csv", make) == b"file 3"  # type: ignore[arg-type]
    assert len(computations) == 2 and made[2] is cache.report(None, *year)  # type: ignore[arg-type]
