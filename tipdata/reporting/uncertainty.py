"""How much a de-duplicated figure still depends on the linkage: its range over the review queue.

A figure counts persons; which records are one person is the linkage's answer, and the
pairs it was unsure about wait in the review queue (``review_pair``, status pending).
Each figure then has a range: from the smallest to the largest of its values if **none**
of the pending pairs were a match (the persons as they are: pending pairs are pairs the
clustering kept apart), if **every** one were (the persons their records would make once
merged) and in each draw (each pending pair a match with its match probability: a figure
derived from several counts, such as the workers of a company who returned early, can
rise when some pairs merge and fall when others do, so its extremes are not always at
"none" or "every"), and the model's expected value (the mean over the draws). The reader
sees how much the linkage still matters.

The merges the linkage run made below the confident level are answers too: such a person
is seen as its confident parts (:mod:`tipdata.reporting.splits`), joined by pairs that are
a match today (:attr:`Alternatives.made`), so a range also holds each figure with those
merges undone (a distinct count rises, a count of persons by what their records say may
fall). Facts are put under their part by :meth:`Alternatives.rekey`.

Implemented once, for any person-count figure: :func:`load_alternatives` reads the
pending pairs as pairs of person keys (:func:`tipdata.reporting.engine.person_key`: the
person id, or minus the record id of an unlinked record); a figure is a function of a
key map (``key -> person key``), evaluated by :func:`figure_range` under the current
persons, all pairs merged, and each draw. :func:`count_range` is the common case: the
distinct persons among some records' keys.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

import sqlalchemy as sa

from tipdata.store import Database, metadata

if TYPE_CHECKING:
    from tipdata.reporting.splits import Splits

DRAWS = 40
"""Draws of the pending pairs for the expected value (seeded: the same figures every time)."""
EXACT_PAIRS = 12
"""A group of pending pairs joined through shared persons is answered exactly (every subset
of its pairs a match) up to this many pairs; a larger group by none and every one."""


@dataclass(frozen=True)
class FigureRange:
    """A figure's range over the review queue.

    Attributes:
        low: the smallest of the values with no pending pair a match, with all of them, and
            in each draw.
        high: the largest of them.
        expected: the model's expected value (mean over draws).
    """

    low: int
    high: int
    expected: float

    @property
    def width(self) -> int:
        """``high - low``: 0 when the review queue cannot change the figure."""
        return self.high - self.low

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in ``[low, high]``."""
        return self.low <= value <= self.high

    def __str__(self) -> str:
        return f"{self.low}–{self.high}" if self.width else str(self.low)


@dataclass
class _Roots:
    """Union-find over person keys."""

    parent: dict[int, int] = field(default_factory=dict)

    def find(self, key: int) -> int:
        parent = self.parent
        root = key
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(key, key) != root:
            parent[key], key = root, parent[key]
        return root

    def union(self, a: int, b: int) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            low, high = sorted((root_a, root_b))
            self.parent[high] = low

    def mapping(self) -> dict[int, int]:
        return {key: self.find(key) for key in list(self.parent)}


PART_KEY_OFFSET = 2**40
"""A part of a split person has the key ``-(PART_KEY_OFFSET + its smallest record id)``:
never a person key (a person id, or minus an unlinked record's id)."""


def part_key(part_id: int) -> int:
    """The key of a person's confident part named by its smallest record id."""
    return -(PART_KEY_OFFSET + part_id)


