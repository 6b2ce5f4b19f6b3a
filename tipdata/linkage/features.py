"""The linkage table: person records turned into the values the Splink model compares.

:func:`load_person_records` is the one place that reads person records for linkage
(in memory only, never written to disk); :func:`linkage_table` derives, per record,
the cleaned name, romanisation keys in written order and order-insensitive, the
first and last word keys (for blocking robust to a typo in one word), the birth-year
range, sex, nationality, province and role.

Name keys are computed once per distinct name string: agencies write the same
common names many times, so 1.5 million records need only a few hundred thousand
calls to the romanisation rules.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pandas as pd
import sqlalchemy as sa

from tipdata.access.crypto import FieldCipher
from tipdata.access.keys import PERSON_RECORD_PROTECTED, Keyring
from tipdata.access.protected import keyring_for, reveal_person_record
from tipdata.linkage.ages import InvalidAgeError
from tipdata.linkage.companies import company_aliases, company_keys
from tipdata.linkage.names import clean
from tipdata.linkage.romanise import consonant_skeleton, joined_key, romanisation_key
from tipdata.store.cases import Event
from tipdata.store.database import Database
from tipdata.store.documents import IdentityDocument
from tipdata.store.people import PersonRecord
from tipdata.store.provenance import Source, SourceRecord

log = logging.getLogger(__name__)

RECORD_COLUMNS: tuple[str, ...] = (
    "record_id",
    "source_record_id",
    "source_key",
    "source",
    "role",
    "person_id",
    "family_name",
    "given_name",
    "full_name",
    "full_name_khmer",
    "sex",
    "birth_date",
    "birth_year",
    "age_years",
    "age_reference_date",
    "nationality",
    "province_code",
    "record_date",
    "document_key",
    "destination_country",
    "company",
    "district",
    "commune",
    "village",
    "contact",
)
"""Columns of the table :func:`load_person_records` returns (``record_date``: the
earliest dated event of the record, when the agency saw the person; ``document_key``:
the blind index of one of its identity documents, never the number;
``destination_country``: the country of the record's labour migration, as its events
name it; ``company``: the recruitment company its events name, as the key of its group
(:mod:`tipdata.linkage.companies`: a licence and the name callers use are one key); the
place and contact as the agency wrote them, ``village`` and ``contact`` decrypted)."""
PLACE_COLUMNS: tuple[str, ...] = (
    "birth_day",
    "place_village",
    "place_commune",
    "place_district",
    "contact_key",
)
"""Optional evidence, null where the agency fills no such field (:func:`place_columns`):
the day and month of a full date of birth, the village, commune and district, and the
contact (telephone or e-mail), each normalised."""

LINKAGE_COLUMNS: tuple[str, ...] = (
    "unique_id",
    "record_key",
    "source",
    "role",
    "name_clean",
    "name_key",
    "name_sorted_key",
    "name_compact_key",
    "name_first_key",
    "name_last_key",
    "name_letters_key",
    "name_skeleton_key",
    "name_prefix_key",
    "birth_year_low",
    "birth_year_high",
    "birth_year",
    "birth_decade",
    "birth_date",
    "sex",
    "nationality",
    "province_code",
    "record_date",
    "document_key",
    "destination_country",
    "company_key",
    *PLACE_COLUMNS,
)
"""Columns of the linkage table (the input of the Splink model)."""

SUSPECT_ROLES = frozenset({"suspect", "convicted"})

ID_CHUNK = 10_000
"""Record ids per query when :func:`load_person_records` reads some records only."""

ID_RANGE = 100_000
"""Span of record ids per query when :func:`load_person_records` reads every record."""


def record_key(source_record_id: int, role: str) -> str:
    """The stable key of a person record: its source record and its role.

    Person-record ids change when ingestion replaces a changed source row; the source
    record and the role do not, so review decisions and manual links refer to this key.

    Args:
        source_record_id: id of the source record the person record comes from.
        role: the person's role in it (``victim``, ``suspect``, ...).

    Returns:
        e.g. ``"1042:victim"``.
    """
    return f"{source_record_id}:{role}"


def load_person_records(
    db: Database, *, record_ids: Iterable[int] | None = None, keyring: Keyring | None = None
) -> pd.DataFrame:
    """Read person records for linkage, with their source code and source key.

    This is the single read path of linkage: names and dates of birth are protected at
    rest and decrypted here, in memory only (never written to disk).

    Args:
        db: the database (opened with its master key).
        record_ids: only these person records (default: all).
        keyring: the data keys (default: unwrapped from ``db``'s master key).

    Returns:
        One row per person record, with the columns of :data:`RECORD_COLUMNS`
        (``record_id`` is the person-record id; ``role`` and ``sex`` as text), ordered
        by ``record_id``.
    """
    # Untyped columns: values come as the driver gives them (roles and sexes as text,
    # not enums), which saved seconds per million rows; linkage_table reads both.
    pr = _untyped(PersonRecord.__table__)
    sr = _untyped(SourceRecord.__table__)
    src = _untyped(Source.__table__)
    ev = _untyped(Event.__table__)
    doc = _untyped(IdentityDocument.__table__)
    # One document of the record, as its blind index (equal index = same number): the
    # smallest, so the same record always gives the same one. A second document (an old
    # and a re-issued passport on one row) is not compared.
    document = (
        sa.select(sa.func.min(doc.c.number_bidx))
        .where(doc.c.person_record_id == pr.c.id)
        .scalar_subquery()
    )
    # The earliest dated event of the record: when this agency saw the person (an index
    # on event (person_record_id, event_date) makes it one lookup per record).
    first_event = (
        sa.select(sa.func.min(ev.c.event_date))
        .where(ev.c.person_record_id == pr.c.id)
        .scalar_subquery()
    )
    query = (
        sa.select(
            pr.c.id.label("record_id"),
            pr.c.source_record_id,
            sr.c.source_key,
            src.c.code.label("source"),
            pr.c.role,
            pr.c.person_id,
            pr.c.family_name,
            pr.c.given_name,
            pr.c.full_name,
            pr.c.full_name_khmer,
            pr.c.sex,
            pr.c.birth_date,
            pr.c.birth_year,
            pr.c.age_years,
            pr.c.age_reference_date,
            pr.c.nationality,
            pr.c.province_code,
            first_event.label("record_date"),
            document.label("document_key"),
            destination_country(pr.c.id).label("destination_country"),
            sa.select(sa.func.min(ev.c.company))
            .where(ev.c.person_record_id == pr.c.id)
            .scalar_subquery()
            .label("company"),
            pr.c.district,
            pr.c.commune,
            pr.c.village,
            pr.c.contact,
        )
        .join(sr, sr.c.id == pr.c.source_record_id)
        .join(src, src.c.id == sr.c.source_id)
        .order_by(pr.c.id)
    )
    cipher = (keyring or keyring_for(db)).cipher
    rows: list[tuple[Any, ...]] = []
    with db.connect() as connection:
        if record_ids is None:
            first, last = connection.execute(
                sa.select(sa.func.min(pr.c.id), sa.func.max(pr.c.id))
            ).one()
            bounds = range(int(first or 0), int(last or 0) + 1, ID_RANGE)
            parts = [query.where(pr.c.id >= low, pr.c.id < low + ID_RANGE) for low in bounds]
        else:
            wanted = sorted({int(i) for i in record_ids})
            # Integers written into the SQL: SQLite takes at most 32,766 bound
            # parameters, and binding 10,000 of them cost more than the query.
            parts = [
                query.where(
                    sa.text(
                        "person_record.id IN ("
                        + ",".join(str(i) for i in wanted[start : start + ID_CHUNK])
                        + ")"
                    )
                )
                for start in range(0, len(wanted), ID_CHUNK)
            ]
        # A worker thread reads the next part while this one decrypts (the driver lets
        # go of the GIL while the database works): reading is about 40 % of the time.
        with ThreadPoolExecutor(max_workers=1) as reader:
            pending: deque[Future[Any]] = deque()
            for part in parts:
                pending.append(reader.submit(lambda q: connection.execute(q).fetchall(), part))
                if len(pending) > 2:
                    rows.extend(_revealed(cipher, row) for row in pending.popleft().result())
            while pending:
                rows.extend(_revealed(cipher, row) for row in pending.popleft().result())
    frame = pd.DataFrame.from_records(rows, columns=list(RECORD_COLUMNS))
    if not frame.empty:
        frame["person_id"] = frame["person_id"].astype("Int64")
        if frame["company"].notna().any():
            frame["company"] = company_keys(frame["company"], company_aliases(db))
    log.info("loaded %d person records for linkage", len(frame))
    return frame


def destination_country(record_id: Any) -> Any:
    """The country of a person record's labour migration, as a scalar subquery.

    The destination of a departure, or the country a worker came back, was deported or
    called about from (``event.destination_country``); the smallest code when events
    name several. A clear column (a country, not an identity), so an incremental run
    reads it for every record without decrypting (:func:`tipdata.linkage.blocking.load_link_index`).

    Args:
        record_id: the person-record id column of the outer query.

    Returns:
        The subquery (null when no event of the record names a country).
    """
    ev = _untyped(Event.__table__)
    return (
        sa.select(sa.func.min(ev.c.destination_country))
        .where(ev.c.person_record_id == record_id)
        .scalar_subquery()
    )


def _untyped(table: Any) -> sa.TableClause:
    """A table with its columns but not their types (no result processing)."""
    return sa.table(table.name, *(sa.column(column.name) for column in table.columns))


_PROTECTED_AT = tuple(
    (position, column)
    for position, column in enumerate(RECORD_COLUMNS)
    if column in PERSON_RECORD_PROTECTED
)
"""Positions of the protected columns in a loaded row (``record_id`` is at 0)."""


def _revealed(cipher: FieldCipher, row: Any) -> tuple[Any, ...]:
    """One loaded row (in ``RECORD_COLUMNS`` order) with its protected values decrypted.

    Only the protected values are handed to ``reveal_person_record``: copying every
    column of 1.5 million rows into dicts cost seconds.
    """
    protected = {column: row[at] for at, column in _PROTECTED_AT if row[at] is not None}
    if not protected:
        return tuple(row)
    shown = reveal_person_record(cipher, row[0], protected)
    values = list(row)
    for at, column in _PROTECTED_AT:
        if column in shown:
            values[at] = shown[column]
    return tuple(values)


def _written_name(family: Any, given: Any, full: Any, khmer: Any) -> str:
    """The name to compare: family and given parts, else the full name, else the Khmer one."""
    parts = [part for part in (family, given) if isinstance(part, str) and part.strip()]
    if parts:
        return " ".join(parts)
    if isinstance(full, str) and full.strip():
        return full
    if isinstance(khmer, str) and khmer.strip():
        return khmer
    return ""


NameKeyValues = tuple[str, str, str, str, str, str, str, str, str]


class _NameKeys:
    """Name keys of one written name, computed once per distinct string."""

    def __init__(self) -> None:
        self._cache: dict[str, NameKeyValues] = {}

    def __call__(self, name: str) -> NameKeyValues:
        found = self._cache.get(name)
        if found is None:
            found = self._cache[name] = self._compute(name)
        return found

    @staticmethod
    def _compute(name: str) -> NameKeyValues:
        cleaned = clean(name)
        written = key_words(romanisation_key(name))
        key = " ".join(written)
        words = sorted(written)
        sorted_key = " ".join(words)
        # Written order, the letters keyed as one word: `Srey Mom` / `Sreymom`, `Keo
        # Chan Ny` / `Keo Channy`, `Seng Mal Is` / `Seng Malis` (sorting first would
        # part the joined word from its pieces; keying the pieces apart keys `mal` as
        # `man`). The "same romanisation key" level counts it (model 9).
        compact = joined_key(name)
        first = words[0] if words else ""
        last = words[-1] if words else ""
        # The letters of the name, sorted: the same for any spacing and any word order
        # (`Tep Sam Nang` / `Samnang Tep`); blocking and the "other spacing" level use it.
        letters = "".join(sorted(compact))
        prefix = name_prefix_key(written)
        return (
            cleaned,
            key,
            sorted_key,
            compact,
            first,
            last,
            letters,
            consonant_skeleton(key),
            prefix,
        )


PREFIX_LETTERS = 4
"""Letters of each name word kept by :func:`name_prefix_key`."""


def name_prefix_key(words: list[str]) -> str:
    """The first :data:`PREFIX_LETTERS` letters of each word of a name key, sorted.

    A blocking key for a name mistyped in both words after their first letters
    (`chutligh tumas` / `chutleigh tumaz`), which no whole-word key pairs; Splink's own
    example blocks historical_50k on the first letters of first name and surname.

    Examples:
        >>> name_prefix_key(["chutligh", "tumas"]), name_prefix_key(["sok", "srey", "mom"])
        ('chut tuma', 'mom sok srey')
    """
    return " ".join(sorted(word[:PREFIX_LETTERS] for word in words))


MIDDLE_NAME_PARTICLES = frozenset({"ti", "van", "t", "v"})
"""Romanised Vietnamese middle names `Thi` / `Thị` / `Thy` and `Van` / `Văn`, and their
initials `T.` / `V.`: half of Vietnamese women are `... Thi ...`, so the word says
little about who someone is, and clerks drop it or write its initial."""


def key_words(key: str) -> list[str]:
    """The words of a romanisation key that tell people apart.

    Vietnamese middle-name particles (:data:`MIDDLE_NAME_PARTICLES`) are left out of a
    name of three words or more (`Bui Thi Lan` / `Bui T. Lan` / `Bui Lan` all become
    `bui lan`); in a two-word name (`Sok Van`) they are a given name and kept.

    Args:
        key: a romanisation key (:func:`tipdata.linkage.romanise.romanisation_key`).

    Returns:
        The words to compare, in written order.

    Examples:
        >>> key_words("bui ti lan"), key_words("tang t hua"), key_words("suk van")
        (['bui', 'lan'], ['tang', 'hua'], ['suk', 'van'])
    """
    words = key.split()
    if len(words) < 3:
        return words
    kept = [word for word in words if word not in MIDDLE_NAME_PARTICLES]
    return kept if len(kept) >= 2 else words


def _birth_year_ranges(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Earliest and latest birth year of every record, vectorised.

    The same rule as :func:`tipdata.linkage.ages.birth_year_range_from_fields`, most
    precise first: a date of birth, else a birth year, else an age at a dated event
    (two years, one on 31 December). Per-row Python took about 5 s per 100,000 records.

    Raises:
        InvalidAgeError: a record's range would come from a negative age.
    """
    birth = pd.to_datetime(frame["birth_date"], errors="coerce")
    year = pd.to_numeric(frame["birth_year"], errors="coerce")
    age = pd.to_numeric(frame["age_years"], errors="coerce")
    at = pd.to_datetime(frame["age_reference_date"], errors="coerce")
    from_age = birth.isna() & year.isna() & age.notna() & at.notna()
    negative = from_age & (age < 0)
    if negative.any():
        raise InvalidAgeError(
            f"person record {frame['record_id'][negative].iloc[0]}: age must be 0 or more, "
            f"got {int(age[negative].iloc[0])}"
        )
    latest_from_age = at.dt.year - age
    on_31_december = (at.dt.month == 12) & (at.dt.day == 31)
    earliest_from_age = latest_from_age - (~on_31_december).astype("int64")
    known = birth.dt.year.where(birth.notna(), year)
    high = known.where(known.notna(), latest_from_age.where(from_age))
    low = known.where(known.notna(), earliest_from_age.where(from_age))
    return low.round().astype("Int64"), high.round().astype("Int64")


def linkage_table(records: pd.DataFrame) -> pd.DataFrame:
    """Derive the linkage table from person records.

    Args:
        records: person records as :func:`load_person_records` returns them (only
            ``record_id``, ``source_record_id``, ``source``, ``role``, the name, birth,
            sex, nationality and province columns are read; missing optional columns
            are treated as empty).

    Returns:
        One row per record with the columns of :data:`LINKAGE_COLUMNS`; empty strings
        and unknown sex become nulls (Splink treats a null as "no evidence").
    """
    frame = records.copy()
    for column in RECORD_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    keys = _NameKeys()
    written = [
        _written_name(f, g, n, k)
        for f, g, n, k in zip(
            frame["family_name"],
            frame["given_name"],
            frame["full_name"],
            frame["full_name_khmer"],
            strict=True,
        )
    ]
    name_values = [keys(name) for name in written]
    low, high = _birth_year_ranges(frame)
    out = pd.DataFrame(
        {
            "unique_id": frame["record_id"].astype("int64"),
            "record_key": [
                record_key(int(s), str(r))
                for s, r in zip(frame["source_record_id"], frame["role"], strict=True)
            ],
            "source": frame["source"].astype("string"),
            "role": frame["role"].astype("string"),
        }
    )
    for index, column in enumerate(
        (
            "name_clean",
            "name_key",
            "name_sorted_key",
            "name_compact_key",
            "name_first_key",
            "name_last_key",
            "name_letters_key",
            "name_skeleton_key",
            "name_prefix_key",
        )
    ):
        out[column] = pd.array([v[index] or None for v in name_values], dtype="string")
    out["birth_year_low"] = low.array
    out["birth_year_high"] = high.array
    # The upper end: an age gives (year - age - 1, year - age); a date or year gives one year.
    out["birth_year"] = high
    out["birth_decade"] = out["birth_year"] // 10
    # The full date where one is recorded (a passport, a departure list): in memory only,
    # like the name; the birth-year comparison has a level for the same date.
    birth = pd.to_datetime(frame["birth_date"], errors="coerce")
    out["birth_date"] = birth.dt.strftime("%Y-%m-%d").astype("string")
    sex = frame["sex"].astype("string").str.lower()
    out["sex"] = sex.where(sex.isin(["female", "male"]), None).astype("string")
    out["nationality"] = _blank_to_null(frame["nationality"])
    out["province_code"] = _blank_to_null(frame["province_code"])
    out["record_date"] = pd.to_datetime(frame["record_date"], errors="coerce").astype(
        "datetime64[s]"
    )
    out["document_key"] = _blank_to_null(frame["document_key"])
    out["destination_country"] = _blank_to_null(frame["destination_country"])
    out["company_key"] = pd.array(company_keys(frame["company"], {}), dtype="string")
    for column, values in place_columns(frame).items():
        out[column] = values.array
    return out[list(LINKAGE_COLUMNS)]


def normalised_place(column: pd.Series) -> pd.Series:
    """Place or contact text as a key: lower case, letters and digits, single spaces.

    Examples:
        >>> normalised_place(pd.Series(["  Kampong  Speu ", "St. Kilda", "", None])).tolist()
        ['kampong speu', 'st kilda', <NA>, <NA>]
    """
    values = (
        column.astype("string").str.lower().str.replace(r"[^\w@]+", " ", regex=True).str.strip()
    )
    return values.where(values != "", None).astype("string")


def place_columns(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """The optional evidence of :data:`PLACE_COLUMNS` from person records.

    A column the records do not have, or leave empty, gives nulls, which the model
    reads as "no evidence" (agency data without a district compares as before).

    * ``birth_day``: month and day (``MM-DD``) of a full date of birth; the year is the
      birth-year comparison's, so the two are not counted twice.
    * ``place_village``, ``place_commune``, ``place_district``: as written, normalised.
    * ``contact_key``: the contact normalised; a telephone number by its digits only.

    Examples:
        >>> place_columns(pd.DataFrame({"birth_date": ["1971-06-24", None],
        ...                             "contact": ["+855 12-345 678", "A@B.org"]}))[
        ...     "contact_key"].tolist()
        ['85512345678', 'a@b org']
    """
    empty = pd.Series([None] * len(frame), index=frame.index, dtype="string")

    def column(name: str) -> pd.Series:
        return frame[name] if name in frame.columns else empty

    born = pd.to_datetime(column("birth_date"), errors="coerce")
    birth_day = born.dt.strftime("%m-%d").astype("string")
    contact = normalised_place(column("contact"))
    digits = contact.str.replace(r"\D", "", regex=True)
    phone = contact.str.fullmatch(r"[\d ]+") & (digits.str.len() >= 6)
    return {
        "birth_day": birth_day.where(born.notna(), None).astype("string"),
        "place_village": normalised_place(column("village")),
        "place_commune": normalised_place(column("commune")),
        "place_district": normalised_place(column("district")),
        "contact_key": contact.where(~phone.fillna(False), digits).astype("string"),
    }


def _blank_to_null(column: pd.Series) -> pd.Series:
    values = column.astype("string").str.strip()
    return values.where(values != "", None).astype("string")


def registers_of_records(db: Database, record_ids: Iterable[int] | None = None) -> dict[int, int]:
    """The register of each person record whose source lists every person once.

    Two records of such a register are two people (the source's mapping says whether
    its register repeats people, ``source.repeats_people``); records of registers that
    may repeat people are left out.

    Args:
        db: the database.
        record_ids: only these person records (default: all).

    Returns:
        person-record id -> source id, for records of registers that do not repeat people.
    """
    pr = _untyped(PersonRecord.__table__)
    sr = _untyped(SourceRecord.__table__)
    src = _untyped(Source.__table__)
    query = (
        sa.select(pr.c.id, sr.c.source_id)
        .join(sr, sr.c.id == pr.c.source_record_id)
        .join(src, src.c.id == sr.c.source_id)
        .where(src.c.repeats_people == sa.false())
    )
    found: dict[int, int] = {}
    with db.connect() as connection:
        if record_ids is None:
            found.update((int(r), int(s)) for r, s in connection.execute(query))
            return found
        wanted = sorted({int(i) for i in record_ids})
        for start in range(0, len(wanted), ID_CHUNK):
            listed = ",".join(str(i) for i in wanted[start : start + ID_CHUNK])
            part = query.where(sa.text(f"person_record.id IN ({listed})"))
            found.update((int(r), int(s)) for r, s in connection.execute(part))
    return found
