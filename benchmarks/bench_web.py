"""Load-test the web app: 50 concurrent users on the dashboard, a person and a provincial report.

Run: ``.venv/bin/python benchmarks/bench_web.py [--scale 10] [--users 50] [--seconds 60]
[--think 0.5:1.5] [--workers 1]`` (also ``python -m benchmarks web``).

The demo database at the scale comes from the shared benchmark cache
(:func:`tipdata.demo.benchdb.bench_database`, ``var/bench/scale-<n>-sqlite``; built on
first use, which takes about 15 minutes at scale 10) and is *copied* to
``var/bench/web-scale-<n>-sqlite`` so that the audit events this benchmark writes never
touch the shared copy. A real uvicorn serves it on loopback in a child process; the
load generator is a plain asyncio + httpx client in this process.

Each virtual user signs in once through the sign-in form (its own NTF data officer
account, with TOTP; one after the other, not measured), then loops: open the dashboard
(``/dashboard``), a random person (``/persons/<public id>``) and a random province's
bi-weekly report entry form (``/provincial/<province>/<period>``), each followed by a
think time drawn uniformly from ``--think`` (``0``: a closed loop without pauses). One
dashboard is opened first, alone, and timed apart (it computes the figures, which are
then cached for five minutes); after ``--warmup`` more seconds every request is recorded
for ``--seconds`` seconds: p50/p95/p99 per page and overall, throughput, error rate.
Target: p95 < 300 ms and no error.
No personal data is printed: persons are addressed by opaque public ids.

``--pages [--repeat 20]``: instead of the load, every page of the app (every GET route,
listed from the app) as each role of the demo, one request at a time, p50/p95 per role
and page (see :mod:`web_pages`); target p95 < 300 ms for every page but the first
computation of a period (each page's first request, timed apart as "cold").
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pyotp
import sqlalchemy as sa

TARGET_P95_MS = 300.0
ROOT = Path("var/bench")
USERNAME = "bench.web.ntf.{:02d}"
"""One NTF data officer per virtual user: each signs in with its own TOTP secret (a code is
accepted once, so users sharing one secret could not sign in within the same 30 s)."""
PASSWORD = "bench web synthetic passphrase 2008"
YEAR = 2008
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')
PAGES = ("dashboard", "person", "provincial")


@dataclass
class Sample:
    """One measured request."""

    page: str
    seconds: float
    ok: bool


@dataclass
class Load:
    """What the virtual users do and what they measured."""

    public_ids: list[str]
    reports: list[tuple[str, str]]
    think: tuple[float, float]
    samples: list[Sample] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    measuring: bool = False


def _database_copy(scale: float, root: Path = ROOT) -> tuple[Path, Path]:
    """The web benchmark's own copy of the cached demo database at ``scale``, and its delivery.

    The cache is read under ``root``; the copy is made under ``var/bench`` of the working
    folder (so that two checkouts sharing one cache never share a copy).
    """
    from tipdata.demo.benchdb import bench_database, demo_delivery, scale_label

    label = scale_label(scale)
    folder = ROOT / f"web-scale-{label}-sqlite"
    if not (folder / "bench.db").exists():
        shared = bench_database(scale, "sqlite", root)
        shared.db.dispose()
        source = root / f"scale-{label}-sqlite"
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        shutil.copyfile(source / "bench.db", folder / "bench.db")
        shutil.copyfile(source / "master.key", folder / "master.key")
        (folder / "master.key").chmod(0o600)
        print(f"copied the scale {scale:g} database in {time.perf_counter() - started:.0f} s")
    return folder, demo_delivery(scale, root)


def _prepare(
    folder: Path, delivery: Path, users: int, samples: int
) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Migrate the copy, load the provincial reports, (re)make the benchmark users.

    Returns:
        The users' TOTP secrets, public ids of victims, and (province, period) of reports.
    """
    from tipdata.access import add_user, enable_totp, load_keyring, set_password, sync_roles
    from tipdata.access.keys import MasterKey
    from tipdata.access.passwords import ArgonParameters, Passwords
    from tipdata.provincial import import_reports
    from tipdata.store import Agency, AppUser, Database, Person, ProvincialReport
    from tipdata.store.people import PersonRecord

    key = MasterKey.from_base64((folder / "master.key").read_text(encoding="ascii"))
    db = Database(f"sqlite:///{folder / 'bench.db'}", master_key=key)
    started = time.perf_counter()
    db.upgrade()
    print(f"database at revision {db.current_revision()} ({time.perf_counter() - started:.1f} s)")
    # cheap hashing: the benchmark measures pages, not the sign-in's Argon2 cost
    passwords = Passwords(ArgonParameters(time_cost=1, memory_kib=8, parallelism=1))
    secrets: list[str] = []
    with db.session() as session:
        if session.scalar(sa.select(sa.func.count(ProvincialReport.id))) == 0:
            summary = import_reports(session, delivery / f"pwg_biweekly_{YEAR}.csv", "bench")
            print(f"provincial reports imported: {summary.reports}")
        sync_roles(session)
        ntf = session.scalars(sa.select(Agency.id).where(Agency.code == "NTF")).one()
        cipher = load_keyring(session, key).cipher
        for number in range(users):
            username = USERNAME.format(number)
            if session.scalar(sa.select(AppUser.id).where(AppUser.username == username)) is None:
                add_user(
                    session, None, username=username, display_name="Web benchmark",
                    role="ntf_data_officer", agency_id=ntf, province_code=None,
                    password=PASSWORD, passwords=passwords,
                )  # fmt: skip
            else:
                set_password(session, None, username, PASSWORD, passwords)
            secrets.append(pyotp.parse_uri(enable_totp(session, None, username, cipher)).secret)
        people = session.scalars(
            sa.select(Person.public_id)
            .join(PersonRecord, PersonRecord.person_id == Person.id)
            .where(PersonRecord.role == "victim")
            .order_by(Person.id)
            .limit(samples)
        ).all()
        periods = session.execute(
            sa.select(ProvincialReport.province_code, ProvincialReport.period_code).distinct()
        ).all()
    db.dispose()
    reports = [(province, str(period)) for province, period in periods]
    return secrets, list(people), reports


