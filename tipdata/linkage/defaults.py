"""The thresholds of a linkage run (a light module: the CLI reads them for its help)."""

DEFAULT_THRESHOLD = 0.5
"""Match probability at or above which two records are one person: the model's
probabilities are calibrated on each database (prior and u estimated on it), so a
pair more likely the same person than not is linked. At 0.8 the demo (seed 7) gave
pairwise F1 0.859 and the unseen trafficking set 0.734; at 0.5, 0.882 and 0.839. Two
records of one register that lists people once are never joined, whatever the
threshold, which keeps precision (0.87-0.92)."""

DEFAULT_REVIEW_LOWER = 0.2
"""Pairs between this and the threshold go to the review queue."""

SCORE_FLOOR = 0.01
"""Pairs are scored down to this probability; those below the review floor are neither
linked nor queued, only kept as evidence against (:data:`CHAIN_VETO`)."""

CHAIN_VETO = 0.05
"""Clustering never puts two records into one person when the model gives their own pair
less than this probability (1 in 20), unless that pair's own evidence is
:data:`CHAIN_VETO_EVIDENCE_FOR` or more for; and always when its evidence is 20 to 1
against (``CHAIN_VETO / (1 - CHAIN_VETO)`` as a Bayes factor, the prior left out).
A-B and B-C linked do not make A-C one person when A-C itself says "two people".
:func:`chain_veto` turns the rule into one probability for the database's prior.

Measured as a probability (pairwise F1, none / 0.05 / 0.2): demo seed 7 0.885 / 0.881 /
0.893; unseen trafficking seeds 1-3 0.868 / 0.868 / 0.853, 0.889 / 0.888 / 0.884, 0.875
/ 0.874 / 0.860. The probability alone, on the national database (prior about 1e-6),
vetoed pairs with 15 bits of evidence *for*: a returnee's screening (an age, no passport)
and the worker's departure (no province) scored 0.04 and kept the worker's departure,
status report and screening apart (``benchmarks/bench_migration.py --scale 1 --seed 1``:
migration pairs F1 0.863 with it, 0.919 without). Judged on evidence alone (20 to 1
against), it vetoed nothing in a small database either, where such a pair scores under
:data:`SCORE_FLOOR` and is dropped: the fake_1000 slice of
``tests/linkage/test_public_tipdata.py`` (302 records, prior 0.0075) fell from persons
F1 0.934 to 0.906, and the demo at scale 0.05 linked by the model
(``tests/reporting/test_tip_uncertainty.py``) from 542 to 528 of 559 counts inside their
range. In a small database the pairs the probability vetoed carry 2 to 12 bits for (the
prior is 7 to 16 bits down); on the national database 15. A cap on the evidence keeps
both: see :data:`CHAIN_VETO_EVIDENCE_FOR`."""

CHAIN_VETO_EVIDENCE_FOR = 1024.0
"""A pair whose own comparisons are this Bayes factor for (10 bits) or more never vetoes
a chain, however low the prior makes its probability: it lacks a match's evidence only
because the database is large. On the national database (prior 1.1e-6) the veto thus
falls to 0.0011, under every pair a run keeps; in the demo at scale 0.05 (8,000
records, prior 1.3e-5) it is 0.013; with a prior of 1e-4 or more, 0.05.

Measured back to back (fake_1000 slice persons F1; ``bench_migration.py --scale 1 --seed
1`` migration pairs F1; the demo at scale 0.05 linked by the model: counts of 559 inside
their range, and ``tests/reporting/test_migration.py``'s per-company counts outside):
evidence alone (20 to 1 against) 0.906 / 0.919 / 528 / 0; the probability 0.05 alone
0.934 / 0.863 / 542 / 1; capped at 12 or 11 bits 0.934 / 0.919 / 542 / 1 (a recruiter's
court records against his departure, 0.02-0.09, were vetoed: `agents_prosecuted`
outside); at 10 bits 0.934 / 0.919 / 539 / 0. The slice's and the migration pairs
clustered again gave the same at 8 bits; 14 bits cost the migration pairs 0.003. Vetoes
by evidence against alone, with the pairs under the floor kept for them, gave the slice
0.942 at 4 to 1 against but left the demo at 528."""


def chain_veto(prior: float, threshold: float) -> float:
    """The match probability below which a scored pair vetoes a chain, for this prior.

    The smaller of :data:`CHAIN_VETO` and the probability of a pair with
    :data:`CHAIN_VETO_EVIDENCE_FOR` (a pair with that much evidence for never vetoes),
    but at least the probability of a pair :data:`CHAIN_VETO` odds against (such a pair
    always vetoes); never above ``threshold``.

    Args:
        prior: the model's probability that two random records match.
        threshold: the link threshold (the veto never reaches it).

    Returns:
        The probability for :func:`tipdata.linkage.clusters.cluster_records`' ``veto_below``.

    Examples:
        >>> chain_veto(1e-4, 0.5)  # a few thousand records
        0.05
        >>> round(chain_veto(1.1e-6, 0.5), 4)  # the national database
        0.0011
        >>> round(chain_veto(0.9, 0.5), 3)  # a pair 20 to 1 against, in a register of twins
        0.321
    """
    prior = min(max(prior, 1e-12), 1 - 1e-12)
    prior_odds = prior / (1 - prior)

    def probability(bayes_factor: float) -> float:
        odds = prior_odds * bayes_factor
        return odds / (1 + odds)

    against = probability(CHAIN_VETO / (1 - CHAIN_VETO))
    weak = min(CHAIN_VETO, probability(CHAIN_VETO_EVIDENCE_FOR))
    return min(max(weak, against), threshold)
