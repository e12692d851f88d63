"""Jobs and runs for the API and the dashboard: create, change, look up, and show as JSON.

Both surfaces validate with the same pydantic models and call these functions, so a job made by
the form and one made by the API are the same thing.
"""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from funnel_kpi.errors import said_again
from sheets_sync.app.errors import ApiError
from sheets_sync.app.schemas import JobIn, JobOut, JobPatch, RunOut, ScheduleOut
from sheets_sync.backends.google import spreadsheet_id
from sheets_sync.errors import InputError, JobNotFound
from sheets_sync.files import is_xlsx
from sheets_sync.notify.jobs import add_notify, replace_notify
from sheets_sync.scheduler.service import job_schedule
from sheets_sync.store.models import Job, Run, utcnow

MAX_ID = 2**31 - 1  # ids are 32-bit on every database; larger ones cannot exist
SOURCE_FIELDS = ("spreadsheet", "input_tabs", "funnel", "output_tab")


def xlsx_root() -> Path:
    return Path(current_app.config["XLSX_ROOT"])


def check_spreadsheet(ref: str) -> str:
    """The reference as stored, or an ApiError that says what a good one is."""
    ref = ref.strip()
    if is_xlsx(ref):
        root = xlsx_root().resolve()
        path = (root / ref).resolve()
        if not path.is_relative_to(root):
            raise ApiError(422, "invalid_request", "error.api_outside_root",
                           {"root": str(root), "ref": ref},
                           [{"field": "spreadsheet", "message": "outside XLSX_ROOT"}])
        return ref
    try:
        spreadsheet_id(ref)
    except InputError as e:
        raise ApiError(422, "invalid_request", "error.api_bad_ref", {"why": e},
                       [{"field": "spreadsheet", "message": str(e)}]) from None
    return ref


def default_name(ref: str) -> str:
    if is_xlsx(ref):
        return PurePath(ref).stem or ref
    return spreadsheet_id(ref)


def get_job(s: Session, job_id: int) -> Job:
    job = s.get(Job, job_id) if 0 < job_id <= MAX_ID else None
    if job is None:
        raise JobNotFound(job_id)
    return job


def get_run(s: Session, run_id: int) -> Run:
    run = s.get(Run, run_id) if 0 < run_id <= MAX_ID else None
    if run is None:
        raise ApiError(404, "run_not_found", "error.api_no_run", {"run_id": run_id})
    return run


def _apply(job: Job, data: JobIn | JobPatch) -> None:
    given = data.model_fields_set
    if "spreadsheet" in given and data.spreadsheet is not None:
        job.spreadsheet = check_spreadsheet(data.spreadsheet)
    if "name" in given and data.name is not None:
        job.name = data.name.strip() or default_name(job.spreadsheet)
    for field in ("input_tabs", "funnel", "output_tab"):
        if field in given:
            setattr(job, field, getattr(data, field))
    if "schedule" in given:
        sched = data.schedule
        job.schedule_cron = sched.cron.strip() if sched and sched.cron else None
        job.schedule_interval = sched.interval_seconds if sched else None
        job.timezone = sched.timezone.strip() if sched else "UTC"
    if "enabled" in given and data.enabled is not None:
        if data.enabled and not job.enabled:  # resuming clears the pause
            job.paused_reason = job.paused_params = None
            job.consecutive_failures = 0
        job.enabled = data.enabled


def create_job(s: Session, data: JobIn) -> Job:
    job = Job(spreadsheet=check_spreadsheet(data.spreadsheet), name="", timezone="UTC",
              enabled=True, consecutive_failures=0)
    _apply(job, data)
    job.name = (data.name or "").strip() or default_name(job.spreadsheet)
    add_notify(s, job, data.notify)  # its notification settings (sheets_sync/notify/jobs.py)
    s.add(job)
    s.commit()
    return job


def update_job(s: Session, job: Job, data: JobPatch) -> Job:
    before = {f: getattr(job, f) for f in SOURCE_FIELDS}
    _apply(job, data)
    # A remembered layout belongs to the old source: keep it only while the source is the same.
    if data.reset_state or any(getattr(job, f) != v for f, v in before.items()):
        job.state = None
    if "notify" in data.model_fields_set:
        replace_notify(s, job, data.notify)
    job.updated_at = utcnow()
    s.commit()
    return job


def last_runs(s: Session, job_ids: list[int]) -> dict[int, Run]:
    if not job_ids:
        return {}
    latest = (select(Run.job_id, func.max(Run.id).label("id"))
              .where(Run.job_id.in_(job_ids)).group_by(Run.job_id).subquery())
    rows = s.scalars(select(Run).join(latest, Run.id == latest.c.id))
    return {r.job_id: r for r in rows}


def run_out(run: Run) -> RunOut:
    seconds = ((run.finished_at - run.started_at).total_seconds()
               if run.finished_at is not None else None)
    return RunOut(id=run.id, job_id=run.job_id, trigger=run.trigger,  # type: ignore[arg-type]
                  status=run.status, started_at=run.started_at,  # type: ignore[arg-type]
                  finished_at=run.finished_at, seconds=seconds, api_calls=run.api_calls,
                  retries=run.retries, cells_read=run.cells_read,
                  cells_written=run.cells_written, input_hash=run.input_hash,
                  problems=run.problems, data_status=run.data_status,  # type: ignore[arg-type]
                  error_code=run.error_code, error=run.error,
                  error_ru=said_again(run.error_key, run.error_params, "ru"))


def job_out(job: Job, last: Run | None) -> JobOut:
    sched = job_schedule(job)
    has_schedule = job.schedule_cron is not None or job.schedule_interval is not None
    return JobOut(
        id=job.id, name=job.name, spreadsheet=job.spreadsheet, input_tabs=job.input_tabs,
        funnel=job.funnel, output_tab=job.output_tab,
        schedule=ScheduleOut(cron=job.schedule_cron, interval_seconds=job.schedule_interval,
                             timezone=job.timezone) if has_schedule else None,
        enabled=job.enabled, paused_reason=job.paused_reason,
        paused_reason_ru=said_again("error.paused", job.paused_params, "ru")
        if job.paused_params else None,
        consecutive_failures=job.consecutive_failures,
        next_run_at=sched.next_run(utcnow()) if sched else None,
        last_run=run_out(last) if last else None,
        created_at=job.created_at, updated_at=job.updated_at)


def dump(model: Any) -> dict[str, Any]:
    out: dict[str, Any] = model.model_dump(mode="json")
    return out
