"""The national dashboard of a year: which sections a role sees and what each holds.

One service for every front (issue 16: it was ``build_dashboard`` in
``web/routes/dashboard.py``); the web page and ``GET /api/v1/dashboard`` lay it out, and
``tipdata dashboard`` prints it. Each section appears only for roles that may see it:

* national figures, de-duplicated beside the naive sum of agency records (users who see
  internal figures: the NTF and the local operator); everyone else who reads published
  figures gets the year's stored release (never a computation), or "not published" when
  nobody released that year;
* provincial reporting completeness, who is late and by how long (``reports:read_province``);
* legal findings by rule and severity (``charges:read`` with national scope);
* data quality of imports: rows rejected per source (``imports:run``);
* labour migration and recruiter accountability per licensed company and destination
  (``reports:read_migration``: the NTF and MOLVT): internal figures with their ranges over
  the linkage review queue for those who see internal figures; for the others the table as
  the year's stored release holds it (never a computation), or "not published".

Every person count carries its range over the review queue (``low``/``high``, internally
also ``expected``; in a release the bounds the gate let through). Without a year the
dashboard opens where the data are
(:func:`~tipdata.reporting.default_period.default_dashboard_year`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol

from pydantic import BaseModel

from tipdata import provincial
from tipdata.access.errors import AccessDenied
from tipdata.access.permissions import Permission
from tipdata.access.policy import Acting, Actor, Policy, authorize, can, default_policy
from tipdata.ingest import list_import_runs
from tipdata.legal.findings import list_findings, may_list_findings
from tipdata.reporting import migration
from tipdata.reporting.audience import sees_internal_figures
from tipdata.reporting.default_period import default_dashboard_year
from tipdata.reporting.engine import Cell
from tipdata.reporting.migration import migration_report
from tipdata.reporting.publish import PublishedCell, PublishedReport
from tipdata.reporting.releases import NotPublished, published_release
from tipdata.reporting.report import TOTAL, Report
from tipdata.reporting.tip import TIP_TABLES, tip_report
from tipdata.reporting.uncertainty import FigureRange
from tipdata.store import Database

DASHBOARD_TABLES: tuple[str, ...] = (
    "law_enforcement",
    "victims_by_exploitation",
    "victims_by_destination",
    "victims_by_month",
    "pathway_funnel",
)
"""The TIP tables the national dashboard shows."""


class FigureSource(Protocol):
    """Where internal figures come from: computed at once, or a cache (the web's)."""

    def report(
        self, db: Database, start: date, end: date, tables: Sequence[str] | None = None
    ) -> Report:
        """The TIP report of a period (only ``tables`` if given)."""
        ...

    def migration(self, db: Database, start: date, end: date) -> Report:
        """The migration accountability report of a period."""
        ...


class ComputedFigures:
    """Internal figures computed on each call (the CLI: one call, nothing to cache)."""

    def report(
        self, db: Database, start: date, end: date, tables: Sequence[str] | None = None
    ) -> Report:
        """The TIP report of a period (only ``tables`` if given)."""
        specs = [s for s in TIP_TABLES if s.name in tables] if tables else TIP_TABLES
        return tip_report(db, start, end, specs=specs)

    def migration(self, db: Database, start: date, end: date) -> Report:
        """The migration accountability report of a period."""
        return migration_report(db, start, end)


@dataclass(frozen=True)
class DashboardContext:
    """What the dashboard reads: the database, the policy, where internal figures come from."""

    db: Database
    policy: Policy = field(default_factory=default_policy)
    figures: FigureSource = field(default_factory=ComputedFigures)


def _may(actor: Acting, permission: Permission, policy: Policy) -> bool:
    """Whether the actor holds a permission (the local operator holds every one)."""
    try:
        authorize(actor, permission, policy=policy)
    except AccessDenied:
        return False
    return True


LATE_SHOWN = 20
HEADLINE_ROWS: tuple[tuple[str, str], ...] = (
    ("pathway_funnel", "victims_identified"),
    ("pathway_funnel", "victims_referred"),
    ("law_enforcement", "investigations"),
    ("law_enforcement", "suspects_arrested"),
    ("law_enforcement", "persons_prosecuted"),
    ("law_enforcement", "persons_convicted"),
)
"""The headline figures: (table, row), each in the table's total column."""


class FigureOut(BaseModel):
    """One figure: the de-duplicated value (None when suppressed) and the naive agency sum.

    Attributes:
        code: row code.
        label: readable label.
        value: distinct persons/cases (published value for readers of published figures).
        naive: the sum of agency records (only for users who see unpublished figures).
        status: ``free`` or the suppression flag of a published cell.
    """

    code: str
    label: str
    value: int | None
    naive: int | None = None
    status: str = "free"
    low: int | None = None
    high: int | None = None
    expected: float | None = None


class MigrationRowOut(BaseModel):
    """One licensed company and destination: its figures (see ``reporting.migration``).

    Attributes:
        company: the company as the departures name it (licence number or name).
        destination: the country.
        figures: workers departed, returned early, deported, identified as victims,
            complaints, agents prosecuted; for internal figures each with ``low``/``high``
            (no pending review pair a match / every one) and ``expected``.
        median_days: median days from departure to identification (None when no victim,
            or, published, fewer victims than the disclosure threshold).
    """

    company: str
    destination: str
    figures: list[FigureOut]
    median_days: int | None


class LateOut(BaseModel):
    """A provincial report that is overdue or was received late."""

    province: str
    period: str
    due: date
    days_late: int
    kind: str


class CompletenessOut(BaseModel):
    """Provincial reporting completeness for the year."""

    expected: int
    received: int
    on_time: int
    completeness: float | None
    timeliness: float | None
    grid: dict[str, dict[str, str]]
    late: list[LateOut]
    late_total: int = 0
    """How many reports are late or overdue in all (``late`` holds the most late first)."""
    as_of: date | None = None
    """The day the days late are counted to: the year's reporting date, or today if sooner."""


class FindingCountOut(BaseModel):
    """Legal findings of one rule and severity."""

    rule: str
    severity: str
    count: int


class ImportQualityOut(BaseModel):
    """Rows read and rejected by the imports of one source."""

    source: str
    runs: int
    rows_read: int
    rows_rejected: int


class DashboardOut(BaseModel):
    """The dashboard of a year; a section is null when the role may not see it."""

    year: int
    start: date
    end: date
    figures_kind: Literal["internal", "published", "not_published"] | None
    headline: list[FigureOut] | None
    by_exploitation: list[FigureOut] | None
    by_destination: list[FigureOut] | None
    funnel: list[FigureOut] | None
    notes: list[str]
    completeness: CompletenessOut | None
    findings: list[FindingCountOut] | None
    import_quality: list[ImportQualityOut] | None
    migration: list[MigrationRowOut] | None = None
    migration_kind: Literal["internal", "published", "not_published"] | None = None


@dataclass
class Dashboard:
    """What one actor's dashboard holds (see :class:`DashboardOut`)."""

    year: int
    start: date
    end: date
    figures_kind: Literal["internal", "published", "not_published"] | None = None
    headline: list[FigureOut] | None = None
    by_exploitation: list[FigureOut] | None = None
    by_destination: list[FigureOut] | None = None
    funnel: list[FigureOut] | None = None
    notes: list[str] = field(default_factory=list)
    not_published: str | None = None
    completeness: CompletenessOut | None = None
    findings: list[FindingCountOut] | None = None
    import_quality: list[ImportQualityOut] | None = None
    migration: list[MigrationRowOut] | None = None
    migration_kind: Literal["internal", "published", "not_published"] | None = None

    def out(self) -> DashboardOut:
        """The API model."""
        return DashboardOut(
            year=self.year,
            start=self.start,
            end=self.end,
            figures_kind=self.figures_kind,
            headline=self.headline,
            by_exploitation=self.by_exploitation,
            by_destination=self.by_destination,
            funnel=self.funnel,
            notes=self.notes,
            completeness=self.completeness,
            findings=self.findings,
            import_quality=self.import_quality,
            migration=self.migration,
            migration_kind=self.migration_kind,
        )


def _figures(
    report: Report,
    published: PublishedReport | None,
    table_name: str,
    rows: tuple[str, ...] | None = None,
) -> list[FigureOut]:
    """The total column of some rows of a table, internal or as published (none if absent)."""
    if table_name not in {t.name for t in report.tables}:
        return []  # an empty table is left out of a publication
    table = report.table(table_name)
    chosen = rows or tuple(r for r in table.rows if r != TOTAL)
    result = []
    for row in chosen:
        if row not in table.rows:
            continue
        if published is None:
            cell = table.cell(row, TOTAL)
            result.append(
                _internal_figure(row, table.label(row), cell, table.ranges.get((row, TOTAL)))
            )
        else:
            shown = published.table(table_name).cell(row, TOTAL)
            result.append(_published_figure(row, table.label(row), shown))
    return result


def _internal_figure(code: str, label: str, cell: Cell, found: FigureRange | None) -> FigureOut:
    """An internal figure beside its naive sum and, for a person count, its range."""
    return FigureOut(
        code=code,
        label=label,
        value=cell.value,
        naive=cell.naive,
        low=found.low if found else None,
        high=found.high if found else None,
        expected=found.expected if found else None,
    )


def _published_figure(code: str, label: str, shown: PublishedCell) -> FigureOut:
    """A figure as the stored release shows it, with the range bounds the gate let through."""
    return FigureOut(
        code=code,
        label=label,
        value=shown.value,
        status=shown.status,
        low=shown.low,
        high=shown.high,
    )


def _report_figures(
    ctx: DashboardContext, actor: Acting, start: date, end: date
) -> tuple[Report, PublishedReport | None] | NotPublished | None:
    """The dashboard's report for the actor: internal, released, not released, or not allowed."""
    internal = sees_internal_figures(actor, ctx.policy)
    if not internal and not (
        isinstance(actor, Actor) and can(actor, "reports:read_published", ctx.policy)
    ):
        return None
    if internal:
        return ctx.figures.report(ctx.db, start, end, DASHBOARD_TABLES), None
    assert isinstance(actor, Actor)
    try:
        stored = published_release(ctx.db, start, end, actor=actor)
    except NotPublished as error:
        return error
    published = stored.published()
    return published.report, published


def build_dashboard(ctx: DashboardContext, actor: Acting, year: int | None = None) -> Dashboard:
    """Every section the actor may see for a calendar year (by default where the data are).

    Args:
        ctx: the database, the policy and where internal figures come from.
        actor: who reads (None or a label: the local operator, who sees every section).
        year: the calendar year; None for :func:`default_dashboard_year`.
    """
    policy = ctx.policy
    if year is None:
        year = default_dashboard_year(ctx.db, actor, policy)
    start, end = date(year, 1, 1), date(year, 12, 31)
    board = Dashboard(year=year, start=start, end=end)
    figures = _report_figures(ctx, actor, start, end)
    if isinstance(figures, NotPublished):
        board.figures_kind = "not_published"
        board.not_published = str(figures)
    elif figures is not None:
        report, published = figures
        board.figures_kind = "internal" if published is None else "published"
        board.headline = [
            figure
            for table, row in HEADLINE_ROWS
            for figure in _figures(report, published, table, (row,))
        ]
        board.by_exploitation = _figures(report, published, "victims_by_exploitation")
        board.by_destination = _figures(report, published, "victims_by_destination")
        board.funnel = _figures(report, published, "pathway_funnel")
        board.notes = list(report.notes)
    if _may(actor, "reports:read_province", policy):
        with ctx.db.session() as session:
            result = provincial.completeness_report(session, year=year)
        national = result.report.national
        listed = result.late_and_overdue
        board.completeness = CompletenessOut(
            expected=national.expected,
            received=national.received,
            on_time=national.on_time,
            completeness=national.completeness,
            timeliness=national.timeliness,
            grid=provincial.status_grid(result),
            late=[
                LateOut(
                    province=r.org_unit,
                    period=r.period.code,
                    due=r.due,
                    days_late=r.days_late,
                    kind=r.kind,
                )
                for r in listed[:LATE_SHOWN]
            ],
            late_total=len(listed),
            as_of=result.report.as_of,
        )
    if may_list_findings(actor, policy):
        with ctx.db.session() as session:
            found = list_findings(session, actor=actor, year=year, policy=policy)
        counts = Counter((f.rule, f.severity) for f in found)
        board.findings = [
            FindingCountOut(rule=rule, severity=severity, count=count)
            for (rule, severity), count in sorted(counts.items())
        ]
    if _may(actor, "imports:run", policy):
        runs: dict[str, ImportQualityOut] = {}
        for run in list_import_runs(ctx.db, actor=actor, policy=policy):
            empty = ImportQualityOut(source=run.source, runs=0, rows_read=0, rows_rejected=0)
            seen = runs.setdefault(run.source, empty)
            seen.runs += 1
            seen.rows_read += run.rows_read
            seen.rows_rejected += run.rows_rejected
        board.import_quality = sorted(runs.values(), key=lambda q: q.source)
    if _may(actor, "reports:read_migration", policy):
        if sees_internal_figures(actor, policy):
            _internal_migration(ctx, board)
        elif isinstance(figures, NotPublished):
            board.migration_kind = "not_published"
        elif figures is not None:
            _published_migration(figures[1], board)
    return board


def _internal_migration(ctx: DashboardContext, board: Dashboard) -> None:
    """Per company and destination, internal: each count beside its range and the medians."""
    report = ctx.figures.migration(ctx.db, board.start, board.end)
    counts = report.table(migration.COUNT_TABLE)
    days = report.table(migration.DAYS_TABLE)
    board.migration_kind = "internal"
    rows: list[MigrationRowOut] = []
    for row in counts.rows:
        figures = [
            _internal_figure(
                column, counts.label(column), counts.cell(row, column),
                counts.ranges.get((row, column)),
            )
            for column in counts.columns
        ]  # fmt: skip
        median = days.cell(row, "median_days").value if row in days.rows else None
        rows.append(_migration_row(row, figures, median))
    board.migration = rows


def _published_migration(published: PublishedReport | None, board: Dashboard) -> None:
    """Per company and destination as the year's stored release shows them (no computation).

    The release holds the count table as the gate published it (with the range bounds it
    let through); a median is not a count and is not part of a release, so readers get none.
    """
    board.migration_kind = "published"
    board.migration = []
    if published is None or migration.COUNT_TABLE not in {t.table.name for t in published.tables}:
        return  # no departures that year: the release has no such table
    shown = published.table(migration.COUNT_TABLE)
    counts = shown.table
    board.migration = [
        _migration_row(
            row,
            [
                _published_figure(column, counts.label(column), shown.cell(row, column))
                for column in counts.columns
            ],
            None,
        )
        for row in counts.rows
    ]


def _migration_row(row: str, figures: list[FigureOut], median: int | None) -> MigrationRowOut:
    company, _, destination = row.partition(" | ")
    return MigrationRowOut(
        company=company, destination=destination, figures=figures, median_days=median
    )


def trend_figures(ctx: DashboardContext, actor: Acting, year: int) -> list[FigureOut]:
    """Victims identified by month of a calendar year, as the actor may see them."""
    figures = _report_figures(ctx, actor, date(year, 1, 1), date(year, 12, 31))
    if figures is None or isinstance(figures, NotPublished):
        return []
    report, published = figures
    return _figures(report, published, "victims_by_month")
