"""The Spark engine gives the same persons as DuckDB (Splink in PySpark local mode).

Selected with ``pytest -m spark``; the Spark session takes about 15 s to start, so the
module starts one engine and both Spark tests link with it (:func:`spark_engine`), set
for small data (:data:`SMALL_DATA_CONF`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.linkage.conftest import PEOPLE, AddRecords
from tests.linkage.test_service import groups, persons_by_key
from tipdata.linkage.engines import EngineError, SparkEngine, make_engine
from tipdata.linkage.service import link
from tipdata.linkage.stored_model import default_model, model_for_dialect
from tipdata.store import Database

FAMILY = ["Chea", "Keo", "Pich", "Meas", "Heng", "Lim", "Ouk", "Prak", "Sam", "Tep"]
GIVEN = ["Dara", "Sophal", "Srey Leak", "Vanna", "Bopha", "Rathana", "Sokunthea", "Kosal"]
SPELLING = {"Dara": "Darra", "Sophal": "Sophall", "Vanna": "Vana", "Bopha": "Bophaa"}


def fifty_records() -> list[tuple[str, str, str, str, str, int, str | None]]:
    """The ten inline records plus forty more: distinct people, some written twice."""
    rows = list(PEOPLE)
    for i in range(40):
        family, given = FAMILY[i % len(FAMILY)], GIVEN[(i * 3) % len(GIVEN)]
        year, province = 1975 + i, f"{1 + i % 25:02d}"
        rows.append(("police", f"X-{i}", "victim", f"{family} {given}", "female", year, province))
        if i % 4 == 0 and given in SPELLING:
            name = f"{family} {SPELLING[given]}"
            rows.append(("mosavy", f"Y-{i}", "victim", name, "female", year, province))
    return rows[:50]


SMALL_DATA_CONF = {
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "1",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.adaptive.enabled": "false",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
}
"""Spark set for fifty records and a short-lived JVM, as a deployment would set it, through
the engine's ``conf``: one partition (the default of 8 makes every stage eight tasks),
no Java code generated and compiled per query (Splink sends hundreds of small queries),
no adaptive re-planning, and the JVM's quick compiler and serial collector only. The
results are Spark's either way; the two Spark tests took 366 s instead of 787 s, the
JVM 75 s of CPU instead of 159 s or more (one run each, back to back, load 14 to 24)."""


@pytest.fixture(scope="module")
def spark_engine() -> Iterator[SparkEngine]:
    """One Spark engine (and session) for the module's Spark tests, stopped at the end."""
    engine = SparkEngine(conf=SMALL_DATA_CONF)
    yield engine
    engine.close()


def test_an_unknown_engine_is_refused() -> None:
    with pytest.raises(EngineError, match="unknown linkage engine"):
        make_engine("oracle")


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # the engine is under test
def test_spark_and_duckdb_give_the_same_persons(
    linkage_db: Database, add_records: AddRecords, spark_engine: SparkEngine
) -> None:
    add_records(fifty_records())

    duck = link(linkage_db, engine="duckdb", mode="full", actor=None)
    by_duckdb = persons_by_key(linkage_db)
    spark = link(linkage_db, engine=spark_engine, mode="full", actor=None)
    by_spark = persons_by_key(linkage_db)

    assert (duck.engine, spark.engine) == ("duckdb", "spark")
    assert duck.records == spark.records == 50
    assert spark.pairs_scored == duck.pairs_scored
    assert groups(by_spark) == groups(by_duckdb)
    assert by_spark == by_duckdb  # same clusters, so the ids stay
    assert len(groups(by_duckdb)) < 50  # something was linked


def test_a_stored_duckdb_model_is_rewritten_for_spark_sql() -> None:
    model = default_model()
    spark = model_for_dialect(model, "spark")
    sex = {c["output_column_name"]: c for c in spark["comparisons"]}["sex"]

    assert model_for_dialect(model, "duckdb") is model
    assert [level["sql_condition"] for level in sex["comparison_levels"]] == [
        "`sex_l` IS NULL OR `sex_r` IS NULL",
        "`sex_l` = `sex_r`",
        "ELSE",
    ]
    assert [
        lv.get("m_probability") for c in spark["comparisons"] for lv in c["comparison_levels"]
    ] == [lv.get("m_probability") for c in model["comparisons"] for lv in c["comparison_levels"]]
    assert spark["sql_dialect"] == "spark" and model["sql_dialect"] == "duckdb"
    assert (
        "jaro_winkler(" in json.dumps(spark)
        and '"' not in spark["blocking_rules_to_generate_predictions"][0]["blocking_rule"]
    )


def test_a_model_of_other_comparisons_is_refused() -> None:
    model = default_model()
    model["comparisons"] = model["comparisons"][:2]
    with pytest.raises(ValueError, match="not those of"):
        model_for_dialect(model, "spark")


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # the engine is under test
def test_an_incremental_run_on_spark_finds_candidates_on_the_stored_keys(
    linkage_db: Database, add_records: AddRecords, spark_engine: SparkEngine
) -> None:
    rows = fifty_records()
    add_records(rows[:40])
    link(linkage_db, engine="duckdb", mode="full", actor=None)
    add_records(rows[40:])

    spark = link(linkage_db, engine=spark_engine, mode="incremental", actor=None)
    by_spark = persons_by_key(linkage_db)
    full = link(linkage_db, engine="duckdb", mode="full", actor=None)

    assert (spark.mode, spark.records, spark.new_records) == ("incremental", 50, 10)
    assert persons_by_key(linkage_db) == by_spark  # what a full run over all records gives
    assert (full.persons_created, full.persons_merged, full.persons_split) == (0, 0, 0)
