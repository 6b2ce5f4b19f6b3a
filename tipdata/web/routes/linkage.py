"""Running record linkage from the browser or the API, and its runs with their calibration.

The data officer (``linkage:run``) starts a run as ``tipdata link`` does, through
:func:`tipdata.linkage.service.link` (the same defaults: mode ``auto``, the model's
threshold and review band), and sees each run's counts and calibration from
:func:`tipdata.linkage.service.linkage_runs`, the list ``tipdata link runs`` prints. A
run takes seconds to minutes, longer than a browser waits for an answer: the form starts
it in the background (:class:`tipdata.linkage.service.LinkageJobs`, one per app, one run
at a time) and answers at once with the job's page, which reloads itself every
:data:`REFRESH_SECONDS` until the run has finished, then shows the run. A second start
while one runs is refused on the same page (409), as is an impossible run (422).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from tipdata.access import Actor
from tipdata.linkage.service import (
    LinkageBusyError,
    LinkageError,
    LinkageJob,
    LinkageJobs,
    LinkRunRecord,
    linkage_runs,
)
from tipdata.system import System
from tipdata.web.auth import Require
from tipdata.web.context import web_context
from tipdata.web.csrf import CsrfChecked
from tipdata.web.errors import NotInScope, WebError
from tipdata.web.messages import service_message
from tipdata.web.problems import PROBLEM_RESPONSES
from tipdata.web.routes.api import API_V1
from tipdata.web.templating import render, translator

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix=API_V1, responses=PROBLEM_RESPONSES, tags=["linkage"])

RunMode = Literal["auto", "full", "incremental"]
REFRESH_SECONDS = 2
"""How often a running job's page reloads itself."""
JOB_ID = Path(ge=1, le=2**31 - 1)


def new_jobs(system: System) -> LinkageJobs:
    """The background linkage runs of one app (:func:`tipdata.web.app.create_app` keeps it)."""
    return LinkageJobs(lambda: system.db)


def _jobs(request: Request) -> LinkageJobs:
    jobs: LinkageJobs = request.app.state.linkage_jobs
    return jobs


def _page(
    request: Request,
    actor: Actor,
    *,
    done: int | None = None,
    error: str | None = None,
    mode: str = "auto",
    status_code: int = 200,
) -> HTMLResponse:
    web = web_context(request)
    runs = linkage_runs(web.system.db, actor=actor, policy=web.access.policy)
    shown = next((run for run in runs if run.run_id == done), runs[0] if runs else None)
    return render(
        request,
        "linkage.html",
        {
            "runs": runs,
            "shown": shown,
            "done": done,
            "error": error,
            "mode": mode,
            "running": _jobs(request).running(),
        },
        status_code=status_code,
    )


