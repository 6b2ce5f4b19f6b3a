"""Loading every code list from one folder into one immutable object, once per folder."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tipdata.codelists.agencies import AGENCIES_FILE, Agencies, Agency, load_agencies
from tipdata.codelists.ages import AGE_GROUPS_FILE, AgeGroups, load_age_groups
from tipdata.codelists.countries import COUNTRIES_EXTRA_FILE, Countries, Country, load_countries
from tipdata.codelists.law import LAW_DIR, LawCatalogue, load_law_files
from tipdata.codelists.provinces import (
    PROVINCES_FILE,
    Province,
    ProvinceResolver,
    load_provinces,
    provinces_on,
)
from tipdata.codelists.vocabularies import (
    EXPLOITATION_TYPES_FILE,
    MEANS_OF_CONTROL_FILE,
    ROLES_FILE,
    STAGES_FILE,
    ExploitationType,
    MeansOfControl,
    Role,
    Stage,
    Vocabulary,
    load_exploitation_types,
    load_means_of_control,
    load_roles,
    load_stages,
)

DEFAULT_ROOT = Path(__file__).resolve().parent
"""The folder of the code lists shipped with tipdata."""

REPORT_YEAR_2008 = date(2008, 12, 31)


@dataclass(frozen=True)
class Codelists:
    """Every code list, validated.

    Attributes:
        root: the folder the lists were read from.
        all_provinces: every unit in ``provinces.csv``, past and present.
        provinces: the units that exist today (25).
        provinces_2008: the units of 2008 (24: 23 provinces and municipalities + Phnom Penh).
        countries: ISO 3166-1 countries with the names agencies write.
        agencies: ministries, courts, NGOs, international bodies, working groups and
            the generated per-province units.
        exploitation_types: forms of exploitation (two levels).
        means_of_control: means by which victims are controlled.
        stages: victim and prosecution pathway steps (the ``EventType`` codes).
        roles: person roles (the ``PersonRole`` codes).
        age_groups: age-band schemes.
    """

    root: Path
    all_provinces: tuple[Province, ...]
    provinces: tuple[Province, ...]
    provinces_2008: tuple[Province, ...]
    countries: Countries
    agencies: Agencies
    exploitation_types: Vocabulary[ExploitationType]
    means_of_control: Vocabulary[MeansOfControl]
    stages: Vocabulary[Stage]
    roles: Vocabulary[Role]
    age_groups: AgeGroups

    @functools.cached_property
    def _province_resolver(self) -> ProvinceResolver:
        return ProvinceResolver(self.all_provinces)

    def province(self, code: str) -> Province:
        """The province with NCDD ``code``.

        Raises:
            KeyError: unknown code.
        """
        for province in self.all_provinces:
            if province.code == code:
                return province
        raise KeyError(code)

    def provinces_on(self, day: date) -> tuple[Province, ...]:
        """The units that existed on ``day``, in code order."""
        return provinces_on(self.all_provinces, day)

    def resolve_province(self, name: str | None) -> Province | None:
        """The province a written name, variant or code refers to, or None."""
        return self._province_resolver.resolve(name)

    def resolve_country(self, name: str | None) -> Country | None:
        """The country a written name, code or nationality refers to, or None."""
        return self.countries.resolve(name)

    def resolve_agency(self, name: str | None) -> Agency | None:
        """The agency a written code or name refers to, or None."""
        return self.agencies.resolve(name)

    def sizes(self) -> dict[str, int]:
        """Number of entries in each list, for ``tipdata codelists check``."""
        return {
            "provinces (today)": len(self.provinces),
            "provinces (2008)": len(self.provinces_2008),
            "countries": len(self.countries),
            "agencies": len(self.agencies),
            "exploitation types": len(self.exploitation_types),
            "means of control": len(self.means_of_control),
            "pathway stages": len(self.stages),
            "person roles": len(self.roles),
            "age-band schemes": len(self.age_groups),
        }


def _root(root: Path | None) -> Path:
    return (root if root is not None else DEFAULT_ROOT).resolve()


def load_codelists(root: Path | None = None) -> Codelists:
    """Load and validate every code list of ``root`` (cached per folder).

    Args:
        root: the folder holding the list files; the shipped lists by default.

    Returns:
        The code lists.

    Raises:
        CodelistError: a file is missing or invalid; the message names the file and line.
    """
    return _load_codelists(_root(root))


@functools.lru_cache(maxsize=8)
def _load_codelists(root: Path) -> Codelists:
    all_provinces = load_provinces(root / PROVINCES_FILE)
    return Codelists(
        root=root,
        all_provinces=all_provinces,
        provinces=provinces_on(all_provinces, date.today()),
        provinces_2008=provinces_on(all_provinces, REPORT_YEAR_2008),
        countries=load_countries(root / COUNTRIES_EXTRA_FILE),
        agencies=load_agencies(root / AGENCIES_FILE, all_provinces),
        exploitation_types=load_exploitation_types(root / EXPLOITATION_TYPES_FILE),
        means_of_control=load_means_of_control(root / MEANS_OF_CONTROL_FILE),
        stages=load_stages(root / STAGES_FILE),
        roles=load_roles(root / ROLES_FILE),
        age_groups=load_age_groups(root / AGE_GROUPS_FILE),
    )


def load_law_catalogue(root: Path | None = None) -> LawCatalogue:
    """Load and validate the law catalogue (``<root>/law/*.yaml``), cached per folder.

    Args:
        root: the code-list folder; the shipped one by default.

    Returns:
        The catalogue.

    Raises:
        CodelistError: a law file is invalid; the message names the file and line.
    """
    return _load_law_catalogue(_root(root))


@functools.lru_cache(maxsize=8)
def _load_law_catalogue(root: Path) -> LawCatalogue:
    return load_law_files(root / LAW_DIR)


def clear_cache() -> None:
    """Forget loaded lists, so edited files are read again."""
    _load_codelists.cache_clear()
    _load_law_catalogue.cache_clear()


def resolve_province(name: str | None) -> Province | None:
    """The province a written name, variant or code refers to, in the shipped lists.

    Examples:
        >>> resolve_province("Kompong Cham").code
        '03'
        >>> resolve_province("ខេត្តកំពត").name_en
        'Kampot'
    """
    return load_codelists().resolve_province(name)


def resolve_country(name: str | None) -> Country | None:
    """The country a written name, code or nationality refers to, in the shipped lists.

    Examples:
        >>> resolve_country("Vietnamese").iso3
        'VNM'
    """
    return load_codelists().resolve_country(name)


def resolve_agency(name: str | None) -> Agency | None:
    """The agency a written code or name refers to, in the shipped lists."""
    return load_codelists().resolve_agency(name)


def age_group(age: int) -> str:
    """``"child"`` under 18, ``"adult"`` from 18.

    Examples:
        >>> age_group(17), age_group(18)
        ('child', 'adult')
    """
    return load_codelists().age_groups.age_group(age)


def bands(age: int) -> Mapping[str, str]:
    """The band of ``age`` in every scheme of the shipped lists.

    Examples:
        >>> bands(14)["legal"]
        'under_15'
    """
    return load_codelists().age_groups.bands(age)
