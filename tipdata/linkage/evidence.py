"""The evidence of a scored pair: per comparison its level, weight and both records' values.

Stored with each review pair (names encrypted, :data:`PROTECTED_EVIDENCE`) and shown to
reviewers; :mod:`tipdata.linkage.explain` builds the same for any two records.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

COMPARISONS = (
    "name",
    "birth_year",
    "sex",
    "province_code",
    "record_date",
    "document",
    "destination_country",
    "role",
)
PROTECTED_EVIDENCE = {"name": ("name_clean", "name_sorted_key")}
"""Evidence values that identify a person: stored encrypted (see ``access.protected``)."""

EVIDENCE_VALUES = {
    "name": ("name_clean", "name_sorted_key"),
    "birth_year": ("birth_year_low", "birth_year_high"),
    "sex": ("sex",),
    "province_code": ("province_code",),
    "record_date": ("record_date",),
    "document": (),  # a blind index says nothing to a reviewer: the level says it
    "destination_country": ("destination_country",),
    "role": ("role",),
}


def _evidence(row: Any, model: dict[str, Any]) -> dict[str, Any]:
    """Per comparison: level, its label, its match weight and both records' values."""
    evidence: dict[str, Any] = {}
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        levels = [
            level for level in comparison["comparison_levels"] if not level.get("is_null_level")
        ]
        gamma = int(row.get(f"gamma_{name}", -1))
        label = (
            "no value" if gamma < 0 else levels[len(levels) - 1 - gamma].get("label_for_charts", "")
        )
        parts = [row.get(f"mw_{name}"), row.get(f"mw_tf_adj_{name}")]
        known = [float(p) for p in parts if p is not None and not pd.isna(p)]
        weight = round(sum(known), 2) if known else None
        values = {
            column: [_plain(row.get(f"{column}_l")), _plain(row.get(f"{column}_r"))]
            for column in EVIDENCE_VALUES.get(name, ())
        }
        evidence[name] = {"gamma": gamma, "level": label, "match_weight": weight, **values}
    return evidence


def _plain(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).date().isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value
