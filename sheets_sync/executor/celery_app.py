"""The Celery side: the app (Redis broker), the one task, and the worker's process setup.

A task is acknowledged only when it ends (``acks_late``), so a task whose worker dies is given to
another worker: at once when a prefork child dies (``reject_on_worker_lost``), after
``CELERY_VISIBILITY_TIMEOUT`` when the whole worker or its machine does. The run it had started
is then found by its task id: the new delivery waits until that run's heartbeat has stopped for
good, closes it as interrupted and syncs again. Runs, not task results, are the record, so no
result backend is used. A worker's runner travels on its Celery app (``make_celery(settings,
context)``), not in a module global: the task finds it as ``task.app.sheets_sync``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from dataclasses import dataclass
from typing import Any

import redis
from celery import Celery, Task
from celery.signals import worker_process_init
from sqlalchemy.exc import SQLAlchemyError

from sheets_sync.errors import AlreadyRunning, JobNotFound
from sheets_sync.executor.inprocess import JobRunner
from sheets_sync.settings import ScaleSettings

log = logging.getLogger(__name__)
TASK_NAME = "sheets_sync.run_job"
OWN_RUN_RETRIES = 100  # deliveries that wait for their own earlier run to end or go stale
DATABASE_RETRIES = 10


def marker_key(prefix: str, job_id: int) -> str:
    return f"{prefix}queued:{job_id}"


@dataclass
class WorkerContext:
    runner: JobRunner
    markers: redis.Redis | None = None
    key_prefix: str = ""

    def forget_marker(self, job_id: int, task_id: str | None) -> None:
        """The job is no longer waiting in the queue: the next trigger may enqueue it again."""
        if self.markers is None or task_id is None:
            return
        key = marker_key(self.key_prefix, job_id)
        with contextlib.suppress(redis.RedisError):
            held = self.markers.get(key)
            if isinstance(held, bytes) and held.decode() == task_id:
                self.markers.delete(key)


def run_job(task: Task, job_id: int, trigger: str, force: bool = False) -> str:
    """Run one sync job; what happened, for the worker's log."""
    context: WorkerContext | None = getattr(task.app, "sheets_sync", None)
    if context is None:
        raise RuntimeError("this process is not a sheets-sync worker: start workers with "
                           "`sheets-sync worker`")
    task_id = task.request.id
    context.forget_marker(job_id, task_id)
    try:
        run = context.runner.run(job_id, trigger, force=force, task_id=task_id)
    except AlreadyRunning as e:
        if e.task_id is not None and e.task_id == task_id:
            # This task's earlier delivery holds the lock: its worker died (the heartbeat will
            # stop) or it still runs (it will finish). Come back when one of the two is known.
            raise task.retry(countdown=max(1.0, e.stale_in + 0.5),
                             max_retries=OWN_RUN_RETRIES) from None
        log.info("job %s is already running; task %s skipped", job_id, task_id)
        return "skipped: already running"
    except JobNotFound:
        log.info("job %s was deleted; task %s skipped", job_id, task_id)
        return "skipped: job deleted"
    except SQLAlchemyError as e:  # the database is away: the job is not lost, only late
        raise task.retry(exc=e, countdown=15, max_retries=DATABASE_RETRIES) from None
    return run.status if run is not None else "skipped"


def make_celery(settings: ScaleSettings, context: WorkerContext | None = None) -> Celery:
    """The Celery app; ``context``: this process runs the tasks (a worker), with that runner."""
    app = Celery("sheets_sync", broker=settings.broker_url, set_as_current=False)
    app.sheets_sync = context
    app.conf.update(
        task_default_queue=settings.queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,  # a worker holds no more tasks than it runs
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout,
            "global_keyprefix": settings.key_prefix,
            # look for a dead worker's tasks every restore_seconds, not every 10 x that
            "unacked_restore_interval": settings.restore_seconds,
            "unacked_restore_throttle": 1,
        },
    )
    app.task(bind=True, name=TASK_NAME, acks_late=True, reject_on_worker_lost=True)(run_job)
    return app


def run_worker(app: Celery, settings: ScaleSettings, *, concurrency: int, pool: str,
               loglevel: str = "INFO") -> None:
    """Run a worker in this process until it is stopped (SIGTERM: finish the running syncs)."""
    context: WorkerContext | None = getattr(app, "sheets_sync", None)

    def after_fork(**_: Any) -> None:
        # A prefork child must not share its parent's database connections.
        if context is not None:
            context.runner.store.engine.dispose(close=False)

    worker_process_init.connect(after_fork, weak=False)
    name = f"sheets-sync-{os.getpid()}@{socket.gethostname()}"
    app.worker_main(["worker", f"--concurrency={concurrency}", f"--pool={pool}",
                     f"--loglevel={loglevel}", "--queues", settings.queue, "--hostname", name,
                     "--without-mingle", "--without-gossip", "--without-heartbeat"])
