"""The metadata mapping between tipdata's provincial data set and a DHIS2 instance.

A mapping file (``standards/data/dhis2_pwg_biweekly.yaml``) names, for one data set,
the DHIS2 data set, each data element, each category and option (for ADX), one
category option combo per *leaf* disaggregation (``female_child``, ...; DHIS2's
``default`` combo for the elements without a breakdown), the attribute option combo
and the org unit of every province, each by ``uid`` and ``code``. DHIS2 stores only
leaves: margins such as ``female`` have no category option combo, so they are never
sent (see :mod:`tipdata.standards.dhis2_exchange`). The file is validated against the
data set and the province list when loaded; errors name the file, line and field.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field

from tipdata.codelists import Codelists, load_codelists
from tipdata.codelists.datafiles import CodelistModel, parse_model, read_yaml
from tipdata.errors import DataFileError
from tipdata.provincial import TOTAL, DataSet, load_data_set

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_MAPPING = DATA_DIR / "dhis2_pwg_biweekly.yaml"
"""The example mapping of the PWG bi-weekly report shipped with tipdata."""

IdScheme = Literal["uid", "code"]
"""How DHIS2 objects are named in a file: by ``uid`` (DHIS2's default) or by ``code``."""

ID_SCHEMES: tuple[IdScheme, ...] = ("uid", "code")
UNALLOCATED = "unallocated"
"""The part of a total its known sex × age parts leave unallocated (sent to its own element)."""
UID_PATTERN = r"^[A-Za-z][A-Za-z0-9]{10}$"
"""A DHIS2 uid: a letter and ten letters or digits."""


class MappingError(DataFileError):
    """A DHIS2 mapping file is wrong, or a file names something it does not map."""


class Dhis2Object(CodelistModel):
    """One DHIS2 object: its uid and its code."""

    uid: str = Field(pattern=UID_PATTERN)
    code: str = Field(min_length=1, max_length=50)

    def id(self, scheme: IdScheme) -> str:
        """The identifier of this object in ``scheme``."""
        return self.uid if scheme == "uid" else self.code


class Dhis2Category(Dhis2Object):
    """A DHIS2 category and its options, by tipdata option code."""

    options: dict[str, Dhis2Object]


class MappingDefinition(CodelistModel):
    """The content of a mapping file, as written."""

    data_set: str
    dhis2_data_set: Dhis2Object
    attribute_option_combo: Dhis2Object
    data_elements: dict[str, Dhis2Object]
    unallocated_elements: dict[str, Dhis2Object] = Field(default_factory=dict)
    categories: dict[str, Dhis2Category]
    category_option_combos: dict[str, Dhis2Object]
    org_units: dict[str, Dhis2Object]


@dataclass(frozen=True, eq=False)
class Dhis2Mapping:
    """A validated mapping with lookups in both directions.

    Attributes:
        definition: the file's content.
        path: the file.
        data_set: tipdata's data set it maps.
    """

    definition: MappingDefinition
    path: Path
    data_set: DataSet

    def data_set_id(self, scheme: IdScheme) -> str:
        """The DHIS2 data set in ``scheme``."""
        return self.definition.dhis2_data_set.id(scheme)

    def attribute_option_combo_id(self, scheme: IdScheme) -> str:
        """The attribute option combo every value is sent with."""
        return self.definition.attribute_option_combo.id(scheme)

    def leaves(self, element: str) -> tuple[str, ...]:
        """The leaf disaggregations of ``element``: every option crossed, or ``total``."""
        categories = self.data_set.categories_of(element)
        if not categories:
            return (TOTAL,)
        return tuple(
            "_".join(options) for options in itertools.product(*(c.options for c in categories))
        )

    def leaf_options(self, element: str, leaf: str) -> dict[str, str]:
        """Category code → option code of a leaf (empty for ``total``)."""
        categories = self.data_set.categories_of(element)
        if leaf == TOTAL:
            return {}
        return dict(zip((c.code for c in categories), leaf.split("_"), strict=True))

    def element_id(self, element: str, scheme: IdScheme) -> str:
        """The DHIS2 data element of ``element``."""
        return self.definition.data_elements[element].id(scheme)

    def unallocated_element_id(self, element: str, scheme: IdScheme) -> str | None:
        """The DHIS2 data element of ``element``'s unallocated total, if mapped."""
        entry = self.definition.unallocated_elements.get(element)
        return None if entry is None else entry.id(scheme)

    def combo_id(self, leaf: str, scheme: IdScheme) -> str:
        """The DHIS2 category option combo of a leaf disaggregation."""
        return self.definition.category_option_combos[leaf].id(scheme)

    def org_unit_id(self, province: str, scheme: IdScheme) -> str:
        """The DHIS2 org unit of a province."""
        return self.definition.org_units[province].id(scheme)

    def category_code(self, category: str) -> str:
        """The DHIS2 code of a category (an ADX attribute name)."""
        return self.definition.categories[category].code

    def option_code(self, category: str, option: str) -> str:
        """The DHIS2 code of a category option (an ADX attribute value)."""
        return self.definition.categories[category].options[option].code

    @functools.cached_property
    def _reverse(self) -> dict[str, dict[str, str]]:
        d = self.definition
        tables: dict[str, dict[str, str]] = {}
        for kind, objects in (
            ("data element", d.data_elements),
            ("category option combo", d.category_option_combos),
            ("org unit", d.org_units),
        ):
            table: dict[str, str] = {}
            for ours, theirs in objects.items():
                table[theirs.uid] = ours
                table[theirs.code] = ours
            tables[kind] = table
        unallocated: dict[str, str] = {}
        for ours, theirs in d.unallocated_elements.items():
            unallocated[theirs.uid] = ours
            unallocated[theirs.code] = ours
        tables["unallocated element"] = unallocated
        for entry in d.categories.values():
            tables[f"category {entry.code}"] = {
                option.code: code for code, option in entry.options.items()
            }
        tables["category"] = {entry.code: code for code, entry in d.categories.items()}
        return tables

    def lookup(self, kind: str, identifier: str) -> str | None:
        """tipdata's code for a DHIS2 uid or code of ``kind``, or None if unmapped.

        ``kind`` is ``"data element"``, ``"unallocated element"``, ``"category option
        combo"``, ``"org unit"``,
        ``"category"`` (by code) or ``"category <CODE>"`` (its options, by code).
        """
        return self._reverse.get(kind, {}).get(identifier)

    def is_data_set(self, identifier: str) -> bool:
        """Whether ``identifier`` names the mapped DHIS2 data set (by uid or code)."""
        ds = self.definition.dhis2_data_set
        return identifier in (ds.uid, ds.code)

    def is_attribute_option_combo(self, identifier: str) -> bool:
        """Whether ``identifier`` names the mapped attribute option combo."""
        aoc = self.definition.attribute_option_combo
        return identifier in (aoc.uid, aoc.code)


def load_mapping(path: Path | None = None, codelists: Codelists | None = None) -> Dhis2Mapping:
    """Load and validate a DHIS2 mapping file.

    Args:
        path: the file; the shipped example mapping by default.
        codelists: the code lists (provinces); the shipped ones by default.

    Returns:
        The mapping.

    Raises:
        MappingError: the file is invalid or does not cover its data set: every data
            element, every leaf disaggregation, every category and option and every
            province must be mapped, uids and codes unique within each kind.
    """
    file = (path or DEFAULT_MAPPING).resolve()
    document = read_yaml(file)
    definition = parse_model(MappingDefinition, document.data, path=file, line_of=document.line_of)
    data_set = load_data_set(definition.data_set, codelists=codelists)
    mapping = Dhis2Mapping(definition, file, data_set)

    def fail(message: str, loc: tuple[str | int, ...], value: object = None) -> None:
        raise MappingError(
            file, message, line=document.line_of(loc), field=".".join(map(str, loc)), value=value
        )

    for element in data_set.elements:
        if element.code not in definition.data_elements:
            fail("data element not mapped", ("data_elements",), element.code)
        for leaf in mapping.leaves(element.code):
            if leaf not in definition.category_option_combos:
                fail(
                    "leaf disaggregation has no category option combo",
                    ("category_option_combos",),
                    leaf,
                )
        for category in data_set.categories_of(element.code):
            entry = definition.categories.get(category.code)
            if entry is None:
                fail("category not mapped", ("categories",), category.code)
                continue
            for option in category.options:
                if option not in entry.options:
                    fail("category option not mapped", ("categories", category.code), option)
    for key in definition.data_elements:
        if key not in {e.code for e in data_set.elements}:
            fail(f"no such data element in {data_set.code}", ("data_elements", key), key)
    element_codes = {e.code for e in data_set.elements}
    for key in definition.unallocated_elements:
        if key not in element_codes or not data_set.categories_of(key):
            fail(
                "only an element broken down by categories has an unallocated total",
                ("unallocated_elements", key),
                key,
            )
    leaves = {leaf for e in data_set.elements for leaf in mapping.leaves(e.code)}
    for key in definition.category_option_combos:
        if key not in leaves:
            fail(
                "only leaf disaggregations have a category option combo (margins are not sent)",
                ("category_option_combos", key),
                key,
            )
    provinces = {p.code for p in (codelists or load_codelists()).all_provinces}
    for province in sorted(provinces - set(definition.org_units)):
        fail("province has no org unit", ("org_units",), province)
    for key in definition.org_units:
        if key not in provinces:
            fail("no such province", ("org_units", key), key)
    for kind in ("data_elements", "unallocated_elements", "category_option_combos", "org_units"):
        objects: dict[str, Dhis2Object] = getattr(definition, kind)
        for attribute in ("uid", "code"):
            seen: dict[str, str] = {}
            for key, dhis2_object in objects.items():
                identifier = getattr(dhis2_object, attribute)
                if identifier in seen:
                    fail(f"{attribute} also used by {seen[identifier]}", (kind, key), identifier)
                seen[identifier] = key
    for category_code, category_entry in definition.categories.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", category_entry.code):
            fail(
                "a category code must be an XML name (it is an ADX attribute)",
                ("categories", category_code),
                category_entry.code,
            )
    return mapping
