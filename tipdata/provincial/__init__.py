"""Provincial periodic reporting: the provinces' bi-weekly reports, apart from national statistics.

The facade the fronts (``cli``, ``web``) and the standards (DHIS2, ODK) import; the
modules behind it:

* ``datasets`` and ``validation_rules``: the data set (``datasets/*.yaml``, DHIS2-style)
  and its rules (``validation_rules/*.yaml``), as data;
* the workflow of one report: ``submissions`` (save, submit, accept, reopen: the use
  cases), ``transitions`` (which transitions exist and who may take them), ``workflow``
  (a data set with its rules; the values and views it reads and hands out),
  ``report_rows`` (the stored rows), ``errors``;
* ``bulk_import`` (a file of reports, all or nothing);
* ``completeness`` (pure counting of expected, received and on-time reports) and
  ``timeliness`` (the same over the stored reports, with the status grid);
* ``desk`` (the period chooser, the NTF's acceptance queue, reopen notices), ``pivot``
  (rows × columns × filters over the received reports), ``province_map`` (the provinces
  as SVG), ``period_audit`` (stored reports off the calendar).

The calendar (weeks, bi-weeks, months, years) is :mod:`tipdata.periods`, shared with
national statistics (:mod:`tipdata.reporting`), which reads completeness for its dashboard.
"""

from tipdata.provincial.bulk_import import (
    LONG_COLUMNS,
    WIDE_COLUMNS,
    FileFormat,
    ImportSummary,
    IncomingReport,
    ReportImportError,
    import_reports,
    read_reports,
    store_reports,
)
from tipdata.provincial.completeness import (
    CAMBODIA_TIME,
    CompletenessReport,
    ExpectedReport,
    LateReport,
    OrgUnit,
    Rates,
    Submission,
    expected_reports,
)
from tipdata.provincial.datasets import TOTAL, DataSet, ValueKey, load_data_set
from tipdata.provincial.desk import (
    PeriodChoice,
    QueueItem,
    ReopenNotice,
    ReportChooser,
    acceptance_queue,
    period_choices,
    period_now_due,
    reopen_notices,
    report_chooser,
    today_in_cambodia,
)
from tipdata.provincial.errors import (
    ConflictError,
    InvalidValueError,
    ReportingError,
    ReportNotFoundError,
    ReportValidationError,
    TransitionError,
)
from tipdata.provincial.period_audit import OffCalendarReport, reports_off_calendar
from tipdata.provincial.pivot import (
    NOT_BROKEN_DOWN,
    CellReport,
    Pivot,
    PivotCell,
    PivotError,
    PivotRequest,
    ProvinceFigures,
    cell_reports,
    dimensions,
    offered_dimensions,
    pivot,
    pivot_cell,
    province_figures,
    scoped,
    to_csv,
    to_xlsx,
)
from tipdata.provincial.province_map import (
    ATTRIBUTION,
    CLASSES,
    Shaded,
    Shapes,
    choropleth,
    province_shapes,
)
from tipdata.provincial.report_rows import find_report_row, report_values
from tipdata.provincial.submissions import (
    accept,
    get_report,
    reopen,
    save_draft,
    status_history,
    submit,
    submit_keeping_draft,
)
from tipdata.provincial.timeliness import (
    GridStatus,
    ProvinceStatus,
    ProvincialCompleteness,
    completeness_grid,
    completeness_report,
    reporting_date,
    status_grid,
)
from tipdata.provincial.transitions import (
    READ_PERMISSION,
    RECEIVED_STATUSES,
    TRANSITIONS,
    Action,
    allowed_actions,
    check_may_edit,
    check_may_read,
    check_may_review,
    own_province,
)
from tipdata.provincial.validation_rules import ValidationResult
from tipdata.provincial.workflow import (
    ReportView,
    StatusChange,
    Values,
    Workflow,
    default_workflow,
    parse_count,
)

__all__ = [
    "ATTRIBUTION",
    "CAMBODIA_TIME",
    "CLASSES",
    "LONG_COLUMNS",
    "NOT_BROKEN_DOWN",
    "READ_PERMISSION",
    "RECEIVED_STATUSES",
    "TOTAL",
    "TRANSITIONS",
    "WIDE_COLUMNS",
    "Action",
    "CellReport",
    "CompletenessReport",
    "ConflictError",
    "DataSet",
    "ExpectedReport",
    "FileFormat",
    "GridStatus",
    "ImportSummary",
    "IncomingReport",
    "InvalidValueError",
    "LateReport",
    "OffCalendarReport",
    "OrgUnit",
    "PeriodChoice",
    "Pivot",
    "PivotCell",
    "PivotError",
    "PivotRequest",
    "ProvinceFigures",
    "ProvinceStatus",
    "ProvincialCompleteness",
    "QueueItem",
    "Rates",
    "ReopenNotice",
    "ReportChooser",
    "ReportImportError",
    "ReportNotFoundError",
    "ReportValidationError",
    "ReportView",
    "ReportingError",
    "Shaded",
    "Shapes",
    "StatusChange",
    "Submission",
    "TransitionError",
    "ValidationResult",
    "ValueKey",
    "Values",
    "Workflow",
    "accept",
    "acceptance_queue",
    "allowed_actions",
    "cell_reports",
    "check_may_edit",
    "check_may_read",
    "check_may_review",
    "choropleth",
    "completeness_grid",
    "completeness_report",
    "default_workflow",
    "dimensions",
    "expected_reports",
    "find_report_row",
    "get_report",
    "import_reports",
    "load_data_set",
    "offered_dimensions",
    "own_province",
    "parse_count",
    "period_choices",
    "period_now_due",
    "pivot",
    "pivot_cell",
    "province_figures",
    "province_shapes",
    "read_reports",
    "reopen",
    "reopen_notices",
    "report_chooser",
    "report_values",
    "reporting_date",
    "reports_off_calendar",
    "save_draft",
    "scoped",
    "status_grid",
    "status_history",
    "store_reports",
    "submit",
    "submit_keeping_draft",
    "to_csv",
    "to_xlsx",
    "today_in_cambodia",
]
