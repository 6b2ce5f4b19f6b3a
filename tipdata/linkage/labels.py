"""Reviewers' decisions as pairwise labels: m estimated from them, and the model's levels.

A reviewer who decides that two records are one person has labelled a matching pair.
The comparison levels those pairs reach are what m means (the share of matching pairs
at each level), so a full run updates every comparison's m from them, as Splink's
``estimate_m_from_pairwise_labels`` does, but weighed against the model's own m by
:data:`LABEL_PSEUDO_MATCHES` pairs: ten decisions move m a little, a thousand decide it.

The labelled pairs are those the queue showed, scored between the review floor and the
threshold: harder than matches taken at random (fewer exact names), so the estimate leans
towards weaker levels; the weight keeps the model's m in charge until reviewers have
decided many pairs. "Different" decisions are not used for u: random sampling of pairs
estimates u far better than a few hundred hand-picked ones.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import sqlalchemy as sa
from splink import Linker
from splink.internals.block_from_labels import block_from_labels
from splink.internals.comparison_vector_values import compute_comparison_vector_values_sql
from splink.internals.pipeline import CTEPipeline
from splink.internals.vertically_concatenate import enqueue_df_concat_with_tf

from tipdata.linkage.blocking import record_ids_by_key
from tipdata.linkage.engines import LinkageEngine
from tipdata.linkage.training import apply_m_floors
from tipdata.store.database import Database
from tipdata.store.linkage import ReviewPair, ReviewStatus

LABEL_PSEUDO_MATCHES = 200.0
"""Weight of the model's m against the reviewers' labelled pairs, in matching pairs."""

M_MINIMUM = 1e-6
"""No level's m is set to zero: a level no labelled pair reached is rare, not impossible."""


def same_pairs(db: Database, record_ids: pd.Series) -> pd.DataFrame:
    """Record-id pairs reviewers decided are one person, both records among ``record_ids``.

    Returns:
        ``unique_id_l`` < ``unique_id_r``, one row per labelled pair.
    """
    with db.session() as session:
        rows = session.execute(
            sa.select(
                ReviewPair.left_source_record_id,
                ReviewPair.left_role,
                ReviewPair.right_source_record_id,
                ReviewPair.right_role,
            ).where(ReviewPair.status == ReviewStatus.SAME)
        ).all()
    keys = [((a, b), (c, d)) for a, b, c, d in rows]
    found = record_ids_by_key(db, (key for pair in keys for key in pair))
    present = set(record_ids.astype("int64").tolist())
    pairs = sorted(
        {
            tuple(sorted((found[left], found[right])))
            for left, right in keys
            if left in found and right in found and found[left] != found[right]
        }
    )
    pairs = [pair for pair in pairs if pair[0] in present and pair[1] in present]
    return pd.DataFrame(pairs, columns=["unique_id_l", "unique_id_r"], dtype="int64")


def levels_of_pairs(linker: Linker, engine: LinkageEngine, pairs: pd.DataFrame) -> pd.DataFrame:
    """The comparison level (``gamma_<comparison>``) each labelled pair reaches.

    The pairs need not be blocked: they are joined to the linker's records by id (Splink's
    ``block_from_labels``, the step of its ``estimate_m_from_pairwise_labels``).
    """
    labels = engine.register(pairs, f"labels_{id(pairs)}")
    pipeline = CTEPipeline()
    enqueue_df_concat_with_tf(linker, pipeline)
    pipeline.enqueue_list_of_sqls(block_from_labels(linker, labels.physical_name))
    pipeline.enqueue_sql(
        compute_comparison_vector_values_sql(
            linker._settings_obj._columns_to_select_for_comparison_vector_values
        ),
        "__splink__df_comparison_vectors",
    )
    vectors = linker._db_api.sql_pipeline_to_splink_dataframe(pipeline)
    return engine.to_pandas(vectors)


def update_m_from_labels(model: dict[str, Any], levels: pd.DataFrame) -> dict[str, int]:
    """Each comparison's m from the labelled pairs' levels, weighed against the model's (in place).

    m of a level becomes ``(pairs at the level + W * m) / (pairs with values + W)`` with W
    :data:`LABEL_PSEUDO_MATCHES`; pairs where either value is missing are left out of that
    comparison. Fixed m values (names, roles, sex, dates, documents: EM cannot estimate
    them) are updated too: labels are the evidence they lacked. The floors of
    ``training.M_FLOORS`` still apply.

    Returns:
        Per comparison, how many labelled pairs had both values.
    """
    used: dict[str, int] = {}
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        column = f"gamma_{name}"
        if column not in levels:
            continue
        gamma = levels[column].astype("int64")
        known = gamma[gamma >= 0]
        used[name] = len(known)
        if known.empty:
            continue
        levels_of = comparison["comparison_levels"]
        real = [level for level in levels_of if not level.get("is_null_level")]
        # Splink numbers a comparison's levels from the last (0) up to the first.
        for position, level in enumerate(real):
            at_level = int((known == len(real) - 1 - position).sum())
            start = float(level.get("m_probability") or 0.0)
            level["m_probability"] = max(
                (at_level + LABEL_PSEUDO_MATCHES * start) / (len(known) + LABEL_PSEUDO_MATCHES),
                M_MINIMUM,
            )
    apply_m_floors(model)
    return used


def level_table(model: dict[str, Any]) -> list[list[Any]]:
    """Each comparison level's m, u and match weight in bits: ``[comparison, level, m, u, bits]``.

    Examples:
        >>> level_table({"comparisons": [{"output_column_name": "sex", "comparison_levels": [
        ...     {"label_for_charts": "same", "m_probability": 0.97, "u_probability": 0.5}]}]})
        [['sex', 'same', 0.97, 0.5, 0.96]]
    """
    rows: list[list[Any]] = []
    for comparison in model.get("comparisons", []):
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m = level.get("m_probability")
            u = level.get("u_probability")
            bits = round(math.log2(m / u), 2) if m and u else None
            rows.append(
                [
                    comparison["output_column_name"],
                    str(level.get("label_for_charts") or level.get("sql_condition", "")),
                    None if m is None else round(float(m), 6),
                    None if u is None else float(f"{float(u):.4g}"),
                    bits,
                ]
            )
    return rows
