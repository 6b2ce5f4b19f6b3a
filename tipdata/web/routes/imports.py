"""Importing an agency file from the browser or the API: upload, validation report, confirm.

The page flow is the one the CLI offers as ``tipdata import --dry-run`` then
``tipdata import``: the upload is checked (:mod:`tipdata.web.uploads`), staged in the
data folder under a random token owned by the uploading user, validated with
:func:`tipdata.ingest.import_file` (``dry_run=True``) and shown; confirming
imports the staged file and removes it. The API does either in one call
(``POST /api/v1/imports``, ``dry_run`` flag). The import service records the run
(who, file hash, counts); every rule lives there.
"""

from __future__ import annotations

import re
import secrets
import shutil
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from tipdata.access import Actor
from tipdata.ingest import (
    AmbiguousLayoutError,
    ImportFileError,
    ImportResult,
    ImportRunDetails,
    Mapping,
    MappingError,
    ProvenanceError,
    builtin_mappings,
    choose_mapping,
    import_file,
    import_run_details,
)
from tipdata.web.auth import Require
from tipdata.web.context import web_context
from tipdata.web.csrf import CsrfChecked
from tipdata.web.errors import WebError
from tipdata.web.problems import (
    PROBLEM_JSON,
    PROBLEM_RESPONSES,
    UPLOAD_PROBLEM_RESPONSES,
    Problem,
)
from tipdata.web.templating import render
from tipdata.web.timestamps import UtcDateTime
from tipdata.web.uploads import (
    SEALED_SUFFIX,
    CheckedUpload,
    Upload,
    seal_staged,
    staging_root,
    sweep_staged,
    unseal_staged,
)

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["imports"], responses=PROBLEM_RESPONSES)

TOKEN = re.compile(r"^[0-9a-f]{32}$")
RunId = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="The import run id.")]
ISSUES_SHOWN = 200


class UnknownLayout(WebError):
    """The source chosen is unknown, or no (or more than one) layout fits the file.

    Attributes:
        candidates: the sources whose layout fits the file's header, when several do.
    """

    status = 422
    title = "Unprocessable Content"

    def __init__(self, message: str, candidates: list[str] | None = None) -> None:
        super().__init__(message)
        self.candidates = candidates or []


class UploadUnreadable(WebError):
    """The uploaded file cannot be read as its layout says (malformed or hostile)."""

    status = 422
    title = "Unprocessable Content"


class StagedFileMissing(WebError):
    """The staged upload is gone (already imported, or another user's)."""

    status = 404
    title = "Not Found"

    def __init__(self) -> None:
        super().__init__("This upload is no longer waiting for confirmation: upload it again.")


def _sources() -> list[tuple[str, str]]:
    return sorted((code, mapping.name) for code, mapping in builtin_mappings().items())


def _layout(path: Path, source: str, display_name: str) -> Mapping:
    """The layout of a staged file (:func:`tipdata.ingest.choose_mapping`: the source
    chosen, else recognised from its header); a refusal names the file as its sender did.

    Raises:
        UnknownLayout: an unknown source; no layout, or several, fit (``candidates``).
    """
    try:
        return choose_mapping(path, source=source or None)
    except AmbiguousLayoutError as exc:
        raise UnknownLayout(f"{display_name}: {exc.message}", exc.candidates) from None
    except (MappingError, ImportFileError) as exc:
        raise UnknownLayout(f"{display_name}: {exc.message}") from None