def _prepare_roles(folder: Path) -> list[tuple[str, str, str | None, str]]:
    """One user per role of the demo accounts (same agency and province), with an API token.

    Returns:
        (role, username, TOTP secret or None, API token) per role.
    """
    from tipdata.access import add_user, default_policy, enable_totp, set_password, sync_roles
    from tipdata.access.keys import MasterKey
    from tipdata.access.passwords import ArgonParameters, Passwords
    from tipdata.access.sessions import create_api_token
    from tipdata.demo.users import DEMO_ACCOUNTS
    from tipdata.store import Agency, AppUser, Database

    key = MasterKey.from_base64((folder / "master.key").read_text(encoding="ascii"))
    db = Database(f"sqlite:///{folder / 'bench.db'}", master_key=key)
    passwords = Passwords(ArgonParameters(time_cost=1, memory_kib=8, parallelism=1))
    policy = default_policy()
    from tipdata.access import load_keyring

    users = []
    with db.session() as session:
        sync_roles(session, policy)
        cipher = load_keyring(session, key).cipher
        agencies = dict(session.execute(sa.select(Agency.code, Agency.id)).tuples().all())
        for _, role, agency, province in DEMO_ACCOUNTS:
            username = f"bench.pages.{role.replace('_', '.')}"
            user_id = session.scalar(sa.select(AppUser.id).where(AppUser.username == username))
            if user_id is None:
                user_id = add_user(
                    session, None, username=username, display_name="Page benchmark",
                    role=role, agency_id=agencies[agency], province_code=province,
                    password=PASSWORD, passwords=passwords, policy=policy,
                ).id  # fmt: skip
            else:
                set_password(session, None, username, PASSWORD, passwords)
            secret = None
            if policy.requires_totp(role):
                secret = pyotp.parse_uri(enable_totp(session, None, username, cipher)).secret
            token = create_api_token(session, user_id, "page benchmark", datetime.now(UTC))
            users.append((role, username, secret, token))
    db.dispose()
    return users