@dataclass(frozen=True)
class Alternatives:
    """The persons under each alternative answer for the pending pairs and uncertain merges.

    Keys are person keys, except that a person the linkage run merged below the confident
    level (``merge_part``) is seen as its confident parts (:func:`part_key`), joined by
    its uncertain merges: pairs that are a match today, which a reviewer might undo.

    Attributes:
        pairs: pending pairs and uncertain merges as (key, key, match probability).
        merged: key -> key of its merged person when every pair is a match.
        draws: one such map per draw (pairs a match with their probability).
        made: the pairs that are a match today (the uncertain merges), smaller key first.
        parts: person record id -> its part key, for every record of a split person.
        part_people: part key -> the part's attributes (as the engine resolves a
            person's: ``sex``, ``nationality``, ``province``, ``exploitation_type``,
            ``destination``).
    """

    pairs: tuple[tuple[int, int, float], ...]
    merged: Mapping[int, int]
    draws: tuple[Mapping[int, int], ...]
    made: frozenset[tuple[int, int]] = frozenset()
    parts: Mapping[int, int] = field(default_factory=dict)
    part_people: Mapping[int, Mapping[str, str]] = field(default_factory=dict)
    person_of_part: Mapping[int, int] = field(default_factory=dict)

    @property
    def pending(self) -> int:
        """Pending pairs joining two different persons."""
        return len(self.pairs) - len(self.made)

    @property
    def uncertain_merges(self) -> int:
        """Merges of today's persons a reviewer might undo (pairs of parts)."""
        return len(self.made)

    @cached_property
    def touched(self) -> frozenset[int]:
        """The keys of some pair, and the person keys of the split persons (only they can
        change under an alternative)."""
        keys = {k for a, b, _ in self.pairs for k in (a, b)}
        return frozenset(keys | set(self.person_of_part.values()))

    @cached_property
    def split_persons(self) -> frozenset[int]:
        """The person keys of the persons seen as parts."""
        return frozenset(self.person_of_part.values())

    @cached_property
    def touched_persons(self) -> frozenset[int]:
        """The person keys (as counted today) of :attr:`touched`."""
        return frozenset(self.person_of_part.get(k, k) for k in self.touched)

    def rekey(self, key: int, record_id: int) -> int:
        """The key a fact of ``record_id`` (person key ``key``) counts under: its part for
        a split person, else ``key``."""
        return self.parts.get(record_id, key)

    @cached_property
    def now(self) -> Mapping[int, int]:
        """Today's answer: the uncertain merges a match, no pending pair."""
        roots = _Roots()
        for a, b in self.made:
            roots.union(a, b)
        return roots.mapping()

    @cached_property
    def groups(self) -> tuple[tuple[tuple[tuple[int, int], ...], frozenset[int]], ...]:
        """The pairs in groups joined through shared keys, with their keys.

        A group's answers change only its own persons, so a figure's extremes over every
        answer to the queue are the sums of each group's extremes (most groups are one pair).
        """
        roots = _Roots()
        for a, b, _ in self.pairs:
            roots.union(a, b)
        found: dict[int, tuple[list[tuple[int, int]], set[int]]] = {}
        for a, b in sorted({(min(a, b), max(a, b)) for a, b, _ in self.pairs}):
            pairs, keys = found.setdefault(roots.find(a), ([], set()))
            pairs.append((a, b))
            keys.update((a, b))
        return tuple((tuple(pairs), frozenset(keys)) for pairs, keys in found.values())

    def answers(self, pairs: Sequence[tuple[int, int]]) -> list[dict[int, int]]:
        """:func:`answers_of` a group, today's answer always among them."""
        return answers_of(pairs, self.made)

    def distinct_range(
        self, keys: Iterable[int], records: Iterable[int] | None = None
    ) -> FigureRange:
        """The range of a count of distinct persons, from the keys a pair touches.

        Equal to :func:`count_range` but cheap: the persons no pair names count the same
        under every alternative, so only the touched keys are mapped (a national table has
        thousands of cells and each is evaluated under every draw). A distinct count is
        largest with every pair apart and smallest with every one a match.

        Args:
            keys: the person keys counted today.
            records: the person records of the facts behind them: with them a split
                person counts once per part it has a fact in (without, never split).
        """
        chosen = set(keys)
        count = len(chosen)
        units = chosen
        if records is not None and self.parts:
            split = chosen & self.split_persons
            found = {
                part
                for r in records
                if (part := self.parts.get(r)) is not None and self.person_of_part[part] in split
            }
            left = split - {self.person_of_part[part] for part in found}
            units = (chosen - split) | found | left
        moved = units & self.touched
        if not moved:
            return FigureRange(count, count, float(count))
        fixed = len(units) - len(moved)
        apart = fixed + len(moved)
        merged = fixed + len({self.merged.get(k, k) for k in moved})
        drawn = [fixed + len({draw.get(k, k) for k in moved}) for draw in self.draws]
        expected = sum(drawn) / len(drawn) if drawn else float(count)
        return FigureRange(min(count, merged), max(count, apart), round(expected, 2))


