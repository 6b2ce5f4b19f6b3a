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
"""Clustering never puts two records whose own pair scored below this into one person
(A-B and B-C linked do not make A-C one person when A-C itself scored 0.01: 20 to 1
against). Measured (pairwise F1, none / 0.05 / 0.2): demo seed 7 0.885 / 0.881 / 0.893;
unseen trafficking seeds 1-3 0.868 / 0.868 / 0.853, 0.889 / 0.888 / 0.884, 0.875 /
0.874 / 0.860. At 0.2 the demo gains what the unseen sets lose; 0.05 only stops the
chains the model itself finds absurd."""
