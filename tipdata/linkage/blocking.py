"""Stored linkage keys: what an incremental run needs without decrypting every record.

An incremental run scores new records against existing ones. Splink pairs them by the
blocking rules (equal name keys with equal province, birth year or role) and adjusts
name evidence by how common the name is (term frequencies over all records). Both use
only the *equality* of name keys, so each record keeps keyed hashes of them
(``person_record_link_key``, see :mod:`tipdata.access.linkage_keys`), written by
every run for the records it decrypted. An incremental run then

* reads the hashes and the clear columns of every record (:func:`load_link_index`),
* counts term frequencies on the hashes (:func:`term_frequencies`),
* runs the model's blocking rules on the hashes (:func:`candidate_ids`): the existing
  records some rule pairs with a new record, and
* decrypts and scores only the new records and those candidates.

Equal hashes mean equal keys (a 64-bit collision only adds a candidate, which Splink
then compares on the real names), so the pairs and their scores are those of a run
over every decrypted record.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from splink.blocking_analysis import count_comparisons_from_blocking_rules

from tipdata.access.linkage_keys import LinkageKeyHasher
from tipdata.linkage.engines import LinkageEngine
from tipdata.linkage.features import destination_country
from tipdata.linkage.settings import BLOCKING_RULES, BOTH_VICTIMS
from tipdata.store.bulk import executemany
from tipdata.store.database import Database
from tipdata.store.linkage import PersonRecordLinkKey
from tipdata.store.people import PersonRecord

log = logging.getLogger(__name__)

KEY_FORMAT = "tipdata-link-keys-7"
"""Version of the stored keys: change it when the name keys of ``features`` change, and
every stored row is recomputed by the next run (see :meth:`LinkageKeyHasher.fingerprint`)."""

HASHED_COLUMNS: tuple[str, ...] = (
    "name_sorted_key",
    "name_letters_key",
    "name_first_key",
    "name_last_key",
    "name_skeleton_key",
    "name_prefix_key",
    "document_key",
    "birth_day",
    "contact_key",
    "place_village",
    "place_district",
)
"""Name keys (and the document's blind index) of the linkage table stored as keyed hashes;
the day and month of a full date of birth, the contact, the village and the district too
(the first three are protected; all four are compared for equality only)."""

INDEX_COLUMNS: tuple[str, ...] = (
    "unique_id",
    "person_id",
    "role",
    "province_code",
    "sex",
    "destination_country",
    *HASHED_COLUMNS,
    "birth_year_low",
    "birth_year_high",
    "birth_year",
    "birth_decade",
    "has_keys",
)
"""Columns of :func:`load_link_index`: every linkage-table column a blocking rule may use
(names as hashes), the person, and whether keys were stored."""

BLOCKING_COLUMNS = frozenset(INDEX_COLUMNS) - {"person_id", "has_keys"}
"""Columns a blocking rule may compare on the index."""

KEY_LAYOUT = np.dtype(
    [
        ("name_sorted_key", "<i8"),
        ("name_letters_key", "<i8"),
        ("name_first_key", "<i8"),
        ("name_last_key", "<i8"),
        ("name_skeleton_key", "<i8"),
        ("name_prefix_key", "<i8"),
        ("document_key", "<i8"),
        ("birth_year_low", "<i2"),
        ("birth_year_high", "<i2"),
        ("birth_day", "<i8"),
        ("contact_key", "<i8"),
        ("place_village", "<i8"),
        ("place_district", "<i8"),
    ]
)
"""How ``person_record_link_key.keys`` packs a record's keys (92 bytes); 0 is no value
(a hash that happens to be 0 is stored as 1: one more candidate, nothing lost)."""

WRITE_CHUNK = 50_000

INDEX_RANGE = 200_000
"""Span of record ids per query of :func:`load_link_index`."""

_table_numbers = itertools.count()
"""Numbers of the tables registered with an engine (names must be unique per engine)."""


def hashed_keys(table: pd.DataFrame, hasher: LinkageKeyHasher) -> pd.DataFrame:
    """The keys to store for records of the linkage table.

    Args:
        table: rows of :func:`tipdata.linkage.features.linkage_table`.
        hasher: the database's linkage-key hasher.

    Returns:
        ``person_record_id``, the hashed name keys (nullable ``Int64``) and the
        birth-year range, one row per record.
    """
    out = pd.DataFrame({"person_record_id": table["unique_id"].astype("int64").to_numpy()})
    for column in HASHED_COLUMNS:
        codes, uniques = pd.factorize(table[column], use_na_sentinel=True)
        hashed = hasher.hash_many(column, uniques)
        # linkage_table makes empty keys null, so every distinct value has a hash.
        values = np.array([hashed[value] for value in uniques] + [0], dtype="int64")
        out[column] = pd.arrays.IntegerArray(values[codes], codes < 0)
    out["birth_year_low"] = table["birth_year_low"].astype("Int64").to_numpy()
    out["birth_year_high"] = table["birth_year_high"].astype("Int64").to_numpy()
    return out


def pack_keys(keys: pd.DataFrame) -> list[bytes]:
    """Each row of :func:`hashed_keys` as the bytes of :data:`KEY_LAYOUT`."""
    packed = np.zeros(len(keys), dtype=KEY_LAYOUT)
    for column in KEY_LAYOUT.names or ():
        values = keys[column].astype("Int64")
        plain = values.fillna(0).to_numpy(dtype="int64")
        if column in HASHED_COLUMNS:
            plain[(plain == 0) & values.notna().to_numpy()] = 1
        packed[column] = plain
    raw = packed.tobytes()
    size = KEY_LAYOUT.itemsize
    return [raw[start : start + size] for start in range(0, len(raw), size)]


def unpack_keys(blobs: Iterable[bytes | None]) -> tuple[np.ndarray, np.ndarray]:
    """Keys packed by :func:`pack_keys` (None: none stored) and which rows had keys."""
    listed = list(blobs)
    stored = np.fromiter((blob is not None for blob in listed), dtype=bool, count=len(listed))
    if not stored.all():
        empty = bytes(KEY_LAYOUT.itemsize)
        listed = [empty if blob is None else blob for blob in listed]
    raw = b"".join(listed)  # type: ignore[arg-type]
    return np.frombuffer(raw, dtype=KEY_LAYOUT), stored


def store_link_keys(
    db: Database, keys: pd.DataFrame, key_version: int, *, skip_stored: bool = True
) -> int:
    """Write the keys of records that have none under ``key_version``.

    Rows of another version (another key or format) are deleted first.

    Args:
        db: the database.
        keys: rows of :func:`hashed_keys`.
        key_version: the hasher's fingerprint of :data:`KEY_FORMAT`.
        skip_stored: leave out records that have keys of this version (False when the
            caller knows none has, as :func:`load_link_index` told it).

    Returns:
        How many rows were written.
    """
    if keys.empty:
        return 0
    table = PersonRecordLinkKey.__table__
    assert isinstance(table, sa.Table)
    with db.session() as session:
        session.execute(table.delete().where(table.c.key_version != key_version))
        if skip_stored:
            stored = set(session.scalars(sa.select(table.c.person_record_id)))
            keys = keys[~keys["person_record_id"].isin(stored)]
        rows = [
            {"person_record_id": int(record), "key_version": key_version, "keys": packed}
            for record, packed in zip(keys["person_record_id"], pack_keys(keys), strict=True)
        ]
        for start in range(0, len(rows), WRITE_CHUNK):
            executemany(session.connection(), table.insert(), rows[start : start + WRITE_CHUNK])
    log.info("stored linkage keys of %d person records", len(rows))
    return len(rows)


def load_link_index(db: Database, key_version: int) -> pd.DataFrame:
    """Every person record's clear linkage columns and stored keys (no decryption).

    Read through the driver's cursor: at 1.5 million rows SQLAlchemy's result rows
    cost more than the query.

    Args:
        db: the database.
        key_version: the current fingerprint; keys of another version count as missing.

    Returns:
        One row per person record with :data:`INDEX_COLUMNS`, ordered by id; the keys
        are null and ``has_keys`` False where none are stored.
    """
    pr = sa.table(
        "person_record",
        *(sa.column(c) for c in ("id", "person_id", "role", "province_code", "sex")),
    )
    key = sa.table(
        PersonRecordLinkKey.__tablename__,
        *(sa.column(c) for c in ("person_record_id", "key_version", "keys")),
    )
    query = sa.select(
        pr.c.id,
        pr.c.person_id,
        pr.c.role,
        pr.c.province_code,
        pr.c.sex,
        destination_country(pr.c.id),
        key.c["keys"],
    )
    query = query.select_from(
        pr.outerjoin(
            key, sa.and_(key.c.person_record_id == pr.c.id, key.c.key_version == key_version)
        )
    )
    with db.connect() as connection:
        first, last = connection.execute(
            sa.select(sa.func.min(pr.c.id), sa.func.max(pr.c.id))
        ).one()
        sqls = [
            str(
                query.where(pr.c.id >= low, pr.c.id < low + INDEX_RANGE).compile(
                    dialect=connection.dialect, compile_kwargs={"literal_binds": True}
                )
            )
            for low in range(int(first or 0), int(last or 0) + 1, INDEX_RANGE)
        ]
        cursor = connection.connection.cursor()

        def fetch(sql: str) -> list[Any]:
            cursor.execute(sql)
            return list(cursor.fetchall())

        # A worker thread reads the next id range while this one converts the last
        # (the driver lets go of the GIL while the database works).
        try:
            with ThreadPoolExecutor(max_workers=1) as reader:
                parts = [
                    # One 2-D object array per part: several times faster than zip(*rows).
                    np.array(rows, dtype=object).reshape(-1, 7)
                    for rows in reader.map(fetch, sqls)
                ]
        finally:
            cursor.close()
    table = np.concatenate(parts) if parts else np.empty((0, 7), dtype=object)
    keys, stored = unpack_keys(table[:, 6])
    index = pd.DataFrame(
        {
            "unique_id": table[:, 0].astype("int64"),
            "person_id": pd.array(table[:, 1], dtype="Int64"),
            "role": _strings(table[:, 2]),
            "province_code": _strings(table[:, 3]),
        }
    )
    # As linkage_table has it: female or male, anything else unknown.
    sex = pd.Series(_strings(table[:, 4])).str.lower()
    index["sex"] = sex.where(sex.isin(["female", "male"]), None).astype("string").array
    index["destination_country"] = _strings(table[:, 5])
    for column in KEY_LAYOUT.names or ():
        values = keys[column].astype("int64")
        index[column] = pd.arrays.IntegerArray(values, values == 0)
    index["has_keys"] = stored
    if len(index) > 1 and not (np.diff(index["unique_id"].to_numpy()) > 0).all():
        index = index.sort_values("unique_id", ignore_index=True)
    _derive_birth_columns(index)
    return index[list(INDEX_COLUMNS)]


def fill_index(index: pd.DataFrame, keys: pd.DataFrame) -> None:
    """Put freshly computed keys (rows of :func:`hashed_keys`) into the index, in place."""
    if keys.empty:
        return
    at = index["unique_id"].searchsorted(keys["person_record_id"].to_numpy())
    for column in (*HASHED_COLUMNS, "birth_year_low", "birth_year_high"):
        index.loc[index.index[at], column] = keys[column].to_numpy()
    index.loc[index.index[at], "has_keys"] = True
    _derive_birth_columns(index)


def _derive_birth_columns(index: pd.DataFrame) -> None:
    # As in features.linkage_table: the upper end of the range, and its decade.
    index["birth_year"] = index["birth_year_high"]
    index["birth_decade"] = index["birth_year"] // 10


def _strings(values: np.ndarray) -> pd.arrays.StringArray:
    """Text values as a string array, blank ones null (as in ``features.linkage_table``).

    Stripped once per distinct value: roles and provinces take a few dozen values.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    cleaned = np.array(
        [text.strip() or None if isinstance(text, str) else None for text in uniques] + [None],
        dtype=object,
    )
    array: pd.arrays.StringArray = pd.array(cleaned[codes], dtype="string")
    return array


def rule_columns(rules: Iterable[str]) -> set[str]:
    """The columns blocking rules compare (``l.x`` / ``r."x"``)."""
    return {match.group(1) for rule in rules for match in re.finditer(r'\b[lr]\."?(\w+)"?', rule)}


def blocking_rule_sqls(model: dict[str, Any]) -> list[str]:
    """The SQL of the model's blocking rules (in the model's dialect)."""
    return [
        rule["blocking_rule"] if isinstance(rule, dict) else str(rule)
        for rule in model.get("blocking_rules_to_generate_predictions", [])
    ]


def _conjuncts(rule: str, *, swap: bool = False) -> frozenset[str] | None:
    """A rule as its set of ``AND``-ed conditions, sides of each equality sorted.

    With ``swap``, the rule with ``l`` and ``r`` exchanged. None for a rule this cannot
    read (``OR``, parentheses other than ``IN`` lists).
    """
    if re.search(r"\bOR\b", rule, re.IGNORECASE) or re.search(r"\((?!')", rule):
        return None
    text = (
        re.sub(r"\b([lr])\.", lambda m: "r." if m.group(1) == "l" else "l.", rule) if swap else rule
    )
    parts = set()
    for part in re.split(r"\s+AND\s+", text.strip(), flags=re.IGNORECASE):
        equal = re.fullmatch(r"(\S+)\s*=\s*(\S+)", part.strip())
        parts.add(" = ".join(sorted(equal.groups())) if equal else part.strip())
    return frozenset(parts)


RULE_PAIRS_PER_RECORD = 10
"""Most candidate pairs one rule between victims may add, per record of the database.

Every rule of the national demo together gives about 4.6 pairs per record (7.3 million
at scale 10); a rule between victims is cheap there (victims are about one record in
fifty), but in a register of victims only it pairs every record: on Splink's
historical_50k (50,578 victims, 303,961 true pairs) the same full date of birth gave
1.5 million pairs (clerks wrote 1 January for a year alone) and a name word with the
birth decade 0.8 million each, for 14,000 and 23,000 true pairs the other rules did not
find. :func:`blocking_rules_for` leaves such a rule out."""

_VICTIM_EQUALITY = re.compile(
    r"^(?P<equal>(?:l\.(\w+) = r\.\2 AND )+)" + re.escape(BOTH_VICTIMS) + "$"
)


def victim_rule_columns(rule: str) -> tuple[str, ...] | None:
    """The columns of a rule made of equal columns between victims; None for any other.

    Examples:
        >>> victim_rule_columns("l.a = r.a AND l.b = r.b AND " + BOTH_VICTIMS)
        ('a', 'b')
        >>> victim_rule_columns("l.a = r.a") is None
        True
    """
    found = _VICTIM_EQUALITY.match(rule.strip())
    if found is None:
        return None
    return tuple(re.findall(r"l\.(\w+) = r\.\1", found.group("equal")))


def victim_rule_pairs(table: pd.DataFrame, columns: tuple[str, ...]) -> int:
    """Pairs of victims of ``table`` (linkage-table rows) equal on every one of ``columns``."""
    victims = table.loc[table["role"] == "victim", list(columns)].dropna()
    if victims.empty:
        return 0
    sizes = victims.groupby(list(columns), sort=False, observed=True).size().to_numpy("int64")
    return int((sizes * (sizes - 1) // 2).sum())


def blocking_rules_for(
    table: pd.DataFrame, rules: tuple[Any, ...] = BLOCKING_RULES
) -> tuple[Any, ...]:
    """The blocking rules for the records of ``table``: every rule of ``rules`` but the
    rules between victims that would add more than :data:`RULE_PAIRS_PER_RECORD` pairs per
    record (counted exactly on the table).

    Args:
        table: the linkage table of every record a full run links.
        rules: the candidate rules (``CustomRule`` or SQL in the DuckDB dialect).

    Returns:
        The rules kept, in their order.
    """
    budget = RULE_PAIRS_PER_RECORD * len(table)
    kept = []
    for rule in rules:
        sql = rule.create_sql("duckdb") if hasattr(rule, "create_sql") else str(rule)
        columns = victim_rule_columns(sql)
        if columns is not None and set(columns) <= set(table.columns):
            pairs = victim_rule_pairs(table, columns)
            if pairs > budget:
                log.info("blocking rule left out: %s (%d pairs > %d)", sql, pairs, budget)
                continue
        kept.append(rule)
    return tuple(kept)


def symmetric(rules: list[str]) -> bool:
    """Whether a rule set pairs the same records whichever side each record is on.

    Tipdata's rules are (every rule with ``l`` and ``r`` exchanged is in the set), so
    candidates need one join per rule, not two.

    Examples:
        >>> symmetric(["l.a = r.a AND l.role = 'x'", "r.a = l.a AND r.role = 'x'"])
        True
        >>> symmetric(["l.a = r.a AND l.role = 'x'"])
        False
    """
    read = [_conjuncts(rule) for rule in rules]
    swapped = [_conjuncts(rule, swap=True) for rule in rules]
    if any(r is None for r in read + swapped):
        return False
    return set(swapped) <= set(read)


def candidate_ids(
    engine: LinkageEngine, index: pd.DataFrame, new_mask: Any, rules: list[str]
) -> np.ndarray:
    """Existing records that some blocking rule pairs with a new record, on the hashes.

    Args:
        engine: the linkage engine (its database joins the two sides).
        index: rows of :func:`load_link_index`, every key filled.
        new_mask: which rows of ``index`` are new records.
        rules: blocking-rule SQL in the engine's dialect, comparing only
            :data:`BLOCKING_COLUMNS`.

    Returns:
        Sorted ids of the existing records.
    """
    columns = [c for c in INDEX_COLUMNS if c in BLOCKING_COLUMNS]
    new = index.loc[new_mask, columns]
    existing = index.loc[~np.asarray(new_mask), columns]
    if new.empty or existing.empty or not rules:
        return np.empty(0, dtype="int64")
    suffix = next(_table_numbers)
    new_table = engine.register(new, f"blocking_new_{suffix}").physical_name
    existing_table = engine.register(existing, f"blocking_existing_{suffix}").physical_name
    selects = [
        f"SELECT r.unique_id FROM {new_table} AS l JOIN {existing_table} AS r ON {rule}"
        for rule in rules
    ]
    if not symmetric(rules):
        # A pair may come with the new record on either side: join both ways.
        selects += [
            f"SELECT l.unique_id FROM {existing_table} AS l JOIN {new_table} AS r ON {rule}"
            for rule in rules
        ]
    found = engine.query(
        "SELECT DISTINCT unique_id FROM (" + " UNION ALL ".join(selects) + ") AS pairs"
    )
    return np.sort(found["unique_id"].to_numpy(dtype="int64"))


def term_frequencies(index: pd.DataFrame, column: str) -> pd.Series:
    """Share of records with each value of ``column`` among those with a value.

    The same figure as Splink's term-frequency table (``count(*) / count(column)``
    over all records), here over the hashes for name keys.
    """
    counts = index[column].value_counts(dropna=True)
    return counts.astype("float64") / float(counts.sum())


def term_frequency_tables(
    table: pd.DataFrame, index: pd.DataFrame, columns: Iterable[str]
) -> dict[str, pd.DataFrame]:
    """Splink's term-frequency lookups for the values of ``table``, counted on every record.

    Args:
        table: linkage-table rows (their ids are in ``index``).
        index: rows of :func:`load_link_index` for every record, every key filled.
        columns: the model's term-frequency columns (:data:`BLOCKING_COLUMNS`).

    Returns:
        Per column, a table ``<column>, tf_<column>`` with one row per value of
        ``table`` (the value in clear, its share among all records: for
        ``linker.table_management.register_term_frequency_lookup``).
    """
    positions = index["unique_id"].searchsorted(table["unique_id"].to_numpy())
    lookups: dict[str, pd.DataFrame] = {}
    for column in columns:
        shares = term_frequencies(index, column)
        pairs = pd.DataFrame(
            {column: table[column].to_numpy(), "counted": index[column].to_numpy()[positions]}
        ).dropna()
        pairs = pairs.drop_duplicates(column)
        lookups[column] = pd.DataFrame(
            {
                column: pairs[column].astype("string").to_numpy(),
                f"tf_{column}": pairs["counted"].map(shares).to_numpy(dtype="float64"),
            }
        )
    return lookups


def record_ids_by_key(db: Database, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """Person-record ids of stable record keys ``(source_record_id, role)`` (those stored)."""
    wanted = set(keys)
    sources = sorted({source for source, _role in wanted})
    pr = PersonRecord.__table__
    query = sa.select(pr.c.id, pr.c.source_record_id, pr.c.role).where(
        pr.c.source_record_id.in_(sa.bindparam("sources", expanding=True))
    )
    found: dict[tuple[int, str], int] = {}
    with db.connect() as connection:
        for start in range(0, len(sources), 10_000):
            chunk = {"sources": sources[start : start + 10_000]}
            for record, source, role in connection.execute(query, chunk):
                key = (int(source), str(role.value if hasattr(role, "value") else role))
                if key in wanted:
                    found[key] = int(record)
    return found


def has_persons(db: Database) -> bool:
    """Whether some person record already belongs to a person (a linkage has run)."""
    with db.connect() as connection:
        found = connection.execute(
            sa.select(PersonRecord.id).where(PersonRecord.person_id.is_not(None)).limit(1)
        ).first()
    return found is not None


def count_pairs_by_rule(
    table: Any, *, blocking_rules: tuple[Any, ...] = BLOCKING_RULES, exact: bool = True
) -> list[dict[str, Any]]:
    """Candidate pairs each blocking rule adds, by Splink's blocking analysis.

    Args:
        table: the registered linkage table (a ``SplinkDataFrame``).
        blocking_rules: the rules to measure.
        exact: count every pair (else Splink estimates from a 5 % sample).

    Returns:
        One dict per rule: ``rule``, ``pairs`` (pairs this rule adds to the ones
        before it) and ``cumulative``.
    """
    records = count_comparisons_from_blocking_rules(
        table,
        blocking_rules=list(blocking_rules),
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        record_sample_proportion=1.0 if exact else 0.05,
    )
    return [
        {
            "rule": str(record["blocking_rule"]),
            "pairs": int(record["marginal_comparison_count"]),
            "cumulative": int(record["cumulative_comparison_count"]),
        }
        for record in records
    ]
