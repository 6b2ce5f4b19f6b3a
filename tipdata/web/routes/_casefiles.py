"""What the person, case, review and screening routes share: error answers and labels.

The case-file services raise :class:`~tipdata.casefiles.NotFoundError` (404: no such
object *or* one outside the actor's scope — the two are not told apart, so a 404 never
reveals that a record of another agency exists), :class:`~tipdata.casefiles.ConflictError`
(409) and :class:`~tipdata.casefiles.CaseFileError` (422); :func:`service_answers` turns
them into web errors, which leave as problem details under ``/api/`` and as error pages
elsewhere. A role that lacks the permission altogether gets 403 from ``Require``. Both
refusals are audited (``access.denied``) by :mod:`tipdata.web.problems`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer

from tipdata.casefiles import CaseFileError, ConflictError, NotFoundError
from tipdata.web.errors import NotInScope, WebError
from tipdata.web.navigation import N_
from tipdata.web.problems import PROBLEM_JSON, Problem


class NotFound(NotInScope):
    """No such object in the user's scope (audited as a refusal by the error handler)."""


class Conflict(WebError):
    """The object changed since the user looked at it."""

    status = 409
    title = "Conflict"


class Unprocessable(WebError):
    """Well-formed input that the service refuses (says which field and why)."""

    status = 422
    title = "Unprocessable Content"


@contextmanager
def service_answers() -> Iterator[None]:
    """Turn the case-file services' errors into 404, 409 and 422 answers."""
    try:
        yield
    except NotFoundError as exc:
        raise NotFound(str(exc), exc.kind, exc.key) from None
    except ConflictError as exc:
        raise Conflict(str(exc)) from None
    except CaseFileError as exc:
        raise Unprocessable(str(exc)) from None


class OmitAbsent(BaseModel):
    """An output schema whose optional fields are left out when they have no value.

    An optional field (one with a default) that is ``None`` is absent from the answer,
    which is how a field a role may not see disappears; a required field is always
    present, ``null`` included, so the answer keeps to its OpenAPI schema (the route's
    ``response_model_exclude_none`` would drop required fields too).
    """

    # No return annotation: pydantic would take it as the schema of the serialised
    # model and the OpenAPI document would lose the model's properties.
    @model_serializer(mode="wrap")
    def _omit_absent(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        fields = type(self).model_fields
        return {
            name: value
            for name, value in handler(self).items()
            if value is not None or name not in fields or fields[name].is_required()
        }


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the extra problem responses of a route (404, 409, 422)."""
    texts = {
        404: "No such object in your scope (objects of other agencies are not revealed).",
        409: "The object changed since you read it: reload it.",
        422: "Invalid input: the detail names the field.",
    }
    return {
        status: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": texts[status]}
        for status in statuses
    }


LABELS: dict[str, str] = {
    # pathway stages
    "identified": N_("Identified"),
    "rescued": N_("Rescued"),
    "returned": N_("Returned"),
    "screened": N_("Screened"),
    "determined_victim": N_("Determined a victim"),
    "determined_not_victim": N_("Determined not a victim"),
    "referred": N_("Referred"),
    "sheltered": N_("Sheltered"),
    "service_provided": N_("Service provided"),
    "reintegrated": N_("Reintegrated"),
    "followed_up": N_("Followed up"),
    "repatriated": N_("Repatriated"),
    "re_trafficked": N_("Re-trafficked"),
    "case_closed": N_("Case closed"),
    "handed_over": N_("Handed over at the border"),
    "received": N_("Received at the border"),
    "arrested": N_("Arrested"),
    "charged": N_("Charged"),
    "tried": N_("Tried"),
    "convicted": N_("Convicted"),
    "acquitted": N_("Acquitted"),
    "sentenced": N_("Sentenced"),
    "appealed": N_("Appealed"),
    "released": N_("Released"),
    "escaped": N_("Escaped"),
    "dismissed": N_("Dismissed"),
    "pending": N_("Pending"),
    # labour-migration events
    "departed": N_("Departed"),
    "deported": N_("Deported"),
    "hotline_report": N_("Hotline report"),
    # identity documents
    "passport": N_("Passport"),
    "national_id": N_("National ID card"),
    "worker_id": N_("Worker ID"),
    # person roles
    "victim": N_("Victim"),
    "suspect": N_("Suspect"),
    "witness": N_("Witness"),
    "returnee": N_("Returnee"),
    "migrant_worker": N_("Migrant worker"),
    # sex (``unknown`` is below)
    "female": N_("Female"),
    "male": N_("Male"),
    "other": N_("Other"),
    # determinations and answers
    "possible_victim": N_("Possible victim"),
    "not_victim": N_("Not a victim"),
    "yes": N_("Yes"),
    "no": N_("No"),
    "unknown": N_("Unknown"),
    # case kinds, pathways, review
    "investigation": N_("Investigation"),
    "court": N_("Court case"),
    "prosecution": N_("Prosecution"),
    "same": N_("Same person"),
    "different": N_("Different people"),
    "agree": N_("Agrees"),
    "disagree": N_("Disagrees"),
    # case work: statuses, follow-ups, services, corrected fields, list choices
    "open": N_("Open"),
    "on_hold": N_("On hold"),
    "closed": N_("Closed"),
    "none": N_("No case of my agency"),
    "home_visit": N_("Home visit"),
    "phone_call": N_("Phone call"),
    "medical": N_("Medical care"),
    "legal": N_("Legal help"),
    "education": N_("Education"),
    "family_tracing": N_("Family tracing"),
    "reintegration": N_("Reintegration"),
    "shelter": N_("Shelter"),
    "transit": N_("Transit centre"),
    "legal_aid": N_("Legal aid"),
    "psychological": N_("Psychological support"),
    "vocational": N_("Vocational training"),
    "referral": N_("Referral"),
    "full_name": N_("Full name"),
    "full_name_khmer": N_("Name in Khmer script"),
    "family_name": N_("Family name"),
    "given_name": N_("Given name"),
    "birth_date": N_("Date of birth"),
    "birth_year": N_("Year of birth"),
    "sex": N_("Sex"),
    "province_code": N_("Home province"),
    "child": N_("Child (under 18)"),
    "adult": N_("Adult (18 and over)"),
    "newest": N_("Newest first"),
    "oldest": N_("Oldest first"),
    "public_id": N_("By person id"),
    "critical": N_("Critical"),
    "error": N_("Error"),
    "warning": N_("Warning"),
    "info": N_("Note"),
}
"""English labels of the codes shown on the pages (translated when rendered).

``convicted`` is both a stage and a person role, ``victim`` both a role and a
determination: one label serves each code.
"""


def label(code: str | None) -> str:
    """The English label of a code (the code itself when it has none)."""
    if code is None:
        return ""
    return LABELS.get(code, code)
