"""API documentation, only for signed-in users: the OpenAPI document and a page listing it.

FastAPI's default ``/docs``, ``/redoc`` and ``/openapi.json`` are switched off:
they are public and load Swagger UI from a CDN. Here the document is served
behind authentication (session on the page, bearer token under ``/api/v1``) and
the page is plain HTML rendered from the same document, without JavaScript.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from tipdata.web.auth import CurrentUser
from tipdata.web.templating import render

router = APIRouter(include_in_schema=False)

METHODS = ("get", "post", "put", "patch", "delete")


def openapi_document(request: Request) -> dict[str, Any]:
    """The app's OpenAPI document (generated once by FastAPI, then cached)."""
    document: dict[str, Any] = request.app.openapi()
    return document


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Each operation of the document as a row for the docs page."""
    rows = []
    for path, item in sorted(document.get("paths", {}).items()):
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            rows.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": parameter["name"],
                            "where": parameter["in"],
                            "required": parameter.get("required", False),
                            "description": parameter.get("description", ""),
                        }
                        for parameter in operation.get("parameters", [])
                    ],
                    "responses": sorted(operation.get("responses", {})),
                }
            )
    return rows


@router.get("/docs/api", response_class=HTMLResponse)
def api_docs_page(request: Request, actor: CurrentUser) -> HTMLResponse:
    """The API reference, rendered from the OpenAPI document."""
    document = openapi_document(request)
    return render(
        request,
        "api_docs.html",
        {"info": document.get("info", {}), "operations": operations(document)},
    )


@router.get("/docs/api/openapi.json")
def openapi_for_browser(request: Request, actor: CurrentUser) -> JSONResponse:
    """The OpenAPI document for signed-in users of the pages."""
    return JSONResponse(openapi_document(request))


api_router = APIRouter(include_in_schema=False)


@api_router.get("/api/v1/openapi.json")
def openapi_for_api(request: Request, actor: CurrentUser) -> JSONResponse:
    """The OpenAPI document for API clients (bearer token)."""
    return JSONResponse(openapi_document(request))