@router.get("/linkage", response_class=HTMLResponse)
def linkage_page(
    request: Request,
    actor: Annotated[Actor, Require("linkage:run")],
    done: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> HTMLResponse:
    """The runs so far, the newest (or the one just made) with its calibration, and the form."""
    return _page(request, actor, done=done)


@router.post("/linkage/run", response_class=HTMLResponse)
def run_linkage_form(
    request: Request,
    actor: Annotated[Actor, Require("linkage:run")],
    _csrf: CsrfChecked,
    mode: Annotated[str, Form(max_length=20)] = "auto",
) -> Response:
    """Start a linkage run in the background, then show its job (a refusal: same page)."""
    _ = translator(request)
    if mode not in ("auto", "full", "incremental"):
        return _page(request, actor, error=_("Choose a mode."), status_code=422)
    try:
        job = _jobs(request).start(mode=mode, actor=actor)  # type: ignore[arg-type]
    except LinkageBusyError as error:
        return _page(request, actor, error=service_message(error, _), mode=mode, status_code=409)
    except LinkageError as error:
        return _page(request, actor, error=service_message(error, _), mode=mode, status_code=422)
    return RedirectResponse(f"/linkage/jobs/{job.job_id}", status_code=303)


def _job(request: Request, job_id: int) -> LinkageJob:
    job = _jobs(request).job(job_id)
    if job is None:
        _ = translator(request)
        raise NotInScope(_("There is no such linkage run under way."), "linkage_job", job_id)
    return job


@router.get("/linkage/jobs/{job_id}", response_class=HTMLResponse)
def linkage_job_page(
    request: Request,
    actor: Annotated[Actor, Require("linkage:run")],
    job_id: Annotated[int, JOB_ID],
) -> Response:
    """A run under way (the page reloads itself); once finished, the run with its calibration."""
    job = _job(request, job_id)
    if job.state == "finished":
        return RedirectResponse(f"/linkage?done={job.run_id}", status_code=303)
    _ = translator(request)
    return render(
        request,
        "linkage_job.html",
        {
            "job": job,
            "refresh": REFRESH_SECONDS if job.state == "running" else None,
            "error": service_message(job.error, _) if job.error is not None else None,
        },
    )


# --- API ---------------------------------------------------------------------------------


class LinkRunOut(BaseModel):
    """One linkage run: its counts and the model's calibration."""

    run_id: int
    engine: str
    mode: str
    status: str
    threshold: float
    review_lower: float
    records: int
    new_records: int
    pairs_scored: int
    persons: int
    persons_created: int
    persons_merged: int
    persons_split: int
    review_pairs_added: int
    started_at: datetime
    finished_at: datetime | None
    started_by: str | None
    calibration: dict[str, Any]


class LinkRunIn(BaseModel):
    """How to run: ``auto`` (incremental when a trained model exists), ``full`` or
    ``incremental``."""

    mode: RunMode = Field(default="auto")


def _out(run: LinkRunRecord) -> LinkRunOut:
    return LinkRunOut.model_validate(run, from_attributes=True)


@api_router.get("/linkage/runs", summary="Linkage runs, newest first, with their calibration")
def list_runs_api(
    request: Request, actor: Annotated[Actor, Require("linkage:run")]
) -> list[LinkRunOut]:
    """The newest linkage runs (as ``tipdata link runs`` lists them)."""
    web = web_context(request)
    return [_out(run) for run in linkage_runs(web.system.db, actor=actor, policy=web.access.policy)]


class LinkageJobOut(BaseModel):
    """A linkage run started in the background: its state, step and run once stored."""

    job_id: int
    state: Literal["running", "finished", "failed"]
    mode: str
    step: str
    started_by: str
    started_at: datetime
    finished_at: datetime | None
    run_id: int | None
    error: str | None


class LinkageBusy(WebError):
    """A linkage run is under way: a second waits until it has finished."""

    status = 409
    title = "Conflict"


def _job_out(job: LinkageJob) -> LinkageJobOut:
    return LinkageJobOut(
        job_id=job.job_id,
        state=job.state,
        mode=job.mode,
        step=job.step,
        started_by=job.started_by,
        started_at=job.started_at,
        finished_at=job.finished_at,
        run_id=job.run_id,
        error=str(job.error) if job.error is not None else None,
    )


def _start(request: Request, actor: Actor, mode: RunMode) -> LinkageJob:
    try:
        return _jobs(request).start(mode=mode, actor=actor)
    except LinkageBusyError as error:
        raise LinkageBusy(str(error)) from error


@api_router.post("/linkage/runs", summary="Run record linkage", status_code=201)
def run_linkage_api(
    request: Request, actor: Annotated[Actor, Require("linkage:run")], body: LinkRunIn
) -> LinkRunOut:
    """Run linkage now (as ``tipdata link --mode MODE``) and answer with the finished run.

    The run is the app's background job (one at a time: 409 while another runs); this
    call waits for it. ``POST /linkage/jobs`` answers at once instead.
    """
    jobs = _jobs(request)
    job = jobs.wait(_start(request, actor, body.mode).job_id)
    assert job is not None
    if job.error is not None:
        raise job.error
    web = web_context(request)
    runs = linkage_runs(web.system.db, actor=actor, policy=web.access.policy)
    return _out(next(run for run in runs if run.run_id == job.run_id))


@api_router.post("/linkage/jobs", summary="Start record linkage in the background", status_code=202)
def start_linkage_job_api(
    request: Request, actor: Annotated[Actor, Require("linkage:run")], body: LinkRunIn
) -> LinkageJobOut:
    """Start a linkage run and answer at once; follow it at ``GET /linkage/jobs/{job_id}``.

    One run at a time: 409 while another runs; 400 when the run cannot be made.
    """
    return _job_out(_start(request, actor, body.mode))


@api_router.get("/linkage/jobs/{job_id}", summary="A background linkage run")
def linkage_job_api(
    request: Request,
    actor: Annotated[Actor, Require("linkage:run")],
    job_id: Annotated[int, JOB_ID],
) -> LinkageJobOut:
    """The job's state and step; its ``run_id`` gives the run in ``GET /linkage/runs``."""
    return _job_out(_job(request, job_id))
