"""The scheduler's side of the Celery executor: enqueue a job's sync, once.

A job already waiting in the queue is not enqueued again (a marker key per job in Redis, taken
with SET NX and dropped by the worker as the task starts): when more syncs are due than the
quota lets through, the queue holds each job once instead of growing with every trigger, as
APScheduler's coalescing does for one process.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from typing import Any

import redis
from kombu.exceptions import OperationalError

from sheets_sync.executor.celery_app import TASK_NAME, make_celery, marker_key
from sheets_sync.settings import ScaleSettings

log = logging.getLogger(__name__)


class CeleryExecutor:
    def __init__(self, celery: Any, settings: ScaleSettings, markers: redis.Redis) -> None:
        self.celery = celery
        self.settings = settings
        self.markers = markers

    @classmethod
    def from_settings(cls, settings: ScaleSettings) -> CeleryExecutor:
        markers = redis.Redis.from_url(settings.broker_url, socket_timeout=10,
                                       socket_connect_timeout=5)
        return cls(make_celery(settings), settings, markers)

    def submit(self, job_id: int, trigger: str, *, force: bool = False,
               once: bool = True) -> bool:
        """Enqueue the job's sync; False when it is queued already (``once``) or the broker
        cannot be reached (logged; the next trigger tries again)."""
        task_id = uuid.uuid4().hex
        key = marker_key(self.settings.key_prefix, job_id)
        ttl = max(1, int(self.settings.visibility_timeout))
        try:
            if once and not self.markers.set(key, task_id, nx=True, ex=ttl):
                log.info("job %s is queued already; this trigger was skipped", job_id)
                return False
            self.celery.send_task(TASK_NAME, args=[job_id, trigger, force], task_id=task_id,
                                  queue=self.settings.queue)
        except (redis.RedisError, OperationalError) as e:
            log.error("job %s could not be queued (%s: %s); the next trigger tries again",
                      job_id, e.__class__.__name__, e)
            with contextlib.suppress(redis.RedisError):
                self.markers.delete(key)
            return False
        return True

    def close(self) -> None:
        self.markers.close()
