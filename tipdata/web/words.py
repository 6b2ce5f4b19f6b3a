"""Words for the codes of the code lists, in the reader's language (issue 18, item 2).

Provinces, countries and forms of exploitation have English and Khmer names in their
code lists (``provinces.csv``, ``countries_extra.yaml``, ``exploitation_types.yaml``);
a case-work page shows those names, never the code. An unknown code is shown as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from tipdata.codelists import load_codelists


@dataclass(frozen=True)
class CodeWords:
    """The names of coded values in one language (``en`` or ``km``)."""

    language: str

    def _pick(self, english: str, khmer: str | None) -> str:
        return khmer if self.language == "km" and khmer else english

    def province(self, code: str | None) -> str:
        """A province's name (``12`` → Phnom Penh / ភ្នំពេញ)."""
        if not code:
            return ""
        found = load_codelists().resolve_province(code)
        return self._pick(found.name_en, found.name_km) if found else code

    def country(self, iso3: str | None) -> str:
        """A country's name (``THA`` → Thailand / ថៃ)."""
        if not iso3:
            return ""
        countries = load_codelists().countries
        if iso3 not in countries:
            return iso3
        country = countries[iso3]
        return self._pick(country.common_name or country.name, country.name_km)

    def exploitation(self, code: str) -> str:
        """A form of exploitation's name."""
        types = load_codelists().exploitation_types
        return self._pick(types[code].name_en, types[code].name_km) if code in types else code
