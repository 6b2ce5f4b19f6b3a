"""Words for the codes of the code lists, in the reader's language (issue 18, item 2).

Provinces, countries, forms of exploitation and agencies have English and Khmer names in
their code lists (``provinces.csv``, ``countries_extra.yaml``, ``exploitation_types.yaml``,
``agencies.yaml``);
a case-work page shows those names, never the code. An unknown code is shown as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from tipdata.codelists import load_codelists, load_law_catalogue

LAW_NAMES_KM = {
    "lshtse-2008": "ច្បាប់ស្តីពីការបង្ក្រាបអំពើជួញដូរមនុស្ស និងអំពើធ្វើអាជីវកម្មផ្លូវភេទ ២០០៨",
    "labour-1997": "ច្បាប់ស្តីពីការងារ ១៩៩៧",
}
"""The laws' Khmer names (the catalogue's files give English titles only)."""


AGENCY_NAME_LENGTH = 50
"""An English agency name longer than this is shown by its short name (DOSAVY Battambang)."""


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

    def agency(self, code: str | None) -> str:
        """An agency's name (``MOI`` → Ministry of Interior / ក្រសួងមហាផ្ទៃ, ``DOSAVY-02`` →
        DOSAVY Battambang); an agency without a Khmer name keeps its own name (an NGO's
        acronym is written so in Khmer too)."""
        if not code:
            return ""
        agencies = load_codelists().agencies
        if code not in agencies:
            return code
        agency = agencies[code]
        english = agency.name if len(agency.name) <= AGENCY_NAME_LENGTH else agency.short_name
        return self._pick(english, agency.name_km)

    def article(self, reference: str | None) -> str:
        """An article by its law's name: ``lshtse-2008 art. 15`` → Anti-trafficking law 2008,
        art. 15 (ច្បាប់ស្តីពីការបង្ក្រាប... មាត្រា 15 in Khmer)."""
        if not reference:
            return ""
        code, _, number = reference.partition(" art. ")
        laws = load_law_catalogue().laws
        law = laws.get(code.strip().lower())
        if law is None or not number:
            return reference
        if self.language == "km":
            return f"{LAW_NAMES_KM.get(law.code, law.short_title)} មាត្រា {number}"
        return f"{law.short_title}, art. {number}"
