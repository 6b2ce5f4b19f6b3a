"""Report figures as the web pages use them: computed by the reporting services, cached per period.

The TIP tables take seconds on a national database (:func:`tipdata.reporting.tip.tip_report`),
while the dashboard is opened many times a day: :class:`FigureCache` keeps each computed
report for a few minutes per (period, table set), so a busy morning costs one computation.
Nothing here computes a figure; it calls the services and keeps what they return.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from tipdata.reporting.migration import migration_report
from tipdata.reporting.publish import PublishedReport, publish
from tipdata.reporting.report import TOTAL, Report, TableSpec
from tipdata.reporting.suppression import DisclosureError
from tipdata.reporting.tip import TIP_TABLES, tip_report
from tipdata.store import Database

CACHE_SECONDS = 300.0
"""How long a computed report is reused; new imports show after at most this long."""

DASHBOARD_TABLES: tuple[str, ...] = (
    "law_enforcement",
    "victims_by_exploitation",
    "victims_by_destination",
    "victims_by_month",
    "pathway_funnel",
)
"""The TIP tables the national dashboard shows."""


@dataclass(frozen=True)
class _Entry:
    report: Report
    made_at: float


@dataclass(frozen=True)
class _Published:
    source: Report
    release: PublishedReport | None
    error: DisclosureError | None


class FigureCache:
    """Computed reports by (start, end, tables), reused for :data:`CACHE_SECONDS`.

    Args:
        seconds: how long an entry lives.
        clock: monotonic seconds (tests pass a fake one).
    """

    def __init__(
        self, seconds: float = CACHE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.clock = clock
        self._entries: dict[tuple[date, date, tuple[str, ...]], _Entry] = {}
        self._published: dict[tuple[date, date, tuple[str, ...], int], _Published] = {}
        self._lock = threading.Lock()
        self._key_locks: dict[object, threading.Lock] = {}
        self.computed = 0

    def _lock_for(self, key: object) -> threading.Lock:
        """The lock that lets one request compute ``key`` while the others wait for it.

        Without it, fifty users arriving on a cold (or just expired) cache would each
        compute the same report at once, and every one of them would wait for all.
        """
        with self._lock:
            return self._key_locks.setdefault(key, threading.Lock())

    def report(
        self, db: Database, start: date, end: date, tables: Sequence[str] | None = None
    ) -> Report:
        """The TIP report of a period (only ``tables`` if given), from cache when fresh."""
        names = tuple(tables) if tables is not None else ()
        key = (start, end, names)
        with self._lock_for(key):
            with self._lock:
                entry = self._entries.get(key)
            if entry is not None and self.clock() - entry.made_at < self.seconds:
                return entry.report
            specs: Sequence[TableSpec] = (
                [spec for spec in TIP_TABLES if spec.name in names] if names else TIP_TABLES
            )
            report = tip_report(db, start, end, specs=specs)
            with self._lock:
                self._entries[key] = _Entry(report, self.clock())
                self.computed += 1
            return report

    def migration(self, db: Database, start: date, end: date) -> Report:
        """The migration accountability report of a period (with its ranges), from cache."""
        key = (start, end, ("__migration__",))
        with self._lock_for(key):
            with self._lock:
                entry = self._entries.get(key)
            if entry is not None and self.clock() - entry.made_at < self.seconds:
                return entry.report
            report = migration_report(db, start, end)
            with self._lock:
                self._entries[key] = _Entry(report, self.clock())
                self.computed += 1
            return report

    def published(
        self,
        db: Database,
        start: date,
        end: date,
        threshold: int,
        tables: Sequence[str] | None = None,
    ) -> PublishedReport:
        """The report as published with disclosure control, from cache when fresh.

        Disclosure control costs more than the figures; its outcome (a release or the
        refusal) is kept with the report it was computed from.

        Raises:
            DisclosureError: the release is unsafe (lists the cells).
        """
        report = self.report(db, start, end, tables)
        key = (start, end, tuple(tables) if tables is not None else (), threshold)
        with self._lock_for(("published", key)):
            with self._lock:
                entry = self._published.get(key)
            if entry is None or entry.source is not report:
                try:
                    entry = _Published(report, publish_report(report, threshold), None)
                except DisclosureError as error:
                    entry = _Published(report, None, error)
                with self._lock:
                    self._published[key] = entry
        if entry.error is not None:
            raise entry.error
        assert entry.release is not None
        return entry.release

    def clear(self) -> None:
        """Forget every entry (after an import, say)."""
        with self._lock:
            self._entries.clear()
            self._published.clear()


def publish_report(report: Report, threshold: int) -> PublishedReport:
    """Publish a report with disclosure control, leaving out tables with no row at all.

    :func:`tipdata.reporting.publish.publish` refuses a table with no row besides the
    total (e.g. the LMIS tables when no LMIS export was imported) although such a
    table discloses nothing; until it skips them itself, they are left out here.

    Raises:
        DisclosureError: the release is unsafe (lists the cells).
    """
    kept = tuple(t for t in report.tables if any(row != TOTAL for row in t.rows) and t.columns)
    return publish(replace(report, tables=kept), threshold=threshold)
