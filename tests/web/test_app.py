"""The web layer with TestClient: headers, CSRF, sign-in, problem details, language, API auth."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import BASE_URL, FAST, WebUser, csrf_of, sign_in
from tipdata.access.passwords import Passwords
from tipdata.system import System
from tipdata.web import create_app
from tipdata.web.security import CONTENT_SECURITY_POLICY


def test_pages_send_strict_security_headers(client: TestClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "script-src 'none'" in CONTENT_SECURITY_POLICY
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"


def test_pages_have_no_inline_script_or_style(client: TestClient) -> None:
    html = client.get("/login").text
    assert "<script" not in html
    assert "style=" not in html
    assert "<style" not in html


def test_static_files_are_served_by_the_app_and_cacheable(client: TestClient) -> None:
    response = client.get("/static/tipdata.css")
    assert response.status_code == 200
    assert "Khmer OS System" in response.text
    assert response.headers["cache-control"] == "public, max-age=3600"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_dashboard_redirects_to_sign_in_without_session(client: TestClient) -> None:
    response = client.get("/dashboard")
    assert (response.status_code, response.headers["location"]) == (303, "/login")


def test_sign_in_with_totp_sets_a_strict_session_cookie(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    officer = users["officer"]
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={
            "csrf_token": token,
            "username": "officer",
            "password": officer.password,
            "code": officer.code(),
        },
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("tipdata_session=tds_")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    assert "Secure" not in cookie  # loopback: a plain-HTTP session must still work
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "officer" in page.text
    assert page.headers["cache-control"] == "no-store"


def _sign_in_auditor(client: TestClient, users: dict[str, WebUser]) -> object:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"csrf_token": token, "username": "auditor", "password": users["auditor"].password},
        follow_redirects=False,
    )


def test_secure_cookies_and_hsts_follow_the_configured_public_url_not_the_host(
    system: System, users: dict[str, WebUser]
) -> None:
    """Review finding 14: the flags were decided from the Host header a client sends."""
    settings = system.settings.model_copy(update={"public_url": "https://tipdata.example.gov.kh"})
    app = create_app(System(settings=settings, _db=system.db), passwords=Passwords(FAST))
    # the TLS proxy forwards plain HTTP, and the client said "Host: localhost"
    with TestClient(app, base_url="http://localhost") as spoofed:
        form = spoofed.get("/login")
    assert "Secure" in form.headers["set-cookie"]  # the pre-session cookie
    assert form.headers["strict-transport-security"].startswith("max-age=")

    # configured https: a real sign-in sets a Secure session cookie
    with TestClient(app, base_url="https://tipdata.example.gov.kh") as remote:
        signed_in = _sign_in_auditor(remote, users)
    assert signed_in.status_code == 303  # type: ignore[attr-defined]
    assert "Secure" in signed_in.headers["set-cookie"]  # type: ignore[attr-defined]

    # no public URL, development: a remote-looking Host header does not switch them on
    with TestClient(
        create_app(system, passwords=Passwords(FAST)), base_url="http://tipdata.example.gov.kh"
    ) as remote:
        plain = remote.get("/login")
    assert "Secure" not in plain.headers["set-cookie"]
    assert "strict-transport-security" not in plain.headers

    production = system.settings.model_copy(update={"environment": "production"})
    assert production.https


def test_a_redirect_never_follows_a_spoofed_host(client: TestClient) -> None:
    """Starlette's trailing-slash redirect was built from the Host header."""
    response = client.get("/login/", headers={"host": "evil.example"})
    assert response.status_code in (301, 302, 307, 308)
    assert response.headers["location"] == "/login"
    api = client.get("/api/v1/persons/?limit=2", headers={"host": "evil.example:8443"})
    assert api.headers.get("location", "/").startswith("/")
    assert "evil" not in api.headers.get("location", "")


