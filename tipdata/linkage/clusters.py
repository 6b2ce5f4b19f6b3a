"""Clusters of records and the persons that stay put across runs.

Two pure steps, no database:

* :func:`cluster_records` — union records joined by a scored link at or above the
  threshold, strongest links first, after the must-links (reviewers' "same" decisions,
  manual merges, and in incremental runs the existing persons); a link is skipped when
  it would put two records of a cannot-link ("different") into one cluster, two records
  of a register that lists people once, or (``veto_below``) two records whose own pair
  the model scored far below the threshold: clusters do not chain.
* :func:`assign_person_ids` — give each new cluster the previous person it overlaps
  most (each previous person goes to at most one cluster; ties to the older person),
  new persons to the rest, and report merges (a previous person whose records all went
  to a cluster that kept another id) and splits (a previous person whose records are
  now in several clusters).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

Record = TypeVar("Record", bound=Hashable)
"""A record key (the service uses int record ids)."""

CONFIDENT = 0.95
"""A merge made by links all scored below this is one a reviewer might undo: the reporting
ranges split it (:func:`uncertain_merges`)."""


class _UnionFind:
    """Disjoint sets with, per set, the cannot-link partners and the registers of its members."""

    def __init__(self, items: Iterable[Hashable]) -> None:
        self.parent: dict[Hashable, Hashable] = {item: item for item in items}
        self.size: dict[Hashable, int] = dict.fromkeys(self.parent, 1)
        self.forbidden: dict[Hashable, set[Hashable]] = {}
        self.registers: dict[Hashable, set[Hashable]] = {}
        self.members: dict[Hashable, list[Hashable]] | None = None

    def find(self, item: Hashable) -> Hashable:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def forbid(self, a: Hashable, b: Hashable) -> None:
        self.forbidden.setdefault(self.find(a), set()).add(b)
        self.forbidden.setdefault(self.find(b), set()).add(a)

    def can_union(self, a: Hashable, b: Hashable) -> bool:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return True
        if not self.registers.get(root_a, set()).isdisjoint(self.registers.get(root_b, ())):
            return False
        return all(self.find(partner) != root_b for partner in self.forbidden.get(root_a, ()))

    def union(self, a: Hashable, b: Hashable) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return
        if self.size[root_a] < self.size[root_b]:
            root_a, root_b = root_b, root_a
        self.parent[root_b] = root_a
        self.size[root_a] += self.size[root_b]
        moved = self.forbidden.pop(root_b, None)
        if moved:
            self.forbidden.setdefault(root_a, set()).update(moved)
        registers = self.registers.pop(root_b, None)
        if registers:
            self.registers.setdefault(root_a, set()).update(registers)
        if self.members is not None:
            self.members[root_a].extend(self.members.pop(root_b))

    def contradicted(
        self, a: Hashable, b: Hashable, weak: Mapping[Hashable, set[Hashable]]
    ) -> bool:
        """Whether some record of ``a``'s cluster and one of ``b``'s form a ``weak`` pair."""
        assert self.members is not None
        left, right = self.members[self.find(a)], self.members[self.find(b)]
        if len(left) > len(right):
            left, right = right, left
        others = set(right)
        return any(not others.isdisjoint(weak.get(record, ())) for record in left)


def cluster_records(
    records: Iterable[Record],
    links: Iterable[tuple[Record, Record, float]],
    *,
    threshold: float,
    must_link: Iterable[tuple[Record, Record]] = (),
    cannot_link: Iterable[tuple[Record, Record]] = (),
    register_of: Mapping[Record, Hashable] | None = None,
    veto_below: float | None = None,
) -> dict[Record, Record]:
    """Cluster records by links at or above a threshold, honouring must- and cannot-links.

    Args:
        records: every record (unlinked ones become clusters of one).
        links: ``(record, record, match probability)``.
        threshold: the smallest probability that links two records.
        must_link: pairs always in one cluster (they win over cannot-links, which a
            reviewer should not have given for the same pair).
        cannot_link: pairs never in one cluster, whatever the links say.
        register_of: record -> its register, for records of registers that list each
            person once: a scored link never joins two clusters holding records of the
            same such register (one ministry register's two rows are two people, however
            alike: this is what stops `Bui Thi ...` chaining different women into one
            person). Must-links still join them (a reviewer saw both rows).

    Returns:
        record -> cluster representative (a record of the cluster).

    Examples:
        >>> clusters = cluster_records([1, 2, 3], [(1, 2, 0.99), (2, 3, 0.95)],
        ...     threshold=0.9, cannot_link=[(1, 3)])
        >>> clusters[1] == clusters[2], clusters[3] == clusters[2]
        (True, False)
        >>> clusters = cluster_records([1, 2, 3], [(1, 2, 0.99), (2, 3, 0.95)],
        ...     threshold=0.9, register_of={1: "mosavy", 3: "mosavy"})
        >>> clusters[1] == clusters[2], clusters[3] == clusters[2]
        (True, False)
        >>> clusters = cluster_records([1, 2, 3], [(1, 2, 0.99), (2, 3, 0.95), (1, 3, 0.01)],
        ...     threshold=0.9, veto_below=0.2)
        >>> clusters[1] == clusters[2], clusters[3] == clusters[2]
        (True, False)
    """
    records = list(records)
    sets = _UnionFind(records)
    for a, b in cannot_link:
        if a in sets.parent and b in sets.parent:
            sets.forbid(a, b)
    for record, register in (register_of or {}).items():
        if record in sets.parent:
            sets.registers[record] = {register}
    links = [(a, b, p) for a, b, p in links if a in sets.parent and b in sets.parent]
    weak: dict[Hashable, set[Hashable]] = defaultdict(set)
    if veto_below is not None:
        sets.members = {record: [record] for record in records}
        for a, b, p in links:
            if p < veto_below:
                weak[a].add(b)
                weak[b].add(a)
    for a, b in must_link:
        if a in sets.parent and b in sets.parent:
            sets.union(a, b)
    strong = sorted(((p, a, b) for a, b, p in links if p >= threshold), key=lambda item: -item[0])
    for _probability, a, b in strong:
        if sets.can_union(a, b) and not (weak and sets.contradicted(a, b, weak)):
            sets.union(a, b)
    # The union-find holds only the records given, so each root is one of them.
    return {record: sets.find(record) for record in records}  # type: ignore[misc]


def uncertain_merges(
    clusters: Mapping[int, int],
    links: Iterable[tuple[int, int, float]],
    *,
    threshold: float,
    confident: float = CONFIDENT,
    must_link: Iterable[tuple[int, int]] = (),
    cannot_link: Iterable[tuple[int, int]] = (),
    register_of: Mapping[int, Hashable] | None = None,
    veto_below: float | None = None,
) -> tuple[dict[int, int], dict[tuple[int, int], float]]:
    """The clusters joined by uncertain links, in their confident parts.

    :func:`cluster_records` joins links strongest first, so the state it reaches after
    the links at or above ``confident`` is what clustering at ``confident`` gives: those
    clusters (restricted to the clusters some link in ``[threshold, confident)`` holds) are
    the parts, and the uncertain links join them. Called with the arguments the clusters
    were made with.

    Args:
        clusters: record -> cluster (:func:`cluster_records`).
        links, threshold, must_link, cannot_link, register_of, veto_below: as given to
            :func:`cluster_records`.
        confident: the smallest probability of a link no reviewer is asked to doubt.

    Returns:
        ``(part_of, merges)``: record -> its part (the part's smallest record) for every
        record of a cluster with several parts, and per pair of parts (smaller first) the
        strongest link between them.

    Examples:
        >>> links = [(1, 2, 0.99), (2, 3, 0.7), (4, 5, 0.8)]
        >>> clusters = cluster_records([1, 2, 3, 4, 5, 6], links, threshold=0.5)
        >>> uncertain_merges(clusters, links, threshold=0.5)
        ({1: 1, 2: 1, 3: 3, 4: 4, 5: 5}, {(1, 3): 0.7, (4, 5): 0.8})
    """
    links = list(links)
    doubted = {
        clusters[a]
        for a, b, p in links
        if threshold <= p < confident and a in clusters and clusters.get(b) == clusters[a]
    }
    if not doubted:
        return {}, {}
    records = [r for r, cluster in clusters.items() if cluster in doubted]
    chosen = set(records)
    within = [(a, b, p) for a, b, p in links if a in chosen and b in chosen]
    parts = cluster_records(
        records,
        within,
        threshold=confident,
        must_link=[(a, b) for a, b in must_link if a in chosen and b in chosen],
        cannot_link=[(a, b) for a, b in cannot_link if a in chosen and b in chosen],
        register_of={r: reg for r, reg in (register_of or {}).items() if r in chosen},
        veto_below=veto_below,
    )
    smallest: dict[int, int] = {}
    for record, part in parts.items():
        smallest[part] = min(record, smallest.get(part, record))
    merges: dict[tuple[int, int], float] = {}
    for a, b, p in within:
        if not threshold <= p < confident or clusters[a] != clusters[b]:
            continue
        left, right = sorted((smallest[parts[a]], smallest[parts[b]]))
        if left != right:
            merges[(left, right)] = max(p, merges.get((left, right), 0.0))
    split = {clusters[left] for left, _ in merges}
    part_of = {r: smallest[parts[r]] for r in sorted(records) if clusters[r] in split}
    return part_of, merges


@dataclass
class IdAssignment:
    """Which person each cluster becomes, and what changed since the previous run."""

    person_of_cluster: dict[Hashable, int | None] = field(default_factory=dict)
    """cluster -> previous person id kept, or None for a new person."""
    merged: dict[int, int | None] = field(default_factory=dict)
    """previous person -> the person it was merged into (None: into a new person)."""
    split: dict[int, list[Hashable]] = field(default_factory=dict)
    """previous person -> the other clusters that took some of its records."""


def assign_person_ids(
    clusters: Mapping[Record, Hashable], previous: Mapping[Record, int | None]
) -> IdAssignment:
    """Keep person ids by maximum overlap with the previous clusters.

    Args:
        clusters: record -> new cluster.
        previous: record -> person id of the previous run (None or absent: new record).

    Returns:
        The assignment; a cluster with no previous records gets a new person.

    Examples:
        >>> result = assign_person_ids({1: "a", 2: "a", 3: "b"}, {1: 7, 2: 8, 3: 8})
        >>> result.person_of_cluster, result.merged, result.split
        ({'a': 7, 'b': 8}, {}, {8: ['a']})
    """
    overlap: Counter[tuple[Hashable, int]] = Counter()
    members: dict[Hashable, int] = Counter(clusters.values())
    for record, cluster in clusters.items():
        person = previous.get(record)
        if person is not None:
            overlap[(cluster, person)] += 1
    result = IdAssignment()
    taken: set[int] = set()
    # Largest overlap first; ties to the older (smaller) person id, then the larger cluster.
    for (cluster, person), _count in sorted(
        overlap.items(), key=lambda item: (-item[1], item[0][1], -members[item[0][0]])
    ):
        if cluster in result.person_of_cluster or person in taken:
            continue
        result.person_of_cluster[cluster] = person
        taken.add(person)
    for cluster in members:
        result.person_of_cluster.setdefault(cluster, None)
    clusters_of_person: dict[int, set[Hashable]] = defaultdict(set)
    for (cluster, person), _count in overlap.items():
        clusters_of_person[person].add(cluster)
    for person, where in clusters_of_person.items():
        if person in taken:
            others = sorted((c for c in where if result.person_of_cluster[c] != person), key=str)
            if others:
                result.split[person] = others
        else:
            # Every record of this person now sits in clusters that kept other ids.
            target = max(where, key=lambda c: (overlap[(c, person)], str(c)))
            result.merged[person] = result.person_of_cluster[target]
    return result


def records_to_recluster(
    previous: Mapping[Record, int | None],
    links: Iterable[tuple[Record, Record]],
) -> set[Record]:
    """The records an incremental run must re-cluster; every other person stays as it is.

    In an incremental run each existing person is must-linked whole, so a person that no
    link or must-link joins to another person or to a new record ends up, after
    :func:`cluster_records`, as one cluster of exactly its records and keeps its id in
    :func:`assign_person_ids`. Only the new records and the persons that some edge
    joins to something else can change: clustering those alone gives the same persons
    as clustering everything.

    Args:
        previous: record -> person id of the previous run (None: a new record); records
            absent from it are ignored.
        links: pairs that may join two records: scored links at or above the threshold
            and must-links (reviewers' "same" decisions, manual merges).

    Returns:
        The new records and every record of a person touched by an edge that leaves it.

    Examples:
        >>> sorted(records_to_recluster({1: 7, 2: 7, 3: 8, 4: 9, 5: None}, [(5, 3), (1, 2)]))
        [3, 5]
    """
    touched: set[int] = set()
    for a, b in links:
        if a not in previous or b not in previous:
            continue
        person_a, person_b = previous[a], previous[b]
        if person_a is not None and person_a == person_b:
            continue
        if person_a is not None:
            touched.add(person_a)
        if person_b is not None:
            touched.add(person_b)
    return {record for record, person in previous.items() if person is None or person in touched}
