"""The fact queries of the indicator engine: an indicator's facts and their dimensions in SQL.

Steps 1 and 2 of :mod:`tipdata.reporting.engine`: each part of an indicator selects its
facts (events, charges or cases) in the period with the columns every breakdown needs
(:func:`_facts`, :func:`_part_facts`); the persons' attributes are resolved over all the
records linked to each person (:func:`_person_attributes`); :func:`_rows` joins them into
the rows the engine counts. The same SQL on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Literal

import sqlalchemy as sa

from tipdata.errors import TipdataError
from tipdata.reporting.indicators import (
    PERSON_DIMENSIONS,
    FactQuery,
    Indicator,
)
from tipdata.reporting.kanonymity import AGE_BANDS
from tipdata.store import metadata

UNKNOWN = "unknown"
ADULT_AGE = 18

_FACT_COLUMNS: tuple[tuple[str, type[sa.types.TypeEngine[Any]]], ...] = (
    ("k", sa.Integer),
    ("record_id", sa.Integer),
    ("person_id", sa.Integer),
    ("fact_kind", sa.String),
    ("fact_id", sa.Integer),
    ("source_record_id", sa.Integer),
    ("fact_date", sa.Date),
    ("age", sa.Integer),
    ("agency", sa.String),
    ("agency_kind", sa.String),
    ("month", sa.Integer),
    ("event_type", sa.String),
    ("law_article", sa.String),
    ("sentence_range", sa.String),
    ("outcome", sa.String),
    ("victim_age_group", sa.String),
    ("kind", sa.String),
    ("case_exploitation_type", sa.String),
    ("case_destination", sa.String),
    ("case_province", sa.String),
)

SENTENCE_RANGES: tuple[tuple[str, int | None], ...] = (
    ("no prison term", 1),
    ("under 1 year", 12),
    ("1 to under 5 years", 60),
    ("5 to under 10 years", 120),
    ("10 to under 15 years", 180),
    ("15 years and over", None),
)
"""Sentence ranges by total prison term in months (suspended part included): label, upper bound."""


class EngineError(TipdataError, ValueError):
    """An indicator was asked for a breakdown or filter it does not allow."""


def _rows(
    indicator: Indicator,
    parts: Sequence[FactQuery],
    start: date,
    end: date,
    by: Sequence[str],
    *,
    undated: bool = False,
) -> sa.Subquery:
    """Facts joined with resolved dimensions: columns k, record_id, fact ids, d_<dimension>."""
    facts, wanted, dimension_filters = _facts(indicator, parts, start, end, by, undated=undated)
    person_wanted = wanted & PERSON_DIMENSIONS
    expressions: dict[str, sa.ColumnElement[Any]] = {}
    from_clause: sa.FromClause = facts
    if person_wanted:
        attrs = _person_attributes(facts)
        ages = (
            sa.select(facts.c.k, sa.func.min(facts.c.age).label("age"))
            .group_by(facts.c.k)
            .subquery("ages")
        )
        from_clause = facts.join(attrs, attrs.c.k == facts.c.k).join(ages, ages.c.k == facts.c.k)
        age = ages.c.age
        expressions.update(
            sex=sa.func.coalesce(attrs.c.sex, UNKNOWN),
            nationality=sa.func.coalesce(attrs.c.nationality, UNKNOWN),
            province=sa.func.coalesce(attrs.c.province, UNKNOWN),
            exploitation_type=sa.func.coalesce(attrs.c.exploitation_type, UNKNOWN),
            destination=sa.func.coalesce(attrs.c.destination, UNKNOWN),
            age_group=sa.case((age.is_(None), UNKNOWN), (age < ADULT_AGE, "child"), else_="adult"),
            age_band=_age_band(age),
        )
    for name in wanted - PERSON_DIMENSIONS:
        column = facts.c[name]
        expressions[name] = column if name == "month" else sa.func.coalesce(column, UNKNOWN)
    conditions = [
        _dimension_filter(expressions[name], name, value)
        for name, value in dimension_filters.items()
    ]
    return (
        sa.select(
            facts.c.k,
            facts.c.record_id,
            facts.c.fact_kind,
            facts.c.fact_id,
            facts.c.source_record_id,
            *(expressions[name].label(f"d_{name}") for name in sorted(wanted)),
        )
        .select_from(from_clause)
        .where(*conditions)
        .subquery("rows")
    )


def _facts(
    indicator: Indicator,
    parts: Sequence[FactQuery],
    start: date,
    end: date,
    by: Sequence[str],
    *,
    undated: bool = False,
    also_want: Iterable[str] = (),
) -> tuple[sa.CTE, set[str], dict[str, Any]]:
    """The facts CTE of the parts, the dimensions it must resolve and the dimension filters.

    ``also_want`` names breakdowns whose costly columns are computed although not asked
    for (so that one read of the facts serves several tables: see :class:`FactCache`).

    The counting rules of the indicator (:class:`~tipdata.reporting.indicators.Counting`)
    apply here: ``dated_by: earliest`` keeps the units whose earliest fact over all time
    falls in the period (their facts in the period, the month of that earliest fact);
    ``undated`` selects the facts with no date (with ``earliest``: the units none of
    whose facts has a date).
    """
    wanted = set(by)
    dimension_filters: dict[str, Any] = {}
    for part in parts:
        # dimension filters apply to the resolved breakdowns, so to every part alike
        dimension_filters.update(part.dimension_filters())
    wanted |= set(dimension_filters)
    if wanted & PERSON_DIMENSIONS and indicator.unit != "persons":
        raise EngineError(f"{sorted(wanted & PERSON_DIMENSIONS)} are breakdowns of persons")
    earliest = indicator.counting.dated_by == "earliest"
    period: Period = "all" if earliest else ("undated" if undated else (start, end))
    computed = wanted | set(also_want)
    selects = [_part_facts(indicator, part, period, computed) for part in parts]
    # a CTE used several times is computed once (SQLite 3.35+, PostgreSQL 12+)
    union = selects[0] if len(selects) == 1 else sa.union_all(*selects)
    if not earliest:
        return union.cte("facts"), wanted, dimension_filters
    every = union.cte("every_fact")
    first = (
        sa.select(every.c.k, sa.func.min(every.c.fact_date).label("first_date"))
        .group_by(every.c.k)
        .subquery("first_fact")
    )
    month = _year(first.c.first_date) * 100 + sa.cast(
        sa.extract("month", first.c.first_date), sa.Integer
    )
    columns = [
        (month if name == "month" else every.c[name]).label(name) for name, _ in _FACT_COLUMNS
    ]
    if undated:
        condition: sa.ColumnElement[bool] = first.c.first_date.is_(None)
    else:
        condition = sa.and_(
            first.c.first_date.between(start, end), every.c.fact_date.between(start, end)
        )
    facts = (
        sa.select(*columns)
        .select_from(every.join(first, first.c.k == every.c.k))
        .where(condition)
        .cte("facts")
    )
    return facts, wanted, dimension_filters


def _dimension_filter(expression: Any, name: str, value: Any) -> sa.ColumnElement[bool]:
    if isinstance(value, dict):
        return sa.not_(expression.in_([_storage_value(name, v) for v in value["not"]]))
    return expression.in_([_storage_value(name, v) for v in value])


def _dimension_equals(expression: Any, name: str, label: str) -> sa.ColumnElement[bool]:
    if name == "month":
        if label == UNKNOWN:
            return expression.is_(None)
        return expression == _storage_value(name, label)
    return expression == label


def _storage_value(name: str, value: Any) -> Any:
    if name == "month":
        year, month = str(value).split("-")
        return int(year) * 100 + int(month)
    return str(value)


def _label(name: str, value: Any) -> str:
    if name == "month":
        return UNKNOWN if value is None else f"{int(value) // 100:04d}-{int(value) % 100:02d}"
    return str(value)


def _age_band(age: Any) -> sa.ColumnElement[str]:
    whens: list[tuple[Any, str]] = [(age.is_(None), UNKNOWN)]
    for low, high in AGE_BANDS:
        label = f"{low}+" if high is None else f"{low}-{high}"
        if high is not None:
            whens.append((age <= high, label))
        else:
            whens.append((age >= low, label))
    return sa.case(*whens, else_=UNKNOWN)


def _year(column: Any) -> Any:
    return sa.cast(sa.extract("year", column), sa.Integer)


def _month_day(column: Any) -> Any:
    return sa.cast(sa.extract("month", column), sa.Integer) * 100 + sa.cast(
        sa.extract("day", column), sa.Integer
    )


def age_at(record: sa.FromClause, day: Any) -> sa.ColumnElement[int]:
    """SQL for a person record's age in completed years at ``day``.

    From an age at a reference date, that age plus the calendar years since; from a
    birth year (also filled from an encrypted date of birth), the difference of years
    (which can be one year high). NULL when nothing is known or ``day`` is NULL.
    """
    c = record.c
    # The date of birth is encrypted at rest (tipdata.access.keys.PROTECTED_COLUMNS);
    # ingestion fills birth_year from it, which serves here.
    return sa.case(
        (
            c.age_years.is_not(None),
            c.age_years + sa.func.coalesce(_year(day) - _year(c.age_reference_date), 0),
        ),
        (c.birth_year.is_not(None), _year(day) - c.birth_year),
        else_=None,
    )


def person_key(record: sa.FromClause, person: sa.FromClause) -> sa.ColumnElement[int]:
    """SQL for the canonical person of a record: its (surviving) person, else ``-record id``."""
    return sa.case(
        (record.c.person_id.is_(None), -record.c.id),
        else_=sa.func.coalesce(person.c.merged_into_id, record.c.person_id),
    )


def _null(type_: type[sa.types.TypeEngine[Any]]) -> sa.ColumnElement[Any]:
    return sa.cast(sa.null(), type_)


def _text(column: Any) -> Any:
    """An enum column as its stored text: a type change in Python only, no SQL CAST, so
    filters on it can use the column's indexes (enums are VARCHAR on every dialect)."""
    return sa.type_coerce(column, sa.String)


