"""Options of the web layer: limits and cookie names, with safe defaults.

These are front-end concerns (how big a request may be, what a cookie is
called); everything about *who* may do *what* lives in :mod:`tipdata.access`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MIB = 1024 * 1024


@dataclass(frozen=True)
class WebOptions:
    """How the web app limits requests and names its cookies.

    Attributes:
        max_body_bytes: the largest request body outside file uploads (forms, JSON).
        max_upload_bytes: the largest ``multipart/form-data`` body (agency files).
        upload_suffixes: file name endings accepted by :func:`tipdata.web.uploads.checked_upload`.
        language_cookie: the cookie holding the interface language.
        presession_cookie: the cookie binding the CSRF token of anonymous forms (sign-in).
        default_language: the language when neither cookie nor browser say otherwise.
        languages: the interface languages offered.
        page_limit_default: items per page of lists when the client does not say.
        page_limit_max: the most items one page may hold.
    """

    max_body_bytes: int = 1 * MIB
    max_upload_bytes: int = 50 * MIB
    upload_suffixes: frozenset[str] = field(default_factory=lambda: frozenset({".csv", ".xlsx"}))
    language_cookie: str = "tipdata_lang"
    presession_cookie: str = "tipdata_presession"
    default_language: str = "en"
    languages: tuple[str, ...] = ("en", "km")
    page_limit_default: int = 50
    page_limit_max: int = 200
