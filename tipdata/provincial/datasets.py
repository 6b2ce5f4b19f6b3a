"""Data sets of periodic aggregate reports, defined as data (DHIS2-style).

A data set is a list of data elements (``victims_identified``, ...), each broken
down by a category combo (sex × age group), a period type (bi-week), the org units
that owe it (the provinces that exist in the period) and a deadline (grace days
after the period ends). The definitions live in ``tipdata/provincial/datasets/*.yaml``
and are validated when loaded: a mistake raises :class:`DataSetError` naming the
file and line.

Disaggregations are named by joining category options in category order:
``total`` (no breakdown), ``female``, ``child``, ``female_child``, ... Every
disaggregation of an element can be entered; the validation rules check that
parts add up to their totals, and :meth:`DataSet.value` derives a total from a
complete set of parts when it was not entered.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from tipdata.codelists import Codelists, load_codelists
from tipdata.codelists.datafiles import CodelistModel, check_unique, parse_model, read_yaml
from tipdata.errors import CodelistError, DataFileError
from tipdata.periods import Period, PeriodType, bi_weeks, parse_period, periods_between
from tipdata.provincial.completeness import OrgUnit

DATASETS_DIR = Path(__file__).resolve().parent / "datasets"
"""The folder of the data set definitions shipped with tipdata."""

TOTAL = "total"
"""The disaggregation of a value that is not broken down."""

PWG_BIWEEKLY = "PWG_BIWEEKLY"
"""Code of the provincial working groups' bi-weekly data set."""

ValueKey = tuple[str, str]
"""``(data element code, disaggregation)``."""

_CODE = r"^[a-z][a-z0-9_]*$"
_OPTION = r"^[a-z][a-z0-9]*$"  # no underscore: options are joined with "_"


class DataSetError(DataFileError):
    """A data set definition is invalid, or a value does not fit the data set."""