def _run_pages(
    base: str,
    users: list[tuple[str, str, str | None, str]],
    repeat: int,
    budget: float,
    only: list[str],
) -> bool:
    """Every page as every role (see :mod:`web_pages`); whether all met the target."""
    import web_pages

    from tipdata.access import default_policy

    policy = default_policy()
    routes = web_pages.get_routes()
    results = []
    assert policy.allows(users[0][0], "reports:publish"), "the first role publishes the year"
    for role, username, secret, token in users:
        allowed = [
            (path, route)
            for path, route, needs in routes
            if all(policy.allows(role, permission) for permission in needs)
            and (not only or any(path.startswith(prefix) for prefix in only))
        ]
        pages = web_pages.sign_in(base, username, PASSWORD, secret)
        api = httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {token}"})
        try:
            if role == users[0][0]:
                web_pages.publish_year(pages, api)
            session = web_pages.RoleSession(role, pages, api)
            started = time.perf_counter()
            measured = web_pages.measure_role(session, allowed, repeat, budget)
            results += measured
            web_pages.report(measured, TARGET_P95_MS)  # as it goes: a long run shows progress
            print(f"{role}: {len(allowed)} routes in {time.perf_counter() - started:.0f} s",
                  flush=True)  # fmt: skip
        finally:
            pages.close()
            api.close()
    print("== every role")
    return web_pages.report(results, TARGET_P95_MS)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_app() -> Any:
    """The app over the benchmark's database copy (a uvicorn factory, one per worker).

    The copy's folder comes from ``BENCH_WEB_FOLDER``; its ``home`` holds the key file.
    """
    from tipdata.settings import load_settings
    from tipdata.system import System
    from tipdata.web import create_app

    folder = Path(os.environ["BENCH_WEB_FOLDER"])
    url = f"sqlite:///{folder / 'bench.db'}"
    return create_app(System.from_settings(load_settings(home=folder / "home", database_url=url)))


SERVER = """
import sys, uvicorn
uvicorn.run("bench_web:server_app", factory=True, host="127.0.0.1", port=int(sys.argv[1]),
            workers=int(sys.argv[2]), log_level="warning", server_header=False)
"""


def _start_server(folder: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    """Uvicorn in a child process, with the copy's master key as its key file."""
    keys = folder / "home" / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(folder / "master.key", keys / "master.key")
    (keys / "master.key").chmod(0o600)
    here = str(Path(__file__).resolve().parent)
    path = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "TIPDATA_ENVIRONMENT": "development", "PYTHONPATH": path,
           "BENCH_WEB_FOLDER": str(folder.resolve())}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port), str(workers)],
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
            return server
        except httpx.HTTPError:
            time.sleep(0.3)
    _stop(server)
    raise SystemExit("uvicorn did not answer within 60 s")


