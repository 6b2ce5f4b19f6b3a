"""Rendering reports for people: HTML with server-side charts, XLSX and CSV.

:func:`write_report` writes all three into a folder and returns the paths. An
internal report shows every de-duplicated figure with the naive sum of agency
records beside it; a published report (:class:`~tipdata.reporting.publish.PublishedReport`)
shows only the released figures, suppressed cells as ``x`` and ``withheld``, never saying
whether a cell is small itself (primary) or hides another (secondary).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from tipdata.reporting.publish import PublishedReport
from tipdata.reporting.render.html import render_html
from tipdata.reporting.render.spreadsheet import write_csv, write_xlsx
from tipdata.reporting.report import Report

Format = Literal["html", "xlsx", "csv"]
FORMATS: tuple[Format, ...] = ("html", "xlsx", "csv")


def write_report(
    report: Report,
    out: str | Path,
    *,
    published: PublishedReport | None = None,
    formats: tuple[Format, ...] = FORMATS,
    stem: str = "report",
    completeness: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[Format, Path]:
    """Write a report as HTML, XLSX and CSV into ``out``.

    Args:
        report: the internal report.
        out: the output folder (created if needed).
        published: the published version; when given, only its figures are written.
        formats: which formats to write.
        stem: file name without extension.
        completeness: optional provincial completeness grid for the HTML
            (province -> period -> ``on_time`` / ``late`` / ``missing`` / ``not_due``).

    Returns:
        The path written per format.
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[Format, Path] = {}
    if "html" in formats:
        paths["html"] = folder / f"{stem}.html"
        paths["html"].write_text(
            render_html(report, published=published, completeness=completeness), encoding="utf-8"
        )
    if "xlsx" in formats:
        paths["xlsx"] = write_xlsx(report, folder / f"{stem}.xlsx", published=published)
    if "csv" in formats:
        paths["csv"] = write_csv(report, folder / f"{stem}.csv", published=published)
    return paths


__all__ = ["FORMATS", "Format", "render_html", "write_csv", "write_report", "write_xlsx"]
