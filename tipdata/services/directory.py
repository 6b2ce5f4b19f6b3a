"""The service directory: shelters, legal aid, medical, psychological and vocational services,
province by province, with capacity; imported from a CSV and used by referrals.

CSV columns: ``code``, ``name``, ``agency`` (agency code), ``province`` (code or name),
``services`` (``;``-separated service codes of :data:`SERVICE_CODES`), ``capacity``
(beds or places, may be empty), ``note``. Every row is validated; a mistake raises
``DataFileError`` naming the file, line and column. Import is idempotent: a provider is
updated by its code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.codelists import load_codelists
from tipdata.codelists.datafiles import read_csv, split_list
from tipdata.errors import DataFileError
from tipdata.store import Agency, ProviderService, ServiceProvider

DEMO_PROVIDERS = Path(__file__).with_name("demo_providers.csv")

SERVICE_CODES: frozenset[str] = frozenset(
    {
        "shelter",
        "transit",
        "legal_aid",
        "medical",
        "psychological",
        "vocational",
        "education",
        "family_tracing",
        "reintegration",
        "referral",
        "investigation",
    }
)
"""Services a provider may offer."""

REQUIRED_COLUMNS = ("code", "name", "agency", "province", "services")


@dataclass(frozen=True, slots=True)
class ProviderEntry:
    """One provider of the directory, as the API returns it."""

    code: str
    name: str
    agency: str
    province_code: str | None
    province: str | None
    services: tuple[str, ...]
    capacity: int | None


@dataclass(frozen=True, slots=True)
class ImportCounts:
    """Providers created and updated by an import."""

    created: int
    updated: int


def import_providers(session: Session, path: Path = DEMO_PROVIDERS) -> ImportCounts:
    """Import (create or update) the providers of a directory CSV.

    Args:
        session: an open session; the caller commits.
        path: the CSV file (default: the synthetic demo directory).

    Returns:
        How many providers were created and updated.

    Raises:
        DataFileError: a missing column, unknown agency, province or service, or a bad
            capacity, naming the line.
    """
    codelists = load_codelists()
    agencies = dict(session.execute(sa.select(Agency.code, Agency.id)).tuples().all())
    rows = read_csv(path)
    if rows:
        missing = [c for c in REQUIRED_COLUMNS if c not in rows[0][1]]
        if missing:
            raise DataFileError(path, f"missing columns {missing}", line=1)
    created = updated = 0
    for line, row in rows:
        agency_id = agencies.get(row["agency"].strip())
        if agency_id is None:
            raise DataFileError(
                path,
                "unknown agency (load the code lists first?)",
                line=line,
                field="agency",
                value=row["agency"],
            )
        province_code = None
        if row["province"].strip():
            province = codelists.resolve_province(row["province"])
            if province is None:
                raise DataFileError(
                    path, "unknown province", line=line, field="province", value=row["province"]
                )
            province_code = province.code
        services = split_list(row["services"].replace(";", "|"))
        unknown = sorted(set(services) - SERVICE_CODES)
        if unknown or not services:
            raise DataFileError(
                path,
                f"unknown or no services (known: {sorted(SERVICE_CODES)})",
                line=line,
                field="services",
                value=row["services"],
            )
        capacity_text = (row.get("capacity") or "").strip()
        if capacity_text and not capacity_text.isdigit():
            raise DataFileError(
                path, "capacity is a whole number", line=line, field="capacity", value=capacity_text
            )
        capacity = int(capacity_text) if capacity_text else None
        code = row["code"].strip()
        provider = session.execute(
            sa.select(ServiceProvider).where(ServiceProvider.code == code)
        ).scalar_one_or_none()
        if provider is None:
            provider = ServiceProvider(code=code)
            session.add(provider)
            created += 1
        else:
            updated += 1
        provider.name = row["name"].strip()
        provider.agency_id = agency_id
        provider.province_code = province_code
        provider.capacity = capacity
        wanted = set(services)
        provider.services = [s for s in provider.services if s.service_code in wanted] + [
            ProviderService(service_code=service)
            for service in sorted(wanted - {s.service_code for s in provider.services})
        ]
    session.flush()
    return ImportCounts(created, updated)


def list_providers(
    session: Session, *, province: str | None = None, service: str | None = None
) -> list[ProviderEntry]:
    """The directory, optionally for one province and one service.

    Args:
        session: an open session.
        province: province code or name.
        service: a service code (``shelter``, ``legal_aid``, ...).

    Returns:
        The providers, by province then name.
    """
    codelists = load_codelists()
    query = sa.select(ServiceProvider, Agency.code).join(
        Agency, Agency.id == ServiceProvider.agency_id
    )
    if province is not None:
        resolved = codelists.resolve_province(province)
        query = query.where(
            ServiceProvider.province_code == (resolved.code if resolved else province)
        )
    if service is not None:
        query = query.where(
            ServiceProvider.id.in_(
                sa.select(ProviderService.provider_id).where(
                    ProviderService.service_code == service
                )
            )
        )
    entries = []
    for provider, agency in session.execute(query).tuples():
        name = None
        if provider.province_code:
            found = codelists.resolve_province(provider.province_code)
            name = found.name_en if found else None
        entries.append(
            ProviderEntry(
                code=provider.code,
                name=provider.name,
                agency=agency,
                province_code=provider.province_code,
                province=name,
                services=tuple(sorted(s.service_code for s in provider.services)),
                capacity=provider.capacity,
            )
        )
    entries.sort(key=lambda e: (e.province_code or "", e.name))
    return entries


def capacity_by_province(session: Session, service: str = "shelter") -> dict[str | None, int]:
    """Total capacity of the providers of ``service``, per province code."""
    totals: dict[str | None, int] = {}
    for entry in list_providers(session, service=service):
        totals[entry.province_code] = totals.get(entry.province_code, 0) + (entry.capacity or 0)
    return totals
