"""Agencies: ministries, courts, NGOs, international organisations and working groups.

``agencies.yaml`` lists the national bodies; the per-province units (DOSAVY, the
provincial working group, the provincial court and the police anti-trafficking
office) are generated from the province list by the templates in the same file, so
a new province gets its units without editing the agency list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field

from tipdata.codelists.datafiles import (
    CodelistModel,
    Loc,
    check_unique,
    name_key,
    parse_model,
    read_yaml,
)
from tipdata.codelists.provinces import Province
from tipdata.errors import CodelistError

AGENCIES_FILE = "agencies.yaml"

AgencyKindCode = Literal["government", "court", "ngo", "international", "working_group"]
"""The values of ``tipdata.model.enums.AgencyKind``."""

_CODE = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$"


class Agency(CodelistModel):
    """A body that owns data or acts on a pathway.

    Attributes:
        code: stable upper-case code, e.g. ``MOSAVY``, ``DOSAVY-02``, ``PPMC``.
        name: full English name.
        short_name: the name shown in tables.
        name_km: Khmer name, when known.
        kind: government, court, ngo, international or working_group.
        parent: code of the body it belongs or reports to.
        province: NCDD code of the province it serves, for provincial units.
        created: when it came into existence, if known and relevant (provincial units
            of a province created later).
        variants: other names written in agency files.
        partner_country: for a foreign partner (a counterpart authority of a bilateral
            MOU), its country's ISO 3166 alpha-3 code (``THA``, ``VNM``, ``MYS``).
        source: citation, "S0:N" being line N of the 2009 report.
    """

    code: str = Field(pattern=_CODE, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    short_name: str = Field(min_length=1)
    name_km: str | None = None
    kind: AgencyKindCode
    parent: str | None = Field(default=None, pattern=_CODE)
    province: str | None = Field(default=None, pattern=r"^\d{2}$")
    created: date | None = None
    variants: tuple[str, ...] = ()
    partner_country: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    source: str = Field(min_length=1)

    @property
    def foreign_partner(self) -> bool:
        """A partner outside the national system: a foreign authority or an international body.

        Such an agency can own a source (a hand-over list, a return list) for provenance;
        access rules do not depend on it.
        """
        return self.partner_country is not None or self.kind == "international"

    def names(self) -> tuple[str, ...]:
        """Every way of writing the agency: code, names and variants."""
        names = (self.code, self.name, self.short_name, self.name_km, *self.variants)
        return tuple(n for n in names if n)


class _Template(CodelistModel):
    name: str
    short_name: str
    name_km: str | None = None
    kind: AgencyKindCode
    parent: str | None = None
    source: str
    skip: tuple[str, ...] = ()


class _AgenciesFile(CodelistModel):
    generated: dict[str, _Template] = Field(default_factory=dict)
    agencies: tuple[Agency, ...]


class Agencies:
    """The agency list, by code, with name resolution.

    Attributes:
        by_code: every agency keyed by code, listed agencies first, then generated ones.
    """

    def __init__(self, agencies: Iterable[Agency]) -> None:
        """Index ``agencies`` by code and by the key of each name."""
        self.by_code: Mapping[str, Agency] = {a.code: a for a in agencies}
        self._by_key: dict[str, Agency] = {}
        for agency in self.by_code.values():
            for name in agency.names():
                self._by_key.setdefault(name_key(name), agency)

    def __len__(self) -> int:
        return len(self.by_code)

    def __getitem__(self, code: str) -> Agency:
        return self.by_code[code]

    def __contains__(self, code: object) -> bool:
        return code in self.by_code

    def resolve(self, text: str | None) -> Agency | None:
        """Return the agency a code or name refers to (case/space/punctuation-insensitive)."""
        if text is None:
            return None
        return self._by_key.get(name_key(text))

    def children(self, code: str) -> tuple[Agency, ...]:
        """The agencies whose parent is ``code``."""
        return tuple(a for a in self.by_code.values() if a.parent == code)

    def provincial_unit(self, prefix: str, province_code: str) -> Agency | None:
        """The unit of kind ``prefix`` (DOSAVY, PWG, COURT, POLICE) for a province.

        For the court of Phnom Penh (12) this is PPMC.
        """
        if prefix == "COURT" and province_code == "12":
            return self.by_code.get("PPMC")
        return self.by_code.get(f"{prefix}-{province_code}")


def load_agencies(path: Path, provinces: Iterable[Province]) -> Agencies:
    """Read ``agencies.yaml`` and generate the per-province units.

    Args:
        path: the YAML file.
        provinces: every province (current and past) to generate units for.

    Returns:
        The agencies.

    Raises:
        CodelistError: a bad entry, a duplicate code, an unknown parent or province,
            or a parent cycle.
    """
    document = read_yaml(path)
    parsed = parse_model(_AgenciesFile, document.data, path=path, line_of=document.line_of)
    locs: dict[str, Loc] = {}
    entries: list[tuple[str, int | None]] = []
    for i, agency in enumerate(parsed.agencies):
        entries.append((agency.code, document.line_of(("agencies", i))))
        locs.setdefault(agency.code, ("agencies", i))
    province_list = list(provinces)
    generated: list[Agency] = []
    for prefix, template in parsed.generated.items():
        loc: Loc = ("generated", prefix)
        for province in province_list:
            if province.code in template.skip:
                continue
            unit = Agency(
                code=f"{prefix}-{province.code}",
                name=template.name.format(province=province.name_en),
                short_name=template.short_name.format(province=province.name_en),
                name_km=(
                    template.name_km.format(province=province.name_km) if template.name_km else None
                ),
                kind=template.kind,
                parent=template.parent,
                province=province.code,
                created=province.created,
                source=f"generated from provinces.csv; {template.source}",
            )
            generated.append(unit)
            entries.append((unit.code, document.line_of(loc)))
            locs.setdefault(unit.code, loc)
    check_unique(path, entries)
    agencies = [*parsed.agencies, *generated]
    codes = {a.code for a in agencies}
    province_codes = {p.code for p in province_list}
    lines = {code: document.line_of(loc) for code, loc in locs.items()}
    for agency in agencies:
        loc = locs[agency.code]
        if agency.parent is not None and agency.parent not in codes:
            raise CodelistError(
                path,
                "unknown parent agency",
                line=document.line_of((*loc, "parent")),
                field="parent",
                value=agency.parent,
            )
        if agency.province is not None and agency.province not in province_codes:
            raise CodelistError(
                path,
                "unknown province code",
                line=document.line_of((*loc, "province")),
                field="province",
                value=agency.province,
            )
    _check_no_cycles(path, agencies, lines)
    return Agencies(agencies)


def _check_no_cycles(path: Path, agencies: list[Agency], lines: Mapping[str, int | None]) -> None:
    """Raise if following parents from some agency comes back to it."""
    parent = {a.code: a.parent for a in agencies}
    for code in parent:
        seen = {code}
        current = parent[code]
        while current is not None:
            if current in seen:
                raise CodelistError(
                    path,
                    "parent chain forms a cycle",
                    line=lines[code],
                    field="parent",
                    value=current,
                )
            seen.add(current)
            current = parent.get(current)
