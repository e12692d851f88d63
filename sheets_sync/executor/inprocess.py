"""The default executor: the scheduler's thread runs the sync itself."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sheets_sync.scheduler.runner import Runner

log = logging.getLogger(__name__)


class InProcessExecutor:
    def __init__(self, runner: Runner) -> None:
        self.runner = runner

    def submit(self, job_id: int, trigger: str) -> bool:
        from sheets_sync.scheduler.runner import AlreadyRunning, JobNotFound

        try:
            return self.runner.run(job_id, trigger) is not None
        except AlreadyRunning:
            log.info("job %s is already running; this trigger was skipped", job_id)
        except JobNotFound:
            log.info("job %s was deleted; its trigger was skipped", job_id)
        return False
