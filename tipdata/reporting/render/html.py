"""The HTML report: one self-contained page (inline CSS and SVG charts, no external files)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from tipdata.reporting.publish import PublishedReport
from tipdata.reporting.render import charts
from tipdata.reporting.report import TOTAL, Report, ReportTable

TEMPLATES = Path(__file__).parent / "templates"


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _column_values(
    table: ReportTable, published: PublishedReport | None, column: str = TOTAL
) -> tuple[list[str], list[int | None], list[int]]:
    rows = [r for r in table.rows if r != TOTAL]
    labels = [table.label(r) for r in rows]
    if published is not None:
        shown = published.table(table.name)
        return labels, [shown.cell(r, column).value for r in rows], []
    return (
        labels,
        [table.cell(r, column).value for r in rows],
        [table.cell(r, column).naive for r in rows],
    )


def report_charts(
    report: Report,
    published: PublishedReport | None = None,
    completeness: Mapping[str, Mapping[str, str]] | None = None,
) -> list[str]:
    """The charts of a report (those whose tables it has), as SVG texts."""
    names = {t.name for t in report.tables}
    found: list[str] = []
    if "victims_by_month" in names:
        labels, values, _ = _column_values(report.table("victims_by_month"), published)
        found.append(charts.line_chart("Victims identified by month", labels, values))
    for name, title in (
        ("victims_by_exploitation", "Victims identified by form of exploitation"),
        ("victims_by_destination", "Victims identified by destination"),
        ("victims_by_agency", "Victims by reporting agency: persons vs agency records"),
    ):
        if name in names:
            labels, values, naive = _column_values(report.table(name), published)
            found.append(
                charts.bar_chart(title, labels, values, naive=naive or None, horizontal=True)
            )
    if "pathway_funnel" in names:
        labels, values, _ = _column_values(report.table("pathway_funnel"), published)
        found.append(charts.funnel_chart("Victim pathway", labels, values))
    if completeness:
        found.append(charts.completeness_grid("Provincial reports received", completeness))
    return found


def render_html(
    report: Report,
    *,
    published: PublishedReport | None = None,
    completeness: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """Render a report (or its published version) as one HTML page."""
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        published=published,
        charts=report_charts(report, published, completeness),
    )
