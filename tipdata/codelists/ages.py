"""Age groups: child/adult, reporting bands and the law's age thresholds.

The bands are data (``age_groups.yaml``); each scheme is checked on load to cover
every age from 0 exactly once, so ``bands(age)`` always gives one band per scheme.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

from pydantic import Field, model_validator

from tipdata.codelists.datafiles import CodelistModel, parse_model, read_yaml
from tipdata.errors import CodelistError

AGE_GROUPS_FILE = "age_groups.yaml"

CHILD_ADULT = "child_adult"
"""The scheme that splits children (under 18) from adults; required in the file."""


class AgeBand(CodelistModel):
    """One band of ages, both ends included; ``max`` None means open-ended.

    Attributes:
        code: the code written in reports ("child", "12-14", "under_15").
        min: lowest age in the band.
        max: highest age in the band, or None for "and over".
        name_en: English label.
        name_km: Khmer label, when known.
    """

    code: str = Field(min_length=1)
    min: int = Field(ge=0)
    max: int | None = Field(default=None, ge=0)
    name_en: str
    name_km: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> AgeBand:
        if self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self

    def contains(self, age: int) -> bool:
        """Whether ``age`` (completed years) falls in the band."""
        return age >= self.min and (self.max is None or age <= self.max)


class _AgeGroupsFile(CodelistModel):
    source: str
    schemes: dict[str, tuple[AgeBand, ...]]


class AgeGroups:
    """The age-band schemes.

    Attributes:
        schemes: each scheme's bands in ascending order, keyed by scheme name.
    """

    def __init__(self, schemes: Mapping[str, tuple[AgeBand, ...]]) -> None:
        """Keep ``schemes``; they must already be validated (see ``load_age_groups``)."""
        self.schemes: Mapping[str, tuple[AgeBand, ...]] = dict(schemes)

    def __len__(self) -> int:
        return len(self.schemes)

    def band(self, scheme: str, age: int) -> AgeBand:
        """The band of ``scheme`` that contains ``age``.

        Raises:
            KeyError: unknown scheme.
            ValueError: negative age.
        """
        if age < 0:
            raise ValueError(f"age must not be negative, got {age}")
        for band in self.schemes[scheme]:
            if band.contains(age):
                return band
        raise AssertionError("schemes are validated to cover every age")  # pragma: no cover

    @property
    def adult_age(self) -> int:
        """The age from which a person is an adult: where the ``adult`` band of the
        child_adult scheme starts (18 in the shipped file)."""
        return next(band.min for band in self.schemes[CHILD_ADULT] if band.code == "adult")

    def age_group(self, age: int) -> str:
        """``"child"`` under 18, ``"adult"`` from 18 (the child_adult scheme)."""
        return self.band(CHILD_ADULT, age).code

    def bands(self, age: int) -> dict[str, str]:
        """The band code of ``age`` in every scheme, e.g. ``{"child_adult": "child", ...}``."""
        return {scheme: self.band(scheme, age).code for scheme in self.schemes}


def load_age_groups(path: Path) -> AgeGroups:
    """Read ``age_groups.yaml`` and check that every scheme partitions the ages.

    Raises:
        CodelistError: a bad band, min greater than max, a gap, an overlap, a scheme
            not starting at 0 or not open-ended, a duplicate code, or no child_adult scheme.
    """
    document = read_yaml(path)
    parsed = parse_model(_AgeGroupsFile, document.data, path=path, line_of=document.line_of)
    if CHILD_ADULT not in parsed.schemes:
        raise CodelistError(path, f"scheme {CHILD_ADULT!r} is required", field="schemes")
    if [band.code for band in parsed.schemes[CHILD_ADULT]] != ["child", "adult"]:
        raise CodelistError(
            path,
            "the child_adult scheme must have exactly the bands child, adult",
            line=document.line_of(("schemes", CHILD_ADULT)),
            field=CHILD_ADULT,
        )
    for name, bands in parsed.schemes.items():
        expected: int | None = 0
        codes: set[str] = set()
        for i, band in enumerate(bands):
            line = document.line_of(("schemes", name, i))
            if band.code in codes:
                raise CodelistError(path, "duplicate band code", line=line, value=band.code)
            codes.add(band.code)
            if expected is None or band.min != expected:
                if expected is None or band.min < expected:
                    what = "overlaps the previous band"
                else:
                    what = f"leaves a gap: expected min {expected}"
                raise CodelistError(path, f"band {what}", line=line, field="min", value=band.min)
            expected = None if band.max is None else band.max + 1
        if expected is not None:
            line = document.line_of(("schemes", name))
            raise CodelistError(
                path, "last band must be open-ended (max: null)", line=line, field=name
            )
    return AgeGroups(parsed.schemes)


@functools.cache
def shipped_age_groups() -> AgeGroups:
    """The age groups of the shipped ``age_groups.yaml`` (read once)."""
    return load_age_groups(Path(__file__).resolve().with_name(AGE_GROUPS_FILE))


def adult_age() -> int:
    """The age of majority of the shipped ``age_groups.yaml``: the one place 18 is written.

    Examples:
        >>> adult_age()
        18
    """
    return shipped_age_groups().adult_age