Period = tuple[date, date] | Literal["all", "undated"]
"""The facts a part selects: dated in (start, end), all of them, or those with no date."""


def _part_facts(
    indicator: Indicator, part: FactQuery, period: Period, wanted: set[str]
) -> sa.Select[Any]:
    """The facts of one part of a count, in the period, with the common fact columns.

    Costly columns (ages, the youngest victim of the case) are computed only when a
    breakdown or filter in ``wanted`` needs them; the others are NULL.
    """
    t = metadata.tables
    unit = indicator.unit
    agency = t["agency"].alias("fact_agency")
    values: dict[str, Any]
    fact_date: Any
    if part.source == "events":
        event, record, person = t["event"], t["person_record"].alias("r"), t["person"].alias("p")
        fact_date = event.c.event_date
        values = {
            "k": person_key(record, person),
            "record_id": record.c.id,
            "person_id": record.c.person_id,
            "fact_kind": sa.literal("event", sa.String),
            "fact_id": event.c.id,
            "source_record_id": event.c.source_record_id,
            "age": age_at(record, fact_date),
            "event_type": _text(event.c.event_type),
            "victim_age_group": _victim_age_group(event.c.case_id, fact_date),
        }
        from_clause: sa.FromClause = (
            event.join(record, record.c.id == event.c.person_record_id)
            .outerjoin(person, person.c.id == record.c.person_id)
            # the agency credited with the event: the row's own agency where the mapping
            # reads one (a network's joint file naming the shelter), else the file's owner
            .join(agency, agency.c.id == event.c.agency_id)
        )
        conditions = _event_filters(part.source_filters(), event, record, agency)
    elif part.source == "charges":
        charge, record, person = t["charge"], t["person_record"].alias("r"), t["person"].alias("p")
        case, article, law = t["case"], t["law_article"], t["law"]
        fact_date = charge.c.verdict_date
        by_person = unit == "persons"
        values = {
            "k": person_key(record, person)
            if by_person
            else _charge_key(indicator.counting.once_per, charge, record, person),
            "record_id": record.c.id if by_person else charge.c.id,
            "person_id": record.c.person_id if by_person else _null(sa.Integer),
            "fact_kind": sa.literal("charge", sa.String),
            "fact_id": charge.c.id,
            "source_record_id": charge.c.source_record_id,
            "age": age_at(record, fact_date),
            "law_article": sa.func.coalesce(
                law.c.code + sa.literal(" art. ") + article.c.article,
                sa.literal("as written: ") + charge.c.article_text,
            ),
            "sentence_range": _sentence_range(charge.c.sentence_months),
            "outcome": _text(charge.c.outcome),
            "victim_age_group": _victim_age_group(charge.c.case_id, fact_date),
        }
        from_clause = (
            charge.join(record, record.c.id == charge.c.suspect_record_id)
            .outerjoin(person, person.c.id == record.c.person_id)
            .join(case, case.c.id == charge.c.case_id)
            .outerjoin(article, article.c.id == charge.c.law_article_id)
            .outerjoin(law, law.c.id == article.c.law_id)
            .join(agency, agency.c.id == charge.c.owner_agency_id)
        )
        conditions = _charge_filters(part.source_filters(), charge, case)
    else:
        case, exploitation, types = t["case"], t["case_exploitation"], t["exploitation_type"]
        event = t["event"]
        first_event = (
            sa.select(sa.func.min(event.c.event_date))
            .where(event.c.case_id == case.c.id)
            .scalar_subquery()
        )
        fact_date = sa.func.coalesce(case.c.opened_date, first_event)
        values = {
            "k": case.c.id,
            "record_id": case.c.id,
            "person_id": _null(sa.Integer),
            "fact_kind": sa.literal("case", sa.String),
            "fact_id": case.c.id,
            "source_record_id": case.c.source_record_id,
            "kind": _text(case.c.kind),
            "case_exploitation_type": sa.func.coalesce(
                types.c.parent_code, exploitation.c.exploitation_type
            ),
            "case_destination": case.c.destination_country,
            "case_province": case.c.province_code,
        }
        from_clause = (
            case.join(agency, agency.c.id == case.c.owner_agency_id)
            .outerjoin(exploitation, exploitation.c.case_id == case.c.id)
            .outerjoin(types, types.c.code == exploitation.c.exploitation_type)
        )
        conditions = []
        if "kind" in part.filters:
            conditions.append(_text(case.c.kind).in_(part.filters["kind"]))
    values.update(
        fact_date=fact_date,
        agency=agency.c.code,
        agency_kind=_text(agency.c.kind),
        month=_year(fact_date) * 100 + sa.cast(sa.extract("month", fact_date), sa.Integer),
    )
    in_period: list[sa.ColumnElement[bool]] = []
    if period == "undated":
        in_period.append(fact_date.is_(None))
    elif period != "all":
        in_period.append(fact_date.between(*period))
    costly = {"age": bool(wanted & {"age_group", "age_band"}), "victim_age_group": False}
    costly["victim_age_group"] = "victim_age_group" in wanted
    columns = [
        (values[name] if name in values and costly.get(name, True) else _null(type_)).label(name)
        for name, type_ in _FACT_COLUMNS
    ]
    return sa.select(*columns).select_from(from_clause).where(*in_period, *conditions)


