"""Published figures served from stored releases, and internal figures computed per period.

Run: ``.venv/bin/python benchmarks/bench_releases.py [--scale 10] [--readers 50]
[--seconds 30] [--workers 1] [--think 0.5:1.5]`` (also ``python -m benchmarks releases``).

Uses the shared cached demo database at the scale (:func:`tipdata.demo.benchdb.bench_database`,
``var/bench/scale-<n>-sqlite``; built on first use) *copied* to
``var/bench/releases-scale-<n>-sqlite`` and migrated there, so the releases and audit
events written here never touch the shared copy. Prints, in one run:

1. **Internal new-period computation** (what an NTF user asking a period nobody asked
   before costs), each in a fresh child process so its peak RSS is its own:
   ``FigureCache.report`` for the year 2008 (target: < 10 s and < 1 GB peak RSS), beside
   the baseline measured in the same run: what a *reader's* request for a new period cost
   before releases (the same computation plus disclosure control of the whole report),
   and the floor (the child process with tipdata imported, nothing computed).
2. **Publication**: the year 2008 released, then 2008Q1 audited against it (the
   cross-release gate), each timed.
3. **Serving**: ``--readers`` statistics readers (API tokens), each asking
   ``GET /api/v1/reports/tip?period=2008`` from a real uvicorn, a think time drawn from
   ``--think`` (default 0.5–1.5 s, as ``bench_web``) between requests, for ``--seconds``:
   p50 / p95 / p99 (target: p95 < 100 ms, no error), beside the baseline measured in the
   same run under the same load: ``GET /api/v1/me`` (authentication and the framework,
   no figures).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_web import _free_port, _percentile, _start_server, _stop

ROOT = Path("var/bench")
TARGET_P95_MS = 100.0
TARGET_SECONDS = 10.0
TARGET_RSS_MB = 1024.0
READER = "bench.release.reader.{:02d}"
PASSWORD = "bench release synthetic passphrase 2008"

CHILD = """
import json, sys, time
from datetime import date
from tipdata.access.keys import MasterKey
from tipdata.store import Database
mode, url, key_file = sys.argv[1], sys.argv[2], sys.argv[3]
db = Database(url, master_key=MasterKey.from_base64(open(key_file).read()))
start, end = date(2008, 1, 1), date(2008, 12, 31)
if mode == "internal-tip-year":
    start, end, mode = date(2008, 4, 1), date(2009, 3, 31), "internal"
if mode == "internal":
    # imported before the clock starts: a running server has imported the web app
    from tipdata.web.figures import FigureCache
started, cpu = time.perf_counter(), time.process_time()
if mode == "internal":
    FigureCache().report(db, start, end)
elif mode == "old-reader":
    from tipdata.reporting.publish import publish
    from tipdata.reporting.releases import releasable
    from tipdata.reporting.tip import tip_report
    publish(releasable(tip_report(db, start, end)), threshold=10)
elif mode == "tables":
    from tipdata.reporting.indicators import default_catalogue
    from tipdata.reporting.tip import TIP_TABLES
    catalogue, each = default_catalogue(), {}
    for spec in TIP_TABLES:
        began = time.perf_counter()
        spec.build(db, catalogue, start, end)
        each[spec.name] = round(time.perf_counter() - began, 2)
    print(json.dumps(each))
seconds = time.perf_counter() - started
# VmHWM: this process's own peak (ru_maxrss would carry the forking parent's over exec)
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
print(json.dumps({"seconds": seconds, "cpu": time.process_time() - cpu, "peak_mb": peak}))
"""


def _copy(scale: float, root: Path = ROOT, work: Path | None = None) -> Path:
    """The benchmark's own copy (under ``work``, default ``root``) of the cached demo
    database at ``scale`` (under ``root``: another checkout's cache is only read)."""
    from tipdata.demo.benchdb import bench_database, scale_label

    label = scale_label(scale)
    folder = (work or root) / f"releases-scale-{label}-sqlite"
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
    return folder


def _url(folder: Path) -> str:
    return f"sqlite:///{folder / 'bench.db'}"


def _child(mode: str, folder: Path) -> dict[str, float]:
    """Run one measured step in a fresh process; its seconds and peak RSS (MB)."""
    result = subprocess.run(
        [sys.executable, "-c", CHILD, mode, _url(folder), str(folder / "master.key")],
        capture_output=True, text=True, check=True, env=os.environ,
    )  # fmt: skip
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _slowest_tables(folder: Path, shown: int = 5) -> list[tuple[str, float]]:
    """Each TIP table built on its own (what dominates the computation), slowest first."""
    result = subprocess.run(
        [sys.executable, "-c", CHILD, "tables", _url(folder), str(folder / "master.key")],
        capture_output=True, text=True, check=True, env=os.environ,
    )  # fmt: skip
    each: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-2])
    return sorted(each.items(), key=lambda item: -item[1])[:shown]


