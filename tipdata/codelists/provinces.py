"""Provinces and the capital, by NCDD code, with the name variants agencies write.

The list is ``provinces.csv``: one row per unit that ever existed, with the date it
was created or abolished, so a report for 2008 uses the 24 units of 2008 (23
provinces and municipalities plus Phnom Penh) and a report for today uses 25.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from tipdata.codelists.datafiles import (
    CodelistModel,
    Loc,
    check_unique,
    name_key,
    parse_model,
    read_csv,
    split_list,
)
from tipdata.errors import CodelistError

PROVINCES_FILE = "provinces.csv"

_LATIN_NOISE = re.compile(
    r"\b(province|provincial|municipality|municipal|city|capital|khaet|khet|krong)\b",
    re.IGNORECASE,
)


class Province(CodelistModel):
    """A province or the capital.

    Attributes:
        code: NCDD code, two digits ("01" .. "25").
        name_en: English name in the official romanisation.
        name_km: Khmer name.
        kind: ``capital`` for Phnom Penh, ``province`` otherwise.
        created: when the unit was created, if after the list's baseline (1993).
        abolished: when the unit ceased to exist, if it did.
        variants: other spellings and abbreviations found in agency files.
        source: where the row comes from.
    """

    code: str = Field(pattern=r"^\d{2}$")
    name_en: str = Field(min_length=1)
    name_km: str = Field(min_length=1)
    kind: Literal["province", "capital"]
    created: date | None = None
    abolished: date | None = None
    variants: tuple[str, ...] = ()
    source: str = Field(min_length=1)

    @field_validator("created", "abolished", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("variants", mode="before")
    @classmethod
    def _split_variants(cls, value: object) -> object:
        return split_list(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check(self) -> Province:
        if self.created and self.abolished and self.created > self.abolished:
            raise ValueError("created is after abolished")
        seen = {name_key(self.name_en): self.name_en, name_key(self.name_km): self.name_km}
        for variant in self.variants:
            key = name_key(variant)
            if not key:
                raise ValueError(f"variant {variant!r} has no letters")
            if key in seen:
                raise ValueError(
                    f"variant {variant!r} is the same as {seen[key]!r} once case, spaces, "
                    "punctuation and accents are ignored; remove it"
                )
            seen[key] = variant
        return self

    def existed_on(self, day: date) -> bool:
        """Whether the unit existed on ``day``."""
        if self.created is not None and day < self.created:
            return False
        return self.abolished is None or day < self.abolished

    def names(self) -> tuple[str, ...]:
        """Every way of writing the unit: code, English and Khmer names, variants."""
        return (self.code, self.name_en, self.name_km, *self.variants)


def load_provinces(path: Path) -> tuple[Province, ...]:
    """Read and validate ``provinces.csv``.

    Args:
        path: the CSV file.

    Returns:
        The provinces in file order.

    Raises:
        CodelistError: a bad row, a duplicate code, or a name that would resolve to
            two different provinces.
    """
    provinces: list[Province] = []
    lines: list[int] = []
    for line, row in read_csv(path):
        provinces.append(parse_model(Province, row, path=path, line_of=_fixed_line(line)))
        lines.append(line)
    check_unique(path, ((p.code, n) for p, n in zip(provinces, lines, strict=True)))
    owners: dict[str, str] = {}
    for province, line in zip(provinces, lines, strict=True):
        for name in province.names():
            key = name_key(name)
            owner = owners.setdefault(key, province.code)
            if owner != province.code:
                raise CodelistError(
                    path,
                    f"name also used by province {owner}; resolution would be ambiguous",
                    line=line,
                    field="variants",
                    value=name,
                )
    return tuple(provinces)


def _fixed_line(line: int) -> Callable[[Loc], int | None]:
    """A ``line_of`` for a CSV row: every field of the row is on the row's line."""
    return lambda _loc: line


class ProvinceResolver:
    """Finds the province a written name or code refers to."""

    def __init__(self, provinces: Iterable[Province]) -> None:
        """Index ``provinces`` by the key of each of their names."""
        self._by_key: dict[str, Province] = {}
        for province in provinces:
            for name in province.names():
                self._by_key.setdefault(name_key(name), province)
            self._by_key.setdefault(str(int(province.code)), province)

    def resolve(self, name: str | None) -> Province | None:
        """Return the province ``name`` refers to, or None.

        Matching ignores case, spaces, punctuation and Latin accents; a code may be
        written with or without its leading zero; words such as "Province",
        "Municipality", "Krong" or the Khmer "ខេត្ត" are ignored when nothing else
        matches.
        """
        if name is None:
            return None
        text = name.strip()
        if text.isdigit():
            return self._by_key.get(str(int(text)))
        found = self._by_key.get(name_key(text))
        if found is None:
            found = self._by_key.get(name_key(_LATIN_NOISE.sub(" ", text)))
        return found


def provinces_on(provinces: Iterable[Province], day: date) -> tuple[Province, ...]:
    """The units that existed on ``day``, in code order."""
    return tuple(sorted((p for p in provinces if p.existed_on(day)), key=lambda p: p.code))


def by_code(provinces: Iterable[Province]) -> Mapping[str, Province]:
    """Index provinces by code."""
    return {p.code: p for p in provinces}
