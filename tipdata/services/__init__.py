"""The service directory: providers by province and service, with capacity (CSV import).

Public surface::

    import_providers(session, path=DEMO_PROVIDERS) -> ImportCounts
    list_providers(session, province=None, service=None) -> list[ProviderEntry]
    capacity_by_province(session, service="shelter") -> {province code: places}
"""

from tipdata.services.directory import (
    DEMO_PROVIDERS,
    SERVICE_CODES,
    ImportCounts,
    ProviderEntry,
    capacity_by_province,
    import_providers,
    list_providers,
)

__all__ = [
    "DEMO_PROVIDERS",
    "SERVICE_CODES",
    "ImportCounts",
    "ProviderEntry",
    "capacity_by_province",
    "import_providers",
    "list_providers",
]
