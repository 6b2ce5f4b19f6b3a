"""Every page of the web app, as each role, timed one request at a time (``bench_web.py --pages``).

The routes come from the app itself (every ``GET`` route of :data:`tipdata.web.app.ROUTERS`);
each role gets the routes its permissions allow. A route without path parameters is opened
as listed in :data:`QUERIES` (the year of the demo data, a filter); a route with path
parameters is filled from the links the role was shown on the pages it opened before
(a person from its own person list, a case from its case list, a report from its
provincial list, a figure's explanation from its TIP tables): so every page is opened on
records within the role's scope, as a user would reach it. The JSON API routes are opened
with the role's bearer token and filled with the same values.

The first request of each page is timed apart ("cold": the first computation of a period
is cached for the next ones); then ``repeat`` more, spread over up to ``repeat`` different
records, give p50 and p95. A route that cannot be filled (no such record reachable by the
role, e.g. no release yet) is listed as not measured, with the reason; a route the table
below does not know fails the run, so a new page is benchmarked from the day it exists.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import httpx
import pyotp

YEAR = 2008
QUERIES: dict[str, str] = {
    "/dashboard": f"year={YEAR}",
    "/dashboard/charts/{name}.svg": f"year={YEAR}",
    "/api/v1/dashboard": f"year={YEAR}",
    "/reports": f"year={YEAR}",
    "/reports/indicators": f"year={YEAR}",
    "/reports/tip.{file_format}": f"year={YEAR}",
    "/api/v1/reports/tip": f"year={YEAR}",
    "/api/v1/reports/tip.{file_format}": f"year={YEAR}",
    "/provincial": f"year={YEAR}",
    "/provincial/map": f"year={YEAR}",
    "/provincial/pivot": "rows=province&columns=sex",
    "/provincial/pivot.{file_format}": "rows=province&columns=sex",
    "/reports/publish/preview": f"start={YEAR}-01-01&end={YEAR}-03-31",
}
"""The query string a route is opened with (the demo data are of 2008)."""

NOT_MEASURED: dict[str, str] = {
    "/account/setup/{token}": "a one-time link of an account not yet set up",
}
"""Routes the benchmark does not open, with the reason."""

FORMATS = {
    "/provincial/pivot.{file_format}": ("csv", "xlsx"),
    "/reports/tip.{file_format}": ("csv", "xlsx"),
    "/api/v1/reports/tip.{file_format}": ("csv",),
}
"""The file formats of an export route (one page per format)."""

LINK = re.compile(r'(?:href|src|action)="(/[^"#]*)"')


@dataclass
class PageTimes:
    """The timings of one route opened by one role."""

    role: str
    route: str
    cold: float | None = None
    seconds: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    skipped: str | None = None
    gone: list[str] = field(default_factory=list)
    """Links shown to the role that answered 404 (a report not yet submitted): not timed."""
    failures: list[str] = field(default_factory=list)

    def add(self, status: int, seconds: float, *, cold: bool) -> None:
        """Record one request."""
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if cold:
            self.cold = seconds
        else:
            self.seconds.append(seconds)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (NaN when there are none)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def get_routes() -> list[tuple[str, Any, set[str]]]:
    """Every GET route of the app: (path, starlette route, permissions required)."""
    from fastapi.routing import APIRoute

    from tipdata.web.app import ROUTERS
    from tipdata.web.auth import required_permissions, requires_authentication

    found = []
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute) and "GET" in route.methods:
                if not requires_authentication(route.dependant) and route.path != "/":
                    continue  # the sign-in flow, not a page of a role's work
                found.append((route.path, route, required_permissions(route.dependant)))
    return found


def publish_year(client: httpx.Client, api: httpx.Client, year: int = YEAR) -> None:
    """Release the year's figures through the web (once: readers' pages show releases)."""
    start, end = f"{year}-01-01", f"{year}-12-31"
    listed = api.get("/api/v1/reports/tip/releases")
    listed.raise_for_status()
    if f'"{start}"' in listed.text and f'"{end}"' in listed.text:
        print(f"{year} is released already")
        return
    page = client.get(f"/reports/publish/preview?start={start}&end={end}")
    match = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page.text)
    assert match, "no CSRF token on the publish preview"
    started = time.perf_counter()
    form = {"csrf_token": match.group(1), "start": start, "end": end, "confirm": "yes"}
    response = client.post("/reports/publish", data=form)
    print(f"published {year} through the web: HTTP {response.status_code} in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    response.raise_for_status()


def _order(path: str) -> tuple[int, str]:
    """Pages without parameters first (their links fill the others), the API last."""
    return (path.startswith("/api/"), "{" in path, path)


@dataclass
class RoleSession:
    """One signed-in role: its page client, its API client and the links it was shown."""

    role: str
    pages: httpx.Client
    api: httpx.Client
    links: set[str] = field(default_factory=set)

    def remember(self, response: httpx.Response) -> None:
        """Keep the same-site links of an HTML page."""
        if "text/html" in response.headers.get("content-type", ""):
            self.links.update(unescape(link) for link in LINK.findall(response.text))


def sign_in(base: str, username: str, password: str, secret: str | None) -> httpx.Client:
    """A client signed in through the sign-in form (with a TOTP code when enrolled)."""
    client = httpx.Client(base_url=base, timeout=120, follow_redirects=False)
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page.text)
    assert match, "no CSRF token on the sign-in page"
    code = pyotp.TOTP(secret).at(datetime.now(UTC)) if secret else ""
    form = {"csrf_token": match.group(1), "username": username, "password": password}
    response = client.post("/login", data={**form, "code": code})
    if response.status_code != 303:
        raise SystemExit(f"sign-in of {username} failed: HTTP {response.status_code}")
    return client


Pools = list[dict[str, str]]
"""The path parameters of every page link the role opened or was shown."""


def _candidates(route: Any, path: str, session: RoleSession, pools: Pools) -> list[str]:
    """URLs for a route with path parameters: links shown to the role, else pooled values."""
    shown = sorted(link for link in session.links if route.path_regex.match(urlsplit(link).path))
    if shown:
        return shown
    names = re.findall(r"{(\w+)}", path)
    urls = set()
    for values in pools:
        if all(name in values for name in names):
            url = path
            for name in names:
                url = url.replace("{" + name + "}", values[name])
            urls.add(url)
    return sorted(urls)[:50]


def _pool(route: Any, urls: Iterable[str], pools: Pools) -> None:
    for url in urls:
        match = route.path_regex.match(urlsplit(url).path)
        if match and match.groupdict() not in pools:
            pools.append(match.groupdict())


def _urls(path: str, route: Any, session: RoleSession, pools: Pools) -> list[str]:
    if path in FORMATS:
        query = QUERIES.get(path, "")
        return [
            path.replace("{file_format}", fmt) + (f"?{query}" if query else "")
            for fmt in FORMATS[path]
        ]
    if "{" in path:
        urls = _candidates(route, path, session, pools)
        query = QUERIES.get(path)
        if query:
            urls = [url if "?" in url else f"{url}?{query}" for url in urls]
        return urls
    query = QUERIES.get(path)
    if path in ("/reports/explain", "/provincial/pivot/cell"):
        return sorted(link for link in session.links if urlsplit(link).path == path)
    return [f"{path}?{query}" if query else path]


def measure_role(
    session: RoleSession, allowed: list[tuple[str, Any]], repeat: int, budget: float = 60.0
) -> list[PageTimes]:
    """Open every allowed route of a role: one cold request, then ``repeat`` timed ones.

    A page stops being repeated once it has taken ``budget`` seconds (a page of seconds
    would hold the run for hours); its ``n`` says how many were timed.
    """
    results: list[PageTimes] = []
    pools: Pools = []
    for path, route in sorted(allowed, key=lambda item: _order(item[0])):
        times = PageTimes(session.role, path)
        results.append(times)
        if path in NOT_MEASURED:
            times.skipped = NOT_MEASURED[path]
            continue
        urls = _urls(path, route, session, pools)
        if not urls:
            times.skipped = "no link to it was shown to the role"
            continue
        client = session.api if path.startswith("/api/") else session.pages
        index, spent = 0, 0.0
        while index <= repeat and urls and spent < budget:
            url = urls[index % len(urls)]
            started = time.perf_counter()
            response = client.get(url)
            seconds = time.perf_counter() - started
            spent += seconds
            if response.status_code == 404 and "{" in path:
                times.gone.append(url)
                urls.remove(url)
                continue
            times.add(response.status_code, seconds, cold=index == 0)
            index += 1
            if response.status_code == 200:
                session.remember(response)
                _pool(route, [url], pools)
            elif response.status_code >= 400 and len(times.failures) < 3:
                times.failures.append(f"{url} -> HTTP {response.status_code}")
        if not times.statuses:
            times.skipped = f"every link shown to the role answered 404 ({len(times.gone)})"
        if not path.startswith("/api/"):
            # values the pages were filled with serve the API routes of the same records
            for other_path, other in allowed:
                if "{" in other_path and not other_path.startswith("/api/"):
                    _pool(other, session.links, pools)
    return results


def report(results: list[PageTimes], target_ms: float) -> bool:
    """Print p50/p95 per role and page; return whether every page met the target."""
    print(f"{'role':<24}{'page':<56}{'n':>4}{'cold ms':>9}{'p50 ms':>8}{'p95 ms':>8}  status")
    slow, failed = [], []
    for times in results:
        if times.skipped:
            print(f"{times.role:<24}{times.route:<56}  not measured: {times.skipped}")
            continue
        ms = [s * 1000 for s in times.seconds]
        p50, p95 = percentile(ms, 0.5), percentile(ms, 0.95)
        cold = (times.cold or 0) * 1000
        statuses = ",".join(f"{code}×{n}" for code, n in sorted(times.statuses.items()))
        mark = ""
        if p95 >= target_ms:
            slow.append(times)
            mark = "  SLOW"
        if any(code >= 400 for code in times.statuses):
            failed.append(times)
            mark += "  ERROR"
        print(
            f"{times.role:<24}{times.route:<56}{len(ms):>4}{cold:>9.0f}{p50:>8.0f}{p95:>8.0f}"
            f"  {statuses}{mark}"
        )
        for failure in times.failures:
            print(f"{'':<24}  {failure}")
    measured = [t for t in results if not t.skipped]
    every = [s * 1000 for t in measured for s in t.seconds]
    print(
        f"{len(measured)} pages measured ({len(results) - len(measured)} not), "
        f"{len(every)} requests: p50 {percentile(every, 0.5):.0f} ms, "
        f"p95 {percentile(every, 0.95):.0f} ms; pages with p95 >= {target_ms:.0f} ms: "
        f"{len(slow)}; pages answering an error: {len(failed)}"
    )
    return not slow and not failed
