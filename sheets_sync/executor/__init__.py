"""Where scheduled syncs run: in the scheduler's own process (the default), or on Celery
workers through Redis (``SHEETS_SYNC_EXECUTOR=celery``: the scheduler only enqueues).

    Executor.submit(job_id, trigger) -> bool     ran or enqueued (False: skipped)
    make_executor(settings, runner) -> Executor

Kept free of imports of the scheduler and of Celery at module level: the scheduler imports this
package, and the web process never needs Celery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from sheets_sync.executor.settings import ScaleSettings, SettingsError

if TYPE_CHECKING:
    from sheets_sync.scheduler.runner import Runner


class Executor(Protocol):
    def submit(self, job_id: int, trigger: str) -> bool:
        """Run the job now, or hand it to a worker; False when it was skipped."""
        ...


MISSING_SCALE = ("SHEETS_SYNC_EXECUTOR=celery needs Celery and redis: "
                 "pip install 'funnel-kpi[scale]'.")


def make_executor(settings: ScaleSettings, runner: Runner) -> Executor:
    if settings.executor == "celery":
        try:
            from sheets_sync.executor.enqueue import CeleryExecutor
        except ImportError as e:
            raise SettingsError(f"{MISSING_SCALE} ({e})") from e
        return CeleryExecutor.from_settings(settings)
    from sheets_sync.executor.inprocess import InProcessExecutor

    return InProcessExecutor(runner)


__all__ = ["Executor", "ScaleSettings", "SettingsError", "make_executor"]