def test_officer_without_totp_code_is_refused_with_one_message(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    token = csrf_of(client.get("/login").text)
    data = {"csrf_token": token, "username": "officer", "password": users["officer"].password}
    response = client.post("/login", data=data)
    assert response.status_code == 401
    assert "Wrong username, password or code." in response.text
    unknown = client.post("/login", data={**data, "username": "nobody"})
    assert unknown.status_code == 401
    assert "Wrong username, password or code." in unknown.text
    assert "tipdata_session" not in response.headers.get("set-cookie", "")


def test_form_without_csrf_token_is_refused(client: TestClient, users: dict[str, WebUser]) -> None:
    client.get("/login")
    response = client.post(
        "/login", data={"username": "auditor", "password": users["auditor"].password}
    )
    assert response.status_code == 403
    assert "form has expired" in response.text


def test_csrf_token_is_bound_to_the_session(client: TestClient, users: dict[str, WebUser]) -> None:
    login_token = csrf_of(client.get("/login").text)
    sign_in(client, users["auditor"])
    session_token = csrf_of(client.get("/dashboard").text)
    assert session_token != login_token
    # the token of the sign-in page (pre-session) does not work for the signed-in session
    refused = client.post("/logout", data={"csrf_token": login_token})
    assert refused.status_code == 403
    # another browser's token does not work either
    with TestClient(client.app, base_url=BASE_URL, follow_redirects=False) as other:
        other_token = csrf_of(other.get("/login").text)
    assert client.post("/logout", data={"csrf_token": other_token}).status_code == 403
    assert client.get("/dashboard").status_code == 200
    assert client.post("/logout", data={"csrf_token": session_token}).status_code == 303


def test_logout_revokes_the_session_on_the_server(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    sign_in(client, users["auditor"])
    cookie = client.cookies.get("tipdata_session")
    token = csrf_of(client.get("/dashboard").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    # replaying the old cookie (e.g. copied before logout) no longer works
    client.cookies.set("tipdata_session", cookie or "")
    assert client.get("/dashboard").status_code == 303


def test_language_switch_sets_a_cookie_and_renders_khmer(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/language", data={"csrf_token": token, "language": "km", "next": "/login"}
    )
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    page = client.get("/login")
    assert '<html lang="km">' in page.text
    assert "ចូលប្រើ" in page.text  # "Sign in"
    assert "ឈ្មោះអ្នកប្រើ" in page.text  # "Username"


def test_language_switch_never_redirects_off_site(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/language", data={"csrf_token": token, "language": "km", "next": "//evil.example/"}
    )
    assert response.headers["location"] == "/"


def test_browser_language_is_used_until_the_user_chooses(client: TestClient) -> None:
    page = client.get("/login", headers={"Accept-Language": "km-KH,km;q=0.9,en;q=0.5"})
    assert '<html lang="km">' in page.text
    assert '<html lang="en">' in client.get("/login").text


def test_navigation_shows_only_the_pages_of_the_role(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    sign_in(client, users["auditor"])
    html = client.get("/dashboard").text
    assert 'href="/admin/audit"' in html
    assert 'href="/imports"' not in html
    assert client.get("/imports").status_code == 403


def test_officer_dashboard_shows_imports_section_and_the_figures(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    sign_in(client, users["officer"])
    html = client.get("/dashboard").text
    assert "Recent imports" in html
    assert "No agency file has been imported yet." in html
    assert "National figures" in html
    assert 'href="/imports"' in html
    assert 'href="/admin/audit"' not in html


def test_audit_log_page_lists_sign_ins(client: TestClient, users: dict[str, WebUser]) -> None:
    sign_in(client, users["auditor"])
    html = client.get("/admin/audit").text
    assert "<td>signed in</td>" in html  # labels, not the codes login_success, user_created
    assert "<td>user added</td>" in html
    filtered = client.get("/admin/audit", params={"action": "login_success"}).text
    assert "<td>user added</td>" not in filtered and "<td>signed in</td>" in filtered


def test_unknown_page_is_a_friendly_404(client: TestClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_default_docs_are_disabled(client: TestClient) -> None:
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 404, path


def test_api_docs_need_a_signed_in_user(client: TestClient, users: dict[str, WebUser]) -> None:
    assert client.get("/docs/api").status_code == 303
    assert client.get("/docs/api/openapi.json").status_code == 303
    sign_in(client, users["reader"])
    page = client.get("/docs/api")
    assert page.status_code == 200
    assert "/api/v1/audit-events" in page.text
    assert client.get("/docs/api/openapi.json").json()["info"]["title"] == "tipdata"
