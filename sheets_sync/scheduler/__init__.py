"""Scheduled syncs: the runner that runs and records one job, and the APScheduler service."""

from sheets_sync.errors import AlreadyRunning, JobNotFound, ScheduleError
from sheets_sync.scheduler.runner import Runner
from sheets_sync.scheduler.service import SyncScheduler
from sheets_sync.scheduler.triggers import Schedule, make_schedule
from sheets_sync.settings import RunnerSettings, SchedulerSettings

__all__ = ["AlreadyRunning", "JobNotFound", "Runner", "RunnerSettings", "Schedule",
           "ScheduleError", "SchedulerSettings", "SyncScheduler", "make_schedule"]
