"""Ingestion: agency exports read through declarative source mappings, validated, stored atomically.

The public surface (the CLI and the web app call only these):

* :func:`import_file`, :func:`import_directory` -> :class:`ImportResult`
* :func:`choose_mapping` (the layout of a file: chosen, own, or recognised from its header)
* :func:`provenance`, :func:`list_import_runs`, :func:`import_run_details`, :func:`parse_fact_id`
* :func:`load_mapping`, :func:`builtin_mappings`, :func:`get_mapping`
"""

from tipdata.ingest.delivery import (
    AmbiguousLayoutError,
    choose_mapping,
    import_directory,
    layouts_fitting,
    recognise,
)
from tipdata.ingest.mapping import (
    Mapping,
    MappingError,
    builtin_mappings,
    get_mapping,
    load_mapping,
    parse_mapping,
)
from tipdata.ingest.pipeline import (
    ImportResult,
    UnrecognisedFileError,
    import_file,
)
from tipdata.ingest.provenance import (
    LATEST_IMPORT_RUNS,
    ImportRunSummary,
    PayloadVersion,
    Provenance,
    ProvenanceError,
    latest_import_runs,
    list_import_runs,
    parse_fact_id,
    provenance,
)
from tipdata.ingest.readers import ImportFileError
from tipdata.ingest.run_details import (
    ImportedRow,
    ImportRunDetails,
    StoredIssue,
    import_run_details,
)
from tipdata.ingest.validate import ImportIssue

__all__ = [
    "LATEST_IMPORT_RUNS",
    "AmbiguousLayoutError",
    "ImportFileError",
    "ImportIssue",
    "ImportResult",
    "ImportRunDetails",
    "ImportRunSummary",
    "ImportedRow",
    "Mapping",
    "MappingError",
    "PayloadVersion",
    "Provenance",
    "ProvenanceError",
    "StoredIssue",
    "UnrecognisedFileError",
    "builtin_mappings",
    "choose_mapping",
    "get_mapping",
    "import_directory",
    "import_file",
    "import_run_details",
    "latest_import_runs",
    "layouts_fitting",
    "list_import_runs",
    "load_mapping",
    "parse_fact_id",
    "parse_mapping",
    "provenance",
    "recognise",
]
