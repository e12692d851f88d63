"""The runner's additions for workers: leases, Celery task ids, service accounts; and the
0002 migration, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from sheets_emulator.testing import running_emulator
from sheets_sync.quota import ServiceAccount
from sheets_sync.quota.access import GoogleAccess
from sheets_sync.scheduler import AlreadyRunning, Runner, RunnerSettings
from sheets_sync.store import Store
from sheets_sync.store.migrate import current_revision, downgrade, head_revision, upgrade
from sheets_sync.store.models import Base, Job, Run, utcnow
from tests.helpers import SlowXlsx
from tests.scale.cluster import FUNNEL

DEMO = Path(__file__).resolve().parents[2] / "templates" / "demo_en.xlsx"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'scale.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    store = Store(db_url)
    store.migrate()
    yield store
    store.dispose()


@pytest.fixture
def book(tmp_path: Path) -> Path:
    root = tmp_path / "books"
    root.mkdir()
    (root / "demo.xlsx").write_bytes(DEMO.read_bytes())
    return root


def add_job(store: Store, spreadsheet: str = "demo.xlsx") -> int:
    with store.session() as s:
        job = Job(name="j", spreadsheet=spreadsheet, timezone="UTC", enabled=True,
                  consecutive_failures=0)
        s.add(job)
        s.commit()
        return job.id


def runs(store: Store, job_id: int) -> list[Run]:
    with store.session() as s:
        return list(s.scalars(select(Run).where(Run.job_id == job_id).order_by(Run.id)))


def test_migrations_0002_to_0004_both_ways(db_url: str) -> None:
    store = Store(db_url)
    try:
        upgrade(store.engine)
        assert current_revision(store.engine) == head_revision()  # 0005 and on
        with store.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(ctx, Base.metadata) == []
        downgrade(store.engine, "0003")
        columns = {c["name"] for c in inspect(store.engine).get_columns("sync_runs")}
        assert "data_status" not in columns and "worker" in columns
        downgrade(store.engine, "0002")
        columns = {c["name"] for c in inspect(store.engine).get_columns("sync_jobs")}
        assert "last_tick_at" not in columns and "service_account" in columns
        downgrade(store.engine, "0001")
        columns = {c["name"] for c in inspect(store.engine).get_columns("sync_runs")}
        assert {"lease_until", "task_id", "worker"}.isdisjoint(columns)
        upgrade(store.engine)
        columns = {c["name"] for c in inspect(store.engine).get_columns("sync_jobs")}
        assert {"service_account", "last_tick_at"} <= columns
        assert "data_status" in {c["name"] for c in inspect(store.engine).get_columns(
            "sync_runs")}
    finally:
        store.dispose()


def test_a_run_whose_lease_ran_out_is_interrupted(store: Store, book: Path) -> None:
    job_id = add_job(store)
    now = utcnow()
    with store.session() as s:  # a worker died a minute after it started, 30 s ago
        s.add(Run(job_id=job_id, trigger="schedule", status="running", started_at=now -
                  timedelta(seconds=90), lease_until=now - timedelta(seconds=30),
                  task_id="dead-task", api_calls=0, retries=0, cells_read=0, cells_written=0,
                  problems=0))
        s.commit()
    run = Runner(store, RunnerSettings(xlsx_root=book)).run(job_id, "schedule")
    assert run is not None and run.status == "written"
    dead, fresh = runs(store, job_id)
    assert (dead.status, dead.error_code) == ("failed", "interrupted")
    assert fresh.worker and fresh.worker.endswith(f":{__import__('os').getpid()}")


def test_a_live_lease_holds_the_lock_and_says_whose(store: Store, book: Path) -> None:
    job_id = add_job(store)
    now = utcnow()
    with store.session() as s:
        s.add(Run(job_id=job_id, trigger="schedule", status="running", started_at=now,
                  lease_until=now + timedelta(seconds=20), task_id="T1", api_calls=0,
                  retries=0, cells_read=0, cells_written=0, problems=0))
        s.commit()
    with pytest.raises(AlreadyRunning) as e:
        Runner(store, RunnerSettings(xlsx_root=book)).run(job_id, "schedule", task_id="T2")
    assert e.value.task_id == "T1" and 15 < e.value.stale_in <= 20


def test_a_running_run_renews_its_lease(store: Store, book: Path) -> None:
    job_id = add_job(store)
    entered, release = threading.Event(), threading.Event()
    runner = Runner(store, RunnerSettings(xlsx_root=book, heartbeat=timedelta(seconds=0.2)),
                    backend_factory=lambda ref, xlsx_root: SlowXlsx(xlsx_root / ref, entered,
                                                                    release))
    thread = threading.Thread(target=runner.run, args=(job_id, "schedule"))
    thread.start()
    try:
        assert entered.wait(10)
        first = runs(store, job_id)[0].lease_until
        threading.Event().wait(0.7)
        later = runs(store, job_id)[0].lease_until
        assert first is not None and later is not None and later > first
        # lease = 3 beats: a process that stops beating is judged dead 0.6 s later
        assert later - utcnow() <= timedelta(seconds=0.6)
    finally:
        release.set()
        thread.join(10)
    assert runs(store, job_id)[0].status == "written"


def test_a_task_delivered_again_after_it_ran_does_not_run_twice(store: Store,
                                                                book: Path) -> None:
    job_id = add_job(store)
    runner = Runner(store, RunnerSettings(xlsx_root=book))
    assert runner.run(job_id, "schedule", task_id="T1").status == "written"  # type: ignore[union-attr]
    assert runner.run(job_id, "schedule", task_id="T1") is None  # the broker's second delivery
    assert runner.run(job_id, "schedule", task_id="T2").status == "unchanged"  # type: ignore[union-attr]
    assert [r.task_id for r in runs(store, job_id)] == ["T1", "T2"]
    # an interrupted run of a task does not count as done: its next delivery runs
    with store.session() as s:
        s.add(Run(job_id=job_id, trigger="schedule", status="failed", started_at=utcnow(),
                  error_code="interrupted", task_id="T3", api_calls=0, retries=0,
                  cells_read=0, cells_written=0, problems=0))
        s.commit()
    assert runner.run(job_id, "schedule", task_id="T3") is not None


def test_jobs_get_an_account_in_turn_and_keep_it(store: Store) -> None:
    with running_emulator() as emu:
        env = {"SHEETS_EMULATOR_HOST": emu.host}
        access = GoogleAccess([ServiceAccount("sa-0", "emulator"),
                               ServiceAccount("sa-1", "emulator")], None, env)
        ids = [add_job(store, emu.create_from_values(f"b{i}", {"Funnel": FUNNEL}))
               for i in range(3)]
        runner = Runner(store, access=access)
        for job_id in ids:
            assert runner.run(job_id, "schedule").status == "written"  # type: ignore[union-attr]
        with store.session() as s:
            jobs = {j.id: j for j in s.scalars(select(Job))}
        assert [jobs[i].service_account for i in ids] == [f"sa-{i % 2}" for i in ids]
        # a third account joins: the jobs keep theirs (their sheets are shared with them)
        more = GoogleAccess([*access.accounts, ServiceAccount("sa-2", "emulator")], None, env)
        for job_id in ids:
            Runner(store, access=more).run(job_id, "schedule")
        with store.session() as s:
            assert [s.get(Job, i).service_account for i in ids] == [  # type: ignore[union-attr]
                f"sa-{i % 2}" for i in ids]
    # .xlsx jobs use no Google account
    xlsx = add_job(store, "nowhere.xlsx")
    Runner(store, access=access).run(xlsx, "manual")
    with store.session() as s:
        assert s.get(Job, xlsx).service_account is None  # type: ignore[union-attr]