def _stop(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


async def _sign_in(client: httpx.AsyncClient, username: str, secret: str) -> None:
    page = await client.get("/login")
    match = CSRF.search(page.text)
    assert match, "no CSRF token on the sign-in page"
    code = pyotp.TOTP(secret).at(datetime.now(UTC))
    form = {"csrf_token": match.group(1), "username": username, "password": PASSWORD, "code": code}
    response = await client.post("/login", data=form)
    if response.status_code != 303:
        raise SystemExit(f"sign-in failed: HTTP {response.status_code}")


async def _user(client: httpx.AsyncClient, load: Load, stop_at: float, seed: int) -> None:
    """One signed-in virtual user: dashboard → person → report until ``stop_at``."""
    chooser = random.Random(seed)
    while time.monotonic() < stop_at:
        for page in PAGES:
            if page == "dashboard":
                url = f"/dashboard?year={YEAR}"
            elif page == "person":
                url = f"/persons/{chooser.choice(load.public_ids)}"
            else:
                province, period = chooser.choice(load.reports)
                url = f"/provincial/{province}/{period}"
            started = time.perf_counter()
            try:
                response = await client.get(url)
                ok = response.status_code == 200
                problem = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                ok, problem = False, type(exc).__name__
            if load.measuring:
                load.samples.append(Sample(page, time.perf_counter() - started, ok))
                if not ok:
                    key = f"{page}: {problem}"
                    load.errors[key] = load.errors.get(key, 0) + 1
            if load.think[1] > 0:
                await asyncio.sleep(chooser.uniform(*load.think))
            if time.monotonic() >= stop_at:
                return


async def _run_load(
    base: str, secrets: list[str], load: Load, warmup: float, seconds: float
) -> float:
    """Sign every user in (one after the other, not measured), then run them all at once.

    Returns:
        The seconds measured (after ``warmup``).
    """
    clients = [
        httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False) for _ in secrets
    ]
    try:
        for number, (client, secret) in enumerate(zip(clients, secrets, strict=True)):
            await _sign_in(client, USERNAME.format(number), secret)
        started = time.perf_counter()
        cold = await clients[0].get(f"/dashboard?year={YEAR}")
        print(
            f"cold dashboard (computes and caches the figures): HTTP {cold.status_code} in "
            f"{time.perf_counter() - started:.1f} s (not in the figures below)"
        )
        stop_at = time.monotonic() + warmup + seconds
        tasks = [
            asyncio.create_task(_user(client, load, stop_at, seed))
            for seed, client in enumerate(clients)
        ]
        await asyncio.sleep(warmup)
        load.measuring = True
        started = time.monotonic()
        await asyncio.gather(*tasks)
        return time.monotonic() - started
    finally:
        for client in clients:
            await client.aclose()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def _report(load: Load, seconds: float) -> bool:
    """Print the figures; return whether the targets were met."""
    print(f"{'page':<12}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    groups = {page: [s for s in load.samples if s.page == page] for page in PAGES}
    groups["all"] = load.samples
    for page, samples in groups.items():
        times = [s.seconds * 1000 for s in samples]
        errors = sum(not s.ok for s in samples)
        print(
            f"{page:<12}{len(samples):>9}{_percentile(times, 0.50):>9.0f}"
            f"{_percentile(times, 0.95):>9.0f}{_percentile(times, 0.99):>9.0f}{errors:>8}"
        )
    total = len(load.samples)
    errors = sum(not s.ok for s in load.samples)
    p95 = _percentile([s.seconds * 1000 for s in load.samples], 0.95)
    mean = statistics.fmean(s.seconds * 1000 for s in load.samples) if total else float("nan")
    rate = errors / total if total else 1.0
    print(
        f"throughput {total / seconds:.1f} requests/s over {seconds:.0f} s; mean {mean:.0f} ms; "
        f"error rate {rate:.2%}" + (f" {load.errors}" if load.errors else "")
    )
    met = total > 0 and errors == 0 and p95 < TARGET_P95_MS
    print(f"target p95 < {TARGET_P95_MS:.0f} ms and 0 errors: {'met' if met else 'NOT met'}")
    return met


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit code 0 when the targets are met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--think", default="0.5:1.5", help="min:max seconds between requests")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--pages", action="store_true", help="every page as every role")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds at most per page")
    parser.add_argument("--only", default="", help="comma-separated route prefixes (--pages)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the benchmark cache (read only)")
    args = parser.parse_args(argv)
    low, _, high = args.think.partition(":")
    think = (float(low), float(high or low))

    folder, delivery = _database_copy(args.scale, args.root)
    if args.pages:
        _prepare(folder, delivery, 0, samples=0)
        users = _prepare_roles(folder)
        port = _free_port()
        server = _start_server(folder, port, args.workers)
        try:
            only = [prefix for prefix in args.only.split(",") if prefix]
            met = _run_pages(f"http://127.0.0.1:{port}", users, args.repeat, args.budget, only)
        finally:
            _stop(server)
        return 0 if met else 1
    secrets, public_ids, reports = _prepare(folder, delivery, args.users, samples=5000)
    print(
        f"scale {args.scale:g}: {len(public_ids)} persons and {len(reports)} provincial reports "
        f"to choose from; {args.users} users, think {think[0]:g}-{think[1]:g} s, "
        f"{args.workers} uvicorn worker(s), {os.cpu_count()} CPUs"
    )
    port = _free_port()
    server = _start_server(folder, port, args.workers)
    try:
        load = Load(public_ids, reports, think)
        base = f"http://127.0.0.1:{port}"
        measured = asyncio.run(_run_load(base, secrets, load, args.warmup, args.seconds))
    finally:
        _stop(server)
    return 0 if _report(load, measured) else 1


if __name__ == "__main__":
    raise SystemExit(main())