def _safe_name(display_name: str, suffix: str) -> str:
    """A file name made only of safe characters (kept for the import run's provenance)."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(display_name).stem).strip("_")[:80]
    return f"{stem or 'upload'}{suffix}"


def _staging_root(request: Request, actor: Actor) -> Path:
    return staging_root(web_context(request).system.settings.home) / str(actor.user_id)


def _stage(request: Request, actor: Actor, upload: Upload) -> tuple[str, Path]:
    """Write the upload under a fresh random token of the user; return token and path.

    Uploads older than ``TIPDATA_UPLOAD_MAX_AGE_HOURS`` (never confirmed) are swept first.
    """
    settings = web_context(request).system.settings
    sweep_staged(settings.home, settings.upload_max_age_hours * 3600)
    token = secrets.token_hex(16)
    folder = _staging_root(request, actor) / token
    folder.mkdir(parents=True, mode=0o700)
    path = folder / _safe_name(upload.display_name, upload.suffix)
    path.write_bytes(upload.content)
    return token, path


def _staged(request: Request, actor: Actor, token: str) -> Path:
    """The staged file of the token, decrypted for the import, only if this user staged it.

    Raises:
        StagedFileMissing: no such staged file for this user (or sealed by an earlier run).
    """
    if not TOKEN.match(token):
        raise StagedFileMissing()
    folder = _staging_root(request, actor) / token
    files = sorted(folder.glob("*")) if folder.is_dir() else []
    if len(files) != 1 or not files[0].name.endswith(SEALED_SUFFIX):
        raise StagedFileMissing()
    path = unseal_staged(files[0], request.app.state.upload_key, token)
    if path is None:
        shutil.rmtree(folder, ignore_errors=True)
        raise StagedFileMissing()
    return path


def _checked_import(
    request: Request,
    path: Path,
    mapping: Mapping,
    display_name: str,
    *,
    dry_run: bool = False,
    accept_valid_rows: bool = False,
    imported_by: str,
) -> ImportResult:
    """:func:`import_file` on a staged upload; an unreadable file is named as its sender named it.

    Raises:
        UploadUnreadable: the file is malformed or hostile (one line, no server path).
    """
    try:
        return import_file(
            web_context(request).system.db, path, mapping=mapping, dry_run=dry_run,
            accept_valid_rows=accept_valid_rows, imported_by=imported_by,
        )  # fmt: skip
    except ImportFileError as exc:
        where = f", line {exc.line}" if exc.line is not None else ""
        where += f", field {exc.field!r}" if exc.field is not None else ""
        raise UploadUnreadable(f"{display_name}{where}: {exc.message}") from None


def _has_valid_rows(result: ImportResult) -> bool:
    """Whether a file with errors has rows worth storing without the rejected ones."""
    return result.rows_read > result.rows_rejected


def _form(
    request: Request,
    *,
    source: str | None = None,
    error: str | None = None,
    candidates: list[str] | None = None,
    status_code: int = 200,
    **context: object,
) -> HTMLResponse:
    """The upload form, as the user left it, with what went wrong (never a server path)."""
    sources = _sources()
    if candidates:
        sources = [(code, name) for code, name in sources if code in candidates]
    return render(
        request,
        "import_new.html",
        {"sources": sources, "source": source, "result": None, "error": error,
         "ambiguous": bool(candidates), **context},
        status_code=status_code,
    )  # fmt: skip


@router.get("/imports/new", response_class=HTMLResponse)
def new_import(request: Request, actor: Annotated[Actor, Require("imports:run")]) -> HTMLResponse:
    """The upload form: a file, and its layout (recognised from its header unless chosen)."""
    return _form(request)


@router.post("/imports/new", response_class=HTMLResponse)
def validate_upload(
    request: Request,
    actor: Annotated[Actor, Require("imports:run")],
    _csrf: CsrfChecked,
    upload: CheckedUpload,
    source: Annotated[str, Form(max_length=60)] = "",
) -> HTMLResponse:
    """Stage the file and show its validation report (a dry run: nothing is stored).

    A layout that cannot be told (unknown, none or several fit), or a file that cannot
    be read, is said on the same page, with the form as the user left it.
    """
    token, path = _stage(request, actor, upload)
    keep = False
    try:
        chosen = _layout(path, source, upload.display_name)
        result = _checked_import(
            request, path, chosen, upload.display_name, dry_run=True, imported_by=actor.username
        )
        keep = result.status != "rejected" or _has_valid_rows(result)
    except (UnknownLayout, UploadUnreadable) as error:
        candidates = error.candidates if isinstance(error, UnknownLayout) else None
        return _form(
            request, source=source, error=str(error), candidates=candidates, status_code=422
        )
    finally:
        try:
            if keep:  # waits for confirmation sealed: no plaintext stays on disk
                seal_staged(path, request.app.state.upload_key, token)
        finally:
            if not keep:  # rejected, unreadable or failed: nothing to confirm, nothing kept
                shutil.rmtree(path.parent, ignore_errors=True)
    return render(
        request,
        "import_new.html",
        {
            "sources": _sources(),
            "source": chosen.source,
            "source_name": f"{chosen.name} ({chosen.source})",
            "recognised": not source,
            "error": None,
            "ambiguous": False,
            "result": result,
            "issues": result.issues[:ISSUES_SHOWN],
            "token": token if keep else None,
            "set_aside": result.status == "rejected",
            "display_name": upload.display_name,
        },
        status_code=422 if result.status == "rejected" else 200,
    )


@router.post("/imports/confirm")
def confirm_import(
    request: Request,
    actor: Annotated[Actor, Require("imports:run")],
    _csrf: CsrfChecked,
    token: Annotated[str, Form(max_length=32)],
    source: Annotated[str, Form(max_length=60)],
    accept_valid_rows: Annotated[bool, Form()] = False,
) -> Response:
    """Import the staged file for real, then show the import's details.

    ``accept_valid_rows``: the file had errors and the user chose to store its valid rows;
    the rejected rows' errors are kept with the run (not their file: the staged upload
    and its set-aside rows are removed).
    """
    path = _staged(request, actor, token)
    try:
        chosen = _layout(path, source, path.name)
        result = _checked_import(
            request, path, chosen, path.name, accept_valid_rows=accept_valid_rows,
            imported_by=actor.username,
        )  # fmt: skip
    except (UnknownLayout, UploadUnreadable) as error:
        return _form(request, source=source, error=str(error), status_code=422)
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    if result.status == "rejected":
        return render(
            request,
            "import_new.html",
            {"sources": _sources(), "source": chosen.source, "result": result,
             "source_name": f"{chosen.name} ({chosen.source})",
             "recognised": False, "error": None, "ambiguous": False,
             "issues": result.issues[:ISSUES_SHOWN], "token": None, "display_name": path.name},
            status_code=422,
        )  # fmt: skip
    if result.import_run_id is not None:
        return RedirectResponse(
            f"/imports/{result.import_run_id}?done={result.status}", status_code=303
        )
    return RedirectResponse(f"/imports?done={result.status}", status_code=303)


# --- API ---------------------------------------------------------------------------------


class IssueOut(BaseModel):
    """One problem found in the file, at a row and column."""

    row: int | None
    column: str | None
    message: str
    severity: Literal["error", "warning"]


class ImportResultOut(BaseModel):
    """What the import did (or, in a dry run, would do)."""

    source: str
    status: str = Field(description="committed, unchanged, rejected or validated (dry run).")
    dry_run: bool
    file_sha256: str
    import_run_id: int | None
    rows_read: int
    rows_stored: int
    rows_updated: int
    rows_unchanged: int
    rows_rejected: int
    error_count: int
    warning_count: int
    issues: list[IssueOut]
    checked_at: UtcDateTime | None = None


def _result_out(result: ImportResult) -> ImportResultOut:
    return ImportResultOut(
        source=result.source,
        status=result.status,
        dry_run=result.dry_run,
        file_sha256=result.file_sha256,
        import_run_id=result.import_run_id,
        rows_read=result.rows_read,
        rows_stored=result.rows_stored,
        rows_updated=result.rows_updated,
        rows_unchanged=result.rows_unchanged,
        rows_rejected=result.rows_rejected,
        error_count=result.error_count,
        warning_count=result.warning_count,
        issues=[
            IssueOut(row=i.row, column=i.column, message=i.message, severity=i.severity)
            for i in [*result.issues, *result.warnings][:ISSUES_SHOWN]
        ],
    )


class ImportRejected(Problem):
    """A 422 answer: invalid request fields, or (with ``report``) a file with errors.

    Attributes:
        report: the validation report of a rejected file (nothing was stored).
    """

    report: ImportResultOut | None = None


@api_router.post(
    "/imports",
    summary="Import an agency file (or validate it with dry_run)",
    response_model=ImportResultOut,
    responses={
        **UPLOAD_PROBLEM_RESPONSES,
        422: {
            "model": ImportRejected,
            "content": {PROBLEM_JSON: {}},
            "description": "Invalid parameters, or a file with errors: then ``report`` lists "
            "each error with its row and column, and nothing was stored.",
        },
    },
)
def import_api(
    request: Request,
    actor: Annotated[Actor, Require("imports:run")],
    upload: CheckedUpload,
    source: Annotated[
        str,
        Form(
            max_length=60,
            description="The source mapping's code; empty: recognised from the file's header.",
        ),
    ] = "",
    dry_run: Annotated[bool, Form(description="Validate only; store nothing.")] = False,
) -> Response | ImportResultOut:
    """Validate and (unless ``dry_run``) store the file, all or nothing; issues name row and column.

    A file with row errors is answered 422, a problem whose ``report`` lists the errors;
    nothing is stored.
    """
    _token, path = _stage(request, actor, upload)
    try:
        chosen = _layout(path, source, upload.display_name)
        result = _checked_import(
            request, path, chosen, upload.display_name, dry_run=dry_run, imported_by=actor.username
        )
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    out = _result_out(result)
    if result.status == "rejected":
        problem = ImportRejected(
            title="The file was rejected",
            status=422,
            detail=f"{result.error_count} errors were found and nothing was stored; the report "
            "names the row and column of each. Correct the file and send it again.",
            instance=request.url.path,
            report=out,
        )
        body = {k: v for k, v in problem.model_dump(mode="json").items() if v is not None}
        return JSONResponse(body, status_code=422, media_type=PROBLEM_JSON)
    return out


# --- one import run ----------------------------------------------------------------------


class ImportedRowOut(BaseModel):
    """One row of the file that the run stored: its place and what it did."""

    row_number: int
    version: int
    change: Literal["new", "updated"]


class StoredIssueOut(BaseModel):
    """A problem the run found, kept with it: the file, row, column, cell value, message."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    severity: Literal["error", "warning"]