def _charge_key(
    once_per: Sequence[str], charge: sa.Table, record: sa.FromClause, person: sa.FromClause
) -> sa.ColumnElement[int]:
    """The unit key of a charge: its id, or the smallest id of the charges it is one with.

    ``once_per`` names what makes two charge rows one charge (see
    :class:`~tipdata.reporting.indicators.Counting`): the canonical defendant, the article
    (resolved, else as written, ignoring case and spaces), the judgment (court case and
    verdict date). A court register with one row per victim repeats a defendant's charge
    once per victim; those rows become one.
    """
    if not once_per:
        return charge.c.id
    partition: list[Any] = []
    if "defendant" in once_per:
        partition.append(person_key(record, person))
    if "article" in once_per:
        written = sa.func.lower(
            sa.func.replace(sa.func.coalesce(charge.c.article_text, ""), " ", "")
        )
        partition.append(
            sa.case(
                (charge.c.law_article_id.is_not(None), sa.cast(charge.c.law_article_id, sa.String)),
                else_=sa.literal("as written: ") + written,
            )
        )
    if "judgment" in once_per:
        partition += [charge.c.case_id, charge.c.verdict_date]
    return sa.func.min(charge.c.id).over(partition_by=partition)


def _agency_codes(column: Any, codes: Iterable[str]) -> sa.ColumnElement[bool]:
    exact = [code for code in codes if not code.endswith("*")]
    prefixes = [code[:-1] for code in codes if code.endswith("*")]
    tests = [column.in_(exact)] if exact else []
    tests += [column.like(prefix + "%") for prefix in prefixes]
    return sa.or_(*tests)