def answers_of(
    pairs: Sequence[tuple[int, int]], made: frozenset[tuple[int, int]] = frozenset()
) -> list[dict[int, int]]:
    """Each answer to a group of pairs as a key map (key -> key of its merged person):
    every subset of the pairs a match when there are at most :data:`EXACT_PAIRS`, else none,
    every one and today's (the pairs in ``made`` a match)."""
    count = len(pairs)
    if count <= EXACT_PAIRS:
        chosen = [[pairs[i] for i in range(count) if mask >> i & 1] for mask in range(2**count)]
    else:
        today = [pair for pair in pairs if pair in made]
        chosen = [[], list(pairs)] + ([today] if 0 < len(today) < count else [])
    answers = []
    for matches in chosen:
        roots = _Roots()
        for a, b in matches:
            roots.union(a, b)
        answers.append(roots.mapping())
    return answers


def units_ranges(
    alternatives: Alternatives,
    counted: Callable[[KeyMap, frozenset[int] | None], Mapping[Key, set[int]]],
) -> dict[Key, FigureRange]:
    """The range of figures that count persons chosen by what all their records say.

    Some figures count a person by the records the person holds: known only to NGOs (no
    record of another agency), returned again (an earlier return on another record). A
    merge can then add a person to a figure as well as remove one, so the extremes over
    the review queue are taken per group of pending pairs (:attr:`Alternatives.groups`),
    over every answer to the group, and summed with the persons no pair touches.

    Args:
        alternatives: the pending pairs.
        counted: ``counted(key_of, only)`` gives per figure the persons it counts (their
            keys passed through ``key_of``), considering only the facts of persons whose
            key is in ``only`` (None: every person).

    Returns:
        Per figure: the smallest and largest value over every answer, and the mean over
        the draws.
    """
    current = counted(_identity, None)
    touched = alternatives.touched
    fixed = {key: len(units - touched) for key, units in current.items()}
    low: dict[Key, int] = {}
    high: dict[Key, int] = {}
    for pairs, keys in alternatives.groups:
        seen = [counted(_through(answer), keys) for answer in alternatives.answers(pairs)]
        for key in set().union(*seen):
            counts = [len(answer.get(key, ())) for answer in seen]
            low[key] = low.get(key, 0) + min(counts)
            high[key] = high.get(key, 0) + max(counts)
    drawn = [counted(_through(draw), touched) for draw in alternatives.draws]
    result: dict[Key, FigureRange] = {}
    for key in {**current, **high}:
        base = fixed.get(key, 0)
        values = [base + len(d.get(key, ())) for d in drawn]
        expected = sum(values) / len(values) if values else float(len(current.get(key, ())))
        result[key] = FigureRange(
            base + low.get(key, 0), base + high.get(key, 0), round(expected, 2)
        )
    return result


def alternatives_from_pairs(
    pairs: Iterable[tuple[int, int, float]],
    *,
    draws: int = DRAWS,
    seed: int = 0,
    splits: Splits | None = None,
) -> Alternatives:
    """Alternatives from pending pairs given as keys (see :func:`load_alternatives`) and
    the uncertain merges of ``splits`` (today a match)."""
    made = frozenset((min(a, b), max(a, b)) for a, b, _ in splits.merges) if splits else frozenset()
    given = [*pairs, *(splits.merges if splits else ())]
    kept = tuple(sorted((min(a, b), max(a, b), p) for a, b, p in given if a != b))
    merged = _Roots()
    for a, b, _ in kept:
        merged.union(a, b)
    rng = random.Random(seed)
    drawn = []
    for _ in range(draws):
        roots = _Roots()
        for a, b, probability in kept:
            if rng.random() < probability:
                roots.union(a, b)
        drawn.append(roots.mapping())
    if splits is None:
        return Alternatives(kept, merged.mapping(), tuple(drawn))
    return Alternatives(
        kept,
        merged.mapping(),
        tuple(drawn),
        made=made,
        parts=splits.parts,
        part_people=splits.part_people,
        person_of_part=splits.person_of_part,
    )