def _prepare(folder: Path, readers: int) -> list[str]:
    """Migrate the copy, (re)make the readers; return their API tokens."""
    from tipdata.access import add_user, sync_roles
    from tipdata.access.keys import MasterKey
    from tipdata.access.passwords import ArgonParameters, Passwords
    from tipdata.access.sessions import create_api_token
    from tipdata.store import Agency, AppUser, Database

    key = MasterKey.from_base64((folder / "master.key").read_text(encoding="ascii"))
    db = Database(_url(folder), master_key=key)
    db.upgrade()
    print(f"database at revision {db.current_revision()}")
    passwords = Passwords(ArgonParameters(time_cost=1, memory_kib=8, parallelism=1))
    tokens = []
    with db.session() as session:
        sync_roles(session)
        ntf = session.scalars(sa.select(Agency.id).where(Agency.code == "NTF")).one()
        for number in range(readers):
            username = READER.format(number)
            user_id = session.scalar(sa.select(AppUser.id).where(AppUser.username == username))
            if user_id is None:
                user = add_user(
                    session, None, username=username, display_name="Release benchmark",
                    role="statistics_reader", agency_id=ntf, province_code=None,
                    password=PASSWORD, passwords=passwords,
                )  # fmt: skip
                user_id = user.id
            tokens.append(create_api_token(session, user_id, "bench", datetime.now(UTC)))
        session.commit()
    db.dispose()
    return tokens


def _publish(folder: Path) -> None:
    """Release 2008 and 2008Q1 (the second audited against the first), timed."""
    from tipdata.access.keys import MasterKey
    from tipdata.reporting.releases import NotPublished, published_release, release_report
    from tipdata.reporting.suppression import DisclosureError
    from tipdata.reporting.tip import tip_report
    from tipdata.store import Database

    key = MasterKey.from_base64((folder / "master.key").read_text(encoding="ascii"))
    db = Database(_url(folder), master_key=key)
    try:
        for start, end in (
            (date(2008, 1, 1), date(2008, 12, 31)),
            (date(2008, 1, 1), date(2008, 3, 31)),
        ):
            try:
                published_release(db, start, end, actor=None)
                print(f"release {start} to {end}: already stored (reused)")
                continue
            except NotPublished:
                pass
            started = time.perf_counter()
            report = tip_report(db, start, end)
            computed = time.perf_counter() - started
            try:
                released = release_report(db, report, folder / "releases", actor=None, threshold=10)
            except DisclosureError as error:
                print(f"release {start} to {end}: refused ({len(error.unsafe)} cells)")
                continue
            gate = time.perf_counter() - started - computed
            print(
                f"release {start} to {end}: figures {computed:.1f} s, gate and files {gate:.1f} s; "
                f"{len(released.release.overlap_suppressed)} cells suppressed for overlap"
            )
    finally:
        db.dispose()


@dataclass
class Load:
    """Latencies of one closed-loop load."""

    path: str
    samples: list[float] = field(default_factory=list)
    errors: int = 0
    sizes: set[int] = field(default_factory=set)
    server_cpu: float = 0.0
    warm: int = 0


