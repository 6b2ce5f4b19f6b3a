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
