"""A linkage run in the background: started by a request, watched by later requests.

A run takes seconds to minutes, longer than a browser (or a proxy) waits for one answer.
:class:`LinkageJobs` runs :func:`~tipdata.linkage.run.link` on a thread the application
owns and keeps each job's state in memory: its step, the ``linkage_run`` row once stored,
and at the end the run's counts or its error. One run at a time: a second start is
refused (:class:`LinkageBusyError`) while this process runs one, and while the database
holds a run still ``running`` that started less than :data:`STALE_AFTER` ago (a run of
``tipdata link`` or of another server process); an older ``running`` row is a crashed
run and does not block.

The permission is checked at the start (``linkage:run``, audited when refused, as
:func:`link` does) and again by :func:`link` on the thread. An impossible run
(``incremental`` when the run must be full) is refused at the start, before any thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa

from tipdata.access import audit
from tipdata.access.policy import LOCAL_OPERATOR, Actor
from tipdata.linkage.common import LinkageError, _require
from tipdata.linkage.run import LinkRun, Mode, link, planned_mode
from tipdata.store.base import utc_now
from tipdata.store.database import Database
from tipdata.store.linkage import LinkageRun, RunStatus

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(hours=12)
"""A ``running`` row older than this is a run that died with its process: it blocks no one."""

JobState = Literal["running", "finished", "failed"]


class LinkageBusyError(LinkageError):
    """A linkage run is under way: a second one waits until it has finished."""


@dataclass(frozen=True)
class LinkageJob:
    """One background linkage run as its watchers see it.

    Attributes:
        job_id: the job (counted per application, from 1).
        state: ``running``, ``finished`` or ``failed``.
        mode: the mode the run takes (``full`` or ``incremental``).
        started_by: who started it.
        started_at: when it was started.
        step: what it does now (``starting``, ``load records``, ``train``, ``predict``,
            ``cluster``).
        run_id: its ``linkage_run`` row, once stored.
        finished_at: when it ended (None while running).
        error: why it failed (None unless failed).
        result: the run's counts (None unless finished).
    """

    job_id: int
    state: JobState
    mode: str
    started_by: str
    started_at: datetime
    step: str = "starting"
    run_id: int | None = None
    finished_at: datetime | None = None
    error: Exception | None = None
    result: LinkRun | None = None


@audit.audits_denials("linkage_run")
def _check_may_run(db: Database, *, actor: Actor | None) -> None:
    """Refuse (and audit) an actor without ``linkage:run``."""
    _require(actor, "linkage:run")


class LinkageJobs:
    """The background linkage runs of one application, one at a time.

    Examples:
        >>> jobs = LinkageJobs(db)  # doctest: +SKIP
        >>> job = jobs.start(mode="auto", actor=actor)  # doctest: +SKIP
        >>> jobs.wait(job.job_id).state  # doctest: +SKIP
        'finished'
    """

    def __init__(
        self, db: Database | Callable[[], Database], *, runner: Callable[..., LinkRun] = link
    ) -> None:
        """Keep the database (or a function that gives it, connected when first needed) and
        the function that runs linkage (:func:`link`; tests pass one they can hold)."""
        self._database = db
        self._runner = runner
        self._lock = threading.Lock()
        self._jobs: dict[int, LinkageJob] = {}
        self._threads: dict[int, threading.Thread] = {}
        self._next_id = 1

    def start(self, *, mode: Mode, actor: Actor | None) -> LinkageJob:
        """Start a linkage run on a thread of its own and answer at once.

        Args:
            mode: ``auto``, ``full`` or ``incremental`` (as :func:`link`).
            actor: who starts it (needs ``linkage:run``); None for the local operator.

        Returns:
            The job, running.

        Raises:
            AccessDenied: the actor lacks ``linkage:run`` (audited).
            LinkageBusyError: a run is under way (here or in the database).
            LinkageError: the run cannot be made (an incremental run that must be full).
        """
        _check_may_run(self._db, actor=actor)
        with self._lock:
            running = self._running()
            if running is not None:
                raise LinkageBusyError(
                    f"a linkage run is under way, started by {running.started_by} at "
                    f"{running.started_at:%H:%M} UTC: wait until it has finished"
                )
            self._refuse_if_running_elsewhere()
            planned = planned_mode(self._db, mode)
            job = LinkageJob(
                job_id=self._next_id,
                state="running",
                mode=planned,
                started_by=actor.username if actor is not None else LOCAL_OPERATOR,
                started_at=utc_now(),
            )
            self._next_id += 1
            self._jobs[job.job_id] = job
            thread = threading.Thread(
                target=self._run,
                args=(job.job_id, planned, actor),
                name=f"linkage-job-{job.job_id}",
                daemon=True,
            )
            self._threads[job.job_id] = thread
            thread.start()
        return job

    def job(self, job_id: int) -> LinkageJob | None:
        """The job as it is now (None: no such job in this application)."""
        with self._lock:
            return self._jobs.get(job_id)

    def running(self) -> LinkageJob | None:
        """The job under way, if any."""
        with self._lock:
            return self._running()

    def _running(self) -> LinkageJob | None:
        return next((job for job in self._jobs.values() if job.state == "running"), None)

    def latest(self) -> LinkageJob | None:
        """The newest job, whatever its state."""
        with self._lock:
            return self._jobs[max(self._jobs)] if self._jobs else None

    def wait(self, job_id: int, timeout: float | None = None) -> LinkageJob | None:
        """Wait until a job ends (or ``timeout`` seconds pass); answer it as it is then."""
        with self._lock:
            thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)
        return self.job(job_id)

    @property
    def _db(self) -> Database:
        return self._database if isinstance(self._database, Database) else self._database()

    def _refuse_if_running_elsewhere(self) -> None:
        with self._db.session() as session:
            other = session.execute(
                sa.select(LinkageRun.started_by, LinkageRun.started_at)
                .where(
                    LinkageRun.status == RunStatus.RUNNING,
                    LinkageRun.started_at > utc_now() - STALE_AFTER,
                )
                .order_by(LinkageRun.id.desc())
                .limit(1)
            ).first()
        if other is not None:
            raise LinkageBusyError(
                f"a linkage run is under way, started by {other.started_by or 'the CLI'} at "
                f"{other.started_at:%H:%M} UTC: wait until it has finished"
            )

    def _update(self, job_id: int, **changes: object) -> None:
        with self._lock:
            self._jobs[job_id] = replace(self._jobs[job_id], **changes)  # type: ignore[arg-type]

    def _run(self, job_id: int, mode: Mode, actor: Actor | None) -> None:
        def progress(step: str, _done: int, _total: int) -> None:
            self._update(job_id, step=step)

        try:
            result = self._runner(
                self._db,
                mode=mode,
                actor=actor,
                progress=progress,
                run_started=lambda run_id: self._update(job_id, run_id=run_id),
            )
        except Exception as error:
            log.warning("linkage job %d failed: %s", job_id, type(error).__name__)
            self._update(job_id, state="failed", error=error, finished_at=utc_now())
            return
        self._update(
            job_id,
            state="finished",
            run_id=result.run_id,
            result=result,
            finished_at=utc_now(),
        )
