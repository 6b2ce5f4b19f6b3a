"""What a release would publish, before anyone confirms it: the cells the gate would withhold.

:func:`preview_release` runs the very gate :func:`~tipdata.reporting.releases.release_report`
runs (the fixed period, the disclosure control of the report alone, then the audit
against the earlier releases it overlaps) and stops there: nothing is written, stored or
audited. The publisher sees which cells would show ``x`` and why, then confirms, and the
release itself runs the gate again on the figures of that moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tipdata.access.policy import Actor
from tipdata.periods import PeriodType
from tipdata.reporting.publish import PublishedReport
from tipdata.reporting.releases import DEFAULT_RELEASE_PERIODS, run_gate
from tipdata.reporting.report import Report
from tipdata.store import Database


@dataclass(frozen=True)
class WithheldCell:
    """A cell the release would show as ``x``.

    Attributes:
        table: the table's name.
        title: the table's title.
        row: the row's label.
        column: the column's label.
        reason: ``small`` (a count under the threshold), ``protects`` (withheld so a
            small count cannot be worked out from the totals) or ``overlap`` (withheld
            because an earlier release of an overlapping period would give it away).
    """

    table: str
    title: str
    row: str
    column: str
    reason: str


@dataclass(frozen=True)
class ReleasePreview:
    """A release as it would be published now.

    Attributes:
        period_code: the fixed period released.
        published: the figures as they would be published.
        withheld: every cell that would be withheld, in table order.
        shown: how many cells would be shown.
    """

    period_code: str
    published: PublishedReport
    withheld: tuple[WithheldCell, ...]
    shown: int


def preview_release(
    db: Database,
    report: Report,
    *,
    actor: Actor | None,
    threshold: int,
    rounding_base: int | None = None,
    report_kind: str = "tip_report",
    period_types: Sequence[PeriodType] = DEFAULT_RELEASE_PERIODS,
) -> ReleasePreview:
    """Run the release gate on ``report`` without releasing anything.

    Raises:
        AccessDenied: the actor may not publish.
        NotAFixedPeriod: the period is not one of the fixed periods released.
        DisclosureError: the release would be refused (the cells a reader could recover).
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
    period, published = gated.period, gated.published
    forced = set(gated.suppressed_for_overlap)
    withheld = []
    shown = 0
    for table in published.tables:
        internal = table.table
        for (row, column), cell in table.cells.items():
            if cell.status == "free":
                shown += 1
                continue
            if cell.status not in ("primary", "secondary"):
                continue
            reason = "small" if cell.status == "primary" else "protects"
            if f"{internal.name} [{row} × {column}]" in forced:
                reason = "overlap"
            withheld.append(
                WithheldCell(
                    internal.name,
                    internal.title,
                    internal.label(row),
                    internal.label(column),
                    reason,
                )
            )
    return ReleasePreview(period.code, published, tuple(withheld), shown)


__all__ = ["ReleasePreview", "WithheldCell", "preview_release"]
