"""Incremental re-clustering of only the affected persons gives the full clustering."""

from __future__ import annotations

import random

import pytest

from tipdata.linkage.clusters import (
    assign_person_ids,
    cluster_records,
    records_to_recluster,
    uncertain_merges,
)
from tipdata.linkage.defaults import chain_veto


def _persons(
    previous: dict[int, int | None],
    links: list[tuple[int, int, float]],
    must: list[tuple[int, int]],
    cannot: list[tuple[int, int]],
    *,
    restrict: bool,
) -> dict[int, int | None]:
    """record -> person kept (None: a new person's cluster rep) after an incremental run."""
    must = list(must)
    anchors: dict[int, int] = {}
    for record, person in previous.items():
        if person is not None:
            must.append((anchors.setdefault(person, record), record))
    scope = set(previous)
    if restrict:
        edges = [(a, b) for a, b, p in links if p >= 0.8] + must
        scope = records_to_recluster(previous, edges)
    clusters = cluster_records(
        [r for r in previous if r in scope],
        links,
        threshold=0.8,
        must_link=must,
        cannot_link=cannot,
        veto_below=0.3,
    )
    assignment = assign_person_ids(clusters, {r: p for r, p in previous.items() if r in scope})
    kept = {r: assignment.person_of_cluster[c] for r, c in clusters.items()}
    # A new person is named by its smallest record, so both runs compare equal.
    new_name = {c: -min(r for r, k in clusters.items() if k == c) for c in set(clusters.values())}
    out = {r: (p if p is not None else new_name[clusters[r]]) for r, p in kept.items()}
    out.update({r: p for r, p in previous.items() if r not in scope})
    return out


@pytest.mark.parametrize("seed", range(30))
def test_reclustering_the_affected_persons_equals_reclustering_all(seed: int) -> None:
    rng = random.Random(seed)
    previous: dict[int, int | None] = {
        r: (None if r % 4 == 0 else rng.randrange(1, 12)) for r in range(60)
    }
    records = list(previous)
    new = [r for r in records if previous[r] is None]
    links = [
        (rng.choice(new), rng.choice(records), rng.choice([0.1, 0.5, 0.85, 0.9, 0.99]))
        for _ in range(25)
    ]
    must = [(rng.choice(records), rng.choice(records)) for _ in range(3)]
    cannot = [(rng.choice(records), rng.choice(records)) for _ in range(6)]

    restricted = _persons(previous, links, must, cannot, restrict=True)
    everything = _persons(previous, links, must, cannot, restrict=False)

    assert restricted == everything


def test_only_new_records_and_persons_joined_to_something_else_are_reclustered() -> None:
    previous: dict[int, int | None] = {1: 7, 2: 7, 3: 8, 4: 8, 5: 9, 6: None, 7: None, 99: 5}

    scope = records_to_recluster(previous, [(6, 3), (1, 2), (5, 5), (1, 100)])

    assert scope == {3, 4, 6, 7}


def test_a_must_link_between_two_existing_persons_puts_both_in_scope() -> None:
    previous: dict[int, int | None] = {1: 7, 2: 8, 3: 9}

    assert records_to_recluster(previous, [(1, 2)]) == {1, 2}


def test_a_pair_scored_below_the_veto_keeps_a_chain_apart() -> None:
    # A-B and B-C are strong; A-C itself scored 0.05: A and C are not one person, and
    # B goes with its stronger link.
    links = [(1, 2, 0.95), (2, 3, 0.9), (1, 3, 0.05)]

    chained = cluster_records([1, 2, 3], links, threshold=0.5)
    kept = cluster_records([1, 2, 3], links, threshold=0.5, veto_below=0.2)

    assert len(set(chained.values())) == 1
    assert kept[1] == kept[2] != kept[3]


def test_unscored_pairs_say_nothing_and_reviewers_win_over_the_veto() -> None:
    # 1-3 never scored (not blocked together): the chain stands.
    unscored = cluster_records(
        [1, 2, 3], [(1, 2, 0.95), (2, 3, 0.9)], threshold=0.5, veto_below=0.2
    )
    # A reviewer's "same" joins 1 and 3 although their pair scored 0.05.
    decided = cluster_records(
        [1, 2, 3],
        [(1, 2, 0.95), (2, 3, 0.9), (1, 3, 0.05)],
        threshold=0.5,
        must_link=[(1, 3)],
        veto_below=0.2,
    )

    assert len(set(unscored.values())) == 1
    assert decided[1] == decided[3]


def test_the_chain_veto_is_evidence_against_not_a_low_probability() -> None:
    # The same pair's comparisons (a Bayes factor of 1/19: 20 to 1 against) veto a
    # chain whatever the database's prior; a probability of 0.04 on the national
    # database (prior 1e-6) is 15 bits of evidence *for*, and vetoes nothing.
    links = [(1, 2, 0.95), (2, 3, 0.9), (1, 3, 0.04)]
    small, national = chain_veto(0.5, 0.2), chain_veto(1e-6, 0.2)

    assert small == pytest.approx(0.05)
    assert national == pytest.approx(1e-6 / 19, rel=1e-3)
    assert chain_veto(0.9, 0.2) == 0.2  # never above the review floor
    kept = cluster_records([1, 2, 3], links, threshold=0.5, veto_below=small)
    chained = cluster_records([1, 2, 3], links, threshold=0.5, veto_below=national)
    assert kept[1] == kept[2] != kept[3]
    assert len(set(chained.values())) == 1


def test_uncertain_merges_are_the_parts_clustering_at_the_confident_level_would_keep() -> None:
    links = [(1, 2, 0.99), (2, 3, 0.7), (3, 4, 0.96), (4, 5, 0.6), (6, 7, 0.97), (8, 9, 0.4)]
    clusters = cluster_records(range(1, 10), links, threshold=0.5)
    part_of, merges = uncertain_merges(clusters, links, threshold=0.5)
    # one person 1-5 in three confident parts; 6-7 confident; 8, 9 never merged
    assert part_of == {1: 1, 2: 1, 3: 3, 4: 3, 5: 5}
    assert merges == {(1, 3): 0.7, (3, 5): 0.6}


def test_an_uncertain_merge_keeps_its_strongest_link_and_ignores_links_within_a_part() -> None:
    links = [(1, 2, 0.8), (1, 3, 0.55), (2, 3, 0.99), (1, 4, 0.9)]
    clusters = cluster_records(range(1, 5), links, threshold=0.5)
    part_of, merges = uncertain_merges(clusters, links, threshold=0.5)
    assert part_of == {1: 1, 2: 2, 3: 2, 4: 4}
    assert merges == {(1, 2): 0.8, (1, 4): 0.9}


def test_a_reviewers_same_decision_is_confident_and_a_vetoed_link_is_no_merge() -> None:
    # 1~2 decided the same by a reviewer: one part although scored 0.6
    links = [(1, 2, 0.6), (2, 3, 0.7), (3, 4, 0.8), (1, 4, 0.01)]
    must = [(1, 2)]
    clusters = cluster_records(range(1, 5), links, threshold=0.5, must_link=must, veto_below=0.2)
    # the chain veto keeps 3-4 apart from 1-2 (the pair 1~4 scored 0.01)
    assert clusters[1] == clusters[2] != clusters[3] == clusters[4]
    part_of, merges = uncertain_merges(
        clusters, links, threshold=0.5, must_link=must, veto_below=0.2
    )
    assert part_of == {3: 3, 4: 4}
    assert merges == {(3, 4): 0.8}
