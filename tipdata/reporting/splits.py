"""The merges a linkage run made below the confident level, as the reporting ranges split them.

A linkage run stores, for every person it joined by a link scored below
:data:`tipdata.linkage.clusters.CONFIDENT`, the confident part of each of its records
(``merge_part``) and the uncertain merges joining the parts (``uncertain_merge``).
:func:`load_splits` reads them for :func:`tipdata.reporting.uncertainty.load_alternatives`:
each such person is then seen as its parts, joined by pairs that are a match today, so a
figure's range holds its value with the merge undone as well as with pending pairs merged.

A person whose stored parts no longer describe it (a record added or moved since the run,
a manual merge or split) is left whole: its merge is not split, never split wrongly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from tipdata.reporting.cell_ranges import merged_attributes
from tipdata.reporting.facts import person_key, read_record_attributes
from tipdata.reporting.uncertainty import _Roots, part_key
from tipdata.store import Database, metadata


@dataclass(frozen=True)
class Splits:
    """The split persons of a database.

    Attributes:
        parts: person record id -> its part key (:func:`part_key`), every record of every
            split person.
        merges: (part key, part key, strongest link between them) per uncertain merge.
        part_people: part key -> the part's attributes, resolved over its records as the
            engine resolves a person's.
        person_of_part: part key -> the person key it belongs to today.
    """

    parts: Mapping[int, int] = field(default_factory=dict)
    merges: tuple[tuple[int, int, float], ...] = ()
    part_people: Mapping[int, Mapping[str, str]] = field(default_factory=dict)
    person_of_part: Mapping[int, int] = field(default_factory=dict)


def load_splits(db: Database) -> Splits:
    """The stored uncertain merges whose parts still make up their persons."""
    t = metadata.tables
    parts, joins = t["merge_part"], t["uncertain_merge"]
    record, person = t["person_record"].alias("sr"), t["person"].alias("sp")
    key = person_key(record, person)
    with db.connect() as connection:
        stored = connection.execute(
            sa.select(
                parts.c.person_record_id, parts.c.part_id, key, record.c.person_id
            ).select_from(
                parts.join(record, record.c.id == parts.c.person_record_id).outerjoin(
                    person, person.c.id == record.c.person_id
                )
            )
        ).all()
        if not stored:
            return Splits()
        merges = connection.execute(
            sa.select(joins.c.left_part_id, joins.c.right_part_id, joins.c.match_probability)
        ).all()
        # every record of the persons concerned, to check the parts still cover them
        everyone, anyone = t["person_record"].alias("er"), t["person"].alias("ep")
        wanted = (
            sa.select(sa.func.coalesce(person.c.merged_into_id, record.c.person_id))
            .select_from(
                parts.join(record, record.c.id == parts.c.person_record_id).join(
                    person, person.c.id == record.c.person_id
                )
            )
            .scalar_subquery()
        )
        their_key = sa.func.coalesce(anyone.c.merged_into_id, everyone.c.person_id)
        sizes: dict[int, int] = {
            int(k): int(n)
            for k, n in connection.execute(
                sa.select(their_key, sa.func.count())
                .select_from(everyone.join(anyone, anyone.c.id == everyone.c.person_id))
                .where(their_key.in_(wanted))
                .group_by(their_key)
            )
        }
        attributes = read_record_attributes(
            connection, sa.select(parts.c.person_record_id.label("id")).subquery("split_records")
        )
    records_of: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for record_id, part_id, person_key_now, person_id in stored:
        if person_id is not None:
            records_of[int(person_key_now)].append((int(record_id), int(part_id)))
    person_of_part_id: dict[int, int] = {}
    for person_now, held in records_of.items():
        for _record_id, part_id in held:
            person_of_part_id.setdefault(part_id, person_now)
    joined: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
    for left, right, probability in merges:
        owner = person_of_part_id.get(left)
        if owner is not None and person_of_part_id.get(right) == owner:
            joined[owner].append((int(left), int(right), float(probability)))
    found_parts: dict[int, int] = {}
    found_merges: list[tuple[int, int, float]] = []
    part_people: dict[int, dict[str, str]] = {}
    person_of_part: dict[int, int] = {}
    for person_now, held in records_of.items():
        part_ids = {part_id for _record, part_id in held}
        if (
            len(held) != sizes.get(person_now)
            or len(part_ids) < 2
            or any(person_of_part_id[p] != person_now for p in part_ids)
            or not _connected(part_ids, joined[person_now])
        ):
            continue  # the stored parts no longer describe this person: keep it whole
        members: dict[int, list[dict[str, str]]] = defaultdict(list)
        for record_id, part_id in held:
            found_parts[record_id] = part_key(part_id)
            if record_id in attributes:
                members[part_id].append(attributes[record_id])
        for part_id in part_ids:
            person_of_part[part_key(part_id)] = person_now
            if members[part_id]:
                part_people[part_key(part_id)] = merged_attributes(members[part_id])
        found_merges += [(part_key(a), part_key(b), p) for a, b, p in joined[person_now]]
    return Splits(found_parts, tuple(found_merges), part_people, person_of_part)


def _connected(part_ids: set[int], merges: list[tuple[int, int, float]]) -> bool:
    """Whether the merges join every part into one person."""
    roots = _Roots()
    for a, b, _ in merges:
        roots.union(a, b)
    return len({roots.find(p) for p in part_ids}) == 1
