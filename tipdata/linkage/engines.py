"""Linkage engines: the same Splink model on DuckDB (embedded, default) or Spark.

An engine knows how to make Splink's database API, register a pandas table and read
a Splink result back as pandas. Everything else (settings, training, prediction,
clustering) is the same for both; only this module knows which backend runs.

Spark runs in ``local[2]`` here. To use a real cluster set ``TIPDATA_SPARK_MASTER``
(e.g. ``spark://host:7077`` or ``yarn``) and, if needed, ``TIPDATA_SPARK_CONF`` with
``key=value`` pairs separated by ``;`` (see docs/linkage.md).
"""

from __future__ import annotations

import logging
import os
from abc import ABC, abstractmethod
from typing import Any, Literal

import pandas as pd

from tipdata.errors import TipdataError

log = logging.getLogger(__name__)

EngineName = Literal["duckdb", "spark"]
ENGINES: tuple[EngineName, ...] = ("duckdb", "spark")


class EngineError(TipdataError):
    """The linkage engine cannot be started (unknown name, missing package, no Java)."""


class LinkageEngine(ABC):
    """A Splink backend: makes the database API and moves tables in and out of it."""

    name: EngineName

    @abstractmethod
    def db_api(self) -> Any:
        """The Splink database API (``DuckDBAPI`` or ``SparkAPI``), made once."""

    def register(self, table: pd.DataFrame, name: str) -> Any:
        """Register a pandas table with the engine.

        Args:
            table: the table.
            name: a name unique within this engine.

        Returns:
            The ``SplinkDataFrame``.
        """
        return self.db_api().register(self._prepare(table), dataset_display_name=name)

    def _prepare(self, table: pd.DataFrame) -> Any:
        return table

    @abstractmethod
    def query(self, sql: str) -> pd.DataFrame:
        """Run a SELECT on the engine's tables (registered by :meth:`register`) as pandas."""

    @staticmethod
    def to_pandas(splink_df: Any) -> pd.DataFrame:
        """Read a Splink result as pandas."""
        frame: pd.DataFrame = splink_df.as_pandas_dataframe()
        return frame

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the engine holds (DuckDB keeps nothing after the run)."""


class DuckDBEngine(LinkageEngine):
    """Splink on an in-memory DuckDB (the default; nothing leaves the process).

    Args:
        threads: DuckDB worker threads (default: all cores).
        memory_limit: DuckDB memory limit, e.g. ``"4GB"`` (default: DuckDB's own).
    """

    name: EngineName = "duckdb"

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None) -> None:
        self._api: Any = None
        self.threads = threads
        self.memory_limit = memory_limit

    def db_api(self) -> Any:
        if self._api is None:
            import duckdb
            from splink import DuckDBAPI

            connection = duckdb.connect(":memory:")
            if self.threads:
                connection.execute(f"SET threads = {int(self.threads)}")
            if self.memory_limit:
                connection.execute(f"SET memory_limit = '{self.memory_limit}'")
            self._api = DuckDBAPI(connection=connection)
        return self._api

    def query(self, sql: str) -> pd.DataFrame:
        frame: pd.DataFrame = self.db_api().duckdb_con.sql(sql).df()
        return frame

    def close(self) -> None:
        if self._api is not None:
            self._api.duckdb_con.close()
            self._api = None


class SparkEngine(LinkageEngine):
    """Splink on Spark: ``local[2]`` by default, a cluster through ``TIPDATA_SPARK_MASTER``.

    Args:
        master: the Spark master URL (default: ``TIPDATA_SPARK_MASTER`` or ``local[2]``).
        spark_session: an existing session to use instead (e.g. on Databricks).
        conf: extra Spark settings (default: from ``TIPDATA_SPARK_CONF``).
    """

    name: EngineName = "spark"

    def __init__(
        self,
        *,
        master: str | None = None,
        spark_session: Any = None,
        conf: dict[str, str] | None = None,
    ) -> None:
        self.master = master or os.environ.get("TIPDATA_SPARK_MASTER", "local[2]")
        self.conf = conf if conf is not None else _conf_from_environment()
        self._session = spark_session
        self._owns_session = spark_session is None
        self._api: Any = None

    def session(self) -> Any:
        """The Spark session, started on first use with Splink's similarity jar."""
        if self._session is None:
            try:
                from pyspark.sql import SparkSession
                from splink.backends.spark import similarity_jar_location
            except ImportError as exc:
                raise EngineError(
                    f"the spark engine needs pyspark (pip install 'tipdata[spark]'): {exc}"
                ) from None
            builder = (
                SparkSession.builder.master(self.master)
                .appName("tipdata-linkage")
                .config("spark.jars", similarity_jar_location())
                .config("spark.sql.shuffle.partitions", "8")
                .config("spark.default.parallelism", "8")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.memory", os.environ.get("TIPDATA_SPARK_DRIVER_MEMORY", "2g"))
            )
            for key, value in self.conf.items():
                builder = builder.config(key, value)
            try:
                self._session = builder.getOrCreate()
            except Exception as exc:  # Java missing, port in use, ...
                raise EngineError(f"cannot start Spark at {self.master}: {exc}") from None
            self._session.sparkContext.setLogLevel("ERROR")
            self._session.sparkContext.setCheckpointDir(
                os.environ.get("TIPDATA_SPARK_CHECKPOINT_DIR", "/tmp/tipdata-spark-checkpoints")
            )
        return self._session

    def db_api(self) -> Any:
        if self._api is None:
            from splink import SparkAPI

            self._api = SparkAPI(spark_session=self.session(), num_partitions_on_repartition=8)
        return self._api

    def query(self, sql: str) -> pd.DataFrame:
        frame: pd.DataFrame = self.session().sql(sql).toPandas()
        return frame

    def _prepare(self, table: pd.DataFrame) -> Any:
        # Spark cannot infer types from pandas' nullable extension dtypes: convert to
        # plain objects, with explicit nulls.
        plain = table.astype(object).where(table.notna(), None)
        return self.session().createDataFrame(plain, schema=_spark_schema(table))

    def close(self) -> None:
        if self._session is not None and self._owns_session:
            self._session.stop()
        self._session = None
        self._api = None


def _spark_schema(table: pd.DataFrame) -> Any:
    from pyspark.sql import types as T

    fields = []
    for column, dtype in table.dtypes.items():
        if pd.api.types.is_integer_dtype(dtype):
            spark_type: Any = T.LongType()
        elif pd.api.types.is_float_dtype(dtype):
            spark_type = T.DoubleType()
        else:
            spark_type = T.StringType()
        fields.append(T.StructField(str(column), spark_type, True))
    return T.StructType(fields)


def _conf_from_environment() -> dict[str, str]:
    text = os.environ.get("TIPDATA_SPARK_CONF", "")
    conf: dict[str, str] = {}
    for item in text.split(";"):
        if "=" in item:
            key, value = item.split("=", 1)
            conf[key.strip()] = value.strip()
    return conf


def make_engine(name: str = "duckdb") -> LinkageEngine:
    """The engine called ``name``.

    Args:
        name: ``"duckdb"`` (default) or ``"spark"``.

    Returns:
        A new engine (Spark starts lazily, on first use).

    Raises:
        EngineError: the name is unknown.
    """
    if name == "duckdb":
        return DuckDBEngine()
    if name == "spark":
        return SparkEngine()
    raise EngineError(f"unknown linkage engine {name!r}: use one of {', '.join(ENGINES)}")
