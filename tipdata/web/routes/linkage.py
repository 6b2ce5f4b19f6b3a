"""Running record linkage from the browser or the API, and its runs with their calibration.

The data officer (``linkage:run``) starts a run as ``tipdata link`` does, through
:func:`tipdata.linkage.service.link` (the same defaults: mode ``auto``, the model's
threshold and review band), and sees each run's counts and calibration from
:func:`tipdata.linkage.service.linkage_runs`, the list ``tipdata link runs`` prints. A
run takes seconds to minutes: the form answers when it has finished (then redirects to
the page that shows it, so a reload does not run it again).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from tipdata.access import Actor
from tipdata.linkage.service import LinkageError, LinkRunRecord, link, linkage_runs
from tipdata.web.auth import Require
from tipdata.web.context import web_context
from tipdata.web.csrf import CsrfChecked
from tipdata.web.messages import service_message
from tipdata.web.problems import PROBLEM_RESPONSES
from tipdata.web.routes.api import API_V1
from tipdata.web.templating import render, translator

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix=API_V1, responses=PROBLEM_RESPONSES, tags=["linkage"])

RunMode = Literal["auto", "full", "incremental"]


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
        {"runs": runs, "shown": shown, "done": done, "error": error, "mode": mode},
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
    """Run linkage now; then show the run (a refusal is said on the same page)."""
    _ = translator(request)
    if mode not in ("auto", "full", "incremental"):
        return _page(request, actor, error=_("Choose a mode."), status_code=422)
    web = web_context(request)
    try:
        result = link(web.system.db, mode=mode, actor=actor)  # type: ignore[arg-type]
    except LinkageError as error:
        return _page(request, actor, error=service_message(error, _), mode=mode, status_code=422)
    return RedirectResponse(f"/linkage?done={result.run_id}", status_code=303)


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


@api_router.post("/linkage/runs", summary="Run record linkage", status_code=201)
def run_linkage_api(
    request: Request, actor: Annotated[Actor, Require("linkage:run")], body: LinkRunIn
) -> LinkRunOut:
    """Run linkage now (as ``tipdata link --mode MODE``) and answer with the run."""
    web = web_context(request)
    result = link(web.system.db, mode=body.mode, actor=actor)
    runs = linkage_runs(web.system.db, actor=actor, policy=web.access.policy)
    return _out(next(run for run in runs if run.run_id == result.run_id))
