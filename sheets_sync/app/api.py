"""The JSON API under /api/v1: jobs, runs, reports (token required); /healthz (open)."""

from __future__ import annotations

from typing import Any, Literal

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from pydantic import BaseModel, ValidationError
from sqlalchemy import select, text

from funnel_kpi import (
    FunnelReport,
    GapSplit,
    ReportFormatError,
    registry,
    report_view,
    view_dict,
)
from funnel_kpi.errors import param_text
from sheets_sync.app.auth import require_token
from sheets_sync.app.encode import compress
from sheets_sync.app.errors import ApiError, invalid
from sheets_sync.app.jobs import (
    MAX_ID,
    create_job,
    dump,
    get_job,
    get_run,
    job_out,
    last_runs,
    run_out,
    update_job,
)
from sheets_sync.app.openapi import document
from sheets_sync.app.schemas import (
    HealthOut,
    JobIn,
    JobList,
    JobPatch,
    ReportOut,
    RunList,
    output_tab_problem,
)
from sheets_sync.app.store_ext import db, get_store, jobs_changed, local_scheduler, runner
from sheets_sync.errors import JobNotFound
from sheets_sync.number_formats import state_currency
from sheets_sync.store.models import RUN_STATUSES, Job, JobReport, Run

api = Blueprint("api", __name__, url_prefix="/api/v1")
api.after_request(compress)  # gzip for large answers (sheets_sync.app.encode)
health = Blueprint("health", __name__)
MAX_LIMIT = 500


def body(model: type[BaseModel]) -> Any:
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # [[[[...]]]] nested past Python's recursion limit
        raise ApiError(400, "bad_request", "error.api_too_deep") from None
    if data is None:
        raise ApiError(400, "bad_request" if request.data else "missing_body",
                       "error.api_json_body")
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise invalid(e) from None


def int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ApiError(400, "bad_parameter", "error.api_whole",
                       {"name": name, "low": low, "high": high})
    return value


@health.get("/healthz")
def healthz() -> Any:
    try:
        with get_store().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        database: Literal["ok", "unavailable"] = "ok"
    except Exception:  # any failure means "not healthy": the body says which part
        database = "unavailable"
    out = HealthOut(status="ok" if database == "ok" else "unavailable", database=database,
                    scheduler="running" if local_scheduler() else "not_in_this_process")
    return jsonify(dump(out)), 200 if database == "ok" else 503


@api.get("/jobs")
@require_token
def list_jobs() -> Any:
    s = db()
    jobs = list(s.scalars(select(Job).order_by(Job.id)))
    last = last_runs(s, [j.id for j in jobs])
    return jsonify(dump(JobList(jobs=[job_out(j, last.get(j.id)) for j in jobs])))


@api.post("/jobs")
@require_token
def post_job() -> Any:
    data: JobIn = body(JobIn)
    job = create_job(db(), data)
    jobs_changed()
    resp: Response = jsonify(dump(job_out(job, None)))
    resp.status_code = 201
    resp.headers["Location"] = url_for("api.get_job_", job_id=job.id)
    return resp


@api.get("/jobs/<int:job_id>")
@require_token
def get_job_(job_id: int) -> Any:
    s = db()
    job = get_job(s, job_id)
    return jsonify(dump(job_out(job, last_runs(s, [job.id]).get(job.id))))


@api.patch("/jobs/<int:job_id>")
@require_token
def patch_job(job_id: int) -> Any:
    s = db()
    job = get_job(s, job_id)
    data: JobPatch = body(JobPatch)
    given = data.model_fields_set
    problem = output_tab_problem(
        data.output_tab if "output_tab" in given else job.output_tab,
        data.spreadsheet if "spreadsheet" in given and data.spreadsheet else job.spreadsheet)
    if problem:
        raise ApiError(422, "invalid_request", "error.api_fix_field", {"problem": problem},
                       [{"field": "output_tab", "message": param_text(problem)}])
    update_job(s, job, data)
    jobs_changed()
    return jsonify(dump(job_out(job, last_runs(s, [job.id]).get(job.id))))


