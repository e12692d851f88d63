"""A small cluster on this machine for the scale tests and bench/scale.py: the emulator holding
many small spreadsheets, jobs in a real database, `sheets-sync worker` processes on the real
Redis, and what the runs and the emulator's log say afterwards."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, select, text

from sheets_emulator.testing import EmulatorProcess
from sheets_sync.store import Store
from sheets_sync.store.models import Job, Run
from tests.helpers import wait_for

REPO = Path(__file__).resolve().parents[2]
# A year of a four-stage funnel: small, so the syncs' cost is the quota, not the computing.
FUNNEL = [["Month", "Leads", "Meetings", "Contracts", "Paid"]] + [
    [f"2024-{m:02d}", 100 + 7 * m, 40 + 3 * m, 12 + m, 5 + m % 4] for m in range(1, 13)]


def wait_until(cond: Callable[[], Any], timeout: float, what: str = "condition") -> Any:
    return wait_for(cond, timeout, what, interval=0.2)


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """A URL into a fresh schema of the database, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_jobs(store: Store, emu: EmulatorProcess, count: int, tag: str) -> list[int]:
    """``count`` spreadsheets in the emulator and a job for each; the jobs' ids, in order."""
    with store.session() as s:
        jobs = []
        for i in range(count):
            sid = emu.create_from_values(f"{tag} {i}", {"Funnel": FUNNEL},
                                         spreadsheet_id=f"{tag}-{i:05d}")
            job = Job(name=f"{tag} {i}", spreadsheet=sid, timezone="UTC", enabled=True,
                      consecutive_failures=0)
            s.add(job)
            jobs.append(job)
        s.commit()
        return [j.id for j in jobs]


def worker_env(*, db_url: str, redis_url: str, prefix: str, emulator_host: str,
               accounts: Sequence[str], settings: Mapping[str, Any] | None = None,
               instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEETS_SYNC_")}
    env.update({"SHEETS_SYNC_DATABASE_URL": db_url, "SHEETS_SYNC_EXECUTOR": "celery",
                "SHEETS_SYNC_CELERY_BROKER_URL": redis_url,
                "SHEETS_SYNC_REDIS_KEY_PREFIX": prefix,
                "SHEETS_SYNC_CELERY_QUEUE": f"{prefix}syncs",
                "SHEETS_SYNC_SERVICE_ACCOUNTS": json.dumps(list(accounts)),
                "SHEETS_SYNC_INSTANCE_PATH": str(instance),
                "SHEETS_EMULATOR_HOST": emulator_host,
                "PYTHONPATH": str(REPO)})
    for key, value in (settings or {}).items():
        env[f"SHEETS_SYNC_{key}"] = json.dumps(value) if not isinstance(value, str) else value
    return env


class Workers:
    """`sheets-sync worker` processes, each logging to a file of its own."""

    def __init__(self, env: Mapping[str, str], logs: Path, count: int = 2,
                 concurrency: int = 8) -> None:
        self.env = dict(env)
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []
        logs.mkdir(parents=True, exist_ok=True)
        for _ in range(count):
            self.start(concurrency)

    def start(self, concurrency: int = 8) -> subprocess.Popen[bytes]:
        log = self.logs / f"worker-{len(self.procs)}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "sheets_sync", "worker",
                                     "--concurrency", str(concurrency)], env=self.env,
                                    stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
        self.procs.append(proc)
        return proc

    def log(self, i: int) -> str:
        return (self.logs / f"worker-{i}.log").read_text(errors="replace")

    def wait_ready(self, timeout: float = 60.0) -> None:
        for i, proc in enumerate(self.procs):
            wait_until(lambda i=i, proc=proc: " ready." in self.log(i) or proc.poll() is not None,
                       timeout, f"worker {i} ready")
            if proc.poll() is not None:
                raise AssertionError(f"worker {i} exited with {proc.returncode}:\n{self.log(i)}")

    def kill(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)
        for proc in self.procs:
            if proc.pid == pid:
                proc.wait(10)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def all_runs(store: Store) -> list[Run]:
    with store.session() as s:
        return list(s.scalars(select(Run).order_by(Run.id)))


def finished(store: Store, job_ids: Sequence[int]) -> bool:
    """Every job has a finished run that is not an interrupted one."""
    done = {r.job_id for r in all_runs(store)
            if r.status != "running" and r.error_code != "interrupted"}
    return done >= set(job_ids)


def overlaps(runs: Sequence[Run]) -> list[tuple[int, int]]:
    """Pairs of runs of one job whose times overlap (an interrupted run ends at its start,
    since its process stopped before the lease ran out)."""
    by_job: dict[int, list[Run]] = defaultdict(list)
    for run in runs:
        by_job[run.job_id].append(run)
    pairs = []
    for job_runs in by_job.values():
        spans = sorted((r.started_at, r.finished_at or r.started_at, r.id) for r in job_runs
                       if r.error_code != "interrupted")
        for (_, end, a), (start, _, b) in itertools.pairwise(spans):
            if start < end:
                pairs.append((a, b))
    return pairs


@dataclass(frozen=True)
class Window:
    account: str
    kind: str
    most: int  # the most requests of the account in any window


def busiest_windows(log: Sequence[Mapping[str, Any]], account_of: Mapping[str, str],
                    window: float = 60.0) -> list[Window]:
    """For each account and kind, the most requests the emulator saw in any ``window`` s."""
    times: dict[tuple[str, str], list[float]] = defaultdict(list)
    for entry in log:
        parts = str(entry.get("path", "")).split("/")
        if len(parts) < 4 or parts[1] != "v4":
            continue
        sid = parts[3].split(":")[0]
        kind = "write" if entry.get("method") == "POST" and ":batchUpdate" in parts[3] \
            and "/values" not in entry["path"] else "read"
        if sid in account_of:
            times[(account_of[sid], kind)].append(float(entry["time"]))
    out = []
    for (account, kind), ts in sorted(times.items()):
        ts.sort()
        most, j = 0, 0
        for i, t in enumerate(ts):
            while ts[j] <= t - window:
                j += 1
            most = max(most, i - j + 1)
        out.append(Window(account, kind, most))
    return out
