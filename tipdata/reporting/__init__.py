"""National statistics: indicators, TIP tables, disclosure control and releases.

Exported here: the pure, database-free building blocks of disclosure control; the services
that read the store are the modules themselves. Provincial periodic reporting is
:mod:`tipdata.provincial`, the calendar :mod:`tipdata.periods`.
"""

from tipdata.reporting.kanonymity import (
    KAnonymityResult,
    Violation,
    age_hierarchy,
    check_k_anonymity,
    date_hierarchy,
    enforce_k_anonymity,
    province_hierarchy,
)
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
    rounded,
)

__all__ = [
    "CellStatus",
    "DisclosureError",
    "KAnonymityResult",
    "ProtectedRelease",
    "ProtectedTable",
    "Release",
    "Table",
    "UnsafeCell",
    "Violation",
    "age_hierarchy",
    "audit",
    "check_k_anonymity",
    "check_release",
    "date_hierarchy",
    "enforce_k_anonymity",
    "link_margins",
    "protect_release",
    "protect_table",
    "province_hierarchy",
    "rounded",
]
