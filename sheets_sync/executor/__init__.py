"""Where scheduled syncs run: in the scheduler's own process (the default), or on Celery
workers through Redis (``SHEETS_SYNC_EXECUTOR=celery``: the scheduler only enqueues).

    Executor.submit(job_id, trigger) -> bool     ran or enqueued (False: skipped)
    make_executor(settings, runner) -> Executor

Nothing here imports the scheduler: a runner is anything with ``run`` (``JobRunner``), so the
scheduler imports this package and not the other way round. Celery is imported only when it is
the executor: the web process never needs it.
"""

from __future__ import annotations

from typing import Protocol

from sheets_sync.errors import SettingsError
from sheets_sync.executor.inprocess import InProcessExecutor, JobRunner
from sheets_sync.settings import ScaleSettings


class Executor(Protocol):
    def submit(self, job_id: int, trigger: str) -> bool:
        """Run the job now, or hand it to a worker; False when it was skipped."""
        ...


def make_executor(settings: ScaleSettings, runner: JobRunner) -> Executor:
    if settings.executor == "celery":
        try:
            from sheets_sync.executor.enqueue import CeleryExecutor  # optional: celery, redis
        except ImportError as e:
            raise SettingsError.say("error.needs_scale", why=e) from e
        return CeleryExecutor.from_settings(settings)
    return InProcessExecutor(runner)


__all__ = ["Executor", "InProcessExecutor", "JobRunner", "ScaleSettings", "SettingsError",
           "make_executor"]
