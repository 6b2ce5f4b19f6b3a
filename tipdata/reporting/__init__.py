"""National statistics: indicators, TIP tables, disclosure control and releases.

Exported here: the pure, database-free building blocks of disclosure control; the services
that read the store are the modules themselves. Provincial periodic reporting is
:mod:`tipdata.provincial`, the calendar :mod:`tipdata.periods`.
"""

from tipdata.reporting.audience import (
    PUBLISH_PERMISSION,
    may_trace_figures,
    sees_every_release,
    sees_internal_figures,
)
from tipdata.reporting.dashboard import (
    DashboardContext,
    DashboardOut,
    build_dashboard,
    trend_figures,
)
from tipdata.reporting.default_period import (
    NothingReleased,
    default_dashboard_year,
    default_report_period,
)
from tipdata.reporting.engine import EngineError
from tipdata.reporting.explain import ExplainError, explain_tip_figure
from tipdata.reporting.explain import explain as explain_figure
from tipdata.reporting.exports import record_export
from tipdata.reporting.indicator_values import (
    INTERNAL_PERMISSION,
    indicator_breakdown,
)
from tipdata.reporting.indicator_values import indicator_values as list_indicator_values
from tipdata.reporting.international import htcds_export, unodc_report, write_htcds
from tipdata.reporting.kanonymity import (
    KAnonymityResult,
    Violation,
    age_hierarchy,
    check_k_anonymity,
    date_hierarchy,
    enforce_k_anonymity,
    province_hierarchy,
)
from tipdata.reporting.migration import migration_report
from tipdata.reporting.publish import PublishedReport, release_threshold
from tipdata.reporting.publish import publish as publish_report
from tipdata.reporting.release_preview import preview_release
from tipdata.reporting.releases import (
    READ_PERMISSIONS,
    NotAFixedPeriod,
    NotPublished,
    PublishedPeriod,
    Released,
    StoredRelease,
    list_releases,
    published_periods,
    published_release,
    release_file,
    release_report,
    replaced_releases,
)
from tipdata.reporting.render import write_report
from tipdata.reporting.render.charts import bar_chart, funnel_chart, line_chart
from tipdata.reporting.render.charts import completeness_grid as completeness_grid_chart
from tipdata.reporting.render.spreadsheet import write_csv, write_xlsx
from tipdata.reporting.report import Report, TableSpec
from tipdata.reporting.suppression import (
    CellStatus,
    DisclosureError,
    ProtectedRelease,
    ProtectedTable,
    Release,
    Table,
    UnsafeCell,
    audit,
    check_release,
    link_margins,
    protect_release,
    protect_table,
    public_status,
    rounded,
)
from tipdata.reporting.tip import TIP_TABLES, report_period, tip_report

__all__ = [
    "INTERNAL_PERMISSION",
    "PUBLISH_PERMISSION",
    "READ_PERMISSIONS",
    "TIP_TABLES",
    "CellStatus",
    "DashboardContext",
    "DashboardOut",
    "DisclosureError",
    "EngineError",
    "ExplainError",
    "KAnonymityResult",
    "NotAFixedPeriod",
    "NotPublished",
    "NothingReleased",
    "ProtectedRelease",
    "ProtectedTable",
    "PublishedPeriod",
    "PublishedReport",
    "Release",
    "Released",
    "Report",
    "StoredRelease",
    "Table",
    "TableSpec",
    "UnsafeCell",
    "Violation",
    "age_hierarchy",
    "audit",
    "bar_chart",
    "build_dashboard",
    "check_k_anonymity",
    "check_release",
    "completeness_grid_chart",
    "date_hierarchy",
    "default_dashboard_year",
    "default_report_period",
    "enforce_k_anonymity",
    "explain_figure",
    "explain_tip_figure",
    "funnel_chart",
    "htcds_export",
    "indicator_breakdown",
    "line_chart",
    "link_margins",
    "list_indicator_values",
    "list_releases",
    "may_trace_figures",
    "migration_report",
    "preview_release",
    "protect_release",
    "protect_table",
    "province_hierarchy",
    "public_status",
    "publish_report",
    "published_periods",
    "published_release",
    "record_export",
    "release_file",
    "release_report",
    "release_threshold",
    "replaced_releases",
    "report_period",
    "rounded",
    "sees_every_release",
    "sees_internal_figures",
    "tip_report",
    "trend_figures",
    "unodc_report",
    "write_csv",
    "write_htcds",
    "write_report",
    "write_xlsx",
]