def _event_filters(
    filters: Mapping[str, Any], event: sa.Table, record: sa.FromClause, agency: sa.FromClause
) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    for name, value in filters.items():
        if name == "role":
            conditions.append(_text(record.c.role).in_(value))
        elif name == "event_type":
            conditions.append(_text(event.c.event_type).in_(value))
        elif name == "agency":
            conditions.append(_agency_codes(agency.c.code, value))
        elif name == "agency_kind":
            conditions.append(_text(agency.c.kind).in_(value))
        elif name == "place_like":
            place = sa.func.lower(sa.func.coalesce(event.c.place, ""))
            conditions.append(sa.or_(*(place.like(f"%{str(w).lower()}%") for w in value)))
    return conditions


def _charge_filters(
    filters: Mapping[str, Any], charge: sa.Table, case: sa.Table
) -> list[sa.ColumnElement[bool]]:
    sentence = sa.func.coalesce(charge.c.sentence_months, 0)
    suspended = sa.func.coalesce(charge.c.suspended_months, 0)
    flags: dict[str, sa.ColumnElement[bool]] = {
        "suspended": suspended > 0,
        "fine_only": sa.and_(sentence == 0, sa.func.coalesce(charge.c.fine_riel, 0) > 0),
        "compensation": sa.func.coalesce(charge.c.compensation_riel, 0) > 0,
        "custodial": sentence - suspended > 0,
    }
    conditions: list[sa.ColumnElement[bool]] = []
    for name, value in filters.items():
        if name == "outcome":
            conditions.append(_text(charge.c.outcome).in_(value))
        elif name in flags:
            conditions.append(flags[name] if value else sa.not_(flags[name]))
        elif name == "offence_like":
            text = sa.func.lower(
                sa.func.coalesce(case.c.description, "")
                + " "
                + sa.func.coalesce(charge.c.article_text, "")
            )
            conditions.append(sa.or_(*(text.like(f"%{str(w).lower()}%") for w in value)))
    return conditions


