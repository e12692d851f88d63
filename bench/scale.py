"""Syncs per minute through Celery workers against the most Google's quotas allow.

    .venv/bin/python bench/scale.py [--jobs 500] [--workers 2] [--concurrency 8] [--accounts 5]
                                    [--per-minute 60] [--project 300] [--cold]

500 jobs, each its own spreadsheet in the emulator, are due at once. The emulator enforces
Google's per-account quota on real one-minute windows (--per-minute reads and as many writes
per minute per service account, counted per bearer token); the emulator has no project quota,
so the project's 300 per minute is the limiter's alone. N `sheets-sync worker` processes on the
real Redis (broker and quota buckets) and PostgreSQL (SQLite when PostgreSQL is away) sync them.

By default the jobs are in steady state (their first sync done beforehand, quota off, not timed)
and their input changed, so each measured sync is one read and one write, as most syncs of a
scheduled job are; --cold measures first syncs instead (two reads and a write each). The
ceiling is min(accounts x per-minute, project) requests per minute over the requests one sync
makes of the scarcer kind. With Google's numbers (5 accounts x 60 = 300 = the project's 300)
and steady syncs the ceiling is 300 syncs per minute, so 500 jobs take about 1.8 minutes.
Prints, never asserts; the goal is at least 90% of the ceiling with no 429 reaching a run.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis
from sqlalchemy import select

from sheets_emulator.testing import running_emulator
from sheets_sync.executor.enqueue import CeleryExecutor
from sheets_sync.google_client import make_client
from sheets_sync.quota import Limit, Quotas, ServiceAccount
from sheets_sync.quota.access import GoogleAccess
from sheets_sync.scheduler import Runner
from sheets_sync.settings import ScaleSettings
from sheets_sync.store import Store
from sheets_sync.store.models import Job, Run
from tests.scale.cluster import (
    Workers,
    busiest_windows,
    make_jobs,
    postgres_schema,
    wait_until,
    worker_env,
)
from tests.scale.services import postgres_url, redis_url


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=500)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--accounts", type=int, default=5)
    ap.add_argument("--per-minute", type=int, default=60, help="per account, reads and writes")
    ap.add_argument("--project", type=int, default=300, help="per project, reads and writes")
    ap.add_argument("--cold", action="store_true", help="measure first syncs")
    args = ap.parse_args()
    broker, why = redis_url()
    if why:
        print(f"bench/scale.py needs Redis: {why}")
        return 1
    pg, pg_why = postgres_url()
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        if pg_why:
            print(f"PostgreSQL unavailable ({pg_why}); using SQLite")
            db_url = f"sqlite:///{tmp / 'bench.db'}"
        else:
            db_url = stack.enter_context(postgres_schema(pg))
        prefix = f"bench-{uuid.uuid4().hex[:8]}:"
        stack.callback(forget_keys, broker, prefix)
        return run(args, db_url, broker, prefix, tmp, stack)


def forget_keys(url: str, prefix: str) -> None:
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)


def run(args: argparse.Namespace, db_url: str, broker: str, prefix: str, tmp: Path,
        stack: contextlib.ExitStack) -> int:
    emu = stack.enter_context(running_emulator())
    env = {"SHEETS_EMULATOR_HOST": emu.host}
    accounts = [f"sa-{i + 1}" for i in range(args.accounts)]
    store = Store(db_url)
    store.migrate()
    stack.callback(store.dispose)
    t = time.monotonic()
    job_ids = make_jobs(store, emu, args.jobs, "bench")
    print(f"{args.jobs} spreadsheets and jobs made in {time.monotonic() - t:.1f} s")
    warm = Runner(store, access=GoogleAccess([ServiceAccount(a, "emulator") for a in accounts],
                                             None, env))
    with ThreadPoolExecutor(8) as pool:  # assigns each job its account, in turn
        list(pool.map(lambda j: warm.run(j, "manual") if not args.cold else None, job_ids))
    if not args.cold:
        client = make_client(env)
        with store.session() as s:
            sheets = list(s.scalars(select(Job.spreadsheet)))
        with ThreadPoolExecutor(8) as pool:  # new input, so each measured sync writes
            list(pool.map(lambda sid: client.http_client.values_update(
                sid, "Funnel!B2", params={"valueInputOption": "RAW"},
                body={"values": [[999]]}), sheets))
        print(f"first syncs done and inputs changed in {time.monotonic() - t:.1f} s (not timed)")
    emu.set_quotas(args.per_minute, args.per_minute)  # also starts the emulator's windows anew
    emu.clear_log()
    quota = {"QUOTA_ACCOUNT_READS": args.per_minute, "QUOTA_ACCOUNT_WRITES": args.per_minute,
             "QUOTA_PROJECT_READS": args.project, "QUOTA_PROJECT_WRITES": args.project}
    workers = Workers(worker_env(db_url=db_url, redis_url=broker, prefix=prefix,
                                 emulator_host=emu.host, accounts=accounts, settings=quota,
                                 instance=tmp / "instance"),
                      tmp / "logs", count=args.workers, concurrency=args.concurrency)
    stack.callback(workers.stop)
    workers.wait_ready()
    settings = ScaleSettings.from_config({"EXECUTOR": "celery", "CELERY_BROKER_URL": broker,
                                          "REDIS_KEY_PREFIX": prefix,
                                          "CELERY_QUEUE": f"{prefix}syncs"})
    executor = CeleryExecutor.from_settings(settings)
    stack.callback(executor.close)
    with store.session() as s:
        before = s.scalar(select(Run.id).order_by(Run.id.desc()).limit(1)) or 0
    started = time.time()
    for job_id in job_ids:
        executor.submit(job_id, "schedule")
    print(f"{args.jobs} jobs enqueued; {args.workers} workers x {args.concurrency} syncing...")

    def measured() -> list[Run]:
        with store.session() as s:
            return list(s.scalars(select(Run).where(Run.id > before, Run.status != "running")))

    def all_done() -> list[Run] | None:
        done = measured()
        return done if len(done) >= args.jobs else None

    runs = wait_until(all_done, args.jobs * 3 + 120, "every job synced")
    report(args, runs, started, emu.request_log(), store)
    return 0


def report(args: argparse.Namespace, runs: list[Run], started: float,
           log: list[dict[str, object]], store: Store) -> None:
    ends = sorted(r.finished_at.timestamp() for r in runs if r.finished_at is not None)
    elapsed = ends[-1] - started
    reads_per_sync = 2 if args.cold else 1
    quotas = Quotas(args.per_minute, args.per_minute, args.project, args.project)
    ceiling = min(quotas.ceiling_per_minute("read", args.accounts) / reads_per_sync,
                  quotas.ceiling_per_minute("write", args.accounts))
    rate = len(runs) / elapsed * 60
    # the limiter's long-run rate: burst 3 and a 1 s margin take a little of each minute
    account, project = (Limit(args.per_minute), Limit(args.project))
    limiter = min(account.per_minute * args.accounts, project.per_minute) / reads_per_sync
    statuses: dict[str, int] = {}
    for r in runs:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    with store.session() as s:
        account_of = {j.spreadsheet: str(j.service_account) for j in s.scalars(select(Job))}
    windows = busiest_windows(log, account_of)  # type: ignore[arg-type]
    throttled = sum(1 for e in log if e.get("status") == 429)
    mid = ends[len(ends) // 10], ends[len(ends) * 9 // 10]
    steady = (len(ends) * 8 // 10) / (mid[1] - mid[0]) * 60 if mid[1] > mid[0] else rate
    print(f"\n{len(runs)} {'first' if args.cold else 'steady-state'} syncs in {elapsed:.1f} s "
          f"({args.accounts} accounts x {args.per_minute}/min, project {args.project}/min)")
    print(f"  achieved       {rate:7.1f} syncs/min  (middle 80% of runs: {steady:.1f}/min)")
    print(f"  quota ceiling  {ceiling:7.1f} syncs/min  -> {rate / ceiling:.1%} of it "
          f"(goal >= 90%)")
    print(f"  limiter rate   {limiter:7.1f} syncs/min  once the bursts are spent (burst 3 and "
          "a 1 s margin per window)")
    print(f"  runs: {statuses}; retries {sum(r.retries for r in runs)}; 429 answers seen by "
          f"the emulator: {throttled}")
    busiest = max((w.most for w in windows), default=0)
    print(f"  busiest 60 s of any account: {busiest} requests of a kind "
          f"(quota {args.per_minute})")


if __name__ == "__main__":
    sys.exit(main())
