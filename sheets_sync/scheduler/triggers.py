"""Job schedules: a cron expression or an interval in seconds, in a time zone.

Validation lives here so the API, the dashboard form and the scheduler agree on what a schedule
is; APScheduler's own parser decides what a valid cron expression is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from sheets_sync.errors import ScheduleError

MAX_INTERVAL = 366 * 24 * 3600


@dataclass(frozen=True)
class Schedule:
    """``anchor``: where an interval's ticks are counted from (a job's creation), so that every
    scheduler process, and the API's "next run", computes the same ticks of a job; without
    one, APScheduler counts from now."""

    cron: str | None
    interval_seconds: int | None
    timezone: str = "UTC"
    anchor: datetime | None = None

    def trigger(self) -> BaseTrigger:
        tz = zone(self.timezone)
        if self.cron is not None:
            try:
                return CronTrigger.from_crontab(self.cron, timezone=tz)
            except ValueError as e:
                raise ScheduleError.say("error.schedule_cron", cron=self.cron, why=e) from e
        if self.interval_seconds is None:
            raise ScheduleError.say("error.schedule_none")
        return IntervalTrigger(seconds=self.interval_seconds, start_date=self.anchor, timezone=tz)

    def fingerprint(self) -> str:
        text = f"{self.cron}|{self.interval_seconds}|{self.timezone}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def next_run(self, now: datetime) -> datetime | None:
        """The next time it fires at or after ``now``, in UTC."""
        when = self.trigger().get_next_fire_time(None, now)
        return when.astimezone(UTC) if when is not None else None

    def first_tick_after(self, since: datetime) -> datetime | None:
        """The first tick strictly after ``since``, in UTC."""
        return self.next_run(since + timedelta(microseconds=1))


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ScheduleError.say("error.schedule_zone", name=name) from e


def make_schedule(cron: str | None, interval_seconds: int | None,
                  timezone: str | None) -> Schedule:
    """A checked schedule: exactly one of ``cron`` and ``interval_seconds``."""
    cron = cron.strip() if cron else None
    if (cron is None) == (interval_seconds is None):
        raise ScheduleError.say("error.schedule_one")
    if interval_seconds is not None and not 1 <= interval_seconds <= MAX_INTERVAL:
        raise ScheduleError.say("error.schedule_interval", most=MAX_INTERVAL)
    schedule = Schedule(cron, interval_seconds, (timezone or "UTC").strip() or "UTC")
    schedule.trigger()  # raises ScheduleError when the cron or the zone is wrong
    return schedule
