"""The linkage review queue: ``/review`` and ``GET/POST /api/v1/review``.

The page shows one uncertain pair at a time, both records side by side with the fields
that agree and disagree and their match weights; *Same person* and *Different people*
are CSRF-checked forms, *Skip* moves to the next pair without recording anything.
Decisions go through :func:`tipdata.casefiles.decide_review_pair` (persisted, audited,
refused with 409 when another reviewer decided the pair first).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from tipdata.access import Actor
from tipdata.casefiles import ReviewPairView, decide_review_pair, review_pairs
from tipdata.store import MAX_INTEGER
from tipdata.web.auth import Require
from tipdata.web.context import web_context
from tipdata.web.csrf import CsrfChecked
from tipdata.web.problems import PROBLEM_RESPONSES
from tipdata.web.routes._casefiles import label, problems, service_answers
from tipdata.web.routes.api import API_V1
from tipdata.web.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix=API_V1, responses=PROBLEM_RESPONSES, tags=["linkage review"])

PairId = Annotated[int, Path(ge=1, le=MAX_INTEGER, description="The review pair id.")]
MAX_REASON = 500


class RecordSideOut(BaseModel):
    """Where one record of the pair comes from."""

    key: str
    agency: str
    source: str
    source_key: str
    role: str


class FieldComparisonOut(BaseModel):
    """One compared field: both values, the level reached and its match weight."""

    field: str
    left: str
    right: str
    level: str
    match_weight: float | None
    agreement: Literal["agree", "disagree", "unknown"]


class RecordedFieldOut(BaseModel):
    """One value of both records as recorded now (only for roles that read identities)."""

    field: str
    left: str
    right: str
    differs: bool


class DecisionOut(BaseModel):
    """A decision on a pair: what, by whom, why."""

    decision: str
    reviewer: str
    reason: str | None


class ReviewPairOut(BaseModel):
    """An uncertain pair of records, side by side."""

    pair_id: int
    status: str
    origin: str
    match_probability: float | None
    match_weight: float | None
    left: RecordSideOut
    right: RecordSideOut
    fields: list[FieldComparisonOut]
    decisions: list[DecisionOut]
    recorded: list[RecordedFieldOut]


class ReviewQueueOut(BaseModel):
    """Pairs of the queue from ``offset`` on, and how many pairs are pending in all."""

    items: list[ReviewPairOut]
    offset: int
    pending: int


class DecisionIn(BaseModel):
    """A reviewer's decision.

    Attributes:
        decision: ``same``, ``different``, or ``skip`` (records nothing).
        expected_status: the status you saw (default ``pending``); null to override any.
        reason: why (kept with the decision, not in the audit log).
    """

    decision: Literal["same", "different", "skip"]
    expected_status: Literal["pending", "same", "different"] | None = "pending"
    reason: str | None = Field(default=None, max_length=MAX_REASON)


class DecisionResultOut(BaseModel):
    """The pair's status after the decision."""

    pair_id: int
    status: str
    decided_by: str | None


def _pair_out(item: ReviewPairView) -> ReviewPairOut:
    return ReviewPairOut(
        pair_id=item.pair_id,
        status=item.status,
        origin=item.origin,
        match_probability=item.match_probability,
        match_weight=item.match_weight,
        left=RecordSideOut.model_validate(item.left, from_attributes=True),
        right=RecordSideOut.model_validate(item.right, from_attributes=True),
        fields=[FieldComparisonOut.model_validate(f, from_attributes=True) for f in item.fields],
        decisions=[DecisionOut(decision=d, reviewer=r, reason=why) for d, r, why in item.decisions],
        recorded=[RecordedFieldOut.model_validate(f, from_attributes=True) for f in item.recorded],
    )


@router.get("/review", response_class=HTMLResponse)
def review_page(
    request: Request,
    actor: Annotated[Actor, Require("linkage:review")],
    position: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> HTMLResponse:
    """The pending pair at ``position`` in the queue (0: the most probable)."""
    with service_answers():
        queue = review_pairs(web_context(request).system.db, actor=actor, limit=1, offset=position)
    return render(
        request,
        "review.html",
        {
            "pair": queue.items[0] if queue.items else None,
            "position": position,
            "pending": queue.pending,
            "label": label,
        },
    )


@router.post("/review/{pair_id}")
def review_decide(
    request: Request,
    actor: Annotated[Actor, Require("linkage:review")],
    _csrf: CsrfChecked,
    pair_id: PairId,
    decision: Annotated[Literal["same", "different"], Form()],
    expected_status: Annotated[Literal["pending", "same", "different"], Form()] = "pending",
    position: Annotated[int, Form(ge=0, le=100_000)] = 0,
) -> Response:
    """Record the decision, then show the pair now at the same position."""
    with service_answers():
        decide_review_pair(
            web_context(request).system.db, pair_id, decision, actor=actor,
            expected_status=expected_status,
        )  # fmt: skip
    return RedirectResponse(f"/review?position={position}", status_code=303)


@api_router.get("/review", summary="Pairs of the linkage review queue, most probable first")
def review_queue_api(
    request: Request,
    actor: Annotated[Actor, Require("linkage:review")],
    limit: Annotated[int, Query(ge=1, le=200, description="How many pairs.")] = 20,
    offset: Annotated[
        int,
        Query(
            ge=0,
            le=MAX_INTEGER,
            description="Pairs to pass over (the queue shrinks as pairs are decided).",
        ),
    ] = 0,
    status: Annotated[
        Literal["pending", "same", "different"] | None,
        Query(description="Only pairs of this status; default pending."),
    ] = "pending",
) -> ReviewQueueOut:
    """Uncertain pairs with the fields that agree and disagree; audited (names are shown)."""
    with service_answers():
        queue = review_pairs(
            web_context(request).system.db, actor=actor, limit=limit, offset=offset, status=status
        )
    return ReviewQueueOut(
        items=[_pair_out(item) for item in queue.items], offset=queue.offset, pending=queue.pending
    )


@api_router.post(
    "/review/{pair_id}",
    summary="Decide a review pair: same, different or skip",
    responses=problems(404, 409),
)
def review_decide_api(
    request: Request,
    actor: Annotated[Actor, Require("linkage:review")],
    pair_id: PairId,
    body: DecisionIn,
) -> DecisionResultOut:
    """Record a decision (persisted and audited; later linkage runs honour it)."""
    with service_answers():
        result = decide_review_pair(
            web_context(request).system.db, pair_id, body.decision, actor=actor,
            expected_status=body.expected_status, reason=body.reason,
        )  # fmt: skip
    return DecisionResultOut.model_validate(result, from_attributes=True)
