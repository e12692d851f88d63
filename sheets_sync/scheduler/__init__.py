"""Scheduled syncs: the runner that runs and records one job, and the APScheduler service."""

from sheets_sync.scheduler.runner import AlreadyRunning, JobNotFound, Runner, RunnerSettings
from sheets_sync.scheduler.service import SchedulerSettings, SyncScheduler
from sheets_sync.scheduler.triggers import Schedule, ScheduleError, make_schedule

__all__ = ["AlreadyRunning", "JobNotFound", "Runner", "RunnerSettings", "Schedule",
           "ScheduleError", "SchedulerSettings", "SyncScheduler", "make_schedule"]
