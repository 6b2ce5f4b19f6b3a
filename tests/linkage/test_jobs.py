"""The background linkage runs of an application (:mod:`tipdata.linkage.jobs`).

The runner is a stand-in the test holds or fails, so each state is reached on purpose;
the real run through the web is in ``tests/web/test_linkage_jobs.py``.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tipdata.access.policy import LOCAL_OPERATOR, AccessDenied, Actor
from tipdata.linkage.service import LinkageBusyError, LinkageError, LinkageJobs, LinkRun
from tipdata.store import Database
from tipdata.store.base import utc_now
from tipdata.store.linkage import LinkageMode, LinkageRun, RunStatus
from tipdata.store.reference import Agency

OFFICER = Actor(1, "officer", "ntf_data_officer", 1)


@pytest.fixture
def linkable(sqlite_db: Database) -> Database:
    from tipdata.codelists import load_codelists, load_law_catalogue
    from tipdata.store.refdata import sync_reference_data

    sync_reference_data(sqlite_db, load_codelists(), load_law_catalogue())
    return sqlite_db


class Runner:
    """Stands in for :func:`link`: waits for ``go``, then answers a run or fails."""

    def __init__(self, error: Exception | None = None) -> None:
        self.go = threading.Event()
        self.error = error
        self.calls: list[dict[str, Any]] = []

    def __call__(self, _db: Database, **options: Any) -> LinkRun:
        self.calls.append(options)
        options["progress"]("predict", 0, 1)
        options["run_started"](7)
        assert self.go.wait(30)
        if self.error is not None:
            raise self.error
        return LinkRun(run_id=7, engine="duckdb", mode=options["mode"], threshold=0.9)


def _stored_run(db: Database, *, started_ago: timedelta) -> None:
    with db.session() as session:
        owner = session.scalar(sa.select(Agency.id).where(Agency.code == "NTF"))
        session.add(
            LinkageRun(
                owner_agency_id=owner,
                engine="duckdb",
                mode=LinkageMode.FULL,
                status=RunStatus.RUNNING,
                model_version="test",
                threshold=0.9,
                review_lower=0.5,
                review_upper=0.9,
                started_at=utc_now() - started_ago,
                started_by="cli-user",
            )
        )


def test_one_run_at_a_time_and_the_job_tells_its_steps(linkable: Database) -> None:
    runner = Runner()
    jobs = LinkageJobs(linkable, runner=runner)
    job = jobs.start(mode="auto", actor=OFFICER)
    # no model yet: auto is a full run, decided before the thread starts
    assert (job.job_id, job.state, job.mode, job.started_by) == (1, "running", "full", "officer")
    with pytest.raises(LinkageBusyError, match=r"started by officer at .* UTC"):
        jobs.start(mode="full", actor=OFFICER)
    runner.go.set()
    done = jobs.wait(1, timeout=30)
    assert done is not None
    assert (done.state, done.step, done.run_id, done.error) == ("finished", "predict", 7, None)
    assert done.result is not None and done.finished_at is not None
    assert runner.calls[0]["mode"] == "full" and runner.calls[0]["actor"] == OFFICER
    # finished: the next one may start
    runner.go.clear()
    assert jobs.start(mode="full", actor=OFFICER).job_id == 2
    runner.go.set()
    assert jobs.wait(2, timeout=30).state == "finished"  # type: ignore[union-attr]
    assert jobs.latest().job_id == 2  # type: ignore[union-attr]


def test_a_failed_run_keeps_its_error_and_frees_the_next(linkable: Database) -> None:
    runner = Runner(LinkageError("agency NTF is not in the database"))
    runner.go.set()
    jobs = LinkageJobs(linkable, runner=runner)
    jobs.start(mode="full", actor=None)
    failed = jobs.wait(1, timeout=30)
    assert failed is not None and failed.state == "failed"
    assert str(failed.error) == "agency NTF is not in the database"
    assert failed.started_by == LOCAL_OPERATOR
    assert jobs.running() is None and jobs.start(mode="full", actor=None).job_id == 2
    jobs.wait(2, timeout=30)


def test_a_run_of_another_process_blocks_until_it_is_stale(linkable: Database) -> None:
    runner = Runner()
    runner.go.set()
    jobs = LinkageJobs(linkable, runner=runner)
    _stored_run(linkable, started_ago=timedelta(minutes=5))
    with pytest.raises(LinkageBusyError, match="started by cli-user at"):
        jobs.start(mode="full", actor=OFFICER)
    assert jobs.latest() is None
    with linkable.session() as session:
        session.execute(sa.update(LinkageRun).values(started_at=utc_now() - timedelta(hours=13)))
    assert jobs.start(mode="full", actor=OFFICER).job_id == 1
    jobs.wait(1, timeout=30)


def test_an_impossible_or_unpermitted_run_starts_no_job(linkable: Database) -> None:
    jobs = LinkageJobs(linkable, runner=Runner())
    with pytest.raises(LinkageError, match="an incremental run cannot honour this: no trained"):
        jobs.start(mode="incremental", actor=OFFICER)
    reader = Actor(2, "reader", "statistics_reader", 1)
    with pytest.raises(AccessDenied):
        jobs.start(mode="full", actor=reader)
    assert jobs.latest() is None
