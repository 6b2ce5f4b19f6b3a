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
"""Clustering never puts two records into one person when their own pair's evidence is
20 to 1 against (``CHAIN_VETO / (1 - CHAIN_VETO)``: the Bayes factor of the pair's
comparisons, the prior left out; :func:`chain_veto` turns it into a probability for the
database's prior). A-B and B-C linked do not make A-C one person when A-C itself says
"two people". Until model 6 the veto was the probability 0.05 itself, which on the
national database (prior about 1e-6) vetoed pairs with 15 bits of evidence *for*: a
returnee's screening (an age, no passport) and the worker's departure (no province)
scored 0.04 and kept the worker's departure, status report and screening apart. Measured
as a probability (pairwise F1, none / 0.05 / 0.2): demo seed 7 0.885 / 0.881 / 0.893;
unseen trafficking seeds 1-3 0.868 / 0.868 / 0.853, 0.889 / 0.888 / 0.884, 0.875 /
0.874 / 0.860: no veto was never worse than 0.05.

Kept after measuring two alternatives on 2026-12-07 (branch ``hlink``), back to back
with this veto by the same commands. (1) The probability 0.05 unless the pair's own
evidence is 10 bits for (so nothing is vetoed on the national database): demo at scale
0.05 linked by the model 539 of 559 counts inside their range (528 with this veto), the
fake_1000 slice of ``tests/linkage/test_public_tipdata.py`` persons F1 0.934 (0.906),
unseen trafficking / migration F1 0.887 / 0.811 (0.884 / 0.789), migration bench pairs
0.919 (0.919); but the whole fake_1000 set clustered 0.879 / 0.885 / 0.868 at 0.5 / 0.8 /
0.95 (0.902 / 0.922 / 0.885) and historical_50k 0.600 / 0.423 at 0.5 / 0.95 (0.714 /
0.461): there the probability cuts true chains. (2) Vetoes at 4 to 1 against, with a
database under 10,000 records keeping its pairs under :data:`SCORE_FLOOR` for them
(pairs captured and clustered again, not run end to end): fake_1000 0.905 at 0.5, the
slice 0.942, the migration pairs unchanged, but the demo still 528: a candidate."""


def chain_veto(prior: float, threshold: float) -> float:
    """The match probability below which a scored pair vetoes a chain, for this prior.

    A pair whose comparisons are :data:`CHAIN_VETO` odds against (Bayes factor at most
    ``CHAIN_VETO / (1 - CHAIN_VETO)``) has posterior odds of the prior's odds times that
    factor. With a small database's prior of 0.5 that is about 0.05, as before; with the
    national database's prior of 1e-6 it is about 5e-8, below every scored pair: there, a
    pair scored low lacks evidence, it is no evidence against.

    Args:
        prior: the model's probability that two random records match.
        threshold: the link threshold (the veto never reaches it).

    Returns:
        The probability for :func:`tipdata.linkage.clusters.cluster_records`' ``veto_below``.

    Examples:
        >>> round(chain_veto(0.5, 0.5), 3)
        0.05
        >>> chain_veto(1e-6, 0.5) < 1e-7
        True
    """
    prior = min(max(prior, 1e-12), 1 - 1e-12)
    odds = prior / (1 - prior) * CHAIN_VETO / (1 - CHAIN_VETO)
    return min(odds / (1 + odds), threshold)
