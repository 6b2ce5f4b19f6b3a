"""Ingestion: agency exports read through declarative source mappings, validated, stored atomically.

The public surface (the CLI and the web app call only these):

* :func:`import_file`, :func:`import_directory` -> :class:`ImportResult`
* :func:`provenance`, :func:`list_import_runs`, :func:`parse_fact_id`
* :func:`load_mapping`, :func:`builtin_mappings`, :func:`get_mapping`
"""

from tipdata.ingest.delivery import import_directory, recognise
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
    ImportRunSummary,
    PayloadVersion,
    Provenance,
    ProvenanceError,
    list_import_runs,
    parse_fact_id,
    provenance,
)
from tipdata.ingest.readers import ImportFileError
from tipdata.ingest.validate import ImportIssue

__all__ = [
    "ImportFileError",
    "ImportIssue",
    "ImportResult",
    "ImportRunSummary",
    "Mapping",
    "MappingError",
    "PayloadVersion",
    "Provenance",
    "ProvenanceError",
    "UnrecognisedFileError",
    "builtin_mappings",
    "get_mapping",
    "import_directory",
    "import_file",
    "list_import_runs",
    "load_mapping",
    "parse_fact_id",
    "parse_mapping",
    "provenance",
    "recognise",
]