async def _reader(
    client: httpx.AsyncClient,
    token: str,
    load: Load,
    stop_at: float,
    think: tuple[float, float],
    seed: int,
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    pause = random.Random(seed)
    while time.monotonic() < stop_at:
        await asyncio.sleep(pause.uniform(*think))
        started = time.perf_counter()
        try:
            response = await client.get(load.path, headers=headers)
            ok = response.status_code == 200
            load.sizes.add(len(response.content))
        except httpx.HTTPError:
            ok = False
        load.samples.append(time.perf_counter() - started)
        load.errors += not ok


async def _run(
    port: int, tokens: list[str], path: str, seconds: float, think: tuple[float, float]
) -> Load:
    load = Load(path)
    limits = httpx.Limits(max_connections=len(tokens) + 5)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=60, limits=limits
    ) as client:
        warm, warming = time.monotonic() + 2, Load(path)
        await asyncio.gather(
            *(_reader(client, t, warming, warm, think, n) for n, t in enumerate(tokens))
        )
        load.warm = len(warming.samples)
        stop_at = time.monotonic() + seconds
        await asyncio.gather(
            *(_reader(client, t, load, stop_at, think, n) for n, t in enumerate(tokens))
        )
    return load


WRK_SCRIPT = """
local tokens, think_low, think_high, n = {}, %d, %d, 0
for token in string.gmatch("%s", "[^,]+") do tokens[#tokens + 1] = token end
function delay() return math.random(think_low, think_high) end
function request()
  n = n + 1
  return wrk.format("GET", "%s", {["Authorization"] = "Bearer " .. tokens[n %% #tokens + 1],
                                  ["Accept-Encoding"] = "gzip"})
end
function done(summary, latency, requests)
  io.write(string.format("WRK %%d %%d %%d %%.3f %%.3f %%.3f\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout, summary.bytes,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""


def _wrk(
    port: int, tokens: list[str], path: str, seconds: float, think: tuple[float, float], group: int
) -> tuple[int, int, float, float, float, float]:
    """One load from ``wrk`` (a C client: its own cost does not weigh on the latencies),
    one connection per reader, the same think time; (requests, errors, p50, p95, p99 ms,
    server CPU ms per request)."""
    script = Path(tempfile.mkdtemp()) / "readers.lua"
    low, high = (int(x * 1000) for x in think)
    script.write_text(WRK_SCRIPT % (low, high, ",".join(tokens), path), encoding="utf-8")
    for token in tokens:  # warm, as the httpx readers are: each reader's first request
        httpx.get(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}"})
    before = _group_cpu(group)
    result = subprocess.run(
        ["wrk", "-t", "2", "-c", str(len(tokens)), "-d", f"{seconds:.0f}s", "--timeout", "10s",
         "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    cpu = _group_cpu(group) - before
    line = next(x for x in result.stdout.splitlines() if x.startswith("WRK "))
    requests, errors, _bytes, p50, p95, p99 = line.split()[1:]
    count = int(requests)
    return count, int(errors), float(p50), float(p95), float(p99), 1000 * cpu / max(count, 1)


def _group_cpu(group: int) -> float:
    """CPU seconds (user + system) of every live process of a process group (the server)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # field 5 of stat, the process group
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def _measured(
    port: int, tokens: list[str], path: str, seconds: float, think: tuple[float, float], group: int
) -> Load:
    """One load, with the server's CPU seconds spent during it."""
    before = _group_cpu(group)
    load = asyncio.run(_run(port, tokens, path, seconds, think))
    load.server_cpu = _group_cpu(group) - before
    return load


def _stats(load: Load) -> tuple[int, int, float, float, float, float]:
    """(requests, errors, p50, p95, p99 ms, the server's CPU ms per request) of a load.

    The server's CPU per request (warm-up requests included) is what the machine's load
    does not change."""
    times = [s * 1000 for s in load.samples]
    cpu_ms = 1000 * load.server_cpu / max(len(times) + load.warm, 1)
    return (
        len(times), load.errors, _percentile(times, 0.5), _percentile(times, 0.95),
        _percentile(times, 0.99), cpu_ms,
    )  # fmt: skip


