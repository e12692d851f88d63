"""Two `sheets-sync worker` processes on the real Redis and PostgreSQL, fed by the scheduler,
syncing spreadsheets in the emulator with Google-like per-minute quotas switched on."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import select

from sheets_emulator.testing import EmulatorProcess, running_emulator
from sheets_sync.executor.celery_app import TASK_NAME
from sheets_sync.executor.enqueue import CeleryExecutor
from sheets_sync.quota import Limit
from sheets_sync.scheduler import Runner, SchedulerSettings, SyncScheduler
from sheets_sync.settings import ScaleSettings
from sheets_sync.store import Store
from sheets_sync.store.models import Job, Run, utcnow
from tests.scale.cluster import (
    Workers,
    all_runs,
    busiest_windows,
    finished,
    make_jobs,
    overlaps,
    wait_until,
    worker_env,
)

ACCOUNTS = ("sa-1", "sa-2")


@dataclass
class Cluster:
    store: Store
    emu: EmulatorProcess
    workers: Workers
    executor: CeleryExecutor
    settings: ScaleSettings


@pytest.fixture
def cluster_factory(pg_url: str, redis_base: str, prefix: str, tmp_path: Path
                    ) -> Iterator[Any]:
    made: list[Cluster] = []
    stack: list[Any] = []

    def make(*, quotas: tuple[int, int], settings: dict[str, Any],
             concurrency: int = 8) -> Cluster:
        emu_cm = running_emulator(quotas=quotas)
        emu = emu_cm.__enter__()
        stack.append(emu_cm)
        store = Store(pg_url)
        store.migrate()
        env = worker_env(db_url=pg_url, redis_url=redis_base, prefix=prefix,
                         emulator_host=emu.host, accounts=ACCOUNTS, settings=settings,
                         instance=tmp_path / "instance")
        workers = Workers(env, tmp_path / "logs", count=2, concurrency=concurrency)
        scale = ScaleSettings.from_config({"EXECUTOR": "celery", "CELERY_BROKER_URL": redis_base,
                                           "REDIS_KEY_PREFIX": prefix,
                                           "CELERY_QUEUE": f"{prefix}syncs", **settings})
        cluster = Cluster(store, emu, workers, CeleryExecutor.from_settings(scale), scale)
        made.append(cluster)
        workers.wait_ready()
        return cluster

    yield make
    for c in made:
        c.workers.stop()
        c.executor.close()
        c.store.dispose()
    for cm in reversed(stack):
        cm.__exit__(None, None, None)


def enqueue_by_scheduler(cluster: Cluster, job_ids: list[int]) -> None:
    """The scheduler with the Celery executor, every job due now: it only enqueues."""
    with cluster.store.session() as s:
        for job in s.scalars(select(Job).where(Job.id.in_(job_ids))):
            job.schedule_interval = 3600
        s.commit()
    runner = Runner(cluster.store)  # never used to run here: the executor only enqueues
    sched = SyncScheduler(cluster.store, runner, SchedulerSettings(reconcile_seconds=60),
                          executor=cluster.executor)
    sched.start()
    try:
        for job_id in job_ids:
            sched.aps.modify_job(f"sync-job-{job_id}", next_run_time=utcnow())
        wait_until(lambda: all(sched.aps.get_job(f"sync-job-{j}").next_run_time > utcnow()
                               for j in job_ids), 30, "every job triggered")
    finally:
        sched.shutdown()


def reads_are_spaced_as_one_bucket(log: list[dict[str, Any]], account_of: dict[str, str],
                                   limit: Limit) -> None:
    """Two workers share each account's bucket: any k reads of an account in a row span at
    least (k - burst) intervals. With a bucket per worker they would come twice as fast."""
    k = 20
    for account in set(account_of.values()):
        stamps = sorted(e["time"] for e in log if e.get("method") == "GET"
                        and account_of.get(e["path"].split("/")[3]) == account)
        spans = [stamps[i + k - 1] - stamps[i] for i in range(len(stamps) - k + 1)]
        assert spans, "too few reads to judge"
        assert min(spans) >= (k - limit.burst) * limit.interval - 0.3, (account, min(spans))


def check_all_synced_once_each(cluster: Cluster, job_ids: list[int]) -> list[Run]:
    runs = all_runs(cluster.store)
    assert overlaps(runs) == []
    statuses = Counter((r.job_id, r.status) for r in runs)
    assert all(statuses[(j, "written")] == 1 for j in job_ids), statuses
    assert {r.status for r in runs} <= {"written", "unchanged"}, [
        (r.status, r.error) for r in runs if r.status not in ("written", "unchanged")]
    assert sum(r.retries for r in runs) == 0  # no 429 (nor anything else) was retried
    log = cluster.emu.request_log()
    assert [e for e in log if e.get("status") == 429] == []
    return runs


def test_two_workers_sync_every_job_once_within_the_quota(cluster_factory: Any,
                                                          redis_client: redis.Redis,
                                                          prefix: str) -> None:
    # Quotas of 240 reads and 240 writes per minute per account (the emulator enforces them
    # too); burst 3, margin 1 s: a read every 61/238 = 0.256 s per account. 40 jobs on two
    # accounts: 40 reads per account (first syncs: metadata + values), 20 writes.
    cluster = cluster_factory(quotas=(240, 240), settings={
        "QUOTA_ACCOUNT_READS": 240, "QUOTA_ACCOUNT_WRITES": 240, "QUOTA_PROJECT_READS": 480,
        "QUOTA_PROJECT_WRITES": 480})
    job_ids = make_jobs(cluster.store, cluster.emu, 40, "light")
    started = time.monotonic()
    enqueue_by_scheduler(cluster, job_ids)
    # 10 jobs enqueued again, past the queue's markers: the database lock lets one run at once
    for j in job_ids[:10]:
        cluster.executor.submit(j, "manual", once=False)
    wait_until(lambda: finished(cluster.store, job_ids), 120, "all jobs synced")
    wait_until(lambda: not any(r.status == "running" for r in all_runs(cluster.store)), 30)
    elapsed = time.monotonic() - started
    runs = check_all_synced_once_each(cluster, job_ids)
    assert {r.trigger for r in runs if r.status == "written"} <= {"schedule", "manual"}
    assert len({r.worker for r in runs}) == 2  # both workers took jobs
    with cluster.store.session() as s:
        account_of = {j.spreadsheet: j.service_account for j in s.scalars(select(Job))}
    assert Counter(account_of.values()) == Counter({"sa-1": 20, "sa-2": 20})
    limit = Limit(240, 60.0, 3, 1.0)
    reads_are_spaced_as_one_bucket(cluster.emu.request_log(), account_of, limit)
    assert elapsed >= (40 - 3) * limit.interval
    assert not list(redis_client.scan_iter(match=f"{prefix}queued:*"))  # no marker left


def test_a_worker_killed_mid_sync_leaves_an_interrupted_run_and_the_job_is_retried(
        cluster_factory: Any) -> None:
    # Short times so the test takes seconds: a lease of 1.5 s (beats of 0.5 s), and a task a
    # worker holds for 4 s without finishing goes to another worker (checked every second).
    cluster = cluster_factory(quotas=(600, 600), settings={
        "RUN_HEARTBEAT_SECONDS": 0.5, "CELERY_VISIBILITY_TIMEOUT": 4,
        "CELERY_RESTORE_SECONDS": 1})
    job_ids = make_jobs(cluster.store, cluster.emu, 6, "kill")
    victim = job_ids[0]
    with cluster.store.session() as s:
        sid = s.get(Job, victim).spreadsheet  # type: ignore[union-attr]
    # the victim's read hangs: its worker is mid-sync when it is killed
    cluster.emu.inject_fault("GET", f"/v4/spreadsheets/{sid}/values:batchGet", "hang",
                             count=1, hang_seconds=60)
    assert cluster.executor.submit(victim, "schedule")
    running = wait_until(lambda: [r for r in all_runs(cluster.store) if r.status == "running"],
                         30, "the victim's run started")
    pid = int(str(running[0].worker).rsplit(":", 1)[1])
    assert pid in {p.pid for p in cluster.workers.procs}
    time.sleep(0.5)
    cluster.workers.kill(pid)
    for j in job_ids[1:]:  # the other worker goes on with other jobs meanwhile
        cluster.executor.submit(j, "schedule")
    wait_until(lambda: finished(cluster.store, job_ids), 90, "the victim retried and synced")
    cluster.emu.clear_faults()
    runs = [r for r in all_runs(cluster.store) if r.job_id == victim]
    assert [(r.status, r.error_code) for r in runs] == [("failed", "interrupted"),
                                                        ("written", None)]
    assert runs[0].task_id == runs[1].task_id  # the same task, delivered again
    assert runs[1].worker != runs[0].worker
    assert "interrupted" in str(runs[0].error)
    assert overlaps(all_runs(cluster.store)) == []


def test_a_task_delivered_again_waits_for_its_own_run_and_runs_once(cluster_factory: Any
                                                                     ) -> None:
    # As when a prefork child dies: the task comes back at once, while the run it started still
    # holds the job's lock with a live lease. The task waits for the lease to run out, closes
    # that run as interrupted and syncs; delivered once more after that, it does nothing.
    cluster = cluster_factory(quotas=(600, 600), settings={"RUN_HEARTBEAT_SECONDS": 0.5})
    job_id = make_jobs(cluster.store, cluster.emu, 1, "again")[0]
    with cluster.store.session() as s:
        s.add(Run(job_id=job_id, trigger="schedule", status="running", started_at=utcnow(),
                  lease_until=utcnow() + timedelta(seconds=3), task_id="task-x",
                  worker="gone:1", api_calls=0, retries=0, cells_read=0, cells_written=0,
                  problems=0))
        s.commit()
    started = time.monotonic()
    cluster.executor.celery.send_task(TASK_NAME, args=[job_id, "schedule", False],
                                      task_id="task-x", queue=cluster.settings.queue)
    wait_until(lambda: finished(cluster.store, [job_id]), 60, "the job synced")
    assert time.monotonic() - started >= 2.5  # it waited for the lease
    runs = all_runs(cluster.store)
    assert [(r.status, r.error_code, r.task_id) for r in runs] == [
        ("failed", "interrupted", "task-x"), ("written", None, "task-x")]
    cluster.executor.celery.send_task(TASK_NAME, args=[job_id, "schedule", False],
                                      task_id="task-x", queue=cluster.settings.queue)
    wait_until(lambda: "delivered again after it ran" in cluster.workers.log(0)
               + cluster.workers.log(1), 30, "the second delivery seen")
    assert len(all_runs(cluster.store)) == 2


@pytest.mark.slow
def test_200_jobs_two_workers_googles_windows(cluster_factory: Any) -> None:
    # The emulator allows 120 reads and 120 writes per minute per account, and so does the
    # limiter. 200 first syncs need 400 reads: 200 per account, so the quota binds for two
    # minutes; without the limiter the emulator answers 429 after the 120th read of an
    # account in its minute.
    cluster = cluster_factory(quotas=(120, 120), settings={
        "QUOTA_ACCOUNT_READS": 120, "QUOTA_ACCOUNT_WRITES": 120, "QUOTA_PROJECT_READS": 240,
        "QUOTA_PROJECT_WRITES": 240})
    job_ids = make_jobs(cluster.store, cluster.emu, 200, "heavy")
    started = time.monotonic()
    enqueue_by_scheduler(cluster, job_ids)
    wait_until(lambda: finished(cluster.store, job_ids), 400, "all 200 jobs synced")
    elapsed = time.monotonic() - started
    check_all_synced_once_each(cluster, job_ids)
    with cluster.store.session() as s:
        account_of = {j.spreadsheet: j.service_account for j in s.scalars(select(Job))}
    windows = busiest_windows(cluster.emu.request_log(), account_of)
    assert windows and all(w.most <= 120 for w in windows), windows
    ceiling = 2 * 120 / 2  # reads bind: 240 per minute over 2 reads per first sync
    rate = len(job_ids) / elapsed * 60
    print(f"\n200 jobs in {elapsed:.1f} s: {rate:.1f} syncs/min of {ceiling:.0f} the quota "
          f"allows ({rate / ceiling:.0%}); busiest minute per account and kind: "
          f"{[(w.account, w.kind, w.most) for w in windows]}")