def _sentence_range(months: Any) -> sa.ColumnElement[str]:
    whens: list[tuple[Any, str]] = [(sa.func.coalesce(months, 0) == 0, SENTENCE_RANGES[0][0])]
    for label, upper in SENTENCE_RANGES[1:]:
        whens.append((months < upper, label) if upper is not None else (months >= 0, label))
    return sa.case(*whens, else_=UNKNOWN)


def _victim_age_group(case_id: Any, day: Any) -> sa.ColumnElement[str]:
    """child if a victim in the case was under 18 at ``day``; adult if all known ages are 18+."""
    t = metadata.tables
    link, victim = t["case_person"], t["person_record"].alias("victim")
    youngest = (
        sa.select(sa.func.min(age_at(victim, day)))
        .select_from(link.join(victim, victim.c.id == link.c.person_record_id))
        .where(link.c.case_id == case_id, _text(link.c.role) == "victim")
        .scalar_subquery()
    )
    return sa.case((youngest.is_(None), UNKNOWN), (youngest < ADULT_AGE, "child"), else_="adult")


def _person_attributes(facts: sa.CTE) -> sa.Subquery:
    """Each counted person's attributes, resolved over all the records linked to it.

    Where records disagree, the greatest known value wins (sex, nationality,
    province) or the smallest code (exploitation type, destination); unknown
    values never beat known ones. Linkage review is where disagreements are fixed.
    """
    linked = metadata.tables["person_record"].alias("linked")
    counted_ids = sa.union(
        sa.select(linked.c.id).where(
            linked.c.person_id.in_(
                sa.select(facts.c.person_id).where(facts.c.person_id.is_not(None))
            )
        ),
        sa.select(facts.c.record_id).where(facts.c.person_id.is_(None)),
    ).subquery("counted")
    return _attributes_of(counted_ids)