@api.delete("/jobs/<int:job_id>")
@require_token
def delete_job(job_id: int) -> Any:
    s = db()
    s.delete(get_job(s, job_id))
    s.commit()
    jobs_changed()
    return "", 204


@api.post("/jobs/<int:job_id>/run")
@require_token
def run_job(job_id: int) -> Any:
    """Run now, in this request; the finished run (its status may be "failed")."""
    get_job(db(), job_id)
    force = request.args.get("force", "").lower() in ("1", "true", "yes")
    run = runner().run(job_id, "api", force=force)  # AlreadyRunning: a 409 (app/errors.py)
    if run is None:  # deleted while it ran
        raise JobNotFound(job_id, "error.job_deleted")
    resp: Response = jsonify(dump(run_out(run)))
    resp.status_code = 201
    resp.headers["Location"] = url_for("api.get_run_", run_id=run.id)
    return resp


def _runs(job_id: int | None) -> Any:
    limit = int_arg("limit", 50, 1, MAX_LIMIT)
    before = int_arg("before", None, 1, MAX_ID)
    status = request.args.get("status")
    if status is not None and status not in RUN_STATUSES:
        raise ApiError(400, "bad_parameter", "error.api_status",
                       {"statuses": ", ".join(RUN_STATUSES)})
    q = select(Run).order_by(Run.id.desc()).limit(limit)
    if job_id is not None:
        q = q.where(Run.job_id == job_id)
    if before is not None:
        q = q.where(Run.id < before)
    if status is not None:
        q = q.where(Run.status == status)
    return jsonify(dump(RunList(runs=[run_out(r) for r in db().scalars(q)])))


@api.get("/runs")
@require_token
def list_runs() -> Any:
    """Runs of every job, newest first; filter with job_id, status; page with before=<run id>."""
    job_id = int_arg("job_id", None, 1, MAX_ID)
    return _runs(job_id)


@api.get("/jobs/<int:job_id>/runs")
@require_token
def list_job_runs(job_id: int) -> Any:
    get_job(db(), job_id)
    return _runs(job_id)


@api.get("/runs/<int:run_id>")
@require_token
def get_run_(run_id: int) -> Any:
    return jsonify(dump(run_out(get_run(db(), run_id))))


@api.get("/jobs/<int:job_id>/report")
@require_token
def job_report(job_id: int) -> Any:
    s = db()
    job = get_job(s, job_id)
    rep = s.get(JobReport, job_id)
    if rep is None:
        raise ApiError(404, "no_report", "error.api_no_report", {"job_id": job_id})
    try:  # a stored report that no longer reads is said so, not a 500
        report = FunnelReport.from_dict(rep.report)
    except ReportFormatError as e:
        raise ApiError(409, "bad_stored_report", "error.api_bad_stored_report",
                       {"job_id": job_id, "why": e}) from None
    lang = view_lang()
    if lang is not None:  # ?view=1: the report as the dashboard shows it (the stored plan too)
        plan = rep.report.get("plan")
        # as the job page: the spreadsheet locale's currency when the report names none
        return jsonify(view_dict(report_view(
            report, lang, plan=GapSplit.from_dict(plan) if plan else None,
            currency=state_currency(job.state))))
    out = ReportOut(job_id=job_id, run_id=rep.run_id, computed_at=rep.computed_at,
                    report=rep.report)
    return jsonify(dump(out))


def view_lang() -> str | None:
    """With ``?view=1``, the view's language (``lang=ru|en``, English by default); else None."""
    if not int_arg("view", 0, 0, 1):
        return None
    lang = request.args.get("lang") or "en"
    if lang not in ("ru", "en"):
        raise ApiError(400, "bad_parameter", "error.api_lang")
    return lang


@api.get("/kpis")
@require_token
def kpis() -> Any:
    """Every KPI (names, formulas, unit, direction, scope, the spreadsheet function and its
    arguments) and every spreadsheet function: the registry, as ``sheets-sync kpis --format
    json`` prints it."""
    return jsonify(registry.catalogue())


@api.get("/openapi.json")
def openapi() -> Any:
    return jsonify(document(current_app.config.get("API_TITLE", "sheets-sync")))