class ImportRunDetailsOut(BaseModel):
    """An import run: its counts, and the rows it stored (the first 500)."""

    id: int
    source: str
    file_name: str
    status: str
    imported_by: str | None
    started_at: UtcDateTime | None
    finished_at: UtcDateTime | None
    rows_read: int
    rows_new: int
    rows_updated: int
    rows_unchanged: int
    rows_rejected: int
    message: str | None
    rows: list[ImportedRowOut]
    rows_total: int
    issues: list[StoredIssueOut] = Field(default_factory=list)
    issues_total: int = 0


def _details(request: Request, actor: Actor, run_id: int) -> ImportRunDetails:
    web = web_context(request)
    try:
        return import_run_details(web.system.db, run_id, actor=actor, policy=web.access.policy)
    except ProvenanceError:
        raise NoSuchImportRun() from None


class NoSuchImportRun(WebError):
    """No import run has this id."""

    status = 404
    title = "Not Found"

    def __init__(self) -> None:
        super().__init__("There is no such import.")


@router.get("/imports/{run_id}", response_class=HTMLResponse)
def import_run_page(
    request: Request,
    actor: Annotated[Actor, Require("imports:run")],
    run_id: RunId,
    done: Annotated[Literal["committed", "unchanged"] | None, Query()] = None,
) -> HTMLResponse:
    """One import: rows new, updated, unchanged and rejected, and each row it stored."""
    return render(
        request, "import_run.html", {"details": _details(request, actor, run_id), "done": done}
    )


@api_router.get("/imports/{run_id}", summary="One import run, with the rows it stored")
def import_run_api(
    request: Request, actor: Annotated[Actor, Require("imports:run")], run_id: RunId
) -> ImportRunDetailsOut:
    """The run's counts, the rows it stored (row number, version, new or updated) and the
    problems it found (the rejected rows' errors, the stored rows' warnings)."""
    found = _details(request, actor, run_id)
    run = found.run
    return ImportRunDetailsOut(
        id=run.id, source=run.source, file_name=run.file_name, status=run.status,
        imported_by=run.imported_by, started_at=run.started_at, finished_at=run.finished_at,
        rows_read=run.rows_read, rows_new=run.rows_stored, rows_updated=run.rows_updated,
        rows_unchanged=run.rows_unchanged, rows_rejected=run.rows_rejected,
        message=run.message,
        rows=[ImportedRowOut(row_number=r.row_number, version=r.version, change=r.change)
              for r in found.rows],
        rows_total=found.rows_total,
        issues=[StoredIssueOut(file=i.file, row=i.row, column=i.column, value=i.value,
                               message=i.message, severity=i.severity) for i in found.issues],
        issues_total=found.issues_total,
    )  # fmt: skip