def load_alternatives(db: Database, *, draws: int = DRAWS, seed: int = 0) -> Alternatives:
    """The pending review pairs and the uncertain merges of the database.

    A pair names two records by (source record, role); its key is the person of that
    record (or minus the record id while unlinked), as the reporting engine counts, or
    the record's part when its person is split (:func:`tipdata.reporting.splits.load_splits`).
    """
    from tipdata.reporting.splits import load_splits

    splits = load_splits(db)
    t = metadata.tables
    pair, left, right = t["review_pair"], t["person_record"].alias(), t["person_record"].alias()
    query = (
        sa.select(
            left.c.id,
            sa.func.coalesce(left.c.person_id, -left.c.id),
            right.c.id,
            sa.func.coalesce(right.c.person_id, -right.c.id),
            pair.c.match_probability,
        )
        .select_from(
            pair.join(
                left,
                sa.and_(
                    left.c.source_record_id == pair.c.left_source_record_id,
                    sa.cast(left.c.role, sa.String) == pair.c.left_role,
                ),
            ).join(
                right,
                sa.and_(
                    right.c.source_record_id == pair.c.right_source_record_id,
                    sa.cast(right.c.role, sa.String) == pair.c.right_role,
                ),
            )
        )
        .where(sa.cast(pair.c.status, sa.String) == "pending")
    )
    with db.connect() as connection:
        rows = [
            (
                splits.parts.get(left_id, int(a)),
                splits.parts.get(right_id, int(b)),
                0.5 if p is None else float(p),
            )
            for left_id, a, right_id, b, p in connection.execute(query)
        ]
    return alternatives_from_pairs(rows, draws=draws, seed=seed, splits=splits)


KeyMap = Callable[[int], int]
"""A person key -> the person key under one alternative."""
Key = TypeVar("Key", bound=Hashable)


def ranges_of(
    alternatives: Alternatives, figures: Callable[[KeyMap], Mapping[Key, float]]
) -> dict[Key, FigureRange]:
    """The range of every figure of a table computed from person keys, the table once per case.

    Args:
        alternatives: the pending pairs (:func:`load_alternatives`).
        figures: computes the figures (by any key: a cell, a row) with every person key
            passed through the given map; a figure missing under one case counts 0.

    Returns:
        Per figure: the values with no pending pair a match and with all, and the
        expected value.
    """
    current = figures(_identity)
    if not alternatives.pairs:
        return {key: FigureRange(int(v), int(v), float(v)) for key, v in current.items()}
    every = figures(_through(alternatives.merged))
    today = figures(_through(alternatives.now)) if alternatives.made else current
    drawn = [figures(_through(draw)) for draw in alternatives.draws]
    result: dict[Key, FigureRange] = {}
    for key in {**current, **every, **today}:
        now, merged = int(current.get(key, 0)), int(every.get(key, 0))
        values = [int(d.get(key, 0)) for d in drawn] + [int(today.get(key, 0))]
        expected = sum(values[:-1]) / len(drawn) if drawn else float(today.get(key, 0))
        # A derived figure need not move one way as pairs merge (a worker merged with a
        # return is one more returned early; two workers merged, one fewer), so some
        # answers lie outside "none" and "all": the draws are such answers too.
        low, high = min(now, merged, *values), max(now, merged, *values)
        result[key] = FigureRange(low, high, round(expected, 2))
    return result


def figure_range(alternatives: Alternatives, figure: Callable[[KeyMap], float]) -> FigureRange:
    """The range of one figure computed from person keys (see :func:`ranges_of`)."""
    return ranges_of(alternatives, lambda key_of: {0: figure(key_of)})[0]


def count_range(alternatives: Alternatives, keys: Iterable[int]) -> FigureRange:
    """The range of a count of distinct persons among some records' person keys."""
    chosen = list(keys)
    return figure_range(alternatives, lambda key_of: len({key_of(k) for k in chosen}))


def _identity(key: int) -> int:
    return key


def _through(mapping: Mapping[int, int]) -> KeyMap:
    def key_of(key: int) -> int:
        return mapping.get(key, key)

    return key_of