PERSON_ATTRIBUTES = ("sex", "nationality", "province", "exploitation_type", "destination")
"""The attributes of a person the engine resolves over its records (:func:`_attributes_of`)."""


def read_record_attributes(
    connection: sa.Connection, records: sa.Subquery
) -> dict[int, dict[str, Any]]:
    """Each record's attributes alone, as :func:`_attributes_of` resolves a person's
    (``records``: a subquery of person record ids, column ``id``)."""
    attrs = _attributes_of(records, by_record=True)
    return {
        row[0]: {
            name: UNKNOWN if value is None else value
            for name, value in zip(PERSON_ATTRIBUTES, row[1:], strict=True)
        }
        for row in connection.execute(
            sa.select(attrs.c.k, *(attrs.c[n] for n in PERSON_ATTRIBUTES))
        )
    }


def _read_person_attributes(
    connection: sa.Connection, person_ids: set[int], record_ids: set[int]
) -> dict[int, dict[str, Any]]:
    """:func:`_person_attributes` for facts already read: the persons and unlinked records
    are passed in temporary tables, so the facts are not computed a second time."""
    counted = sa.Table(
        "counted_unit",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("is_person", sa.Boolean, primary_key=True),
        prefixes=["TEMPORARY"],
    )
    counted.create(connection)
    try:
        rows = [{"id": i, "is_person": True} for i in person_ids]
        rows += [{"id": i, "is_person": False} for i in record_ids]
        if rows:
            connection.execute(counted.insert(), rows)
        linked = metadata.tables["person_record"].alias("linked")
        counted_ids = sa.union(
            sa.select(linked.c.id).join(
                counted, sa.and_(counted.c.is_person, counted.c.id == linked.c.person_id)
            ),
            sa.select(counted.c.id).where(sa.not_(counted.c.is_person)),
        ).subquery("counted")
        attrs = _attributes_of(counted_ids)
        names = PERSON_ATTRIBUTES
        return {
            row[0]: {
                name: UNKNOWN if value is None else value
                for name, value in zip(names, row[1:], strict=True)
            }
            for row in connection.execute(sa.select(attrs.c.k, *(attrs.c[n] for n in names)))
        }
    finally:
        counted.drop(connection)


def _attributes_of(counted_ids: sa.Subquery, *, by_record: bool = False) -> sa.Subquery:
    """The attributes of the persons of the person records ``counted_ids`` (column ``id``);
    ``by_record``: of each record alone (keyed by record id)."""
    t = metadata.tables
    record, person = t["person_record"].alias("ar"), t["person"].alias("ap")
    link, case = t["case_person"].alias("acp"), t["case"].alias("ac")
    exploitation, types = t["case_exploitation"].alias("ace"), t["exploitation_type"].alias("aet")
    key = record.c.id if by_record else person_key(record, person)
    sex = _text(record.c.sex)
    return (
        sa.select(
            key.label("k"),
            sa.func.max(sa.case((sex.in_(["female", "male", "other"]), sex))).label("sex"),
            sa.func.max(record.c.nationality).label("nationality"),
            sa.func.max(record.c.province_code).label("province"),
            sa.func.min(
                sa.func.coalesce(types.c.parent_code, exploitation.c.exploitation_type)
            ).label("exploitation_type"),
            sa.func.min(case.c.destination_country).label("destination"),
        )
        .select_from(
            counted_ids.join(record, record.c.id == counted_ids.c.id)
            .outerjoin(person, person.c.id == record.c.person_id)
            .outerjoin(link, link.c.person_record_id == record.c.id)
            .outerjoin(case, case.c.id == link.c.case_id)
            .outerjoin(exploitation, exploitation.c.case_id == case.c.id)
            .outerjoin(types, types.c.code == exploitation.c.exploitation_type)
        )
        .group_by(key)
        .subquery("attrs")
    )