class Category(CodelistModel):
    """A way of breaking a count down, e.g. sex into female and male.

    Attributes:
        code: category code.
        name: English label.
        description: what the options mean.
        options: option codes, in display order.
    """

    code: str = Field(pattern=_CODE)
    name: str = Field(min_length=1)
    description: str | None = None
    options: tuple[str, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _check_options(self) -> Category:
        for option in self.options:
            if not re.fullmatch(_OPTION, option):
                raise ValueError(f"option {option!r}: lower-case letters and digits only")
        if len(set(self.options)) != len(self.options):
            raise ValueError("an option is listed twice")
        if TOTAL in self.options:
            raise ValueError(f"{TOTAL!r} is reserved for the undivided value")
        return self


class CategoryCombo(CodelistModel):
    """Categories crossed with each other, e.g. sex × age group.

    Attributes:
        code: combo code.
        name: English label.
        categories: category codes, in the order their options are joined.
    """

    code: str = Field(pattern=_CODE)
    name: str = Field(min_length=1)
    categories: tuple[str, ...] = Field(min_length=1)


class DataElement(CodelistModel):
    """One count the report asks for.

    Attributes:
        code: data element code (also the column name in wide files).
        name: English label.
        description: what is counted.
        category_combo: how it is broken down; None for a single total.
    """

    code: str = Field(pattern=_CODE)
    name: str = Field(min_length=1)
    description: str | None = None
    category_combo: str | None = None


class DataSetDefinition(CodelistModel):
    """The content of one data set file, as written."""

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    name: str = Field(min_length=1)
    description: str | None = None
    period_type: Literal["bi_week"]
    grace_days: int = Field(ge=0, le=366)
    org_units: Literal["provinces"]
    reporting_agency_prefix: str = Field(pattern=r"^[A-Z]+$")
    categories: tuple[Category, ...] = ()
    category_combos: tuple[CategoryCombo, ...] = ()
    data_elements: tuple[DataElement, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Partition:
    """A value and the parts it splits into along one category.

    ``female_child + female_adult = female`` is ``Partition("female", ("female_child",
    "female_adult"), "age")``.
    """

    whole: str
    parts: tuple[str, ...]
    category: str


@dataclass(frozen=True, eq=False)
class DataSet:
    """A validated data set with the lookups services need.

    Attributes:
        definition: the definition as loaded.
        path: the file it was loaded from.
        codelists: the code lists used for org units.
    """

    definition: DataSetDefinition
    path: Path
    codelists: Codelists

    @property
    def code(self) -> str:
        """The data set code, e.g. ``PWG_BIWEEKLY``."""
        return self.definition.code

    @property
    def name(self) -> str:
        """The data set's English name."""
        return self.definition.name

    @property
    def period_type(self) -> PeriodType:
        """The period type reports are made for."""
        return self.definition.period_type

    @property
    def grace_days(self) -> int:
        """Days after a period's end until its report is due."""
        return self.definition.grace_days

    @property
    def elements(self) -> tuple[DataElement, ...]:
        """The data elements, in form order."""
        return self.definition.data_elements

    @functools.cached_property
    def _elements(self) -> dict[str, DataElement]:
        return {element.code: element for element in self.definition.data_elements}

    @functools.cached_property
    def _categories(self) -> dict[str, Category]:
        return {category.code: category for category in self.definition.categories}

    @functools.cached_property
    def _combos(self) -> dict[str, CategoryCombo]:
        return {combo.code: combo for combo in self.definition.category_combos}

    def element(self, code: str) -> DataElement:
        """Return the data element ``code``.

        Raises:
            KeyError: the data set has no such element.
        """
        return self._elements[code]

    def categories_of(self, element: str) -> tuple[Category, ...]:
        """The categories ``element`` is broken down by (none for a single total)."""
        combo = self._elements[element].category_combo
        if combo is None:
            return ()
        return tuple(self._categories[code] for code in self._combos[combo].categories)

    @functools.cache  # noqa: B019 - the data set is immutable and lives as long as the process
    def disaggregations(self, element: str) -> tuple[str, ...]:
        """Every disaggregation of ``element``: ``total``, then single options, then crosses.

        Examples:
            >>> load_data_set("PWG_BIWEEKLY").disaggregations("victims_identified")[:5]
            ('total', 'female', 'male', 'child', 'adult')
        """
        categories = self.categories_of(element)
        names = [TOTAL]
        for size in range(1, len(categories) + 1):
            for chosen in itertools.combinations(categories, size):
                names.extend(
                    "_".join(options) for options in itertools.product(*(c.options for c in chosen))
                )
        return tuple(names)

    def keys(self) -> Iterator[ValueKey]:
        """Every ``(element, disaggregation)`` the form can hold, in form order."""
        for element in self.definition.data_elements:
            for disaggregation in self.disaggregations(element.code):
                yield element.code, disaggregation

    def is_key(self, key: ValueKey) -> bool:
        """Whether ``key`` is a value this data set can hold."""
        element, disaggregation = key
        return element in self._elements and disaggregation in self.disaggregations(element)

    @functools.cache  # noqa: B019 - see disaggregations
    def partitions(self, element: str) -> tuple[Partition, ...]:
        """Every way a value of ``element`` splits into parts along one more category.

        ``total`` splits into ``female + male`` and into ``child + adult``;
        ``female`` splits into ``female_child + female_adult``; and so on.
        """
        categories = self.categories_of(element)
        result: list[Partition] = []
        for size in range(len(categories)):
            for fixed in itertools.combinations(range(len(categories)), size):
                for options in itertools.product(*(categories[i].options for i in fixed)):
                    chosen = dict(zip(fixed, options, strict=True))
                    whole = "_".join(options) if options else TOTAL
                    for split in range(len(categories)):
                        if split in chosen:
                            continue
                        parts = tuple(
                            "_".join(
                                {**chosen, split: option}[i]
                                for i in range(len(categories))
                                if i in chosen or i == split
                            )
                            for option in categories[split].options
                        )
                        result.append(Partition(whole, parts, categories[split].code))
        return tuple(result)

    def value(self, values: Mapping[ValueKey, int | None], key: ValueKey) -> int | None:
        """Return the value at ``key``: as entered, else the sum of a complete set of parts.

        Missing stays missing: a total is derived only when every part of some
        partition is known (recursively), never by treating a blank as 0.
        """
        return self._value(values, key, frozenset())

    def _value(
        self, values: Mapping[ValueKey, int | None], key: ValueKey, seen: frozenset[str]
    ) -> int | None:
        entered = values.get(key)
        if entered is not None:
            return entered
        element, disaggregation = key
        for partition in self.partitions(element):
            if partition.whole != disaggregation or partition.category in seen:
                continue
            parts = [
                self._value(values, (element, part), seen | {partition.category})
                for part in partition.parts
            ]
            if all(part is not None for part in parts):
                return sum(part for part in parts if part is not None)
        return None

    def parse_column(self, name: str) -> ValueKey | None:
        """Read a wide-file column name, e.g. ``victims_identified_female_child``.

        Returns:
            The key, or None if the column is not a value of this data set.
        """
        text = name.strip()
        if text in self._elements:
            return text, TOTAL
        for element in self._elements:
            prefix = f"{element}_"
            if text.startswith(prefix):
                key = (element, text[len(prefix) :])
                if self.is_key(key):
                    return key
        return None

    def parse_key(self, text: str) -> ValueKey:
        """Read ``element`` or ``element.disaggregation`` (or a wide column name).

        Raises:
            KeyError: ``text`` names no value of this data set.
        """
        element, _, disaggregation = text.strip().partition(".")
        key = (element, disaggregation or TOTAL)
        if self.is_key(key):
            return key
        found = self.parse_column(text)
        if found is None:
            raise KeyError(text)
        return found

    def org_units(self) -> tuple[OrgUnit, ...]:
        """Every province that ever existed, with its creation and abolition dates."""
        return tuple(
            OrgUnit(p.code, created=p.created, abolished=p.abolished)
            for p in sorted(self.codelists.all_provinces, key=lambda p: p.code)
        )

    def org_units_for(self, period: Period) -> tuple[str, ...]:
        """Codes of the provinces that owe a report for ``period`` (24 in 2008, 25 from 2014)."""
        return tuple(unit.code for unit in self.org_units() if unit.owes_report_for(period))

    def periods(self, year: int) -> list[Period]:
        """The periods of ``year`` (the ISO bi-weeks of that ISO year: 26, or 27)."""
        return bi_weeks(year)

    def periods_between(self, start: date, end: date) -> list[Period]:
        """Every period of the data set's type that overlaps ``start``..``end``."""
        return periods_between(start, end, self.period_type)

    def parse_period(self, code: str) -> Period:
        """Parse a period code and check it is of the data set's period type.

        Raises:
            PeriodError: not a period code.
            DataSetError: a period of another type.
        """
        period = parse_period(code)
        if period.type != self.period_type:
            raise DataSetError(
                self.path,
                f"data set {self.code} is reported by {self.period_type}",
                field="period",
                value=code,
            )
        return period

    def reporting_agency(self, province_code: str) -> str:
        """Code of the agency that reports for a province, e.g. ``PWG-01``."""
        return f"{self.definition.reporting_agency_prefix}-{province_code}"


def load_data_set(
    code: str = PWG_BIWEEKLY, root: Path | None = None, codelists: Codelists | None = None
) -> DataSet:
    """Load and validate one data set definition.

    Args:
        code: the data set code, e.g. ``PWG_BIWEEKLY``.
        root: the folder of the definitions; the shipped one by default.
        codelists: code lists for the org units; the shipped ones by default.

    Returns:
        The data set.

    Raises:
        DataSetError: no definition has that code, or a definition is invalid
            (the message names the file and line).
    """
    found = load_data_sets(root, codelists)
    if code not in found:
        folder = root or DATASETS_DIR
        known = ", ".join(sorted(found)) or "none"
        raise DataSetError(folder, f"no data set {code!r} (known: {known})")
    return found[code]


def load_data_sets(
    root: Path | None = None, codelists: Codelists | None = None
) -> dict[str, DataSet]:
    """Load and validate every data set definition (``*.yaml``) in ``root``.

    Raises:
        DataSetError: a definition is invalid; the message names the file and line.
    """
    return _load_data_sets((root or DATASETS_DIR).resolve(), codelists or load_codelists())


def clear_cache() -> None:
    """Forget loaded definitions, so edited files are read again."""
    _cache.clear()


_cache: dict[tuple[Path, int], dict[str, DataSet]] = {}


def _load_data_sets(root: Path, codelists: Codelists) -> dict[str, DataSet]:
    key = (root, id(codelists))
    if key not in _cache:
        _cache[key] = _read_data_sets(root, codelists)
    return _cache[key]


def _read_data_sets(root: Path, codelists: Codelists) -> dict[str, DataSet]:
    data_sets: dict[str, DataSet] = {}
    files: dict[str, Path] = {}
    for path in sorted(root.glob("*.yaml")):
        data_set = load_data_set_file(path, codelists)
        if data_set.code in data_sets:
            raise DataSetError(
                path, f"data set code also used in {files[data_set.code].name}", field="code"
            )
        data_sets[data_set.code] = data_set
        files[data_set.code] = path
    return data_sets


def load_data_set_file(path: Path, codelists: Codelists | None = None) -> DataSet:
    """Load and validate one data set file.

    Raises:
        DataSetError: the file is invalid; the message names the file and line.
    """
    try:
        document = read_yaml(path)
        if not isinstance(document.data, dict):
            raise DataSetError(path, "expected a mapping with code, name, data_elements, ...")
        definition = parse_model(
            DataSetDefinition, document.data, path=path, line_of=document.line_of
        )
    except CodelistError as error:
        raise DataSetError(
            error.file, error.message, line=error.line, field=error.field, value=error.value
        ) from error
    line_of = document.line_of
    check = _Checker(path, line_of)
    check.unique("categories", [c.code for c in definition.categories])
    check.unique("category_combos", [c.code for c in definition.category_combos])
    check.unique("data_elements", [e.code for e in definition.data_elements])
    categories = {c.code: c for c in definition.categories}
    for index, combo in enumerate(definition.category_combos):
        options: set[str] = set()
        for position, category in enumerate(combo.categories):
            where = ("category_combos", index, "categories", position)
            if category not in categories:
                check.fail(where, "unknown category", category)
            clash = options & set(categories[category].options)
            if clash:
                check.fail(where, f"option {sorted(clash)[0]!r} used by two categories", category)
            options |= set(categories[category].options)
        if len(set(combo.categories)) != len(combo.categories):
            check.fail(("category_combos", index, "categories"), "a category is listed twice")
    combos = {c.code for c in definition.category_combos}
    codes = [e.code for e in definition.data_elements]
    for index, element in enumerate(definition.data_elements):
        if element.category_combo is not None and element.category_combo not in combos:
            check.fail(
                ("data_elements", index, "category_combo"),
                "unknown category combo",
                element.category_combo,
            )
        for other in codes:
            if other != element.code and other.startswith(f"{element.code}_"):
                check.fail(
                    ("data_elements", index, "code"),
                    f"{other!r} starts with this code; wide column names would be ambiguous",
                    element.code,
                )
    return DataSet(definition=definition, path=path, codelists=codelists or load_codelists())


@dataclass(frozen=True)
class _Checker:
    """Raises :class:`DataSetError` at the line of a location in the file."""

    path: Path
    line_of: Callable[[tuple[str | int, ...]], int | None]

    def fail(self, loc: tuple[str | int, ...], message: str, value: object = None) -> None:
        line = self.line_of(loc)
        field = ".".join(str(part) for part in loc)
        raise DataSetError(self.path, message, line=line, field=field, value=value)

    def unique(self, section: str, codes: Sequence[str]) -> None:
        try:
            check_unique(
                self.path,
                ((code, self.line_of((section, i, "code"))) for i, code in enumerate(codes)),
            )
        except CodelistError as error:
            raise DataSetError(
                error.file,
                error.message,
                line=error.line,
                field=f"{section}.code",
                value=error.value,
            ) from error
