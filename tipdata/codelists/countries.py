"""Countries: ISO 3166-1 from pycountry plus the names and nationalities agencies write.

Every country is keyed by its alpha-3 code (``KHM``, ``THA``). ``countries_extra.yaml``
adds Khmer names, variants ("Viet Nam", "VN", "វៀតណាម") and nationality adjectives
("Vietnamese", "Khmer"), so a nationality or destination column can be resolved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pycountry
from pydantic import Field

from tipdata.codelists.datafiles import (
    CodelistModel,
    check_unique,
    name_key,
    parse_model,
    read_yaml,
)
from tipdata.errors import CodelistError

COUNTRIES_EXTRA_FILE = "countries_extra.yaml"


class Country(CodelistModel):
    """A country of ISO 3166-1.

    Attributes:
        iso3: alpha-3 code, the key used everywhere in tipdata.
        iso2: alpha-2 code.
        name: the ISO short name ("Viet Nam").
        official_name: the ISO official name, when ISO gives one.
        common_name: the ISO common name ("Vietnam"), when ISO gives one.
        name_km: Khmer name, when the extras file gives one.
        variants: other names agencies write.
        nationalities: nationality adjectives and demonyms; the first is shown.
    """

    iso3: str = Field(pattern=r"^[A-Z]{3}$")
    iso2: str = Field(pattern=r"^[A-Z]{2}$")
    name: str
    official_name: str | None = None
    common_name: str | None = None
    name_km: str | None = None
    variants: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()

    @property
    def nationality(self) -> str | None:
        """The nationality adjective to show, e.g. "Cambodian"."""
        return self.nationalities[0] if self.nationalities else None

    def names(self) -> tuple[str, ...]:
        """Every name of the country (not its codes)."""
        candidates = (self.name, self.official_name, self.common_name, self.name_km)
        return (*(n for n in candidates if n), *self.variants, *self.nationalities)


class _Extra(CodelistModel):
    iso3: str = Field(pattern=r"^[A-Z]{3}$")
    name_km: str | None = None
    variants: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()


class _ExtrasFile(CodelistModel):
    source: str
    unknown_values: tuple[str, ...] = ()
    countries: tuple[_Extra, ...]


class Countries:
    """The country list and its name resolution.

    Attributes:
        by_iso3: every country keyed by alpha-3 code.
        unknown_values: written values that mean "not known".
    """

    def __init__(self, countries: Iterable[Country], unknown_values: Iterable[str] = ()) -> None:
        """Index ``countries`` by codes and names (names must not be ambiguous)."""
        self.by_iso3: Mapping[str, Country] = {c.iso3: c for c in countries}
        self.unknown_values = frozenset(name_key(v) or v.strip() for v in unknown_values)
        self._by_code: dict[str, Country] = {}
        self._by_name: dict[str, Country] = {}
        for country in self.by_iso3.values():
            self._by_code[country.iso3] = country
            self._by_code[country.iso2] = country
            for name in country.names():
                self._by_name.setdefault(name_key(name), country)

    def __len__(self) -> int:
        return len(self.by_iso3)

    def __getitem__(self, iso3: str) -> Country:
        return self.by_iso3[iso3]

    def __contains__(self, iso3: object) -> bool:
        return iso3 in self.by_iso3

    def resolve(self, text: str | None) -> Country | None:
        """Return the country a name, code or nationality refers to, or None.

        Two- and three-letter codes match when the text is only letters ("th",
        "VNM"); names and nationalities match ignoring case, spaces, punctuation and
        Latin accents. Values such as "N/A" or "unknown" give None.
        """
        if text is None:
            return None
        stripped = text.strip()
        key = name_key(stripped)
        if not key or key in self.unknown_values or stripped in self.unknown_values:
            return None
        if stripped.isascii() and stripped.isalpha() and len(stripped) in (2, 3):
            found = self._by_code.get(stripped.upper())
            if found is not None:
                return found
        return self._by_name.get(key)


def load_countries(path: Path) -> Countries:
    """Build the country list from pycountry and ``countries_extra.yaml``.

    Args:
        path: the extras YAML file.

    Returns:
        Every ISO 3166-1 country, enriched by the extras.

    Raises:
        CodelistError: a bad entry, an unknown or repeated alpha-3 code, or a name
            that would resolve to two countries.
    """
    document = read_yaml(path)
    extras = parse_model(_ExtrasFile, document.data, path=path, line_of=document.line_of)
    check_unique(
        path,
        ((e.iso3, document.line_of(("countries", i))) for i, e in enumerate(extras.countries)),
        what="iso3",
    )
    base: dict[str, Country] = {}
    owners: dict[str, str] = {}
    for record in pycountry.countries:
        country = Country(
            iso3=record.alpha_3,
            iso2=record.alpha_2,
            name=record.name,
            official_name=getattr(record, "official_name", None),
            common_name=getattr(record, "common_name", None),
        )
        base[country.iso3] = country
        for name in country.names():
            owners.setdefault(name_key(name), country.iso3)
    for i, extra in enumerate(extras.countries):
        line = document.line_of(("countries", i))
        if extra.iso3 not in base:
            raise CodelistError(
                path, "not an ISO 3166-1 alpha-3 code", line=line, field="iso3", value=extra.iso3
            )
        names = [n for n in (extra.name_km, *extra.variants, *extra.nationalities) if n]
        for name in names:
            owner = owners.setdefault(name_key(name), extra.iso3)
            if owner != extra.iso3:
                raise CodelistError(
                    path,
                    f"name already means {owner}; resolution would be ambiguous",
                    line=line,
                    value=name,
                )
        base[extra.iso3] = base[extra.iso3].model_copy(
            update={
                "name_km": extra.name_km,
                "variants": extra.variants,
                "nationalities": extra.nationalities,
            }
        )
    return Countries(base.values(), extras.unknown_values)
