"""The default executor: the scheduler's thread runs the sync itself."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from sheets_sync.errors import AlreadyRunning, JobNotFound
from sheets_sync.store import Store

log = logging.getLogger(__name__)


class JobRunner(Protocol):
    """What the executors need of ``scheduler.runner.Runner``: its store (a worker's forked
    child drops the parent's connections) and ``run``."""

    store: Store

    def run(self, job_id: int, trigger: str, *, force: bool = False,
            task_id: str | None = None) -> Any:
        """The finished run, or None when nothing ran; raises JobNotFound, AlreadyRunning."""
        ...


class InProcessExecutor:
    def __init__(self, runner: JobRunner) -> None:
        self.runner = runner

    def submit(self, job_id: int, trigger: str) -> bool:
        try:
            return self.runner.run(job_id, trigger) is not None
        except AlreadyRunning:
            log.info("job %s is already running; this trigger was skipped", job_id)
        except JobNotFound:
            log.info("job %s was deleted; its trigger was skipped", job_id)
        return False
