"""Internal report figures as the web pages use them: computed once per period, cached, bounded.

Only the NTF (who may publish, ``reports:publish``) sees computed figures; every other
role is served stored releases (:mod:`tipdata.reporting.releases`), never a computation.
The NTF may ask for any period. The TIP tables take seconds on a national database
(:func:`tipdata.reporting.tip.tip_report`), so :class:`FigureCache` keeps each computed
report per (period, table set, data version):

* **once per period**: concurrent requests for the same period wait for one computation;
* **bounded in memory**: at most ``max_entries`` reports, least recently used dropped
  first, and at most ``concurrent`` computations at a time (each holds its working set);
* **bounded in time**: an entry lives ``seconds`` at most;
* **invalidated by new data**: the key holds :func:`data_version` (the newest import run,
  linkage run and review decision), so an import or a linkage run makes the next request
  compute afresh, and the stale entries age out of the LRU.

Nothing here counts: it calls the reporting services and keeps what they return.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar, cast

import sqlalchemy as sa

from tipdata.reporting import TIP_TABLES, Report, TableSpec, migration_report, tip_report
from tipdata.store import Database, ImportRun, LinkageRun, ReviewDecision

CACHE_SECONDS = 300.0
"""How long a computed report is reused at most (new data shows at once: see the key)."""
CACHE_ENTRIES = 32
"""How many computed reports are kept (least recently used dropped first)."""
CONCURRENT_COMPUTATIONS = 1
"""How many reports are computed at the same time (each holds its own working memory)."""

DataVersion = tuple[int, int, int]
T = TypeVar("T")


def data_version(db: Database) -> DataVersion:
    """What the figures were computed from: newest import run, linkage run, review decision.

    Any import, linkage run or reviewer's decision changes it; one cheap query.
    """
    query = sa.select(
        sa.select(sa.func.coalesce(sa.func.max(ImportRun.id), 0)).scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.max(LinkageRun.id), 0)).scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.max(ReviewDecision.id), 0)).scalar_subquery(),
    )
    with db.session() as session:
        row = session.execute(query).one()
    return int(row[0]), int(row[1]), int(row[2])


@dataclass(frozen=True)
class _Entry:
    value: Any
    made_at: float


_Key = tuple[date, date, tuple[str, ...], object]


class FigureCache:
    """Computed reports by (start, end, tables, data version): an LRU with a time limit.

    Args:
        seconds: how long an entry lives at most.
        max_entries: how many reports are kept.
        concurrent: how many computations run at once.
        clock: monotonic seconds (tests pass a fake one).
        version: the data version of a database (tests pass a constant).
    """

    def __init__(
        self,
        seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_entries: int = CACHE_ENTRIES,
        concurrent: int = CONCURRENT_COMPUTATIONS,
        version: Callable[[Database], object] = data_version,
    ) -> None:
        if max_entries < 1 or concurrent < 1:
            raise ValueError("the figure cache needs at least one entry and one computation")
        self.seconds = seconds
        self.clock = clock
        self.max_entries = max_entries
        self.version = version
        self._entries: OrderedDict[_Key, _Entry] = OrderedDict()
        self._others: OrderedDict[_Key, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[object, threading.Lock] = {}
        self._computing = threading.BoundedSemaphore(concurrent)
        self.computed = 0

    def _lock_for(self, key: object) -> threading.Lock:
        """The lock that lets one request compute ``key`` while the others wait for it.

        Without it, fifty users arriving on a cold (or just expired) cache would each
        compute the same report at once, and every one of them would wait for all.
        """
        with self._lock:
            return self._key_locks.setdefault(key, threading.Lock())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def report(
        self, db: Database, start: date, end: date, tables: Sequence[str] | None = None
    ) -> Report:
        """The TIP report of a period (only ``tables`` if given), from cache when fresh."""
        names = tuple(tables) if tables is not None else ()
        return self._report_at(db, start, end, names, self.version(db))

    def _report_at(
        self, db: Database, start: date, end: date, names: tuple[str, ...], version: object
    ) -> Report:
        """The TIP report of a period at a data version already read."""
        specs: Sequence[TableSpec] = (
            [spec for spec in TIP_TABLES if spec.name in names] if names else TIP_TABLES
        )
        key: _Key = (start, end, names, version)
        compute = lambda: tip_report(db, start, end, specs=specs)  # noqa: E731
        return cast(Report, self._kept(self._entries, key, compute))

    def migration(self, db: Database, start: date, end: date) -> Report:
        """The migration accountability report of a period (with its ranges), from cache."""
        key: _Key = (start, end, ("__migration__",), self.version(db))
        compute = lambda: migration_report(db, start, end)  # noqa: E731
        return cast(Report, self._kept(self._entries, key, compute))

    def report_file(
        self, db: Database, start: date, end: date, name: str, make: Callable[[Report], T]
    ) -> T:
        """What ``make`` draws from the period's whole TIP report (a file of its tables),
        kept beside it.

        The data version is read once, for the report and the thing made from it, so a
        file is never kept under a newer version than the figures it shows; an import, a
        linkage run or a review decision makes both afresh. ``name`` tells the things
        made from one report apart (``"csv"``, ``"xlsx"``).
        """
        version = self.version(db)
        report = self._report_at(db, start, end, (), version)
        key: _Key = (start, end, (f"__file_{name}__",), version)
        return cast(T, self._kept(self._others, key, lambda: make(report)))

    def national(
        self, db: Database, start: date, end: date, name: str, compute: Callable[[], T]
    ) -> T:
        """Any other national figure of a period (e.g. the indicator values), from cache.

        ``compute`` must give the same answer to every reader allowed to ask (no scope):
        the key is the period, ``name`` and the data version.
        """
        key: _Key = (start, end, (f"__{name}__",), self.version(db))
        return cast(T, self._kept(self._others, key, compute))

    def _kept(self, store: OrderedDict[_Key, _Entry], key: _Key, compute: Callable[[], Any]) -> Any:
        """``store``'s fresh entry for ``key``, else ``compute()`` once (the others wait)."""
        with self._lock_for(key):
            with self._lock:
                entry = store.get(key)
                if entry is not None and self.clock() - entry.made_at < self.seconds:
                    store.move_to_end(key)
                    return entry.value
            with self._computing:
                value = compute()
            with self._lock:
                store[key] = _Entry(value, self.clock())
                store.move_to_end(key)
                while len(store) > self.max_entries:
                    old, _ = store.popitem(last=False)
                    self._key_locks.pop(old, None)
                self.computed += 1
            return value

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
            self._others.clear()
            self._key_locks.clear()
