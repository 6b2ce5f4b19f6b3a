"""Releases: publish a report, write its files, and store what was released.

Releases are the public figures. :func:`release_report` is the one service behind every
release: the period must be a fixed one (a year, quarter or month, as configured: see
:func:`fixed_period`); it runs the publication gate
(:func:`~tipdata.reporting.publish.publish`) and then audits the new release against every
earlier release whose period overlaps or nests in it
(:func:`~tipdata.reporting.overlap.audit_overlaps`), suppressing in the new release the
cells subtraction would give away, or refusing when that cannot help; it writes the
published files and stores a :class:`~tipdata.store.ReportRelease` (tables, threshold,
rounding, digest, the published figures as the JSON document readers are served, the
tables' additive relations, each file's bytes and SHA-256, who and when) with an audit
event, in one transaction.

Readers outside the NTF are served from the stored release only
(:func:`published_release`, :func:`release_file`), never a computation; a period
nobody released raises :class:`NotPublished`. :func:`list_releases` is what the
publisher and the auditor read (``tipdata report releases``); :func:`published_periods`
is what a reader may list.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, defer

from tipdata.access import audit
from tipdata.access.errors import AccessDenied
from tipdata.access.policy import LOCAL_OPERATOR, Actor, can, require
from tipdata.errors import TipdataError
from tipdata.periods import Period, PeriodType, period_of
from tipdata.reporting.audience import RELEASE_LIST_PERMISSIONS
from tipdata.reporting.overlap import (
    OverlapCell,
    ReleasedFigures,
    audit_overlaps,
    overlaps,
)
from tipdata.reporting.publish import (
    PublishedReport,
    publish,
    table_relations,
)
from tipdata.reporting.published_ranges import LOW_SUFFIX
from tipdata.reporting.release_figures import (
    figures_document,
    published_from_document,
    released_figures,
)
from tipdata.reporting.render import FORMATS, Format, write_report
from tipdata.reporting.report import TOTAL, Report
from tipdata.reporting.suppression import DisclosureError
from tipdata.store import Database, ReportRelease, ReportReleaseFile
from tipdata.store.base import utc_now

READ_PERMISSIONS = RELEASE_LIST_PERMISSIONS
"""Either lets a user list releases: the publisher and the auditor."""

READER_PERMISSION = "reports:read_published"
"""Reading the released figures themselves."""

DEFAULT_RELEASE_PERIODS: tuple[PeriodType, ...] = ("year", "quarter", "month")
"""The fixed periods a release may cover unless configured (``TIPDATA_RELEASE_PERIODS``)."""

OVERLAP_ROUNDS = 6
"""How many times the gate suppresses more cells before it refuses a release."""

MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}


class NotPublished(TipdataError):
    """Nobody released figures for this period: readers get no computation instead.

    Attributes:
        start: first day asked for.
        end: last day asked for.
    """

    def __init__(self, start: date, end: date, report_kind: str = "tip_report") -> None:
        self.start, self.end, self.report_kind = start, end, report_kind
        super().__init__(
            f"Not published: no release of the {report_kind.replace('_', ' ')} covers "
            f"{start.isoformat()} to {end.isoformat()}. Published figures exist only for "
            "the periods the NTF released."
        )


class NotAFixedPeriod(TipdataError, ValueError):
    """A release must cover one of the fixed periods the NTF publishes."""


@dataclass(frozen=True)
class ReleaseInfo:
    """A stored release, as the services return it (no ORM state).

    Attributes:
        release_id: ``report_release.id``.
        report_kind: e.g. ``tip_report``.
        period_start: first day of the figures.
        period_end: last day.
        tables: names of the tables released.
        threshold: primary-suppression threshold.
        rounding_base: rounding base, or None.
        digest: SHA-256 of the published figures (:attr:`PublishedReport.digest`).
        files: file name -> SHA-256 of the published file.
        released_by: username, or ``local operator``.
        released_at: when.
        period_code: the fixed period (``2008``, ``2008Q1``, ``200803``), None before 0015.
        overlap_suppressed: cells suppressed because an earlier release overlaps the period.
    """

    release_id: int
    report_kind: str
    period_start: date
    period_end: date
    tables: tuple[str, ...]
    threshold: int
    rounding_base: int | None
    digest: str
    files: Mapping[str, str]
    released_by: str
    released_at: datetime
    period_code: str | None = None
    overlap_suppressed: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class StoredRelease:
    """A release as readers are served it.

    Attributes:
        info: the release.
        figures: the published figures, the exact JSON document stored at publication.
    """

    info: ReleaseInfo
    figures: str

    @cached_property
    def body(self) -> bytes:
        """The figures document as served: its UTF-8 bytes, encoded once per release."""
        return self.figures.encode("utf-8")

    @cached_property
    def gzipped(self) -> bytes:
        """:attr:`body` gzip-compressed once per release (no timestamp: the same bytes each
        time), for readers that accept it: a tenth of the bytes to send and to read."""
        return gzip.compress(self.body, compresslevel=6, mtime=0)

    @property
    def etag(self) -> str:
        """The HTTP entity tag of the figures: the release id and the digest of its figures."""
        return f'"release-{self.info.release_id}-{self.info.digest[:16]}"'

    def published(self) -> PublishedReport:
        """The stored figures as a :class:`PublishedReport` (for pages; no recomputation)."""
        return published_from_document(self.figures)


@dataclass(frozen=True)
class Released:
    """What :func:`release_report` made: the published report, its files and the record."""

    published: PublishedReport
    paths: dict[Format, Path]
    release: ReleaseInfo


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fixed_period(
    start: date, end: date, period_types: Sequence[PeriodType] = DEFAULT_RELEASE_PERIODS
) -> Period:
    """The fixed period (of one of ``period_types``) that runs exactly from start to end.

    Raises:
        NotAFixedPeriod: no period of those types is exactly start to end.
    """
    for period_type in period_types:
        period = period_of(start, period_type)
        if (period.start, period.end) == (start, end):
            return period
    kinds = ", ".join(t.replace("_", " ") for t in period_types)
    raise NotAFixedPeriod(
        f"a release covers one whole fixed period ({kinds}); {start.isoformat()} to "
        f"{end.isoformat()} is none of these (TIPDATA_RELEASE_PERIODS)"
    )


def release_report(
    db: Database,
    report: Report,
    out: str | Path,
    *,
    actor: Actor | None,
    threshold: int,
    rounding_base: int | None = None,
    report_kind: str = "tip_report",
    stem: str | None = None,
    formats: tuple[Format, ...] = FORMATS,
    period_types: Sequence[PeriodType] = DEFAULT_RELEASE_PERIODS,
) -> Released:
    """Publish a report, audit it against the earlier releases, write its files, store it.

    Args:
        db: the database the release is recorded in.
        report: the internal report.
        out: folder for the published files.
        actor: the releasing user; None for the local operator (CLI).
        threshold: counts ``1 <= n < threshold`` are suppressed.
        rounding_base: round published values to this base.
        report_kind: what kind of report this is (``tip_report``, ``unodc``, ...).
        stem: file name without extension (default ``<kind>-<start>-<end>-published``).
        formats: which files to write.
        period_types: the fixed periods a release may cover.

    Returns:
        The published report, the paths written and the stored release.

    Raises:
        AccessDenied: the actor may not publish.
        NotAFixedPeriod: the report's period is not one of the fixed periods.
        DisclosureError: the release is unsafe on its own, or together with the earlier
            releases it overlaps and suppressing more cells does not help; nothing is
            written or recorded.
    """
    gated = run_gate(
        db,
        report,
        actor=actor,
        threshold=threshold,
        rounding_base=rounding_base,
        report_kind=report_kind,
        period_types=period_types,
    )
    period, report, earlier = gated.period, gated.report, gated.earlier
    published, suppressed_for_overlap = gated.published, gated.suppressed_for_overlap
    stem = stem or f"{report_kind}-{report.start.isoformat()}-{report.end.isoformat()}-published"
    public = published.public()  # every file and the figures: withheld, never why
    paths = write_report(report, out, published=public, formats=formats, stem=stem)
    files = {path.name: file_sha256(path) for path in paths.values()}
    relations = table_relations(report)
    overlap_note = _overlap_note(suppressed_for_overlap, earlier)
    with db.session() as session:
        row = ReportRelease(
            report_kind=report_kind,
            period_start=report.start,
            period_end=report.end,
            period_code=period.code,
            tables=[table.name for table in report.tables],
            threshold=threshold,
            rounding_base=rounding_base,
            digest=published.digest,
            files=files,
            released_by=actor.username if actor else LOCAL_OPERATOR,
            released_by_user_id=actor.user_id if actor else None,
            released_at=utc_now(),
            relations={
                name: [[list(total), [list(m) for m in members]] for total, members in lines]
                for name, lines in relations.items()
            },
        )
        session.add(row)
        session.flush()
        row.figures = figures_document(
            public,
            release_id=row.id,
            report_kind=report_kind,
            period_code=period.code,
            released_at=row.released_at,
            notes=(overlap_note,) if overlap_note else (),
        )
        for file_format, path in paths.items():
            session.add(
                ReportReleaseFile(
                    release_id=row.id,
                    name=path.name,
                    media_type=MEDIA_TYPES[file_format],
                    content=path.read_bytes(),
                )
            )
        audit.record(
            session, actor, "report_release", "report_release", [row.id],
            {"kind": report_kind, "start": report.start.isoformat(),
             "end": report.end.isoformat(), "threshold": threshold, "digest": published.digest,
             "overlap_suppressed": len(suppressed_for_overlap)},
        )  # fmt: skip
        info = _info(row)
        session.commit()
    info = replace(info, overlap_suppressed=tuple(suppressed_for_overlap))
    return Released(published, paths, info)


@dataclass(frozen=True)
class Gated:
    """What the release gate decided for a report, before anything is written.

    Attributes:
        period: the fixed period released.
        report: the report as released (:func:`releasable`).
        earlier: the earlier releases it overlaps, with their stored figures.
        published: the figures after disclosure control alone and across releases.
        suppressed_for_overlap: the cells withheld because of the earlier releases.
    """

    period: Period
    report: Report
    earlier: list[tuple[ReportRelease, ReleasedFigures]]
    published: PublishedReport
    suppressed_for_overlap: list[str]


def run_gate(
    db: Database,
    report: Report,
    *,
    actor: Actor | None,
    threshold: int,
    rounding_base: int | None = None,
    report_kind: str = "tip_report",
    period_types: Sequence[PeriodType] = DEFAULT_RELEASE_PERIODS,
) -> Gated:
    """The release gate: who may publish, the fixed period, disclosure control of the report
    alone and against every earlier release it overlaps. Reads only; writes nothing.

    :func:`release_report` stores what it decides; the web's preview shows it.

    Raises:
        AccessDenied: the actor may not publish.
        NotAFixedPeriod: the report's period is not one of the fixed periods.
        DisclosureError: the release is unsafe alone or across releases.
    """
    if actor is not None:
        require(actor, "reports:publish")
    period = fixed_period(report.start, report.end, period_types)
    report = releasable(report)
    earlier = _overlapping_releases(db, report_kind, report.start, report.end)
    published, suppressed_for_overlap = _publish_against(
        report, earlier, threshold=threshold, rounding_base=rounding_base
    )
    return Gated(period, report, earlier, published, suppressed_for_overlap)


def attach_release_file(db: Database, release_id: int, path: Path, media_type: str) -> ReleaseInfo:
    """Store one more file of a release made from its published figures only (an export
    in another format, e.g. SDMX-CSV), with its SHA-256 in the release's file list.

    Args:
        db: the database of the release.
        release_id: ``report_release.id``.
        path: the file, written from :attr:`Released.published` and nothing else.
        media_type: its media type, served as is.

    Returns:
        The release with the file listed.
    """
    with db.session() as session:
        row = session.get(ReportRelease, release_id)
        if row is None:
            raise KeyError(f"no release {release_id}")
        row.files = {**row.files, path.name: file_sha256(path)}
        session.add(
            ReportReleaseFile(
                release_id=release_id, name=path.name, media_type=media_type,
                content=path.read_bytes(),
            )
        )  # fmt: skip
        info = _info(row)
        session.commit()
    return info


def releasable(report: Report) -> Report:
    """The report without its tables that have no row at all (they disclose nothing).

    :func:`~tipdata.reporting.publish.publish` refuses a table with no row besides the
    total (e.g. the LMIS tables when no LMIS export was imported).
    """
    kept = tuple(t for t in report.tables if any(row != TOTAL for row in t.rows) and t.columns)
    return replace(report, tables=kept)


def _publish_against(
    report: Report,
    earlier: Sequence[tuple[ReportRelease, ReleasedFigures]],
    *,
    threshold: int,
    rounding_base: int | None,
) -> tuple[PublishedReport, list[str]]:
    """Publish, then suppress what the earlier overlapping releases would give away.

    Returns:
        The published report and the cells suppressed because of the earlier releases.

    Raises:
        DisclosureError: unsafe alone, or across releases after :data:`OVERLAP_ROUNDS`.
    """
    forced: set[tuple[str, str, str]] = set()
    for _ in range(OVERLAP_ROUNDS):
        published = publish(
            report, threshold=threshold, rounding_base=rounding_base, also_suppress=forced
        )
        if not earlier:
            return published, []
        this = released_figures("this release", published, table_relations(report), rounding_base)
        unsafe = audit_overlaps([*(figures for _, figures in earlier), this], threshold)
        if not unsafe:
            return published, [
                f"{table} [{row} × {column}]" for table, row, column in sorted(forced)
            ]
        extra = _to_suppress(unsafe, this, [figures for _, figures in earlier])
        if not extra - forced:
            raise DisclosureError(unsafe)
        forced |= extra
    raise DisclosureError(unsafe)


def _to_suppress(
    unsafe: Sequence[OverlapCell], this: ReleasedFigures, earlier: Sequence[ReleasedFigures]
) -> set[tuple[str, str, str]]:
    """The cells of the new release to suppress for the unsafe cells the audit found.

    A cell of the new release that counts what an unsafe cell counts (the same table and
    cell, or another table, of any release, with the same measure), where it is published;
    where it is already suppressed, the published cells beside it (its row and column, the
    relations it is in), so that the subtraction no longer closes. A low end of a range
    given away suppresses its figure (and so the range with it).
    """
    measure_of = {
        (name, *key): measure
        for release in (*earlier, this)
        for name, measures in release.measures.items()
        for key, measure in measures.items()
    }
    cells_of: dict[str, set[tuple[str, str, str]]] = {}
    for name, measures in this.measures.items():
        for (row, column), measure in measures.items():
            cells_of.setdefault(measure, set()).add((name, row, column))

    def free(name: str, row: str, column: str) -> bool:
        value = this.cells.get(name, {}).get((row, column))
        return value is not None and value[1] == "free"

    extra: set[tuple[str, str, str]] = set()
    for cell in unsafe:
        found = (cell.table, cell.row, cell.column)
        same = {found} if found[0] in this.cells else set()
        if found in measure_of:
            same |= cells_of.get(measure_of[found], set())
        for name, row, column in same:
            if free(name, row, column):
                extra.add((name.removesuffix(LOW_SUFFIX), row, column))
                continue
            for relation in this.relations.get(name, ()):
                line = (relation.total, *relation.members)
                if (row, column) in line:
                    extra |= {
                        (name.removesuffix(LOW_SUFFIX), *key) for key in line if free(name, *key)
                    }
    return extra


def _overlap_note(cells: Sequence[str], earlier: Sequence[tuple[ReportRelease, Any]]) -> str:
    """The public note of a release the overlap audit changed. It names the releases, not
    the cells: a cell named here would be known to hide no small count of its own (the
    publisher gets the list, in :attr:`ReleaseInfo.overlap_suppressed` and the audit log)."""
    if not cells:
        return ""
    names = ", ".join(f"release {row.id} ({row.period_code})" for row, _ in earlier)
    return (
        f"Some cells are withheld because earlier releases overlap this period ({names}): "
        "subtracting one release from another would otherwise give a small count away."
    )


def _overlapping_releases(
    db: Database, report_kind: str, start: date, end: date
) -> list[tuple[ReportRelease, ReleasedFigures]]:
    """The newest release of each kind and period that overlaps start..end, but this one.

    Every kind (a TIP report, SDG 16.2.2, ...): tables of two kinds may count the same
    persons over overlapping periods, and a reader may subtract one from the other. An
    earlier release of this kind and exactly this period is replaced by the new one (a
    revision) and is not audited against it; releases made before figures were stored
    (0015) cannot be read and are left out.
    """
    query = (
        sa.select(ReportRelease)
        .where(
            ReportRelease.period_start <= end,
            ReportRelease.period_end >= start,
            ReportRelease.figures.is_not(None),
        )
        .order_by(ReportRelease.id.desc())
    )
    found: dict[tuple[str, date, date], tuple[ReportRelease, ReleasedFigures]] = {}
    with db.session() as session:
        for row in session.scalars(query):
            period = (row.period_start, row.period_end)
            kind_period = (row.report_kind, *period)
            if (row.report_kind, period) == (report_kind, (start, end)) or kind_period in found:
                continue
            assert overlaps(period, (start, end)) and row.figures is not None
            published = published_from_document(row.figures)
            kind = "" if row.report_kind == report_kind else f"{row.report_kind} "
            label = f"release {row.id} ({kind}{row.period_code or row.period_start})"
            found[kind_period] = (
                row,
                released_figures(label, published, row.relations or {}, row.rounding_base),
            )
    return list(found.values())


_NEWEST = (
    sa.select(ReportRelease.id, ReportRelease.digest)
    .where(
        ReportRelease.report_kind == sa.bindparam("kind"),
        ReportRelease.period_start == sa.bindparam("start"),
        ReportRelease.period_end == sa.bindparam("end"),
        ReportRelease.figures.is_not(None),
    )
    .order_by(ReportRelease.id.desc())
    .limit(1)
)
"""The newest release of a kind and period with stored figures (:func:`published_release`)."""


def published_release(
    db: Database,
    start: date,
    end: date,
    *,
    actor: Actor | None,
    report_kind: str = "tip_report",
) -> StoredRelease:
    """The newest release of exactly this period, as stored at publication.

    Args:
        db: the database.
        start: first day of the period.
        end: last day.
        actor: the reader (``reports:read_published``); None for the local operator.
        report_kind: the kind of report.

    Returns:
        The stored release and its figures document.

    Raises:
        AccessDenied: the actor may not read published figures.
        NotPublished: no release covers exactly this period.
    """
    if actor is not None:
        require(actor, READER_PERMISSION)
    # one indexed query, built once, on a plain connection: no ORM session on the readers'
    # path (480 µs of CPU per call with a session and the query built each time, about
    # 100 µs like this; scale 0.05)
    with db.connect() as connection:
        found = connection.execute(
            _NEWEST, {"kind": report_kind, "start": start, "end": end}
        ).first()
    if found is None:
        raise NotPublished(start, end, report_kind)
    # a stored release never changes: keep it, keyed by database, id and digest
    key = (str(db.url), found.id, found.digest)
    with _STORED_LOCK:
        stored = _STORED.get(key)
        if stored is not None:
            _STORED.move_to_end(key)
            return stored
    with db.session() as session:
        row = session.scalars(
            sa.select(ReportRelease)
            .options(defer(ReportRelease.relations))
            .where(ReportRelease.id == found.id)
        ).one()
        stored = StoredRelease(_info(row), row.figures or "")
    with _STORED_LOCK:
        _STORED[key] = stored
        while len(_STORED) > STORED_KEPT:
            _STORED.popitem(last=False)
    return stored


STORED_KEPT = 64
"""How many stored releases :func:`published_release` keeps in memory (they never change)."""
_STORED: OrderedDict[tuple[str, int, str], StoredRelease] = OrderedDict()
_STORED_LOCK = threading.Lock()


def release_file(
    db: Database, release_id: int, suffix: str, *, actor: Actor | None
) -> tuple[str, str, bytes]:
    """A published file of a release (name, media type, bytes), as it was released.

    A reader gets only the release that serves its period now: a revision replaces the
    release of the same kind and period and is not audited against it (the gate audits
    overlapping periods), so the two side by side could be subtracted. Who may publish
    (and the local operator) may read every release, revised ones too.

    Raises:
        AccessDenied: the actor may not read published figures.
        NotPublished: the release kept no such file, or a revision replaced it.
    """
    if actor is not None:
        require(actor, READER_PERMISSION)
    with db.session() as session:
        row = session.scalars(
            sa.select(ReportReleaseFile).where(
                ReportReleaseFile.release_id == release_id,
                ReportReleaseFile.name.endswith(f".{suffix}"),
            )
        ).first()
        release = session.get(ReportRelease, release_id)
        if row is None or release is None:
            start = release.period_start if release else date.min
            end = release.period_end if release else date.min
            raise NotPublished(start, end)
        if actor is not None and not can(actor, "reports:publish") and _revised(session, release):
            raise NotPublished(release.period_start, release.period_end)
        return row.name, row.media_type, row.content


def _revised(session: Session, release: ReportRelease) -> bool:
    """Whether a later release of the same kind and period replaced this one."""
    newer = session.scalar(
        sa.select(ReportRelease.id)
        .where(
            ReportRelease.report_kind == release.report_kind,
            ReportRelease.period_start == release.period_start,
            ReportRelease.period_end == release.period_end,
            ReportRelease.id > release.id,
        )
        .limit(1)
    )
    return newer is not None


@dataclass(frozen=True)
class PublishedPeriod:
    """A period readers can open: its code, days and the release serving it."""

    code: str
    start: date
    end: date
    release_id: int


def published_periods(
    db: Database, *, actor: Actor | None, report_kind: str = "tip_report"
) -> list[PublishedPeriod]:
    """Every released period (its newest release), newest period first.

    Raises:
        AccessDenied: the actor may not read published figures.
    """
    if actor is not None:
        require(actor, READER_PERMISSION)
    query = (
        sa.select(
            ReportRelease.period_code,
            ReportRelease.period_start,
            ReportRelease.period_end,
            sa.func.max(ReportRelease.id),
        )
        .where(ReportRelease.report_kind == report_kind, ReportRelease.figures.is_not(None))
        .group_by(ReportRelease.period_code, ReportRelease.period_start, ReportRelease.period_end)
    )
    with db.session() as session:
        rows = session.execute(query).all()
    periods = [
        PublishedPeriod(code or start.isoformat(), start, end, release_id)
        for code, start, end, release_id in rows
    ]
    return sorted(periods, key=lambda p: (p.end, -(p.end - p.start).days), reverse=True)


def list_releases(
    db: Database, *, actor: Actor | None, report_kind: str | None = None
) -> list[ReleaseInfo]:
    """The stored releases, newest first.

    Args:
        db: the database.
        actor: the reader (a publisher or an auditor); None for the local operator.
        report_kind: only releases of this kind.

    Returns:
        The releases.

    Raises:
        AccessDenied: the actor may neither publish nor read the audit log.
    """
    if actor is not None and not any(can(actor, p) for p in READ_PERMISSIONS):
        raise AccessDenied(" or ".join(READ_PERMISSIONS))
    query = sa.select(ReportRelease).order_by(
        ReportRelease.released_at.desc(), ReportRelease.id.desc()
    )
    if report_kind is not None:
        query = query.where(ReportRelease.report_kind == report_kind)
    with db.session() as session:
        return [_info(row) for row in session.scalars(query)]


def _info(row: ReportRelease) -> ReleaseInfo:
    return ReleaseInfo(
        release_id=row.id,
        report_kind=row.report_kind,
        period_start=row.period_start,
        period_end=row.period_end,
        tables=tuple(row.tables),
        threshold=row.threshold,
        rounding_base=row.rounding_base,
        digest=row.digest,
        files=dict(row.files),
        released_by=row.released_by,
        # SQLite returns the stored UTC time without its zone
        released_at=row.released_at.replace(tzinfo=row.released_at.tzinfo or UTC),
        period_code=row.period_code,
    )


def replaced_releases(releases: Sequence[ReleaseInfo]) -> dict[int, int]:
    """Which release replaced which: a release id → the next release of its kind and period.

    A period released again (for example after a correction) keeps its earlier releases on
    record; the auditor's list shows each one with the release that replaced it.
    """
    replaced_by: dict[int, int] = {}
    newest: dict[tuple[str, date, date], int] = {}
    for release in sorted(releases, key=lambda r: -r.release_id):
        key = (release.report_kind, release.period_start, release.period_end)
        if key in newest:
            replaced_by[release.release_id] = newest[key]
        newest[key] = release.release_id
    return replaced_by
