"""The check runner: every legal and pathway check over the database, findings stored.

It sits above both `tipdata.legal` and `tipdata.pathways`, so neither imports the other's
runner: the pathway checks use `tipdata.legal.findings` (the finding type and its storage),
and `tipdata.legal` never imports `tipdata.pathways`.

Public surface::

    run_checks(db, ...) -> CheckResults     # tipdata check; the demo job
"""

from tipdata.checks.run import CheckResults, run_checks

__all__ = ["CheckResults", "run_checks"]