def _internal_section(folder: Path) -> bool:
    """1. the internal new-period computation, each step in a fresh process; target met?"""
    print("\n1. internal new-period computation (year 2008, fresh process each)")
    floor = _child("floor", folder)
    old = _child("old-reader", folder)
    internal = _child("internal", folder)
    tip_year = _child("internal-tip-year", folder)
    print(f"{'step':<44}{'seconds':>9}{'cpu s':>9}{'peak MB':>9}")
    for name, step in (
        ("floor (process, tipdata imported)", floor),
        ("baseline: reader request before (+publish)", old),
        ("internal: FigureCache.report 2008 (NTF)", internal),
        ("internal: FigureCache.report 2008-04..2009-03", tip_year),
    ):
        print(f"{name:<44}{step['seconds']:>9.1f}{step['cpu']:>9.1f}{step['peak_mb']:>9.0f}")
    slowest = _slowest_tables(folder)
    print("slowest tables: " + ", ".join(f"{name} {sec:.1f} s" for name, sec in slowest))
    internal_met = all(
        step["seconds"] < TARGET_SECONDS and step["peak_mb"] < TARGET_RSS_MB
        for step in (internal, tip_year)
    )
    print(
        f"target < {TARGET_SECONDS:.0f} s and < {TARGET_RSS_MB:.0f} MB peak RSS: "
        f"{'met' if internal_met else 'NOT met'}"
    )
    return internal_met


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit code 0 when every target is met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--think", default="0.5:1.5", help="seconds between a reader's requests, min:max"
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="cache folder of the demo databases"
    )
    parser.add_argument(
        "--work", type=Path, default=None,
        help="folder of the benchmark's own copy (default: --root; the cache is only read)",
    )  # fmt: skip
    parser.add_argument(
        "--client", choices=("httpx", "wrk"), default="httpx",
        help="the readers: httpx async clients in this process, or wrk (Debian's package)",
    )  # fmt: skip
    parser.add_argument(
        "--serving-only", action="store_true",
        help="skip the internal computation (1.); publication reuses stored releases",
    )  # fmt: skip
    args = parser.parse_args(argv)
    low, high = (float(x) for x in args.think.split(":"))
    think = (low, high)
    load_average = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"scale {args.scale:g}, {args.readers} readers, load average {load_average}")
    folder = _copy(args.scale, args.root, args.work)
    tokens = _prepare(folder, args.readers)

    internal_met = True
    if not args.serving_only:
        internal_met = _internal_section(folder)

    print("\n2. publication")
    _publish(folder)

    print(f"\n3. serving {args.readers} concurrent readers, {args.seconds:.0f} s each load")
    port = _free_port()
    server = _start_server(folder, port, args.workers)
    path = "/api/v1/reports/tip?period=2008"
    try:
        if args.client == "wrk":
            release = _wrk(port, tokens, path, args.seconds, think, server.pid)
            baseline = _wrk(port, tokens, "/api/v1/me", args.seconds, think, server.pid)
        else:
            loads = [
                _measured(port, tokens, p, args.seconds, think, server.pid)
                for p in (path, "/api/v1/me")
            ]
            release, baseline = (_stats(load) for load in loads)
            print(f"response sizes of the release: {sorted(loads[0].sizes)} bytes "
                  "(one size: the stored bytes)")  # fmt: skip
    finally:
        _stop(server)
    print(f"{'request (' + args.client + ')':<34}{'requests':>9}{'errors':>8}{'p50 ms':>9}"
          f"{'p95 ms':>9}{'p99 ms':>9}{'req/s':>8}{'cpu ms/req':>11}")  # fmt: skip
    for name, (count, errors, p50, p95, p99, cpu) in (
        ("published figures (period=2008)", release),
        ("baseline: /api/v1/me", baseline),
    ):
        print(f"{name:<34}{count:>9}{errors:>8}{p50:>9.0f}{p95:>9.0f}{p99:>9.0f}"
              f"{count / args.seconds:>8.1f}{cpu:>11.2f}")  # fmt: skip
    serving_met = release[3] < TARGET_P95_MS and release[1] == 0 and release[0] > 0
    print(
        f"target p95 < {TARGET_P95_MS:.0f} ms and 0 errors: {'met' if serving_met else 'NOT met'}"
    )
    load_average = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average at the end {load_average}")
    return 0 if internal_met and serving_met else 1


if __name__ == "__main__":
    raise SystemExit(main())
